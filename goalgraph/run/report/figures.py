"""Which charts a report gets, and their Figure blocks: a bar chart per benchmark step with main metrics, a
value radar per step with value scores, and in a comparison the same with both runs (and the target)
overlaid. Files go to the `<report-stem>_plots/` folder; the blocks link them relative to the report."""
from __future__ import annotations

from pathlib import Path

from goalgraph.run.report import plots
from goalgraph.run.report.collect import RunView, relative
from goalgraph.run.report.document import Figure

Figures = dict[tuple[str, str], Figure]


def _figure(paths: tuple[Path, Path], base: Path, caption: str) -> Figure:
    return Figure(relative(paths[0], base), relative(paths[1], base), caption)


def _missing(notes: dict[str, list[str]]) -> bool:
    if plots.available():
        return False
    notes.setdefault("plots", []).append("No plots: matplotlib is not installed (pip install 'goalgraph[values]').")
    return True


def for_run(view: RunView, plot_dir: Path, base: Path, notes: dict[str, list[str]]) -> tuple[Figures, list[Path]]:
    figs: Figures = {}
    drawn: list[Path] = []
    if _missing(notes):
        return figs, drawn
    for s in view.steps:
        bars = plots.chartable(s.metrics)
        if s.values is None and bars:
            caption = f"Main metrics of {s.label} ({s.evaluator or 'no evaluator'}), run {view.run_id}"
            series = [(view.run_id, [m.value for m in bars], [m.sd for m in bars])]
            paths = plots.bar_chart(f"{s.label} ({view.run_id})", [m.name for m in bars], series,
                                    plot_dir / f"metrics-{plots.slug(s.id)}")
            figs[("metrics", s.id)] = _figure(paths, base, caption)
            drawn += paths
        if s.values is not None:
            caption = f"{s.values.theory_label}: {s.label}, run {view.run_id}"
            paths, note = plots.value_radar(s.values, plot_dir / f"values-{plots.slug(s.id)}",
                                            f"{s.values.theory_label} ({s.id})")
            if note:
                notes.setdefault(s.id, []).append(note)
            if paths:
                figs[("values", s.id)] = _figure(paths, base, caption)
                drawn += paths
    return figs, drawn


def for_comparison(cmp, plot_dir: Path, base: Path) -> tuple[Figures, list[Path]]:
    figs: Figures = {}
    drawn: list[Path] = []
    if _missing({}):
        return figs, drawn
    b_id, a_id = cmp.before.run_id, cmp.after.run_id
    for p in cmp.pairs:
        if p.before.values is not None or p.after.values is not None:
            continue
        before = {m.name: m for m in plots.chartable(p.before.metrics)}
        after = {m.name: m for m in plots.chartable(p.after.metrics)}
        names = list(dict.fromkeys([*before, *after]))
        if not names:
            continue
        series = [(label, [side[n].value if n in side else None for n in names],
                   [side[n].sd if n in side else None for n in names]) for label, side in
                  ((f"before ({b_id})", before), (f"after ({a_id})", after))]
        caption = f"Main metrics of {p.after.label}, before and after"
        paths = plots.bar_chart(f"{p.after.label}: before and after", names, series,
                                plot_dir / f"compare-metrics-{plots.slug(p.after.id)}")
        figs[("metrics", p.after.id)] = _figure(paths, base, caption)
        drawn += paths
    for vc in cmp.values:
        vb, va = vc.pair.before.values, vc.pair.after.values
        if vb.vector is None or va.vector is None:
            continue
        target = next((v.target.profile for v in (va, vb) if v.target is not None and v.target.profile is not None),
                      None)
        shared = [d for d in va.vector.dimensions if d in vb.vector.dimensions
                  and (target is None or d in target.vector.dimensions)]
        if len(shared) < 3:
            vc.notes.append("no radar: fewer than three dimensions are scored in both runs"
                            + (" and given by the target" if target is not None else ""))
            continue
        series = [(f"before ({b_id})", vb.vector.subset(shared)), (f"after ({a_id})", va.vector.subset(shared))]
        if target is not None:
            series.append((f"target: {target.title}", target.vector.subset(shared)))
        else:
            vc.notes.append("the radar has no target: no target profile file could be read (give one with --target)")
        caption = f"{vc.theory_label}: before, after" + (" and target" if target is not None else "")
        paths = plots.overlay_radar(series, plot_dir / f"compare-values-{plots.slug(vc.pair.after.id)}",
                                    f"{vc.theory_label} ({vc.pair.after.id})")
        figs[("values", vc.pair.after.id)] = _figure(paths, base, caption)
        drawn += paths
    return figs, drawn
