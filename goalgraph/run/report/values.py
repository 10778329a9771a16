"""A step's value vector as a report needs it: the dimension rows of its `values` block, the target it was
compared with (from the run, or `--target FILE` given to the report), distances to that target, and the
ValueVectors the radar charts draw. Problems here (a theory the graph lacks, a target file that moved) are
notes in the report, not errors: the numbers in results.json are still worth reading."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from goalgraph.errors import GoalgraphError


@dataclass
class DimensionRow:
    node: str
    label: str
    score: float | None
    spread_sd: float | None = None
    spread_range: Any = None


@dataclass
class TargetView:
    name: str | None
    culture: str | None
    path: str | None
    origin: str                                   # "run" (the step's values block) or "--target"
    distances: dict[str, float | None] = field(default_factory=dict)
    profile: Any = None                           # goalgraph.values.Target when its file could be read


@dataclass
class ValuesView:
    theory: str
    theory_label: str
    dimensions: list[DimensionRow]
    target: TargetView | None = None
    notes: list[str] = field(default_factory=list)
    theory_obj: Any = None                        # goalgraph.values.Theory when the graph has the theory
    vector: Any = None                            # the model's ValueVector over the dimensions above

    def scores(self) -> dict[str, float]:
        return {d.node: d.score for d in self.dimensions if isinstance(d.score, (int, float))}


def _num(x: Any) -> float | None:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def values_view(block: dict[str, Any], graph, run_dir: Path, report_target=None) -> ValuesView:
    """Build the view of one `values` block; `report_target` is a Target loaded from `--target`."""
    from goalgraph.values import ValueVector, load_theory

    theory_iri = str(block.get("theory") or "")
    rows = []
    for d in block.get("dimensions") or []:
        if isinstance(d, dict) and d.get("node"):
            rows.append(DimensionRow(str(d["node"]), str(d.get("label") or d["node"]), _num(d.get("score")),
                                     _num(d.get("spread_sd")), d.get("spread_range")))
    view = ValuesView(theory_iri, str(block.get("theory_label") or theory_iri), rows)
    view.notes.extend(str(n) for n in block.get("notes") or [])
    try:
        view.theory_obj = load_theory(graph, theory_iri)
        view.theory_label = str(block.get("theory_label") or view.theory_obj.label)
        view.vector = ValueVector(view.theory_obj, view.scores()) if view.scores() else None
    except GoalgraphError as exc:
        view.notes.append(f"not drawn: {exc}")
        return view

    run_target = block.get("target") if isinstance(block.get("target"), dict) else None
    if report_target is not None and report_target.theory.iri == view.theory_obj.iri:
        view.target = TargetView(report_target.name, report_target.culture, report_target.path, "--target",
                                 profile=report_target)
        view.target.distances = distances(view, report_target)
    elif run_target is not None:
        dist = {str(k): _num(v) for k, v in (run_target.get("distances") or {}).items()}
        view.target = TargetView(run_target.get("name"), run_target.get("culture"), run_target.get("path"), "run",
                                 distances=dist)
        view.target.profile = _reload_target(run_target.get("path"), view, run_dir)
    return view


def _reload_target(path: Any, view: ValuesView, run_dir: Path):
    """The run's target file again, for the radar: as recorded, or relative to the run directory."""
    from goalgraph.values import load_target

    if not path:
        return None
    for candidate in (Path(str(path)), run_dir / str(path)):
        if candidate.is_file():
            try:
                return load_target(candidate, view.theory_obj, allow_partial=True)
            except GoalgraphError as exc:
                view.notes.append(f"target profile {path} not drawn: {exc}")
                return None
    view.notes.append(f"target profile {path} not found from here; the radar shows the model only "
                      f"(give it with --target to draw it)")
    return None


def distances(view: ValuesView, target) -> dict[str, float | None]:
    """Every distance goalgraph knows between the model's scores and the target, on their shared dimensions."""
    from goalgraph.values import DISTANCES, ValueVectorError, distance

    if view.vector is None:
        return {}
    shared = [d for d in view.vector.dimensions if d in target.vector.dimensions]
    if not shared:
        view.notes.append("the target has no dimension in common with the model's scores")
        return {}
    ours, theirs = view.vector.subset(shared), target.vector.subset(shared)
    out: dict[str, float | None] = {}
    for metric in sorted({m.name for m in DISTANCES.values()}):
        try:
            out[metric] = distance(ours, theirs, metric)
        except (ValueVectorError, ValueError, ZeroDivisionError) as exc:
            out[metric] = None
            view.notes.append(f"{metric} not computed: {exc}")
    return out


def load_report_target(path: str | Path, graph):
    """`--target FILE`: the file must name its theory, since a report may cover several theories."""
    from goalgraph.values import load_target

    return load_target(path, graph, allow_partial=True)
