"""Distribution arithmetic checked by hand: softmax with temperature, means, the zero-shot rule on vectors
written by hand, sentence splitting, value names, macro-F1 on a tiny confusion matrix, and the split."""
from __future__ import annotations

import math

import pytest

from goalgraph.errors import EvaluationError
from goalgraph.values.profiler import (
    MORAL_FOUNDATIONS,
    SCHWARTZ_VALUES,
    LabelledText,
    Profile,
    ZeroShotProfiler,
    confusion_matrix,
    holdout_split,
    macro_f1,
    mean_distribution,
    normalise_value,
    softmax,
    split_sentences,
)
from values_profiler.fakes import FakeEmbedder


def test_softmax_by_hand():
    # scores 1, 2, 3 at T = 1: e^-2, e^-1, 1 over their sum
    z = math.exp(-2) + math.exp(-1) + 1
    assert softmax([1, 2, 3]) == pytest.approx([math.exp(-2) / z, math.exp(-1) / z, 1 / z], abs=1e-12)
    assert softmax([1, 2, 3]) == pytest.approx([0.09003057, 0.24472847, 0.66524096], abs=1e-8)
    # T = 0.5 doubles the gaps: scores 2, 4, 6
    z = math.exp(-4) + math.exp(-2) + 1
    assert softmax([1, 2, 3], 0.5) == pytest.approx([math.exp(-4) / z, math.exp(-2) / z, 1 / z], abs=1e-12)
    # cosines 0.30 and 0.25 at the default T = 0.05: logits 6 and 5, so the odds are e : 1
    p = softmax([0.30, 0.25], 0.05)
    assert p[0] / p[1] == pytest.approx(math.e, rel=1e-9)
    assert p == pytest.approx([math.e / (1 + math.e), 1 / (1 + math.e)], abs=1e-12)


def test_softmax_properties():
    assert softmax([0.2, 0.2, 0.2, 0.2], 0.05) == pytest.approx([0.25] * 4)
    assert softmax([1000.0, 0.0]) == pytest.approx([1.0, 0.0])            # no overflow
    assert softmax([5.0, 6.0], 2.0) == pytest.approx(softmax([105.0, 106.0], 2.0))   # shift invariant
    assert softmax([]) == []
    hot, flat = softmax([0.1, 0.3, 0.2], 0.01), softmax([0.1, 0.3, 0.2], 10.0)
    assert max(hot) > 0.99 and max(flat) - min(flat) < 0.03            # T → 0: argmax; T → ∞: uniform
    for bad in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(EvaluationError, match="temperature"):
            softmax([1.0], bad)


def test_mean_distribution_and_profile():
    assert mean_distribution([[0.5, 0.5, 0.0], [0.1, 0.2, 0.7]]) == pytest.approx([0.3, 0.35, 0.35])
    assert mean_distribution([]) == []
    with pytest.raises(EvaluationError):
        mean_distribution([[1.0], [0.5, 0.5]])
    p = Profile(("a", "b", "c"), [[0.5, 0.5, 0.0], [0.1, 0.2, 0.7]])
    assert p.mean == pytest.approx([0.3, 0.35, 0.35])
    assert list(p.as_dict()) == ["a", "b", "c"] and p.as_dict(1) == {"a": 0.1, "b": 0.2, "c": 0.7}
    assert p.tops == ["a", "c"] and p.top() == "b"            # a tie goes to the earlier value


def test_zero_shot_rule_on_hand_written_vectors():
    # anchors at 0° and 90°; the answer at 60° from the first: cosines 1/2 and √3/2
    fake = FakeEmbedder({"about a.": [1, 0], "about b.": [0, 1], "answer": [1, math.sqrt(3)]})
    prof = ZeroShotProfiler(fake, {"a": "about a.", "b": "about b."}, temperature=0.5)
    p = prof.profile(["answer"])
    expected = softmax([0.5, math.sqrt(3) / 2], 0.5)
    assert p.distributions[0] == pytest.approx(expected, abs=1e-6)
    assert prof.distribution("answer") == pytest.approx(dict(zip("ab", expected)), abs=1e-6)
    assert p.values == ("a", "b") and p.top(0) == "b"


