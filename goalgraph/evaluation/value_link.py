"""Results of value-level evaluators as value vectors: each score linked to its dimension node, and its
distance to a target profile when the user gives one (`goalgraph eval ... --target FILE`).

An evaluator measures a theory when it says so (`value_theory`) or when its component attaches to a theory
node. Metrics whose names are that theory's basic dimensions (loosely named: `care`, `self-direction`) become
the vector; `<name>/spread_sd` and `<name>/spread_range` travel with each score.
"""
from __future__ import annotations

import math
from typing import Any

from goalgraph.errors import EvaluationError


def theory_ref(evaluator: Any, component: dict) -> str | None:
    ref = getattr(evaluator, "value_theory", None)
    if ref:
        return str(ref)
    return next((iri for iri in component.get("attaches_to", []) if "/id/theory/" in iri), None)


def value_section(evaluator: Any, component: dict, metrics: dict[str, float],
                  target_path: str | None = None) -> dict[str, Any] | None:
    """The `values` block of a result, or None when the evaluator measures no value theory."""
    ref = theory_ref(evaluator, component)
    if ref is None:
        if target_path:
            raise EvaluationError(f"--target: evaluator {component['id']!r} does not measure a value theory")
        return None
    import goalgraph
    from goalgraph.values import DISTANCES, ValueVector, ValueVectorError, distance, load_target, load_theory

    graph = goalgraph.load(plugins=False)
    theory = load_theory(graph, ref)
    scores: dict[str, float] = {}
    unscored: list[str] = []
    rows = []
    for name, value in metrics.items():
        if "/" in name or not isinstance(value, (int, float)):
            continue
        try:
            dim = theory.dimension(name, level="basic")
        except ValueVectorError:
            continue
        if dim.iri in scores:
            continue
        if not math.isfinite(value):  # e.g. generate mode where no answer could be read: measured nothing
            unscored.append(dim.label)
            continue
        scores[dim.iri] = float(value)
        rows.append({"node": dim.iri, "label": dim.label, "metric": name, "score": float(value),
                     "spread_sd": metrics.get(f"{name}/spread_sd"), "spread_range": metrics.get(f"{name}/spread_range")})
    if not scores and not unscored:
        if target_path:
            raise EvaluationError(f"--target: {component['id']!r} reported no scores on {theory.label}'s dimensions")
        return None
    vector = ValueVector(theory, scores)
    section: dict[str, Any] = {"theory": theory.iri, "theory_label": theory.label, "dimensions": rows,
                               "complete": vector.complete}
    if unscored:
        section["notes"] = [f"no score (not a finite number, e.g. no answer could be read) for: {', '.join(unscored)}"]
    if target_path and not scores:
        section["notes"].append("distances to the target not computed: no dimension was scored")
    elif target_path:
        target = load_target(target_path, theory, graph=graph, allow_partial=True)
        shared = [d for d in vector.dimensions if d in target.vector.dimensions]
        if not shared:
            raise EvaluationError(f"--target {target_path}: no dimension in common with the model's scores")
        ours, theirs = vector.subset(shared), target.vector.subset(shared)
        distances = {}
        for metric in sorted({m.name for m in DISTANCES.values()}):
            try:
                distances[metric] = distance(ours, theirs, metric)
            except (ValueVectorError, ValueError, ZeroDivisionError) as exc:   # e.g. nmse off its 1-6 scale
                distances[metric] = None
                section.setdefault("notes", []).append(f"{metric} not computed: {exc}")
        section["target"] = {"path": str(target_path), "name": target.name, "culture": target.culture,
                             "dimensions": [d.iri for d in shared], "distances": distances}
    return section
