"""globalopinionqa: Jensen–Shannon by hand, the selections parser, softmax over options, per-country means,
both fixture formats, options and errors."""
from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from pathlib import Path

import pytest
from goalgraph_builtins.evaluators.global_opinions import (
    GlobalOpinionQA,
    SelectionsError,
    country_slug,
    js_distance,
    js_divergence,
    parse_options,
    parse_selections,
    similarity,
    softmax,
)

from evaluators.fakes import TableLM
from goalgraph.evaluation.base import EvaluationError, run_items
from goalgraph.evaluation.data import load_records
from goalgraph.evaluation.templates import PromptTemplate

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "eval"
JSONL, CSV = FIXTURES / "global_opinions.jsonl", FIXTURES / "global_opinions.csv"
log = math.log


def load(path: Path) -> list[dict]:
    return load_records(str(path), GlobalOpinionQA.fields)


def prepared(path: Path = JSONL, **options) -> tuple[GlobalOpinionQA, list[dict]]:
    ev = GlobalOpinionQA(**options)
    return ev, ev.prepare([load(path)])


def ref_similarity(p: list[float], q: list[float]) -> float:
    """Reference by the entropy form: JS = H(m) − (H(p) + H(q)) / 2 in bits; similarity = 1 − sqrt(JS)."""
    def h(d):
        return -sum(x * math.log2(x) for x in d if x > 0)
    m = [(a + b) / 2 for a, b in zip(p, q)]
    return 1 - math.sqrt(max(0.0, h(m) - (h(p) + h(q)) / 2))


# -- Jensen–Shannon ---------------------------------------------------------------------------------------------
def test_identical_distributions_are_fully_similar():
    for d in ([1.0], [0.5, 0.5], [0.2, 0.3, 0.5], [0.0, 1.0, 0.0]):
        assert js_divergence(d, d) == pytest.approx(0.0, abs=1e-15)
        assert similarity(d, d) == 1.0


def test_disjoint_distributions_are_not_similar_at_all():
    assert js_divergence([1.0, 0.0], [0.0, 1.0]) == pytest.approx(1.0)
    assert similarity([1.0, 0.0], [0.0, 1.0]) == pytest.approx(0.0)
    assert similarity([0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.25, 0.75]) == pytest.approx(0.0)


def test_worked_example_by_hand():
    # p = (1, 0), q = (½, ½), m = (¾, ¼).
    # KL(p‖m) = 1·log2(1 / ¾) = log2(4/3) = 0.4150375
    # KL(q‖m) = ½·log2(½ / ¾) + ½·log2(½ / ¼) = ½·log2(2/3) + ½ = −0.2924813 + 0.5 = 0.2075187
    # JS = ½·0.4150375 + ½·0.2075187 = 0.3112781;  distance = √0.3112781 = 0.5579230;  similarity = 0.4420770
    p, q = [1.0, 0.0], [0.5, 0.5]
    assert js_divergence(p, q) == pytest.approx(0.5 * math.log2(4 / 3) + 0.25 * math.log2(2 / 3) + 0.25, abs=1e-12)
    assert js_divergence(p, q) == pytest.approx(0.3112781, abs=1e-7)
    assert js_distance(p, q) == pytest.approx(0.5579230, abs=1e-7)
    assert similarity(p, q) == pytest.approx(0.4420770, abs=1e-7)
    assert similarity(q, p) == similarity(p, q)                      # symmetric


def test_nearly_equal_distributions_keep_their_small_distance():
    # per option JS ≈ (a+b)·d²/4 nats with d = (a−b)/(a+b) ≈ 1e-9: 2 · 1e-18/4 = 5e-19 nats = 7.2135e-19 bits
    p, q = [0.5 + 1e-9, 0.5 - 1e-9], [0.5, 0.5]
    assert js_divergence(p, q) == pytest.approx(5e-19 / math.log(2), rel=1e-6)
    assert js_distance(p, q) == pytest.approx(math.sqrt(5e-19 / math.log(2)), rel=1e-6)


