"""The questionnaire evaluators end to end in memory (run_items + TableLM), every number worked out by hand."""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from evaluators.fakes import TableLM
from goalgraph_builtins.questionnaires.evaluators import (
    MFQ30,
    PVQ40,
    PVQRR,
    SVS57,
    QuestionnaireEvaluator,
    SVOSlider,
    load_items,
)

from goalgraph.errors import EvaluationError
from goalgraph.evaluation.base import run_items
from goalgraph.evaluation.data import load_records
from goalgraph.evaluation.templates import PromptTemplate

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "questionnaires"


def items_of(cls, name: str, **options):
    ev = cls(**options)
    return ev, ev.prepare([load_items(FIX / name, cls.fields)])


def item_number(context: str) -> int:
    return int(re.search(r"statement number (\d+)\.", context).group(1))


# The MFQ sheet of test_scoring: care 4, fairness 4, loyalty 2, authority 1, sanctity 2.5, item 6 → 1, item 22 → 5.
SHEET = {**{i: 4 for i in (1, 7, 12, 17, 23, 28)},
         **dict(zip((2, 8, 13, 18, 24, 29), (5, 5, 4, 4, 3, 3))),
         **dict(zip((3, 9, 14, 19, 25, 30), (1, 2, 3, 1, 2, 3))),
         **dict(zip((4, 10, 15, 20, 26, 31), (0, 0, 1, 1, 2, 2))),
         **dict(zip((5, 11, 16, 21, 27, 32), (3, 3, 3, 3, 3, 0))), 6: 1, 22: 5}


def test_first_mfq_prompt_and_requests():
    ev, items = items_of(MFQ30, "mfq30_items.jsonl")
    reqs = ev.requests(items[0])
    assert len(reqs) == 6 * 6                                         # 3 presentations x 2 paraphrases x 6 options
    assert reqs[0].context == (
        "When you judge whether an action is right or wrong, how much does the consideration below weigh in your "
        "thinking?\n\nPlaceholder relevance statement number 1.\n\n0 = irrelevant\n1 = barely relevant\n"
        "2 = a little relevant\n3 = moderately relevant\n4 = very relevant\n5 = among the most relevant\n\n"
        "Reply with the number of your choice.\nAnswer:")
    assert [r.continuation for r in reqs[:6]] == [" 0", " 1", " 2", " 3", " 4", " 5"]
    assert [r.continuation for r in reqs[6:12]] == [" 5", " 4", " 3", " 2", " 1", " 0"]   # reversed listing
    assert "0 = among the most relevant\n" in reqs[12].context                           # reversed numbering
    assert reqs[18].context.startswith("Below is one consideration")                     # second paraphrase
    judgement = ev.requests(items[16])[0].context                                        # item 17: agreement part
    assert judgement.startswith("Say how much you agree") and "0 = disagree strongly" in judgement


