"""Value vectors over the dimensions of a value theory, target profiles, distances and radar charts.

>>> import goalgraph
>>> from goalgraph.values import load_theory, ValueVector, distance
>>> g = goalgraph.load(plugins=False)
>>> schwartz = load_theory(g, "schwartz")
>>> model = ValueVector.from_list(schwartz, [4, 3, 3, 4, 2, 5, 4, 3, 5, 5])
>>> round(distance(model, model, "jsd"), 6)
0.0

matplotlib is imported only by `radar()`; PyYAML only when a YAML target is read.
"""
from __future__ import annotations

from goalgraph.values.distances import (
    DISTANCES,
    Metric,
    cosine,
    distance,
    get_metric,
    jensen_shannon,
    l1,
    l2,
    normalised_mse,
)
from goalgraph.values.plot import radar
from goalgraph.values.targets import Target, TargetError, load_target, parse_target
from goalgraph.values.vectors import (
    Dimension,
    Theory,
    ValueVector,
    ValueVectorError,
    list_theories,
    load_theory,
    resolve_theory,
    to_distribution,
)

__all__ = [
    "Dimension", "Theory", "ValueVector", "ValueVectorError", "load_theory", "list_theories", "resolve_theory",
    "to_distribution",
    "Target", "TargetError", "load_target", "parse_target",
    "DISTANCES", "Metric", "distance", "get_metric", "l1", "l2", "cosine", "jensen_shannon", "normalised_mse",
    "radar",
]
