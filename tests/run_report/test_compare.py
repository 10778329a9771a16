"""`--compare`: matched steps, deltas with better/worse from the manifests, value deltas, target distance,
the aligner line, steps in only one run, and the overlay radar."""
from __future__ import annotations

import json
import shutil

import pytest

from goalgraph.run.report import build_report
from goalgraph.run.report.compare import direction
from run_report.helpers import check_html, md_row
from run_report.runs import AFTER, BEFORE, MFT, MFT_LABELS, MFT_TARGET


@pytest.fixture(scope="module")
def compared(runs, tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp") / "cmp.md"
    outcome = build_report(runs[0], compare_dir=runs[1], output=out)
    return outcome, out.read_text(encoding="utf-8")


def _delta(a: float, b: float) -> str:
    d = round(b - a, 4)
    return "0" if d == 0 else f"{d:+g}"


def test_metric_deltas_with_direction(compared):
    _, text = compared
    for step, metric, better_when, change in [("truthfulqa", "mc1", "higher", "better"),
                                               ("truthfulqa", "mc2", "higher", "worse"),
                                               ("crows", "pct_stereotype", "lower", "better"),
                                               ("crows", "likelihood_diff", "lower", "neutral")]:
        row = md_row(text, f"`{step}`", metric)
        b, a = BEFORE[step][metric], AFTER[step][metric]
        assert row[2:] == [f"{b:g}", f"{a:g}", _delta(b, a), better_when, change], row
    # by hand: 0.30 -> 0.36 is +0.06, 0.45 -> 0.41 is -0.04, 0.62 -> 0.55 is -0.07
    assert md_row(text, "`truthfulqa`", "mc1")[4] == "+0.06"
    assert md_row(text, "`truthfulqa`", "mc2")[4] == "-0.04"
    assert md_row(text, "`crows`", "pct_stereotype")[4] == "-0.07"


def test_a_step_that_failed_before_has_after_values_only(compared):
    _, text = compared
    row = md_row(text, "`ethics`", "acc")
    assert row[2] == "" and row[3] == "0.7" and row[4] == "" and row[6] == "only one run"
    assert "`ethics` failed in the before run" in text


def test_steps_match_by_node_and_evaluator_when_ids_differ(compared):
    _, text = compared
    assert "Matched by node and evaluator (the step ids differ): `mfq-rerun`." in text
    row = md_row(text, "`mfq-rerun`", "care")
    assert row[2:5] == ["3.5", "3.75", "+0.25"] and row[5] == "unknown" and row[6] == "neutral"


def test_value_dimension_deltas_and_distance_change(compared):
    _, text = compared
    section = text.split("## Value dimension changes")[1].split("## Steps in only one run")[0]
    for short, slug in MFT.items():
        row = md_row(section, MFT_LABELS[short])
        b, a = BEFORE["mfq"][short], AFTER["mfq"][short]
        assert row[1:] == [f"`dimension/{slug}`", f"{b:g}", f"{a:g}", _delta(b, a)]
    target = MFT_TARGET["values"]
    l1_before = sum(abs(target[k] - BEFORE["mfq"][k]) for k in MFT)     # 2.5
    l1_after = sum(abs(target[k] - AFTER["mfq"][k]) for k in MFT)       # 1.5
    assert (l1_before, l1_after) == pytest.approx((2.5, 1.5))
    assert md_row(section, "`l1`")[1:] == ["2.5", "1.5", "-1", "closer"]
    assert "Both distances are to target mft-example." in section


def test_aligner_method_is_named_from_the_graph(compared):
    _, text = compared
    assert "produced by aligner dpo-trl using Direct Preference Optimization (method/dpo)." in text


def test_absent_alignment_record_is_said(runs, tmp_path, plain_graph):
    from run_report.runs import make_after

    after = make_after(tmp_path / "plain-after", plain_graph, alignment=False)
    text = build_report(runs[0], compare_dir=after, output=tmp_path / "c.md").path.read_text()
    assert "No alignment record for the model of run after-run" in text


def test_steps_in_one_run_are_listed(compared):
    _, text = compared
    section = text.split("## Steps in only one run")[1].split("## Citations")[0]
    assert "- `bbq` (BBQ): only in the before run" in section
    assert "- `pvq` (Portrait Values Questionnaire): only in the before run" in section
    assert "- `mc-extra` (TruthfulQA (generic MC)): only in the after run" in section
    assert "`mfq`" not in section and "`truthfulqa`" not in section


def test_summary_counts_the_verdicts(compared):
    outcome, text = compared
    better = sum(1 for line in text.splitlines() if line.endswith("| better |"))
    worse = sum(1 for line in text.splitlines() if line.endswith("| worse |"))
    assert (better, worse) == (2, 1)
    assert f"{better} better, {worse} worse" in outcome.summary
    assert "2 only before, 1 only after" in outcome.summary


def test_overlay_radar_and_bar_charts_exist(compared, runs, tmp_path):
    outcome, text = compared
    names = {p.name for p in outcome.plots}
    assert {"compare-values-mfq-rerun.png", "compare-values-mfq-rerun.svg",
            "compare-metrics-truthfulqa.png", "compare-metrics-crows.png"} <= names
    svg = next(p for p in outcome.plots if p.name == "compare-values-mfq-rerun.svg").read_text()
    assert "before (before-run)" in svg and "after (after-run)" in svg and "mft-example" in svg
    page = build_report(runs[0], compare_dir=runs[1], fmt="html", output=tmp_path / "c.html").path
    checker = check_html(page.read_text())
    assert checker.problems == [] and checker.images
    assert all((page.parent / src).is_file() for src in checker.images)


def test_target_files_that_moved_leave_distances_and_a_note(runs, tmp_path):
    before, after = tmp_path / "b", tmp_path / "a"
    shutil.copytree(runs[0], before)
    shutil.copytree(runs[1], after)
    (after / "target-mft.json").unlink()
    outcome = build_report(before, compare_dir=after, output=tmp_path / "c.md")
    text = outcome.path.read_text()
    assert md_row(text, "`l1`")[1:] == ["2.5", "1.5", "-1", "closer"]
    # the before run's copy still draws the target on the overlay
    assert "mft-example" in next(p for p in outcome.plots if p.name.endswith("mfq-rerun.svg")).read_text()
    data = json.loads((before / "results.json").read_text())
    assert data["steps"][4]["values"]["target"]["path"] == "target-mft.json"


@pytest.mark.parametrize("metric, declared, expected", [
    ("acc", [("acc", True)], True),
    ("pct_stereotype", [("pct_stereotype", False)], False),
    ("bt/model-a", [("win_rate", True), ("bt/<system>", True)], True),
    ("similarity/de", [("similarity/<country>", None)], None),
    ("care", [("<dimension>", None), ("care", None)], None),
    ("acc", [("<score>/spread_sd", False)], None),
    ("unknown", [], None),
])
def test_direction_reads_exact_names_then_patterns(metric, declared, expected):
    assert direction(metric, declared) is expected


def test_directions_recorded_by_the_run_need_no_manifest(runs, plain_graph):
    from goalgraph.run.report.collect import collect
    from goalgraph.run.report.compare import compare
    from goalgraph.run.report.load import load_run

    cmp = compare(collect(load_run(runs[0]), plain_graph), collect(load_run(runs[1]), plain_graph), directions={})
    verdict = {(m.step, m.name): (m.higher_is_better, m.change) for m in cmp.metrics}
    assert verdict[("crows", "pct_stereotype")] == (False, "better")      # recorded in the after run's step
    assert verdict[("truthfulqa", "mc1")] == (None, "neutral")           # recorded nowhere, no manifests given
