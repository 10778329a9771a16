"""The sections of a one-run report as document blocks: header, results per goal level, results per value
dimension, citations. Figures are passed in already drawn, keyed by ("metrics" | "values", step id)."""
from __future__ import annotations

from goalgraph.graph.namespaces import compact
from goalgraph.run.report.collect import STATES, RunView, StepView, alignment_line, cited_by
from goalgraph.run.report.document import Block, Bullets, Code, Figure, Heading, Para, Table, num
from goalgraph.run.report.values import ValuesView

Figures = dict[tuple[str, str], Figure]


def counts_text(view: RunView) -> str:
    total = sum(view.counts.values())
    parts = ", ".join(f"{view.counts[s]} {s}" for s in STATES if view.counts.get(s))
    return f"{total} ({parts})" if parts else str(total)


def header_rows(view: RunView) -> list[list]:
    rows = [["plan", view.title],
            ["goal", [view.goal[1], " ", Code(compact(view.goal[0]))]]]
    if view.theory:
        rows.append(["theory", [view.theory[1], " ", Code(compact(view.theory[0]))]])
    rows += [["model", Code(view.model_path)], ["fingerprint", Code(view.fingerprint)],
             ["run", [Code(view.run_id), f", {view.attempts} attempt{'s' if view.attempts != 1 else ''}"]],
             ["started", view.started], ["ended", view.ended or "not finished"],
             ["steps", counts_text(view)]]
    return rows


def header(view: RunView) -> list[Block]:
    return [Heading(1, f"Report: {view.title}"), Table(["field", "value"], header_rows(view)), Para(alignment_line(view))]


def metrics_text(step: StepView) -> str:
    if not step.metrics:
        return "none" if step.state == "done" else ""
    return ", ".join(f"{m.name} {num(m.value)}" + (f" ± {num(m.sd)}" if m.sd is not None else "")
                     for m in step.metrics)


def step_row(step: StepView) -> list:
    goals = ", ".join(label for _, label in step.goals)
    return [Code(step.id), [step.label, " ", Code(compact(step.node))],
            Code(step.evaluator) if step.evaluator else "none", goals, step.state, metrics_text(step)]


def levels(view: RunView, figures: Figures) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Results per goal level")]
    shown: set[str] = set()
    for level, steps in view.by_level():
        blocks.append(Heading(3, view.level_title(level) if level is not None else "Steps with no goal level"))
        if not steps:
            blocks.append(Para("No step of this run measures this level."))
            continue
        blocks.append(Table(["step", "measures", "evaluator", "goals", "state", "main metrics"],
                            [step_row(s) for s in steps]))
        why = [[Code(s.id), f" failed: {s.error or 'no error recorded'}"] for s in steps if s.state == "failed"]
        why += [[Code(s.id), f" skipped: {s.reason}"] for s in steps if s.state == "skipped" and s.reason]
        if why:
            blocks.append(Bullets(why))
        for s in steps:
            fig = figures.get(("metrics", s.id))
            if fig is not None and s.id not in shown:
                shown.add(s.id)
                blocks.append(fig)
    return blocks


def spread_range_text(value) -> str:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return f"{num(value[0])} to {num(value[1])}"
    return num(value)


def dimension_table(values: ValuesView) -> Table:
    rows = [[d.label, Code(compact(d.node)), num(d.score), num(d.spread_sd), spread_range_text(d.spread_range)]
            for d in values.dimensions]
    return Table(["dimension", "node", "score", "± sd", "range"], rows, numeric={2, 3, 4})


def target_blocks(values: ValuesView) -> list[Block]:
    t = values.target
    if t is None:
        return [Para("No target profile: the run measured no distance for this theory "
                     "(give one with --target FILE).")]
    who = t.name or "unnamed target"
    if t.culture:
        who += f" ({t.culture})"
    origin = "as recorded by the run" if t.origin == "run" else "given to the report with --target"
    text: list = [f"Target: {who}, "]
    if t.path:
        text += ["file ", Code(str(t.path)), ", "]
    text.append(f"{origin}. Lower distances are closer.")
    blocks: list[Block] = [Para(text)]
    if t.distances:
        blocks.append(Table(["distance", "value"], [[Code(k), num(v) if v is not None else "not computed"]
                                                    for k, v in sorted(t.distances.items())], numeric={1}))
    return blocks


def value_section(view: RunView, figures: Figures, notes: dict[str, list[str]]) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Results per value dimension")]
    steps = view.value_steps()
    if not steps:
        return blocks + [Para("No step of this run produced scores on value dimensions.")]
    for s in steps:
        v = s.values
        blocks.append(Heading(3, f"{v.theory_label}: {s.label}"))
        blocks.append(Para(["Step ", Code(s.id), " (", Code(s.evaluator or "no evaluator"), ") on ",
                            Code(compact(v.theory)), f", {len(v.dimensions)} dimensions."]))
        blocks.append(dimension_table(v))
        blocks += target_blocks(v)
        extra = [*v.notes, *notes.get(s.id, [])]
        if extra:
            blocks.append(Bullets(extra))
        fig = figures.get(("values", s.id))
        if fig is not None:
            blocks.append(fig)
    return blocks


def citations(view: RunView) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Citations")]
    cited = cited_by(view)
    if not cited:
        return blocks + [Para("No step cites a paper.")]
    items = []
    for iri, step_ids in cited:
        paper = view.papers.get(iri)
        head: list = ([paper["title"] + (f" ({paper['year']})" if paper.get("year") else ""), ", ", Code(compact(iri))]
                      if paper else [Code(iri), " (not in the graph)"])
        by: list = [", cited by "]
        for i, sid in enumerate(step_ids):
            by += ([", "] if i else []) + [Code(sid)]
        items.append(head + by)
    return blocks + [Bullets(items)]


def report(view: RunView, figures: Figures, notes: dict[str, list[str]]) -> list[Block]:
    return [*header(view), *levels(view, figures), *value_section(view, figures, notes), *citations(view)]
