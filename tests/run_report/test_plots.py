"""Plots beside the report: PNG and SVG for each chart, readable, and drawn from the run's numbers."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from goalgraph.run.report import build_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def plots(runs, tmp_path_factory):
    out = tmp_path_factory.mktemp("plots") / "r.md"
    outcome = build_report(runs[0], output=out)
    return outcome, out.parent / "r_plots"


def test_expected_charts_exist_as_png_and_svg(plots):
    outcome, folder = plots
    stems = {"metrics-truthfulqa", "metrics-crows", "values-mfq", "values-pvq"}
    assert {p.name for p in folder.iterdir()} == {f"{s}.{x}" for s in stems for x in ("png", "svg")}
    assert sorted(outcome.plots) == sorted(folder.iterdir())
    for stem in stems:
        assert (folder / f"{stem}.png").read_bytes()[:8] == PNG_MAGIC
        root = ET.parse(folder / f"{stem}.svg").getroot()
        assert root.tag.endswith("svg")


def test_failed_and_skipped_steps_get_no_chart(plots):
    _, folder = plots
    assert not any("ethics" in p.name or "bbq" in p.name for p in folder.iterdir())


def test_radar_names_each_dimension_and_the_target(plots, plain_graph):
    from goalgraph.values import load_theory

    _, folder = plots
    svg = (folder / "values-mfq.svg").read_text()
    for dim in load_theory(plain_graph, "moral-foundations").dimensions:
        assert dim.name in svg or dim.name.replace("/", "") in svg
    assert "mft-example" in svg                           # the target's legend entry: its file was found


def test_no_leftover_temporary_files(plots):
    _, folder = plots
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]