def test_similarity_equals_reference_and_scipy_on_random_distributions():
    rng = random.Random(7)
    pairs = []
    for _ in range(200):
        n = rng.randint(2, 8)
        p = [rng.random() ** 3 for _ in range(n)]
        q = [rng.random() ** 3 for _ in range(n)]
        p, q = [x / sum(p) for x in p], [x / sum(q) for x in q]
        pairs.append((p, q))
        s = similarity(p, q)
        assert 0.0 <= s <= 1.0
        assert s == pytest.approx(ref_similarity(p, q), abs=1e-9)
    scipy_distance = pytest.importorskip("scipy.spatial.distance")
    for p, q in pairs:
        assert js_distance(p, q) == pytest.approx(float(scipy_distance.jensenshannon(p, q, base=2)), abs=1e-9)


# -- parsing ----------------------------------------------------------------------------------------------------
def test_selections_parser_reads_the_released_repr():
    text = ("defaultdict(<class 'list'>, {'Belgium': [0.45, 0.55], \"Cote d'Ivoire\": [0.3, 0.7], "
            "'Bosnia (Non-national sample)': [1e-1, .9], 'S\\'pore': [0, 1]})")
    assert parse_selections(text) == {"Belgium": [0.45, 0.55], "Cote d'Ivoire": [0.3, 0.7],
                                      "Bosnia (Non-national sample)": [0.1, 0.9], "S'pore": [0.0, 1.0]}
    assert parse_selections("defaultdict(<class 'list'>, {})") == {}
    assert parse_selections("{'A': [0.5, 0.5],}") == {"A": [0.5, 0.5]}             # a bare dict repr
    assert parse_selections('{"A": [0.5, 0.5], "B": [NaN, 1]}')["B"][1] == 1.0     # JSON, NaN included
    assert math.isnan(parse_selections("{'A': [nan, 1.0]}")["A"][0])
    assert parse_selections({"A": (1, 2)}) == {"A": [1.0, 2.0]}                     # a real dict


@pytest.mark.parametrize("text, why", [
    ("__import__('os').system('echo hi')", "expected '{'"),
    ("defaultdict(<class 'list'>, {'A': [__import__('os')]})", "expected a number"),
    ("defaultdict(<class 'list'>, {'A': [0.5, 0.5]}) or exit()", "unexpected text after the mapping"),
    ("{'A': [0.5, 0.5], 'A': [0.1, 0.9]}", "country 'A' appears twice"),
    ("{A: [0.5, 0.5]}", "expected a quoted country name"),
    ("{'A': 0.5}", "expected '\\['"),
    ("{'A': [0.5, 0.5]", "expected '}'"),
    ("defaultdict(<class 'list'>, {'A': [1.0]}", "expected '\\)'"),
    ('["A", [0.5]]', "expected '{'"),
])
def test_selections_parser_refuses_anything_else(text, why):
    with pytest.raises(SelectionsError, match=why) as info:
        parse_selections(text)
    assert "\n" not in str(info.value) and "defaultdict(<class 'list'>" in str(info.value)


def test_selections_parser_checks_real_mappings():
    with pytest.raises(SelectionsError, match="shares of 'A' contain 'x'"):
        parse_selections({"A": [0.5, "x"]})
    with pytest.raises(SelectionsError, match="shares of 'A' are float"):
        parse_selections({"A": 0.5})
    with pytest.raises(SelectionsError, match="expected a mapping"):
        parse_selections(3)


def test_options_parser():
    assert parse_options("['Yes', 'No', \"Don't know\"]") == ["Yes", "No", "Don't know"]
    assert parse_options(["Yes", "No"]) == ["Yes", "No"]
    assert parse_options("[1, 2.5]") == ["1", "2.5"]
    for bad in ("Yes, No", "__import__('os')", "{'a': 1}", "[['Yes']]"):
        with pytest.raises((TypeError, ValueError)):
            parse_options(bad)


