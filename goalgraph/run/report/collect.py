"""From a run directory to what a report shows: header facts, steps with their main metrics, value blocks,
goal-level names and cited papers, all resolved against the graph once. Renderers and plots read only this,
so Markdown and HTML cannot drift apart in what they say."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from goalgraph.graph.namespaces import compact
from goalgraph.run.report import lookups
from goalgraph.run.report.load import Run
from goalgraph.run.report.values import ValuesView, values_view

STATES = ("done", "failed", "skipped", "pending")
LEVELS = (1, 2, 3, 4)


@dataclass
class Metric:
    name: str
    value: Any
    sd: float | None = None


@dataclass
class StepView:
    id: str
    label: str
    node: str
    kind: str
    evaluator: str | None
    state: str
    error: str | None
    levels: list[int]
    goals: list[tuple[str, str]]                  # (iri, label)
    metrics: list[Metric]
    citations: list[str]
    values: ValuesView | None = None
    reason: str | None = None                     # why a skipped step did not run, when the run says
    directions: list[tuple[str, bool | None]] = field(default_factory=list)   # higher_is_better, as recorded


@dataclass
class RunView:
    run: Run
    title: str
    goal: tuple[str, str]                         # (iri, label)
    theory: tuple[str, str] | None
    model_path: str
    fingerprint: str
    alignment: dict[str, Any] | None
    run_id: str
    started: str
    ended: str | None
    attempts: int
    counts: dict[str, int]
    steps: list[StepView]
    level_names: dict[int, str]
    papers: dict[str, dict[str, Any]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    def level_title(self, level: int) -> str:
        return f"Level {level}: {self.level_names.get(level, 'unnamed level')}"

    def by_level(self) -> list[tuple[int | None, list[StepView]]]:
        """Every level of the taxonomy (empty ones too), then steps with no level; a step filed under
        two levels appears under both."""
        levels = sorted(set(LEVELS) | {lv for s in self.steps for lv in s.levels})
        groups: list[tuple[int | None, list[StepView]]] = [(lv, [s for s in self.steps if lv in s.levels])
                                                           for lv in levels]
        loose = [s for s in self.steps if not s.levels]
        if loose:
            groups.append((None, loose))
        return groups

    def value_steps(self) -> list[StepView]:
        return [s for s in self.steps if s.values is not None]


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def main_metrics(metrics: dict[str, Any]) -> list[Metric]:
    """The headline numbers: every metric without '/' in its name, with its `<m>/spread_sd` beside it.
    Nested values (lists, mappings) are details for the step file, not for a report line."""
    out = []
    for name, value in metrics.items():
        if "/" in name or isinstance(value, (dict, list, tuple)) or value is None:
            continue
        sd = metrics.get(f"{name}/spread_sd")
        out.append(Metric(name, value, float(sd) if _is_number(sd) else None))
    return out


def collect(run: Run, graph, report_target=None) -> RunView:
    """The report's view of one run (`report_target`: a Target from `--target`, or None)."""
    r = run.results
    iris = {r.plan.goal.get("iri", "")} | {g for s in r.steps for g in s.goals} | {s.node for s in r.steps}
    if r.model.alignment and r.model.alignment.get("method"):
        iris.add(str(r.model.alignment["method"]))
    names = lookups.labels(graph, iris)
    steps = []
    for s in r.steps:
        block = s.values
        if block is None:
            doc = run.step_document(s.id)
            block = doc.get("values") if doc and isinstance(doc.get("values"), dict) else None
        metrics = s.metrics
        if not metrics and s.state == "done":
            doc = run.step_document(s.id)
            metrics = doc.get("metrics") if doc and isinstance(doc.get("metrics"), dict) else {}
        steps.append(StepView(
            id=s.id, label=s.label or names.get(s.node, s.node), node=s.node, kind=s.kind, evaluator=s.evaluator,
            state=s.state, error=s.error, levels=sorted(set(s.levels)),
            goals=[(g, names.get(g, compact(g))) for g in s.goals], metrics=main_metrics(metrics),
            citations=list(dict.fromkeys(s.citations)),
            values=values_view(block, graph, run.directory, report_target) if block else None,
            reason=getattr(s, "reason", None),
            directions=list((getattr(s, "metric_directions", None) or {}).items())))
    counts = {state: sum(1 for s in r.steps if s.state == state) for state in STATES}
    goal_iri = str(r.plan.goal.get("iri", ""))
    theory = None
    if r.plan.theory:
        t_iri = str(r.plan.theory.get("iri", ""))
        theory = (t_iri, str(r.plan.theory.get("label") or t_iri))
    cited = [c for s in steps for c in s.citations]
    return RunView(
        run=run, title=r.plan.title, goal=(goal_iri, str(r.plan.goal.get("label") or names.get(goal_iri, goal_iri))),
        theory=theory, model_path=r.model.path, fingerprint=r.model.fingerprint, alignment=r.model.alignment,
        run_id=r.run.id, started=r.run.started, ended=r.run.ended, attempts=r.run.attempts, counts=counts,
        steps=steps, level_names=lookups.level_names(graph), papers=lookups.papers(graph, cited), labels=names)


def alignment_line(view: RunView) -> str:
    """Who made this run's model, from its alignment record, in one sentence."""
    rec = view.alignment
    if not rec or not (rec.get("aligner") or rec.get("method")):
        return (f"No alignment record for the model of run {view.run_id}: which aligner produced it, if any, "
                f"is not recorded.")
    method = str(rec.get("method") or "")
    label = view.labels.get(method)
    what = f"{label} ({compact(method)})" if label else (method or "an unrecorded method")
    aligner = rec.get("aligner") or "an unnamed aligner"
    return f"The model of run {view.run_id} was produced by aligner {aligner} using {what}."


def cited_by(view: RunView) -> list[tuple[str, list[str]]]:
    """Each cited paper once, in order of first citation, with the steps citing it."""
    order: dict[str, list[str]] = {}
    for s in view.steps:
        for c in s.citations:
            order.setdefault(c, []).append(s.id)
    return list(order.items())


def relative(path: Path, start: Path) -> str:
    import os

    return Path(os.path.relpath(path, start)).as_posix()
