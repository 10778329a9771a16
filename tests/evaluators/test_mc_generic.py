"""mc-generic: requests, acc / acc_norm / acc_bytes by hand and against lm-eval's formula, gold forms, errors."""
from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest
from goalgraph_builtins.evaluators.mc_generic import GenericMultipleChoice

from evaluators.fakes import TableLM
from goalgraph.evaluation.base import EvaluationError, run_items
from goalgraph.evaluation.data import load_records
from goalgraph.evaluation.templates import PromptTemplate

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "eval"
JSONL, CSV = FIXTURES / "mc_generic.jsonl", FIXTURES / "mc_generic.csv"


def ctx(question: str) -> str:
    return f"Question: {question}\nAnswer:"


def table(items: list[dict], lls: list[list[float]], delim: str = " ") -> dict:
    return {(ctx(it["question"]), delim + c): ll for it, row in zip(items, lls) for c, ll in zip(it["choices"], row)}


def raw_jsonl() -> list[dict]:
    return [json.loads(line) for line in JSONL.read_text(encoding="utf-8").splitlines() if line.strip()]


# -- lm-eval 0.4.13, api/task.py process_results for output_type multiple_choice, transcribed literally ------------
def lmeval_multiple_choice(lls: list[float], choices: list[str], gold) -> dict:
    argmax = lambda v: max(range(len(v)), key=v.__getitem__)  # first maximum, as np.argmax
    completion_len = [float(len(i)) for i in choices]
    byte_length = [float(len(i.encode("utf-8"))) for i in choices]
    pred = argmax(lls)
    pred_norm = argmax([a / b for a, b in zip(lls, completion_len)])
    pred_byte = argmax([a / b for a, b in zip(lls, byte_length)])
    if isinstance(gold, list):
        gold = [i if i < len(choices) else -100 for i in gold]
        return {"acc": 1.0 if pred in gold else 0.0, "acc_norm": 1.0 if pred_norm in gold else 0.0,
                "acc_bytes": 1.0 if pred_byte in gold else 0.0}
    if isinstance(gold, int):
        gold = gold if gold < len(choices) else -100
    elif isinstance(gold, str):
        gold = choices.index(gold) if gold in choices else -100
    return {"acc": 1.0 if pred == gold else 0.0, "acc_norm": 1.0 if pred_norm == gold else 0.0,
            "acc_bytes": 1.0 if pred_byte == gold else 0.0}


# Hand-made log-probs for the five fixture items, in file order.
HAND = [
    [-3.0, -2.0, -4.5],          # green/brown/pink, gold 0: brown wins raw (-2) and per char (-0.4)  → 0, 0, 0
    [-12.0, -7.0, -6.6, -9.0],   # Atlantic/Pacific/Indian/Arctic, gold "Pacific": raw Indian (-6.6);
                                 # per char -12/8=-1.5, -7/7=-1.0, -6.6/6=-1.1, -9/6=-1.5 → Pacific  → 0, 1, 1
    [-2.0, -3.0, -1.5, -4.0],    # 7/9/13/15, gold [0, 2]: raw 13; per char -2, -3, -0.75, -2 → 13     → 1, 1, 1
    [-3.0, -2.0, -4.0],          # iron/mercury/copper, gold 1: raw mercury; per char -0.75, -0.286, -0.667 → 1, 1, 1
    [-7.7, -20.0, -9.2],         # à Paris (7 chars, 8 bytes) / à Lyon / à Genève (8 chars, 10 bytes), gold 0:
                                 # raw Paris; per char -1.1 vs -1.15 → Paris; per byte -0.9625 vs -0.92 → Genève → 1, 1, 0
]


def test_fixture_loads_with_fields():
    for path in (JSONL, CSV):
        items = load_records(str(path), GenericMultipleChoice.fields)
        assert len(items) == 5
        assert items[0]["choices"] == ["green", "brown", "pink"]
        assert items[4]["choices"] == ["à Paris", "à Lyon", "à Genève"]