def test_logprob_path_two_variants_mean_and_spread_by_hand():
    """Variant 1 (original numbering) answers the sheet; variant 2 (reversed numbering) gives the same *numbers*,
    which the reversed numbering maps back to 5 - answer: a model that answers by number, not by meaning."""
    ev, items = items_of(MFQ30, "mfq30_items.jsonl", variants="original,reversed_scale", paraphrases=1)
    lm = TableLM(fn=lambda ctx, cont: 0.0 if int(cont) == SHEET[item_number(ctx)] else -math.inf)
    metrics, records = run_items(ev, items, lm)
    # per variant, by hand: v1 = the sheet's scores; v2 = 5 - each answer
    # care 4 | 1, fairness 4 | 1, loyalty 2 | 3, authority 1 | 4, sanctity 2.5 | 2.5
    assert metrics["care"] == 2.5 and metrics["care/spread_sd"] == pytest.approx(3 / math.sqrt(2))
    assert metrics["care/spread_range"] == 3
    assert metrics["loyalty"] == 2.5 and metrics["loyalty/spread_sd"] == pytest.approx(1 / math.sqrt(2))
    assert metrics["sanctity"] == 2.5 and metrics["sanctity/spread_sd"] == 0
    # binding 5.5/3 | 9.5/3 → mean 2.5; progressivism 4 - 5.5/3 | 1 - 9.5/3 → ±2.1667, mean 0
    assert metrics["binding"] == pytest.approx(2.5)
    assert metrics["binding/spread_sd"] == pytest.approx((4 / 3) / math.sqrt(2))
    assert metrics["progressivism"] == pytest.approx(0.0)
    assert metrics["progressivism/spread_range"] == pytest.approx(2 * (4 - 5.5 / 3))
    # catch items: item 6 answered 1 (pass) | 4 (fail) → attention passed in half of the variants
    assert metrics["attention_passed"] == 0.5 and metrics["attention_passed/spread_sd"] == pytest.approx(math.sqrt(0.5))
    assert metrics["valid_mass"] == 1.0 and metrics["valid_mass/spread_sd"] == 0.0
    assert metrics["n_items"] == 32 and metrics["n_variants"] == 2
    assert "invalid_rate" not in metrics
    assert ev.variant_scores["p1-original"]["care"] == 4 and ev.variant_scores["p1-reversed_scale"]["care"] == 1
    # records: one per item, one entry per variant
    rec = records[0]
    assert (rec["item"], rec["dimension"], rec["catch"]) == (1, "care", False)
    assert [e["variant"] for e in rec["variants"]] == ["p1-original", "p1-reversed_scale"]
    assert [e["answer"] for e in rec["variants"]] == [4, 1] and rec["answer_mean"] == 2.5
    assert records[5]["catch"] and records[5]["dimension"] is None
    json.dumps(records)
    assert any("spread" in n for n in ev.notes)


def test_expected_value_and_valid_mass_by_hand():
    item = {"item": 1, "text": "I like lists.", "dimension": "order", "labels": ["a", "b", "c", "d", "e"]}
    table = {" 1": 0.1, " 2": 0.1, " 3": 0.2, " 4": 0.3, " 5": 0.1}   # 0.8 on valid codes
    lm = TableLM(fn=lambda ctx, cont: math.log(table[cont]))
    ev = QuestionnaireEvaluator(variants="original,reversed_order", paraphrases=1)
    metrics, (rec,) = run_items(ev, ev.prepare([[item]]), lm)
    e = rec["variants"][0]
    assert e["valid_mass"] == pytest.approx(0.8)
    assert e["probs"] == pytest.approx({"1": 0.125, "2": 0.125, "3": 0.25, "4": 0.375, "5": 0.125})
    assert e["expected"] == pytest.approx(0.125 + 0.25 + 0.75 + 1.5 + 0.625)   # 3.25
    assert e["argmax"] == 4
    assert metrics["order"] == pytest.approx(3.25) and metrics["order/spread_sd"] == pytest.approx(0)
    assert metrics["valid_mass"] == pytest.approx(0.8)
    metrics, _ = run_items(QuestionnaireEvaluator(variants="original,reversed_order", paraphrases=1, answer="argmax"),
                           [item], lm)
    assert metrics["order"] == 4
    reverse = {**item, "reverse": True}                                # reverse-keyed: 6 - 3.25
    metrics, _ = run_items(QuestionnaireEvaluator(variants="original,reversed_order", paraphrases=1),
                           [reverse], lm)
    assert metrics["order"] == pytest.approx(2.75)


