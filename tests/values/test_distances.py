"""Distances against values worked out by hand."""
from __future__ import annotations

import math

import pytest

from goalgraph.values import (
    DISTANCES,
    ValueVector,
    ValueVectorError,
    cosine,
    distance,
    get_metric,
    jensen_shannon,
    l1,
    l2,
    normalised_mse,
)

A = [1.0, 2.0, 3.0]
B = [2.0, 2.0, 5.0]


# -- by hand on a = (1, 2, 3), b = (2, 2, 5) ------------------------------------------------------------
def test_l1_by_hand():
    # |1-2| + |2-2| + |3-5| = 1 + 0 + 2 = 3
    assert l1(A, B) == 3.0


def test_l2_by_hand():
    # sqrt(1^2 + 0^2 + 2^2) = sqrt(5) = 2.2360679...
    assert l2(A, B) == pytest.approx(math.sqrt(5))
    assert l2(A, B) == pytest.approx(2.2360679775)


def test_cosine_by_hand():
    # a.b = 2 + 4 + 15 = 21; |a| = sqrt(14); |b| = sqrt(4 + 4 + 25) = sqrt(33)
    # cos = 21 / sqrt(462) = 21 / 21.494185... = 0.977008...; distance = 0.022991...
    assert cosine(A, B) == pytest.approx(1 - 21 / math.sqrt(462))
    assert cosine(A, B) == pytest.approx(0.0229915, abs=1e-6)
    assert cosine([1, 0], [0, 1]) == pytest.approx(1.0)      # orthogonal
    assert cosine([1, 2], [-1, -2]) == pytest.approx(2.0)    # opposite
    assert cosine([1, 2], [2, 4]) == pytest.approx(0.0)      # same direction
    with pytest.raises(ValueVectorError, match="zero vector"):
        cosine([0, 0], [1, 2])


def test_jsd_by_hand():
    # P = (1/2, 1/2), Q = (1, 0), M = (3/4, 1/4)
    # KL(P||M) = 1/2 log2((1/2)/(3/4)) + 1/2 log2((1/2)/(1/4)) = 1/2 (1 - log2 3) + 1/2 = 1 - 1/2 log2 3
    # KL(Q||M) = 1 * log2(1/(3/4)) = 2 - log2 3
    # JSD = (KL(P||M) + KL(Q||M)) / 2 = 3/2 - 3/4 log2 3 = 0.3112781...; distance = sqrt = 0.5579230...
    expected = math.sqrt(1.5 - 0.75 * math.log2(3))
    assert jensen_shannon([0.5, 0.5], [1.0, 0.0]) == pytest.approx(expected)
    assert expected == pytest.approx(0.557923, abs=1e-6)
    # inputs are normalised first: (2, 2) and (4, 0) are the same two distributions
    assert jensen_shannon([2, 2], [4, 0]) == pytest.approx(expected)


def test_jsd_symmetric_and_bounded():
    assert jensen_shannon([1, 2, 3], [1, 2, 3]) == 0.0                    # identical
    assert jensen_shannon([1, 2, 3], [2, 4, 6]) == pytest.approx(0.0)     # proportional: same distribution
    assert jensen_shannon([1, 0], [0, 1]) == pytest.approx(1.0)           # disjoint supports
    assert jensen_shannon([3, 1, 0, 0], [0, 0, 2, 5]) == pytest.approx(1.0)
    pairs = [([1, 2, 3], [3, 2, 1]), ([0.1, 0.9], [0.8, 0.2]), ([5, 1, 1, 1], [1, 1, 1, 5]), (A, B)]
    for p, q in pairs:
        d = jensen_shannon(p, q)
        assert 0.0 <= d <= 1.0
        assert d == pytest.approx(jensen_shannon(q, p))


def test_nmse_by_hand():
    # a = (1, 6, 3), b = (2, 4, 3): squared errors 1, 4, 0 -> MSE 5/3; / (6 - 1)^2 = 5/75 = 1/15
    assert normalised_mse([1, 6, 3], [2, 4, 3]) == pytest.approx(1 / 15)
    # same thing the authors' way: rescale each score with (s - 1) / 5, then plain MSE
    a01 = [(s - 1) / 5 for s in (1, 6, 3)]
    b01 = [(s - 1) / 5 for s in (2, 4, 3)]
    assert normalised_mse([1, 6, 3], [2, 4, 3]) == pytest.approx(sum((x - y) ** 2 for x, y in zip(a01, b01)) / 3)
    # the extremes of the scale are 1 apart
    assert normalised_mse([1, 1], [6, 6]) == pytest.approx(1.0)
    assert normalised_mse([4, 4], [4, 4]) == 0.0
    # another scale: (1, 5) vs (3, 5) on 1..5 -> MSE (4 + 0) / 2 = 2; / 16 = 0.125
    assert normalised_mse([1, 5], [3, 5], scale=(1, 5)) == pytest.approx(0.125)
    with pytest.raises(ValueVectorError, match="outside the scale"):
        normalised_mse([0, 3], [3, 3])


# -- dispatch and registry -------------------------------------------------------------------------
def test_dispatch_and_aliases():
    assert set(DISTANCES) == {"l1", "l2", "cosine", "jsd", "nmse"}
    assert distance(A, B, "l1") == 3.0
    assert distance(A, B, metric="euclidean") == pytest.approx(math.sqrt(5))
    assert distance([1, 6, 3], [2, 4, 3], "nmse") == pytest.approx(1 / 15)
    assert distance([1, 6, 3], [2, 4, 3], "kang-nmse", scale=(1, 6)) == pytest.approx(1 / 15)
    assert distance([1, 0], [0, 1], "JS") == pytest.approx(1.0)
    assert get_metric("jsd").bounds == (0.0, 1.0) and get_metric("nmse").paper.endswith("paper/kang-2023-values")
    assert all(m.direction == "lower" for m in DISTANCES.values())
    with pytest.raises(ValueVectorError) as err:
        distance(A, B, "hamming")
    assert "l1, l2, cosine, jsd, nmse" in str(err.value)


# -- vectors -------------------------------------------------------------------------------------------
def test_on_value_vectors(schwartz):
    a = ValueVector.from_list(schwartz, [4, 3, 3, 4, 2, 5, 4, 3, 5, 5])
    b = ValueVector.from_list(schwartz, [4, 3, 3, 4, 2, 5, 4, 3, 5, 6])   # universalism differs by 1
    assert l1(a, b) == 1.0 and l2(a, b) == 1.0
    assert normalised_mse(a, b) == pytest.approx(1 / 10 / 25)
    assert jensen_shannon(a, a) == 0.0
    for name in DISTANCES:
        assert distance(a, b, name) >= 0.0


def test_refuses_mismatches(schwartz, mft):
    s = ValueVector.from_list(schwartz, [3] * 10)
    m = ValueVector.from_list(mft, [3] * 5)
    for name in DISTANCES:
        with pytest.raises(ValueVectorError, match="different theories"):
            distance(s, m, name)
        with pytest.raises(ValueVectorError, match="different lengths"):
            distance([1, 2, 3], [1, 2], name)
    partial = ValueVector(schwartz, {d.iri: 3 for d in schwartz.dimensions[:9]})
    with pytest.raises(ValueVectorError, match="only the first has universalism"):
        l1(s, partial)
    assert l1(s.subset(partial.dimensions), partial) == 0.0
    with pytest.raises(ValueVectorError, match="higher"):
        l1(s, s.higher_order())
    with pytest.raises(ValueVectorError, match="not one of each"):
        l1(s, [3] * 10)
