"""`goalgraph report`: a run directory (or two, before and after) as a Markdown or HTML report with plots.

    load.py      read and validate DIR/results.json (and steps/<id>.json when needed)
    collect.py   resolve a run against the graph into what the report shows
    values.py    value blocks: dimension rows, targets, distances, vectors to draw
    sections.py  the one-run report as document blocks
    compare.py   matching two runs and the comparison's blocks
    plots.py     radar and bar charts (matplotlib only inside the functions)
    document.py, markdown.py, html.py   the block model and its two renderers

Nothing here imports torch: a report only reads files and the graph.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from goalgraph.run.report.load import ReportError, Run, load_run

__all__ = ["FORMATS", "Outcome", "ReportError", "Run", "build_report", "default_output", "load_run"]

FORMATS = ("md", "html")


@dataclass
class Outcome:
    path: Path
    summary: str
    plots: list[Path] = field(default_factory=list)


def default_output(run_dir: Path, fmt: str, after_id: str | None = None) -> Path:
    """DIR/report.<fmt>; a comparison goes to DIR/report-vs-<after run id>.<fmt> so it never replaces the
    run's own report."""
    stem = "report" if after_id is None else f"report-vs-{after_id}"
    return Path(run_dir) / f"{stem}.{fmt}"


def build_report(run_dir: str | Path, *, compare_dir: str | Path | None = None, fmt: str = "md",
                 output: str | Path | None = None, target: str | Path | None = None,
                 graph_paths: Sequence[str] = (), validate: bool = True) -> Outcome:
    """Write the report and its plots; returns where it went and a one-line summary."""
    import goalgraph
    from goalgraph.run.report import compare as cmp_mod
    from goalgraph.run.report import figures, html, markdown, sections
    from goalgraph.run.report.collect import collect
    from goalgraph.run.report.values import load_report_target
    from goalgraph.util.atomic import write_text_atomic

    if fmt not in FORMATS:
        raise ReportError(f"unknown report format {fmt!r}; choose md or html")
    before = load_run(run_dir)
    after = load_run(compare_dir) if compare_dir is not None else None
    if output is not None and Path(output).is_dir():
        raise ReportError(f"-o {output}: is a directory; give a file name such as {Path(output) / ('report.' + fmt)}")
    graph = goalgraph.load(*graph_paths, validate=validate, plugins=False)
    report_target = load_report_target(target, graph) if target is not None else None
    view = collect(before, graph, report_target)
    after_view = collect(after, graph, report_target) if after is not None else None

    path = Path(output) if output is not None else default_output(before.directory, fmt,
                                                                  after_view.run_id if after_view else None)
    plot_dir = path.parent / f"{path.stem}_plots"
    notes: dict[str, list[str]] = {}
    if report_target is not None:
        measured = {s.values.theory for v in (view, after_view) if v for s in v.value_steps()}
        if report_target.theory.iri not in measured:
            notes["*"] = [f"--target {target}: no step measured {report_target.theory.label}; the target is unused"]
    if after_view is None:
        figs, drawn = figures.for_run(view, plot_dir, path.parent, notes)
        blocks = sections.report(view, figs, notes)
        title = f"Report: {view.title}"
        c = view.counts
        summary = (f"run {view.run_id}: {sum(c.values())} steps ({c['done']} done, {c['failed']} failed, "
                   f"{c['skipped']} skipped, {c['pending']} pending), {len(view.value_steps())} with value scores, "
                   f"{len(drawn)} plots")
    else:
        comparison = cmp_mod.compare(view, after_view)
        figs, drawn = figures.for_comparison(comparison, plot_dir, path.parent)
        blocks = cmp_mod.blocks(comparison, figs)
        title = f"Comparison: {view.run_id} → {after_view.run_id}"
        summary = cmp_mod.summary(comparison)
    general = [*notes.get("*", []), *notes.get("plots", [])]
    if general:
        from goalgraph.run.report.document import Bullets, Heading

        blocks += [Heading(2, "Notes"), Bullets(general)]
    text = markdown.render(blocks) if fmt == "md" else html.render(blocks, title)
    write_text_atomic(path, text)
    return Outcome(path, summary, drawn)