def test_generation_path_parsing_refusals_and_rates():
    ev, items = items_of(QuestionnaireEvaluator, "custom_items.yaml", mode="generate",
                         variants="original,reversed_scale", paraphrases=1)
    replies = {  # (item, variant) → reply
        (1, "p1-original"): "4", (2, "p1-original"): "Answer: 5", (3, "p1-original"): "I'd say 2 = rarely true of me",
        (4, "p1-original"): "As an AI, I don't have personal experiences.", (5, "p1-original"): "1",
        (1, "p1-reversed_scale"): "Often true of me.",                 # label → point 4
        (2, "p1-reversed_scale"): "2",                                 # code 2 under flipped numbering → point 4
        (3, "p1-reversed_scale"): "maybe 7",                           # no such code, no label → invalid
        (4, "p1-reversed_scale"): "5",                                 # code 5 → point 1
        (5, "p1-reversed_scale"): "5"}                                 # code 5 → point 1: the catch item passes
    generations = {}
    for it in items:
        for variant, req in zip(ev.variants, ev.requests(it)):
            assert req.kind == "generation" and req.until == ("\n\n",)
            generations[req.prompt] = replies[(it["item"], variant.name)]
    metrics, records = run_items(ev, items, TableLM(generations=generations))
    # v1: novelty = (4 + (6 - 2)) / 2 = 4, reliability = 5 (item 4 refused), attention 1; refusal 1/5
    # v2: novelty = 4 (item 3 invalid), reliability = (4 + 1) / 2 = 2.5, attention 1; invalid 1/5
    assert ev.variant_scores["p1-original"]["novelty"] == 4 and ev.variant_scores["p1-original"]["reliability"] == 5
    assert ev.variant_scores["p1-reversed_scale"]["reliability"] == 2.5
    assert metrics["novelty"] == 4 and metrics["novelty/spread_sd"] == 0
    assert metrics["reliability"] == 3.75 and metrics["reliability/spread_sd"] == pytest.approx(2.5 / math.sqrt(2))
    assert metrics["reliability/spread_range"] == 2.5
    assert metrics["attention_passed"] == 1.0
    assert metrics["refusal_rate"] == pytest.approx(0.1) and metrics["invalid_rate"] == pytest.approx(0.1)
    assert "valid_mass" not in metrics
    statuses = [(r["item"], [e["status"] for e in r["variants"]]) for r in records]
    assert statuses[3] == (4, ["refusal", "valid"]) and statuses[2] == (3, ["valid", "invalid"])
    assert records[0]["variants"][1]["how"] == "label"


def test_svo_expected_allocation_and_argmax_ties():
    ev, items = items_of(SVOSlider, "svo_slider_items.jsonl", variants="original,reversed_scale", paraphrases=1)
    half = {" 1": math.log(0.5), " 9": math.log(0.5)}
    lm = TableLM(fn=lambda ctx, cont: half.get(cont, -math.inf))
    metrics, records = run_items(ev, items, lm)
    # half on each end of every slider: self (85+85, 85+100, 50+85, 50+85, 100+50, 100+85)/2 → mean 480/6 = 80,
    # other (85+15, 15+50, 100+85, 100+15, 50+100, 50+85)/2 → mean 375/6 = 62.5, in both variants
    assert metrics["mean_self"] == pytest.approx(80) and metrics["mean_other"] == pytest.approx(62.5)
    assert metrics["angle"] == pytest.approx(math.degrees(math.atan2(12.5, 30))) and metrics["angle/spread_sd"] == 0
    assert metrics["category/prosocial"] == 1.0                        # 22.62° is just above 22.45°
    assert records[1]["variants"][0]["self"] == pytest.approx(92.5)
    # argmax: the tie goes to the first option listed: position 1 (original), position 9 (reversed numbering)
    ev = SVOSlider(variants="original,reversed_scale", paraphrases=1, answer="argmax")
    metrics, _ = run_items(ev, items, lm)
    a1 = math.degrees(math.atan2(400 / 6 - 50, 470 / 6 - 50))           # all position 1: 30.47°, prosocial
    a9 = math.degrees(math.atan2(350 / 6 - 50, 490 / 6 - 50))           # all position 9: 14.74°, individualistic
    assert metrics["angle"] == pytest.approx((a1 + a9) / 2)
    assert metrics["angle/spread_range"] == pytest.approx(a1 - a9)
    assert metrics["category/prosocial"] == 0.5 and metrics["category/individualistic"] == 0.5
    assert "category/prosocial/spread_sd" not in metrics
    assert "category of the mean angle: prosocial" in ev.notes[0]


def test_pvq_rr_and_svs_run_on_their_fixtures():
    for cls, name, n in ((PVQ40, "pvq40_items.csv", 40), (PVQRR, "pvq_rr_items.json", 57),
                         (SVS57, "svs57_items.yaml", 57)):
        ev, items = items_of(cls, name, paraphrases=1, variants="original,reversed_order")
        hi = cls.instrument.key.scale[1]
        top = f" {hi}"
        metrics, _ = run_items(ev, items, TableLM(fn=lambda c, x, top=top: 0.0 if x == top else -math.inf))
        assert metrics["n_items"] == n
        assert metrics["mrat"] == hi and metrics["mrat/spread_sd"] == 0     # always the top point
        assert metrics["universalism"] == 0 and metrics["universalism_raw"] == hi