def test_requests_context_and_delimiter():
    items = load_records(str(JSONL), GenericMultipleChoice.fields)
    reqs = GenericMultipleChoice().requests(items[1])
    assert [(r.kind, r.context, r.continuation) for r in reqs] == [
        ("loglikelihood", "Question: What is the largest ocean on Earth?\nAnswer:", " " + c)
        for c in ["Atlantic", "Pacific", "Indian", "Arctic"]]
    reqs = GenericMultipleChoice(target_delimiter="\n").requests(items[1])
    assert [r.continuation for r in reqs] == ["\nAtlantic", "\nPacific", "\nIndian", "\nArctic"]
    reqs = GenericMultipleChoice(template=PromptTemplate("{{ question }} ->")).requests(items[1])
    assert reqs[0].context == "What is the largest ocean on Earth? ->"


def test_metrics_by_hand():
    items = load_records(str(JSONL), GenericMultipleChoice.fields)
    metrics, records = run_items(GenericMultipleChoice(), items, TableLM(table(items, HAND)))
    assert [(r["acc"], r["acc_norm"], r["acc_bytes"]) for r in records] == [
        (0.0, 0.0, 0.0), (0.0, 1.0, 1.0), (1.0, 1.0, 1.0), (1.0, 1.0, 1.0), (1.0, 1.0, 0.0)]
    assert [r["gold"] for r in records] == [0, 1, [0, 2], 1, 0]
    assert [(r["pred"], r["pred_norm"], r["pred_bytes"]) for r in records] == [
        (1, 1, 1), (2, 1, 1), (2, 2, 2), (1, 1, 1), (0, 0, 2)]
    assert records[0]["lls"] == [-3.0, -2.0, -4.5]
    assert metrics["acc"] == pytest.approx((0 + 0 + 1 + 1 + 1) / 5)
    assert metrics["acc_norm"] == pytest.approx((0 + 1 + 1 + 1 + 1) / 5)
    assert metrics["acc_bytes"] == pytest.approx((0 + 1 + 1 + 1 + 0) / 5)
    assert metrics["n"] == 5
    json.dumps(records)


def test_csv_variant_scores_the_same():
    items_j = load_records(str(JSONL), GenericMultipleChoice.fields)
    items_c = load_records(str(CSV), GenericMultipleChoice.fields)
    lm = TableLM(table(items_j, HAND))
    assert run_items(GenericMultipleChoice(), items_c, lm) == run_items(GenericMultipleChoice(), items_j, lm)


def test_ties_go_to_the_first_choice():
    item = {"question": "q", "choices": ["aaaa", "bbbb", "cc"], "answer": 0}
    lm = TableLM(fn=lambda c, x: {" aaaa": -2.0, " bbbb": -2.0, " cc": -5.0}[x])
    _, (rec,) = run_items(GenericMultipleChoice(), [item], lm)
    assert (rec["pred"], rec["pred_norm"], rec["acc"], rec["acc_norm"]) == (0, 0, 1.0, 1.0)
    _, (rec,) = run_items(GenericMultipleChoice(), [{**item, "answer": 1}], lm)
    assert (rec["acc"], rec["acc_norm"], rec["acc_bytes"]) == (0.0, 0.0, 0.0)


def test_string_and_multiple_gold_forms():
    ev = GenericMultipleChoice()
    choices = ["red", "green", "blue"]
    lm = TableLM(fn=lambda c, x: {" red": -3.0, " green": -1.0, " blue": -2.0}[x])
    for answer, acc in [(1, 1.0), ("green", 1.0), ("1", 1.0), ("blue", 0.0), ([0, 1], 1.0), (["red", "blue"], 0.0),
                        ("[1, 2]", 1.0), ([2], 0.0)]:
        _, (rec,) = run_items(ev, [{"question": "q", "choices": choices, "answer": answer}], lm)
        assert rec["acc"] == acc, answer