def test_country_slugs():
    assert country_slug("Cote d'Ivoire") == "cote-d-ivoire"
    assert country_slug("Côte d’Ivoire") == "cote-d-ivoire"
    assert country_slug("Bosnia (Non-national sample)") == "bosnia-non-national-sample"
    assert GlobalOpinionQA.slugs(["Côte d'Ivoire", "Cote d'Ivoire", "Chad"]) == {
        "Chad": "chad", "Cote d'Ivoire": "cote-d-ivoire", "Côte d'Ivoire": "cote-d-ivoire-2"}


# -- fixtures and requests --------------------------------------------------------------------------------------
def test_both_fixture_files_load_and_prepare_to_the_same_items():
    raw_jsonl, raw_csv = load(JSONL), load(CSV)
    assert isinstance(raw_jsonl[0]["selections"], dict) and isinstance(raw_csv[0]["selections"], str)
    _, a = prepared(JSONL)
    _, b = prepared(CSV)
    assert a == b and len(a) == 3
    assert a[1]["selections"]["Ruritania"] == [50.0, 30.0, 20.0]
    assert a[2]["options"] == ["Yes", "No", "Don't know"]
    assert [it["source"] for it in a] == ["GAS", "WVS", "GAS"]


def test_requests_list_lettered_options():
    ev, its = prepared()
    reqs = ev.requests(its[2])
    context = ("The following question comes from a public opinion survey.\n\n"
               "Question: Should your city build cycling lanes on more of its streets?\n"
               "A. Yes\nB. No\nC. Don't know\nAnswer:")
    assert [(r.kind, r.context, r.continuation) for r in reqs] == [
        ("loglikelihood", context, " A"), ("loglikelihood", context, " B"), ("loglikelihood", context, " C")]
    # the raw (unprepared) item gives the same requests
    assert GlobalOpinionQA().requests(load(CSV)[2]) == reqs


def test_answer_formats_and_template_names():
    it = prepared()[1][0]
    nums = GlobalOpinionQA(answer_format="numbers").requests(it)
    assert [r.continuation for r in nums] == [" 1", " 2"] and "\n1. Yes\n2. No\n" in nums[0].context
    text = GlobalOpinionQA(answer_format="text").requests(it)
    assert [r.continuation for r in text] == [" Yes", " No"] and "\nA. Yes\nB. No\n" in text[0].context
    tpl = PromptTemplate("Q: {{ question }}{% for o in options %} [{{ labels[loop.index0] }}] {{ o }}{% endfor %}\n"
                         "A:")
    reqs = GlobalOpinionQA(template=tpl).requests(it)
    assert reqs[0].context == ("Q: Would you favour longer opening hours for the public library in your town? "
                               "[A] Yes [B] No\nA:")
    with pytest.raises(EvaluationError, match="answer_format='words'"):
        GlobalOpinionQA(answer_format="words")


# -- scoring ----------------------------------------------------------------------------------------------------
def test_softmax_over_options_by_hand():
    e = math.exp
    assert softmax([-1.0, -2.0, -3.0]) == pytest.approx(
        [e(-1) / (e(-1) + e(-2) + e(-3)), e(-2) / (e(-1) + e(-2) + e(-3)), e(-3) / (e(-1) + e(-2) + e(-3))])
    assert softmax([-1000.0, -1000.0]) == [0.5, 0.5]                     # no underflow
    ev, its = prepared()
    lm = TableLM(fn=lambda ctx, cont: {" A": -1.0, " B": -2.0, " C": -3.0}[cont])
    _, records = run_items(ev, its, lm)
    rec = records[2]
    z = e(-1) + e(-2) + e(-3)
    assert rec["lls"] == [-1.0, -2.0, -3.0]
    assert rec["probs"] == pytest.approx([e(-1) / z, e(-2) / z, e(-3) / z], abs=1e-15)
    assert rec["pred"] == 0
    # Ruritania on the third question: shares (0.3, 0.3, 0.4) against the model's (0.665, 0.245, 0.090)
    assert rec["similarity"]["Ruritania"] == pytest.approx(ref_similarity(rec["probs"], [0.3, 0.3, 0.4]), abs=1e-12)
    assert len(lm.seen) == 2 + 3 + 3