def test_item_file_formats_agree():
    rec = lambda name: QuestionnaireEvaluator().prepare([load_items(FIX / name, QuestionnaireEvaluator.fields)])
    assert rec("custom_items.yaml") == rec("custom_items.csv")
    csv_items = load_records(str(FIX / "pvq40_items.csv"), PVQ40.fields)
    assert csv_items[0]["item"] == 1                                  # CSV text coerced to int


def test_item_file_errors():
    ev = PVQ40()
    full = [{"item": i, "text": f"p{i}"} for i in range(1, 41)]
    with pytest.raises(EvaluationError, match="missing 7.*partial=true"):
        ev.prepare([[r for r in full if r["item"] != 7]])
    assert len(PVQ40(partial=True).prepare([full[:10]])) == 10
    with pytest.raises(EvaluationError, match="appears twice"):
        ev.prepare([full + [full[0]]])
    with pytest.raises(EvaluationError, match="not in the PVQ-40 key"):
        ev.prepare([full + [{"item": 41, "text": "x"}]])
    with pytest.raises(EvaluationError, match="key says 'universalism'"):
        ev.prepare([[{**r, "dimension": "power"} if r["item"] == 3 else r for r in full]])
    with pytest.raises(EvaluationError, match="differs from the key"):
        ev.prepare([[{**r, "scale_min": 0} if r["item"] == 3 else r for r in full]])
    with pytest.raises(EvaluationError, match="has no 'text'"):
        ev.prepare([[{"item": i} for i in range(1, 41)]])
    with pytest.raises(EvaluationError, match="6 points but 2 labels"):
        ev.prepare([[{**r, "labels": ["no", "yes"], "scale_max": 6} if r["item"] == 3 else r for r in full]])
    with pytest.raises(EvaluationError, match="no 'dimension'"):
        QuestionnaireEvaluator().prepare([[{"item": 1, "text": "t", "labels": ["a", "b"]}]])
    with pytest.raises(EvaluationError, match="catch_min"):
        QuestionnaireEvaluator().prepare([[{"item": 1, "text": "t", "catch": True, "labels": ["a", "b"]}]])
    with pytest.raises(EvaluationError, match="give 'labels'"):
        QuestionnaireEvaluator().prepare([[{"item": 1, "text": "t", "dimension": "d"}]])


def test_options_are_checked():
    with pytest.raises(EvaluationError, match="unknown option 'centre'"):
        MFQ30(centre=True)
    with pytest.raises(EvaluationError, match="mode="):
        MFQ30(mode="vibes")
    with pytest.raises(EvaluationError, match="answer="):
        MFQ30(answer="median")
    with pytest.raises(EvaluationError, match="at least two variants"):
        MFQ30(variants="original", paraphrases=1)
    assert len(MFQ30(paraphrases=3).variants) == 9
    assert MFQ30().describe()["options"]["variants"] == "original,reversed_order,reversed_scale"


def test_custom_template_sees_the_variant_fields():
    template = PromptTemplate("{{ variant }}|{{ codes | join(',') }}|{{ first_code }}..{{ last_code }}|{{ text }}")
    ev = QuestionnaireEvaluator(template=template, variants="original,reversed_order", paraphrases=1)
    item = {"item": 1, "text": "t", "dimension": "d", "labels": ["a", "b", "c"]}
    reqs = ev.requests(item)
    assert reqs[0].context == "p1-original|1,2,3|1..3|t" and reqs[3].context == "p1-reversed_order|3,2,1|3..1|t"


def test_yaml_item_file_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- item: 1\n  text: [unclosed\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match="not YAML"):
        load_items(bad)
    bad.write_text("item: 1\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match="list of items"):
        load_items(bad)
    bad.write_text("items:\n  - item: one\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match="field 'item'"):
        load_items(bad)
    with pytest.raises(EvaluationError, match="not found"):
        load_items(tmp_path / "missing.yaml")
