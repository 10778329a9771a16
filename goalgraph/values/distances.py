"""Distances between value vectors, in plain Python (math only).

Every function takes two ValueVectors of the same theory, level and dimensions, or two equally long
sequences of numbers, and returns a float where lower means closer. `distance(a, b, metric)` dispatches by
name; `DISTANCES` describes each metric (formula, range, direction) for manifests and reports.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Union

from goalgraph.values.vectors import ValueVector, ValueVectorError, to_distribution

__all__ = [
    "Metric", "DISTANCES", "distance", "get_metric",
    "l1", "l2", "cosine", "jensen_shannon", "js_divergence", "normalised_mse",
]

Vec = Union[ValueVector, Sequence[float]]

#: The PVQ answer scale (1 = "not like me at all" ... 6 = "very much like me").
PVQ_SCALE = (1.0, 6.0)
KANG_2023 = "https://w3id.org/goalgraph/id/paper/kang-2023-values"


def _pair(a: Vec, b: Vec) -> tuple[list[float], list[float]]:
    """Two aligned lists of numbers; refuses different theories, levels, dimensions or lengths."""
    if isinstance(a, ValueVector) != isinstance(b, ValueVector):
        raise ValueVectorError("compare two ValueVectors or two sequences of numbers, not one of each")
    if isinstance(a, ValueVector) and isinstance(b, ValueVector):
        if a.theory.iri != b.theory.iri:
            raise ValueVectorError(f"cannot compare vectors of different theories: {a.theory.slug} vs {b.theory.slug}")
        if a.level != b.level:
            raise ValueVectorError(f"cannot compare a {a.level} vector with a {b.level} one")
        da, db = [d.iri for d in a.dimensions], [d.iri for d in b.dimensions]
        if da != db:
            only_a = [d.short for d in a.dimensions if d.iri not in db]
            only_b = [d.short for d in b.dimensions if d.iri not in da]
            detail = "; ".join(part for part in (
                f"only the first has {', '.join(only_a)}" if only_a else "",
                f"only the second has {', '.join(only_b)}" if only_b else "") if part)
            raise ValueVectorError(f"vectors cover different dimensions ({detail}); "
                                   "compare a.subset(b.dimensions) with b")
        xs, ys = a.as_list(), b.as_list()
    else:
        try:
            xs, ys = [float(v) for v in a], [float(v) for v in b]
        except (TypeError, ValueError):
            raise ValueVectorError("distances need numbers") from None
        if len(xs) != len(ys):
            raise ValueVectorError(f"vectors have different lengths: {len(xs)} vs {len(ys)}")
    if not xs:
        raise ValueVectorError("cannot compare empty vectors")
    for v in (*xs, *ys):
        if not math.isfinite(v):
            raise ValueVectorError(f"cannot compare vectors with non-finite values ({v})")
    return xs, ys


def l1(a: Vec, b: Vec) -> float:
    """Manhattan distance: sum_i |a_i - b_i|."""
    xs, ys = _pair(a, b)
    return math.fsum(abs(x - y) for x, y in zip(xs, ys))


def l2(a: Vec, b: Vec) -> float:
    """Euclidean distance: sqrt(sum_i (a_i - b_i)^2)."""
    xs, ys = _pair(a, b)
    return math.sqrt(math.fsum((x - y) ** 2 for x, y in zip(xs, ys)))


def cosine(a: Vec, b: Vec) -> float:
    """Cosine distance: 1 - (a . b) / (|a| |b|), in [0, 2]; undefined (an error) for a zero vector."""
    xs, ys = _pair(a, b)
    na = math.sqrt(math.fsum(x * x for x in xs))
    nb = math.sqrt(math.fsum(y * y for y in ys))
    if na == 0 or nb == 0:
        raise ValueVectorError("cosine distance is undefined for a zero vector")
    sim = math.fsum(x * y for x, y in zip(xs, ys)) / (na * nb)
    return min(2.0, max(0.0, 1.0 - sim))


def js_divergence(p: Sequence[float], q: Sequence[float]) -> float:
    """Jensen-Shannon divergence of two distributions in bits: KL(p || m)/2 + KL(q || m)/2, m = (p + q)/2,
    with 0 log 0 = 0; in [0, 1].

    Each option's two terms are summed as one expression of d = (a - b)/(a + b):
    a/2 log(a/m) + b/2 log(b/m) = (a + b)/4 [(1 + d) log1p(d) + (1 - d) log1p(-d)], which is about
    (a + b) d^2 / 4 and so stays accurate when the two are nearly equal; the textbook form leaves rounding
    noise of ~1e-17 there, which the square root of the distance lifts to ~3e-9.
    """
    if len(p) != len(q):
        raise ValueVectorError(f"distributions of different lengths ({len(p)} and {len(q)})")
    total = 0.0
    for a, b in zip(p, q):
        s = a + b
        if s <= 0:
            continue
        d = (a - b) / s
        t = 0.0
        if d > -1.0:
            t += (1.0 + d) * math.log1p(d)
        if d < 1.0:
            t += (1.0 - d) * math.log1p(-d)
        total += s / 4 * t
    return min(max(total / math.log(2), 0.0), 1.0)


def jensen_shannon(a: Vec, b: Vec, negatives: str = "shift") -> float:
    """Jensen-Shannon distance: sqrt(JSD(P, Q)) with base-2 logs, so it lies in [0, 1].

    P and Q are the inputs normalised to distributions (`to_distribution`: negatives shifted by the
    minimum by default); M = (P + Q) / 2 and JSD = KL(P || M) / 2 + KL(Q || M) / 2. Symmetric; 0 for
    proportional inputs, 1 for disjoint supports.
    """
    xs, ys = _pair(a, b)
    return math.sqrt(js_divergence(to_distribution(xs, negatives), to_distribution(ys, negatives)))


def normalised_mse(a: Vec, b: Vec, scale: tuple[float, float] = PVQ_SCALE) -> float:
    """Kang et al. (2023)'s normalised MSE: mean_i (a_i - b_i)^2 / (high - low)^2.

    Scores on the PVQ's 1-6 answer scale (the default) give MSE / 25, which lies in [0, 1]; this is the
    same as rescaling every score with (s - low) / (high - low) and taking the plain MSE, which is how
    the authors' code computes it. Values outside the scale are an error.
    """
    low, high = float(scale[0]), float(scale[1])
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueVectorError(f"scale must be (low, high) with low < high, got {scale!r}")
    xs, ys = _pair(a, b)
    for v in (*xs, *ys):
        if not low - 1e-9 <= v <= high + 1e-9:
            raise ValueVectorError(f"value {v:g} lies outside the scale {low:g}-{high:g}; "
                                   "pass scale=(low, high) for other scales")
    mse = math.fsum((x - y) ** 2 for x, y in zip(xs, ys)) / len(xs)
    return mse / (high - low) ** 2


@dataclass(frozen=True)
class Metric:
    """A distance and what a report needs to say about it."""

    name: str
    function: Callable[..., float]
    description: str
    formula: str
    bounds: tuple[float, float]  # (low, high); math.inf when unbounded
    direction: str = "lower"     # lower is closer to the target
    paper: str | None = None     # gg:Paper IRI where the metric comes from

    def __call__(self, a: Vec, b: Vec, **options) -> float:
        return self.function(a, b, **options)


DISTANCES: dict[str, Metric] = {
    m.name: m for m in (
        Metric("l1", l1, "Manhattan distance between the raw vectors", "sum_i |a_i - b_i|", (0.0, math.inf)),
        Metric("l2", l2, "Euclidean distance between the raw vectors", "sqrt(sum_i (a_i - b_i)^2)", (0.0, math.inf)),
        Metric("cosine", cosine, "1 minus the cosine similarity of the raw vectors",
               "1 - (a.b) / (|a| |b|)", (0.0, 2.0)),
        Metric("jsd", jensen_shannon, "Jensen-Shannon distance between the vectors normalised to distributions",
               "sqrt(KL(P||M)/2 + KL(Q||M)/2), M = (P+Q)/2, log base 2", (0.0, 1.0)),
        Metric("nmse", normalised_mse, "Kang et al. (2023) normalised MSE on the PVQ 1-6 scale",
               "mean_i (a_i - b_i)^2 / (6 - 1)^2", (0.0, 1.0), paper=KANG_2023),
    )
}

_ALIASES = {
    "manhattan": "l1", "euclidean": "l2", "cos": "cosine", "js": "jsd", "jensen-shannon": "jsd",
    "jensen_shannon": "jsd", "jensenshannon": "jsd", "normalised-mse": "nmse", "normalized-mse": "nmse",
    "normalised_mse": "nmse", "normalized_mse": "nmse", "kang-nmse": "nmse",
}


def get_metric(name: str) -> Metric:
    """The Metric registered under a name or alias (case-insensitive)."""
    key = str(name).strip().lower()
    key = _ALIASES.get(key, key)
    if key not in DISTANCES:
        raise ValueVectorError(f"unknown distance {name!r}; use one of: {', '.join(DISTANCES)}")
    return DISTANCES[key]


def distance(a: Vec, b: Vec, metric: str = "jsd", **options) -> float:
    """Distance between two vectors by metric name: l1, l2, cosine, jsd or nmse (options go to the
    metric, e.g. `scale=(1, 5)` for nmse or `negatives="clip"` for jsd)."""
    return get_metric(metric)(a, b, **options)