def test_numeric_choices_need_answer_is_when_ambiguous():
    item = {"question": "q", "choices": ["1", "2", "3"], "answer": "2"}
    with pytest.raises(EvaluationError, match="answer_is"):
        GenericMultipleChoice().requests(item)
    lm = TableLM(fn=lambda c, x: {" 1": -3.0, " 2": -1.0, " 3": -2.0}[x])
    _, (rec,) = run_items(GenericMultipleChoice(answer_is="text"), [item], lm)
    assert (rec["gold"], rec["acc"]) == (1, 1.0)
    _, (rec,) = run_items(GenericMultipleChoice(answer_is="index"), [item], lm)
    assert (rec["gold"], rec["acc"]) == (2, 0.0)
    # "3" as text is choice 2 and as an index is out of range: not ambiguous
    assert GenericMultipleChoice().requests({**item, "answer": "3"})
    with pytest.raises(EvaluationError, match="answer_is"):
        GenericMultipleChoice(answer_is="maybe")


def test_equals_lmeval_formula_on_random_logprobs():
    raw = raw_jsonl()
    items = load_records(str(JSONL), GenericMultipleChoice.fields)
    for seed in range(60):
        rng = random.Random(seed)
        if seed % 2:   # a few distinct values: many ties
            lls = [[rng.choice([-1.0, -2.0, -3.0, -4.0]) for _ in it["choices"]] for it in items]
        else:
            lls = [[rng.uniform(-40.0, -0.1) for _ in it["choices"]] for it in items]
        metrics, records = run_items(GenericMultipleChoice(), items, TableLM(table(items, lls)))
        expected = [lmeval_multiple_choice(row, it["choices"], it["answer"]) for row, it in zip(lls, raw)]
        for rec, exp in zip(records, expected):
            assert {k: rec[k] for k in exp} == exp
        for k in ("acc", "acc_norm", "acc_bytes"):
            assert metrics[k] == pytest.approx(math.fsum(e[k] for e in expected) / len(expected))


def test_missing_and_bad_fields_are_named(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"question": "q", "answer": 0}) + "\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match="'choices'"):
        load_records(str(bad), GenericMultipleChoice.fields)
    ev = GenericMultipleChoice()
    with pytest.raises(EvaluationError, match="'answer'"):
        ev.requests({"question": "q", "choices": ["a", "b"]})
    with pytest.raises(EvaluationError, match="item 1 has no field 'answer'"):
        ev.prepare([[{"question": "q", "choices": ["a", "b"], "answer": 0}, {"question": "q", "choices": ["a"]}]])
    with pytest.raises(EvaluationError, match="outside the 2 choices"):
        ev.requests({"question": "q", "choices": ["a", "b"], "answer": 2})
    with pytest.raises(EvaluationError, match="neither one of the 2 choices"):
        ev.requests({"question": "q", "choices": ["a", "b"], "answer": "c"})
    with pytest.raises(EvaluationError, match=r"'choices'\[1\]"):
        ev.requests({"question": "q", "choices": ["a", ""], "answer": 0})
    with pytest.raises(EvaluationError, match="question"):
        ev.requests({"choices": ["a", "b"], "answer": 0})


def test_question_is_optional_with_a_template_that_does_not_use_it():
    ev = GenericMultipleChoice(template=PromptTemplate("{{ passage }}\nQuestion: {{ query }}\nAnswer:"))
    item = {"passage": "P.", "query": "Q?", "choices": ["yes", "no"], "answer": "no"}
    assert load_records_like(item) == item
    assert [(r.context, r.continuation) for r in ev.requests(item)] == [("P.\nQuestion: Q?\nAnswer:", " yes"),
                                                                       ("P.\nQuestion: Q?\nAnswer:", " no")]
    assert ev.prepare([load_records(str(JSONL), GenericMultipleChoice.fields)])[4]["answer"] == "à Paris"


def load_records_like(item: dict) -> dict:
    from goalgraph.evaluation.data import check_record

    return check_record(item, GenericMultipleChoice.fields, 0, "inline", "mc-generic")