# Model log-probs per question (by the label's continuation), shifted by a constant: the softmax removes it.
MODEL = {
    "library": {" A": log(0.8) - 3, " B": log(0.2) - 3},                               # = Borduria's shares
    "neighbours": {" A": log(0.2) - 5, " B": log(0.3) - 5, " C": log(0.5) - 5},          # = Syldavia's
    "cycling": {" A": log(0.3), " B": log(0.3), " C": log(0.4)},                         # = Ruritania's
}


def fixture_lm() -> TableLM:
    def fn(context: str, continuation: str) -> float:
        key = next(k for k in MODEL if k in context)
        return MODEL[key][continuation]
    return TableLM(fn=fn)


P1, P2, P3 = [0.8, 0.2], [0.2, 0.3, 0.5], [0.3, 0.3, 0.4]
EXPECTED = {
    # Borduria answers all three questions
    "Borduria": [1.0, ref_similarity(P2, [0.6, 0.3, 0.1]), ref_similarity(P3, [0.5, 0.4, 0.1])],
    "Syldavia": [ref_similarity(P1, [0.3, 0.7]), 1.0, ref_similarity(P3, [0.1, 0.8, 0.1])],
    # Ruritania is missing from the first question; its shares on the second are percentages (50, 30, 20)
    "Ruritania": [ref_similarity(P2, [0.5, 0.3, 0.2]), 1.0],
    # Pays d'Utopie: on the first only (two shares for three options on the second: skipped; absent on the third)
    "Pays d'Utopie": [ref_similarity(P1, [0.5, 0.5])],
}


@pytest.mark.parametrize("path", [JSONL, CSV])
def test_per_country_means(path):
    ev, its = prepared(path)
    metrics, records = run_items(ev, its, fixture_lm())
    slugs = {"Borduria": "borduria", "Syldavia": "syldavia", "Ruritania": "ruritania", "Pays d'Utopie": "pays-d-utopie"}
    for country, sims in EXPECTED.items():
        assert metrics[f"similarity/{slugs[country]}"] == pytest.approx(sum(sims) / len(sims), abs=1e-9)
        assert metrics[f"n_questions/{slugs[country]}"] == len(sims)
    assert records[0]["similarity"]["Borduria"] == pytest.approx(1.0)
    assert records[1]["skipped_length"] == ["Pays d'Utopie"] and "Pays d'Utopie" not in records[1]["similarity"]
    assert "Ruritania" not in records[0]["similarity"]
    means = {c: sum(s) / len(s) for c, s in EXPECTED.items()}
    best, worst = max(means, key=means.get), min(means, key=means.get)
    assert metrics["similarity_max"] == pytest.approx(means[best])
    assert metrics["similarity_min"] == pytest.approx(means[worst])
    assert (metrics["n_questions"], metrics["n_countries"], metrics["n_skipped_length"]) == (3, 4, 1)
    assert f"most_similar: {best} ({means[best]:.4f})" in ev.notes
    assert f"least_similar: {worst} ({means[worst]:.4f})" in ev.notes
    assert ev.most_similar == [best] and ev.least_similar == [worst]
    assert any("1 (question, country) pair(s) skipped" in n for n in ev.notes)
    json.dumps(records)
    assert all(isinstance(v, float) for v in metrics.values())


def test_country_and_source_filters():
    ev, its = prepared(countries="ruritania, Pays d'Utopie")
    assert len(its) == 3                      # every question has one of them
    metrics, _ = run_items(ev, its, fixture_lm())
    assert {k for k in metrics if k.startswith("similarity/")} == {"similarity/ruritania", "similarity/pays-d-utopie"}
    assert metrics["n_countries"] == 2
    ev, its = prepared(countries="Pays d'Utopie")
    assert len(its) == 2 and "1 question(s) left out: no shares for the chosen countries" in ev.notes
    ev, its = prepared(sources="wvs")
    assert [it["source"] for it in its] == ["WVS"]
    with pytest.raises(EvaluationError, match="option countries names 'atlantis'"):
        prepared(countries="Borduria,Atlantis")


