"""The report's charts: a value radar per step that measured a theory (through `goalgraph.values.radar`), a
before/after/target radar for comparisons, and bar charts of each benchmark's main metrics. PNG and SVG
each, written atomically; matplotlib is imported only inside the drawing functions, and SVG ids are salted
with a fixed string so the same inputs give the same files."""
from __future__ import annotations

import math
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

SALT = "goalgraph-report"
COLOURS = ("#1f77b4", "#ff7f0e", "#d62728", "#2ca02c", "#9467bd")
COUNT_METRIC = re.compile(r"^(n|n_.+|.+_count|count)$")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.-]+", "-", text.lower()).strip("-") or "plot"


@contextmanager
def _fixed_svg_ids() -> Iterator[None]:
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": SALT}):
        yield


def _save(fig, stem: Path) -> tuple[Path, Path]:
    from goalgraph.util.atomic import atomic_path

    png, svg = stem.with_name(stem.name + ".png"), stem.with_name(stem.name + ".svg")
    with _fixed_svg_ids():
        with atomic_path(png) as tmp:
            fig.savefig(tmp, format="png", dpi=120, metadata={"Software": None})
        with atomic_path(svg) as tmp:
            fig.savefig(tmp, format="svg", metadata={"Date": None})
    return png, svg


def _figure(size: tuple[float, float]):
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - depends on the environment
        from goalgraph.errors import GoalgraphError

        raise GoalgraphError("plots need matplotlib: pip install 'goalgraph[values]'") from None
    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    return fig


def available() -> bool:
    """Whether matplotlib is installed (it is an optional extra; without it a report has no figures)."""
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def chartable(metrics) -> list:
    """Main metrics worth a bar: numbers that are not item counts (which would dwarf rates)."""
    return [m for m in metrics if isinstance(m.value, (int, float)) and not isinstance(m.value, bool)
            and math.isfinite(m.value) and not COUNT_METRIC.match(m.name)]


def bar_chart(title: str, names: list[str], series: list[tuple[str, list[float | None], list[float | None]]],
              stem: Path) -> tuple[Path, Path]:
    """Grouped bars: one group per metric, one bar per series (a run), error bars from spread_sd."""
    fig = _figure((max(5.0, 1.6 + 0.9 * len(names) * len(series)), 3.8))
    ax = fig.add_subplot()
    width = 0.8 / len(series)
    for k, (label, values, sds) in enumerate(series):
        xs = [i - 0.4 + width * (k + 0.5) for i in range(len(names))]
        heights = [v if v is not None else 0.0 for v in values]
        ax.bar(xs, heights, width=width * 0.95, color=COLOURS[k % len(COLOURS)], label=label)
        with_sd = [(x, h, sd) for x, h, sd, v in zip(xs, heights, sds, values) if sd is not None and v is not None]
        if with_sd:
            ax.errorbar([x for x, _, _ in with_sd], [h for _, h, _ in with_sd], yerr=[sd for _, _, sd in with_sd],
                        fmt="none", ecolor="#222", capsize=3, linewidth=1)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, fontsize=9, rotation=20 if len(names) > 4 else 0)
    ax.axhline(0, color="#444", linewidth=0.8)
    ax.set_title(title, fontsize=10)
    if len(series) > 1:
        ax.legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, stem)


def value_radar(values, stem: Path, title: str) -> tuple[tuple[Path, Path] | None, str | None]:
    """The model's value vector against its target through the shared radar; returns (paths, note)."""
    from goalgraph.errors import GoalgraphError
    from goalgraph.values import radar

    model = values.vector
    if model is None or len(model.dimensions) < 3:
        return None, "no radar: a radar needs scores on at least three dimensions"
    target, note = None, None
    profile = values.target.profile if values.target is not None else None
    scale = None
    if profile is not None:
        shared = [d for d in model.dimensions if d in profile.vector.dimensions]
        if len(shared) == len(model.dimensions):
            target = profile.vector.subset(shared)
        elif len(shared) >= 3:
            model, target = model.subset(shared), profile.vector.subset(shared)
            note = f"the radar shows the {len(shared)} dimensions the target gives"
        else:
            note = "the target gives fewer than three of the model's dimensions; the radar shows the model only"
        scale = profile.scale if target is not None else None
        if scale is not None and any(not scale[0] <= v <= scale[1] for v in model.as_list() + target.as_list()):
            scale = None
    try:
        with _fixed_svg_ids():
            paths = radar(model, target, stem, title=title, model_label="model",
                          target_label=f"target: {profile.title}" if target is not None else "target", scale=scale)
    except GoalgraphError as exc:
        return None, f"no radar: {exc}"
    return paths, note


def overlay_radar(series: list[tuple[str, Any]], stem: Path, title: str,
                  scale: tuple[float, float] | None = None) -> tuple[Path, Path]:
    """Several value vectors over the same dimensions on one radar (before, after, target): drawn here
    because the shared radar takes one model and one target."""
    dims = series[0][1].dimensions
    n = len(dims)
    angles = [2 * math.pi * i / n for i in range(n)]
    closed = angles + angles[:1]
    values = [v for _, vec in series for v in vec.as_list()]
    if scale is None:
        low = min(0.0, min(values))
        high = max(values)
        high = high + 0.1 * (high - low) if high > low else low + 1.0
    else:
        low, high = scale
    fig = _figure((6.4, 6.4))
    ax = fig.add_subplot(projection="polar")
    ax.set_theta_offset(math.pi / 2)
    ax.set_theta_direction(-1)
    for k, (label, vec) in enumerate(series):
        vals = vec.as_list()
        style = "--" if label.startswith("target") else "-"
        ax.plot(closed, vals + vals[:1], style, color=COLOURS[k % len(COLOURS)], linewidth=2, label=label)
        ax.fill(closed, vals + vals[:1], color=COLOURS[k % len(COLOURS)], alpha=0.08)
    ax.set_xticks(angles)
    ax.set_xticklabels([d.name for d in dims], fontsize=9)
    ax.set_ylim(low, high)
    ax.tick_params(axis="y", labelsize=7)
    ax.legend(loc="lower right", bbox_to_anchor=(1.18, -0.12), fontsize=9)
    ax.set_title(title, pad=28, fontsize=11)
    fig.tight_layout()
    return _save(fig, stem)
