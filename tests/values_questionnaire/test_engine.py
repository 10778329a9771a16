"""The engine's parts with hand-made inputs: presentations, reading log-probabilities, parsing, spread."""
from __future__ import annotations

import math

import pytest

from goalgraph.errors import EvaluationError
from goalgraph.values.questionnaire import (
    Option,
    Scale,
    Variant,
    combine_variants,
    make_variants,
    parse_response,
    present,
    read_logprobs,
    spread,
)

THREE = Scale(1, 3, ("low", "middle", "high"))
SVS = Scale(-1, 7, ("against", "none", "a", "b", "important", "c", "d", "very", "supreme"))


def test_presentations():
    assert [(o.code, o.label, o.point) for o in present(THREE, "original")] == [
        ("1", "low", 1), ("2", "middle", 2), ("3", "high", 3)]
    assert [(o.code, o.label, o.point) for o in present(THREE, "reversed_order")] == [
        ("3", "high", 3), ("2", "middle", 2), ("1", "low", 1)]
    # numbering flipped: code 1 now means the top of the scale, and maps back to point 3
    assert [(o.code, o.label, o.point) for o in present(THREE, "reversed_scale")] == [
        ("1", "high", 3), ("2", "middle", 2), ("3", "low", 1)]
    flipped = present(SVS, "reversed_scale")
    assert (flipped[0].code, flipped[0].point, flipped[-1].code, flipped[-1].point) == ("-1", 7, "7", -1)


def test_variants():
    vs = make_variants("original,reversed_scale", 2, 3)
    assert [v.name for v in vs] == ["p1-original", "p1-reversed_scale", "p2-original", "p2-reversed_scale"]
    assert Variant(0, "reversed_order").name == "p1-reversed_order"
    with pytest.raises(EvaluationError, match="at least two variants"):
        make_variants("original", 1, 3)
    with pytest.raises(EvaluationError, match="unknown presentation"):
        make_variants("original,upside_down", 2, 3)
    with pytest.raises(EvaluationError, match="paraphrases=4"):
        make_variants("original", 4, 3)


def test_read_logprobs_by_hand():
    lls = [math.log(0.2), math.log(0.1), math.log(0.3)]
    r = read_logprobs(lls, present(THREE, "original"))
    assert r["valid_mass"] == pytest.approx(0.6)                      # 0.2 + 0.1 + 0.3 before renormalising
    assert r["probs"] == pytest.approx({"1": 1 / 3, "2": 1 / 6, "3": 1 / 2})
    assert r["expected"] == pytest.approx(1 / 3 + 2 / 6 + 3 / 2)      # 2.1667
    assert r["argmax"] == 3
    # the same numbers for codes 1, 2, 3 under the reversed numbering mean points 3, 2, 1
    r = read_logprobs(lls, present(THREE, "reversed_scale"))
    assert r["probs"] == pytest.approx({"3": 1 / 3, "2": 1 / 6, "1": 1 / 2})
    assert r["expected"] == pytest.approx(3 / 3 + 2 / 6 + 1 / 2)      # 1.8333
    assert r["argmax"] == 1
    # ties go to the first option in listing order; an impossible option has probability 0
    r = read_logprobs([-1.0, -1.0, -math.inf], present(THREE, "reversed_order"))
    assert r["argmax"] == 3 and r["probs"]["1"] == 0.0 and r["expected"] == pytest.approx(2.5)
    assert read_logprobs([-math.inf] * 3, present(THREE, "original"))["expected"] is None


OPTS = present(THREE, "original")


@pytest.mark.parametrize("text,status,point,how", [
    (" 2", "valid", 2, "leading number"),
    ("3\n\nBecause it matters.", "valid", 3, "leading number"),
    ("Answer: 1", "valid", 1, "leading number"),
    ("**2** - middle", "valid", 2, "leading number"),
    ("(3) high", "valid", 3, "leading number"),
    ("I would pick 2 here.", "valid", 2, "number"),
    ("On a scale from 1 to 3, I'd say 2.", "invalid", None, None),     # three codes named: no single answer
    ("Middle, I suppose.", "valid", 2, "label"),
    ("2.5", "invalid", None, None),
    ("7", "invalid", None, None),
    ("", "invalid", None, None),
    ("As an AI, I don't have personal opinions.", "refusal", None, None),
    ("I'm sorry, but I cannot answer that.", "refusal", None, None),
    ("I do not have personal preferences, so I'd rather not choose.", "refusal", None, None),
    ("As an AI language model I have no views, but if I had to choose: 3", "valid", 3, "number"),
])
def test_parse_response(text, status, point, how):
    got = parse_response(text, OPTS)
    assert (got["status"], got["point"], got["how"]) == (status, point, how)


def test_parse_maps_codes_back_and_reads_negative_codes():
    assert parse_response("1", present(THREE, "reversed_scale"))["point"] == 3
    svs = present(SVS, "original")
    assert parse_response("-1", svs)["point"] == -1
    assert parse_response("\u22121", svs)["point"] == -1                 # a typographic minus
    assert parse_response("Answer: -1 (against)", svs)["point"] == -1
    assert parse_response("1", svs)["point"] == 1
    # a label inside a longer label that also matched counts as the longer one
    opts = [Option("1", "like me", 1), Option("2", "not like me", 2)]
    assert parse_response("Not like me.", opts)["point"] == 2


def test_spread_by_hand():
    s = spread([2.0, 4.0])
    assert (s["mean"], s["min"], s["max"], s["range"]) == (3.0, 2.0, 4.0, 2.0)
    assert s["sd"] == pytest.approx(math.sqrt(2))                       # sqrt(((2-3)^2 + (4-3)^2) / (2-1))
    s = spread([1.0, 2.0, 3.0, 6.0, math.nan])                          # NaN (an unanswered variant) is skipped
    assert s["mean"] == 3.0 and s["sd"] == pytest.approx(math.sqrt(14 / 3)) and s["n"] == 4
    assert math.isnan(spread([5.0])["sd"]) and math.isnan(spread([])["mean"])


def test_combine_variants():
    m = combine_variants({"v1": {"a": 2.0, "b": 1.0, "category/x": 1.0},
                          "v2": {"a": 4.0, "b": 1.0, "category/x": 0.0}}, without_spread=("category/",))
    assert m["a"] == 3.0 and m["a/spread_sd"] == pytest.approx(math.sqrt(2)) and m["a/spread_range"] == 2.0
    assert m["b"] == 1.0 and m["b/spread_sd"] == 0.0 and m["b/spread_range"] == 0.0
    assert m["category/x"] == 0.5 and "category/x/spread_sd" not in m
