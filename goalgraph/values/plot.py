"""Radar (spider) chart of a value vector, optionally against a target, written as PNG and SVG.

matplotlib is imported only when a chart is drawn, and drawing never touches pyplot's global state: the
figure is rendered on an Agg canvas, so the chart works headless and does not switch a notebook's backend.
"""
from __future__ import annotations

import math
from pathlib import Path

from goalgraph.errors import GoalgraphError
from goalgraph.values.vectors import ValueVector, ValueVectorError

__all__ = ["radar"]

MODEL_COLOUR = "#1f77b4"
TARGET_COLOUR = "#d62728"


def radar(model_vector: ValueVector, target_vector: ValueVector | None = None,
          path_stem: str | Path | None = None, title: str | None = None, *,
          model_label: str = "model", target_label: str = "target",
          scale: tuple[float, float] | None = None, dpi: int = 150) -> tuple[Path, Path]:
    """Draw the model's values (and the target's) around a circle and write `<path_stem>.png` and
    `<path_stem>.svg`.

    Dimensions go clockwise from the top in the theory's order (the circumplex order for Schwartz), one
    closed polygon per vector, with a legend. `scale` fixes the radial axis (e.g. (1, 6) for PVQ
    scores); by default it runs from min(0, smallest value) to a little above the largest. Each file is
    written to a temporary name in the same folder and renamed into place. Returns (png_path, svg_path).
    """
    if path_stem is None:
        raise ValueVectorError("radar() needs path_stem, the output path without suffix")
    if not isinstance(model_vector, ValueVector):
        raise ValueVectorError(f"radar() needs a ValueVector, not {type(model_vector).__name__}")
    dims = model_vector.dimensions
    if target_vector is not None:
        if not isinstance(target_vector, ValueVector):
            raise ValueVectorError(f"target must be a ValueVector, not {type(target_vector).__name__}")
        if target_vector.theory.iri != model_vector.theory.iri or target_vector.level != model_vector.level:
            raise ValueVectorError(f"cannot plot a {target_vector.theory.slug} target against a "
                                   f"{model_vector.theory.slug} model vector")
        if [d.iri for d in target_vector.dimensions] != [d.iri for d in dims]:
            raise ValueVectorError("model and target vectors cover different dimensions; use subset() first")
    if len(dims) < 3:
        raise ValueVectorError(f"a radar chart needs at least 3 dimensions, this vector has {len(dims)}")

    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - depends on the environment
        raise GoalgraphError("plotting needs matplotlib: pip install matplotlib") from None

    n = len(dims)
    angles = [2 * math.pi * i / n for i in range(n)]
    series = [(model_label, model_vector.as_list(), MODEL_COLOUR)]
    if target_vector is not None:
        series.append((target_label, target_vector.as_list(), TARGET_COLOUR))
    all_values = [v for _, vals, _ in series for v in vals]
    if scale is None:
        low = min(0.0, min(all_values))
        high = max(all_values)
        high = high + 0.1 * (high - low) if high > low else low + 1.0
    else:
        low, high = float(scale[0]), float(scale[1])
        if not low < high:
            raise ValueVectorError(f"scale must be (low, high) with low < high, got {scale!r}")

    fig = Figure(figsize=(6.4, 6.4))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(projection="polar")
    ax.set_theta_offset(math.pi / 2)
    ax.set_theta_direction(-1)
    closed = angles + angles[:1]
    for label, vals, colour in series:
        ax.plot(closed, vals + vals[:1], color=colour, linewidth=2, label=label)
        ax.fill(closed, vals + vals[:1], color=colour, alpha=0.15)
    ax.set_xticks(angles)
    ax.set_xticklabels([d.name for d in dims], fontsize=9)
    ax.tick_params(axis="x", pad=8)
    ax.set_ylim(low, high)
    ax.tick_params(axis="y", labelsize=7)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=4, fontsize=9, frameon=False)   # below: never on the title
    ax.set_title(title or model_vector.theory.label, pad=28, fontsize=11)
    fig.tight_layout()

    stem = Path(path_stem)
    if stem.suffix.lower() in (".png", ".svg"):
        stem = stem.with_suffix("")
    png, svg = stem.with_name(stem.name + ".png"), stem.with_name(stem.name + ".svg")
    _save(fig, png, "png", dpi=dpi, metadata={"Software": None})
    _save(fig, svg, "svg", metadata={"Date": None})
    return png, svg


def _save(fig, path: Path, fmt: str, **kwargs) -> None:
    from goalgraph.util.atomic import atomic_path

    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, **kwargs)