def test_min_questions_and_ties():
    ev, its = prepared(min_questions=2)
    metrics, _ = run_items(ev, its, fixture_lm())
    assert "similarity/pays-d-utopie" in metrics                   # reported, but not ranked
    assert "Pays d'Utopie" not in ev.most_similar + ev.least_similar
    item = {"question": "q", "options": ["Yes", "No"], "selections": {"B": [0.5, 0.5], "A": [0.5, 0.5]}}
    ev = GlobalOpinionQA()
    metrics, _ = run_items(ev, [item], TableLM(fn=lambda c, x: -1.0))
    assert metrics["similarity/a"] == metrics["similarity/b"] == pytest.approx(1.0)
    assert ev.most_similar == ev.least_similar == ["A", "B"]


def test_zero_and_nan_shares_are_skipped_and_counted():
    item = {"question": "q", "options": ["Yes", "No"], "selections": "{'A': [0, 0], 'B': [nan, 1], 'C': [1, 3]}"}
    ev = GlobalOpinionQA()
    metrics, (rec,) = run_items(ev, ev.prepare([[item]]), TableLM(fn=lambda c, x: {" A": log(0.25), " B": log(0.75)}[x]))
    assert rec["skipped_invalid"] == ["A", "B"]
    assert metrics["similarity/c"] == pytest.approx(1.0) and metrics["n_skipped_invalid"] == 2


# -- errors -----------------------------------------------------------------------------------------------------
def test_missing_field_is_named(tmp_path):
    good = json.loads(JSONL.read_text(encoding="utf-8").splitlines()[0])
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(good) + "\n" + json.dumps({k: v for k, v in good.items() if k != "selections"}) + "\n",
                   encoding="utf-8")
    with pytest.raises(EvaluationError, match="item 1 has no field 'selections'"):
        load_records(str(bad), GlobalOpinionQA.fields)
    with pytest.raises(EvaluationError, match="item 0 has no field 'options'"):
        GlobalOpinionQA().prepare([[{"question": "q", "selections": {"A": [1.0]}}]])


def test_bad_fields_are_named_with_the_item():
    good = load(CSV)
    ev = GlobalOpinionQA()
    cases = [
        ({"selections": "defaultdict(<class 'list'>, {'A': [eval('1')]})"}, "item 2: field 'selections': expected a number"),
        ({"selections": "{}"}, "item 2: field 'selections' has no countries"),
        ({"selections": {"A": [-0.1, 1.1, 0.0]}}, "item 2: field 'selections' gives 'A' the share -0.1"),
        ({"options": "Yes or No"}, "item 2: field 'options' is not a list literal"),
        ({"options": "[]"}, "item 2: field 'options' is an empty list"),
        ({"options": {"a": 1}}, "item 2: field 'options' is dict"),
    ]
    for change, message in cases:
        with pytest.raises(EvaluationError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
            ev.prepare([good[:2] + [{**good[2], **change}]])
        assert "\n" not in str(info.value)


def test_single_option_questions_are_left_out_and_answers_must_match():
    ev = GlobalOpinionQA()
    items = ev.prepare([[{"question": "q", "options": ["Only"], "selections": {"A": [1.0]}}]])
    assert items == [] and "1 question(s) left out: fewer than two options" in ev.notes
    it = prepared()[1][0]
    with pytest.raises(EvaluationError, match="1 answers for 2 options"):
        GlobalOpinionQA().score(it, [(-1.0, False)])
    with pytest.raises(EvaluationError, match="27 options"):
        GlobalOpinionQA().requests({**it, "options": [f"o{i}" for i in range(27)]})
    assert len(GlobalOpinionQA(answer_format="numbers").requests({**it, "options": [f"o{i}" for i in range(27)]})) == 27


def test_module_imports_without_torch_or_numpy():
    code = ("import sys; import goalgraph_builtins.evaluators.global_opinions; "
            "bad = [m for m in ('torch', 'transformers', 'numpy') if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)