def test_sentence_anchor_is_the_normalised_mean_of_sentences():
    fake = FakeEmbedder({"First.": [1, 0, 0], "Second.": [0, 1, 0], "First. Second.": [0, 0, 1],
                         "Other.": [0, 0, 1], "x": [1, 1, 0]})
    sentences = ZeroShotProfiler(fake, {"v": "First. Second.", "w": "Other."}, temperature=1.0)
    r = 1 / math.sqrt(2)
    assert sentences.anchors[0].tolist() == pytest.approx([r, r, 0])
    assert sentences.similarities(["x"])[0].tolist() == pytest.approx([1.0, 0.0], abs=1e-6)
    whole = ZeroShotProfiler(fake, {"v": "First. Second.", "w": "Other."}, temperature=1.0, anchor="whole")
    assert whole.anchors[0].tolist() == pytest.approx([0, 0, 1])
    lists = ZeroShotProfiler(fake, {"v": ["First.", "Second."], "w": ["Other."]}, temperature=1.0)
    assert lists.anchors[0].tolist() == pytest.approx([r, r, 0])
    with pytest.raises(EvaluationError, match="empty"):
        ZeroShotProfiler(fake, {"v": "  "})
    with pytest.raises(EvaluationError, match="anchor"):
        ZeroShotProfiler(fake, {"v": "First."}, anchor="tokens")


def test_split_sentences():
    assert split_sentences("One thing. Two things! Three? e.g. not split. \"Quoted.\" End") == \
        ["One thing.", "Two things!", "Three? e.g. not split.", "\"Quoted.\"", "End"]
    assert split_sentences("  ") == []


def test_value_names():
    assert normalise_value("SELF-DIRECTION") == "self-direction"
    assert normalise_value("self_direction") == normalise_value("Self Direction") == "self-direction"
    assert normalise_value("Security: personal") == "security"
    assert normalise_value("Face") is None and normalise_value(None) is None
    assert normalise_value("Purity", MORAL_FOUNDATIONS) == "sanctity"
    assert normalise_value("care", SCHWARTZ_VALUES) is None


def test_macro_f1_by_hand():
    # gold:  a a a b b c      predicted: a a b b c c
    # a: TP 2, FP 0, FN 1 → 4/5;  b: TP 1, FP 1, FN 1 → 2/4;  c: TP 1, FP 1, FN 0 → 2/3
    gold, pred = list("aaabbc"), list("aabbcc")
    assert confusion_matrix(gold, pred, ["a", "b", "c"]) == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    score, per = macro_f1(gold, pred)
    assert per == pytest.approx({"a": 0.8, "b": 0.5, "c": 2 / 3})
    assert score == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)               # 0.6556
    # a label never in gold nor predicted does not count unless named; named, its F1 is 0
    assert macro_f1(gold, pred, ["a", "b", "c", "d"])[0] == pytest.approx((0.8 + 0.5 + 2 / 3) / 4)
    assert macro_f1(["a"], ["a"]) == (1.0, {"a": 1.0})
    with pytest.raises(EvaluationError):
        macro_f1(["a"], [])


def test_holdout_split_keeps_texts_together_and_is_seeded():
    examples = [LabelledText(f"t{v}{i}", v) for v in "abc" for i in range(10)]
    examples.append(LabelledText("ta0", "b"))                     # a text with two values
    train, test = holdout_split(examples, 0.2, seed=3)
    assert len(train) + len(test) == len(examples)
    assert not {e.text for e in train} & {e.text for e in test}
    assert sorted(sum(e.value == v for e in test) for v in "abc") in ([2, 2, 2], [2, 2, 3])
    assert holdout_split(examples, 0.2, seed=3) == (train, test)
    assert holdout_split(examples, 0.2, seed=4) != (train, test)
    assert holdout_split(examples, 0.0) == (examples, [])
    with pytest.raises(EvaluationError):
        holdout_split(examples, 1.0)


def test_orders_match_the_graph_and_profiles_become_value_vectors(graph):
    from goalgraph.values import load_theory

    schwartz, mft = load_theory(graph, "schwartz"), load_theory(graph, "moral-foundations")
    assert tuple(d.short for d in schwartz.dimensions) == SCHWARTZ_VALUES          # circumplex order
    assert {normalise_value(d.short, MORAL_FOUNDATIONS) for d in mft.dimensions} == set(MORAL_FOUNDATIONS)
    p = Profile(SCHWARTZ_VALUES, [[0.1] * 10, [0.3] + [0.7 / 9] * 9])
    vec = p.vector(schwartz)
    assert vec.complete and [round(x, 12) for x in vec.as_list()] == [round(x, 12) for x in p.mean]
    q = Profile(MORAL_FOUNDATIONS, [[0.5, 0.2, 0.1, 0.1, 0.1]])
    assert q.vector(mft, 0)["care-harm"] == 0.5 and q.vector(mft, 0)["sanctity"] == 0.1
