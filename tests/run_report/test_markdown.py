"""The one-run Markdown report: header, every goal level, each step, the dimension table, failures, citations."""
from __future__ import annotations

import json

import pytest

from goalgraph.run.report import build_report
from run_report.helpers import md_row, md_rows
from run_report.runs import BBQ_REASON, BEFORE, ETHICS_ERROR, MFT, MFT_LABELS, MFT_TARGET, SCHWARTZ

ID = "https://w3id.org/goalgraph/id/"


@pytest.fixture(scope="module")
def report(runs, tmp_path_factory):
    out = tmp_path_factory.mktemp("md") / "before.md"
    outcome = build_report(runs[0], output=out)
    return outcome, out.read_text(encoding="utf-8")


def test_header_names_plan_goal_model_and_counts(report):
    _, text = report
    assert text.startswith("# Report: Values and preferences of a chat model\n")
    assert md_row(text, "goal")[1] == "Basic values `goal/basic-values`"
    assert md_row(text, "model")[1] == "`models/base`"
    assert md_row(text, "fingerprint")[1] == "`" + "f" * 8 + "0123456789abcdef" * 3 + "`"
    assert md_row(text, "run")[1].startswith("`before-run`")
    assert md_row(text, "started")[1] == "2025-03-01T10:00:00Z"
    assert md_row(text, "steps")[1] == "6 (4 done, 1 failed, 1 skipped)"
    assert "No alignment record for the model of run before-run" in text


def test_every_level_has_a_section_named_from_the_graph(report, plain_graph):
    _, text = report
    rows = plain_graph.query("SELECT ?l ?label WHERE { ?g gg:level ?l ; skos:inScheme "
                             "<https://w3id.org/goalgraph/id/taxonomy/four-level> ; rdfs:label ?label }")
    names = {int(r["l"]): r["label"] for r in rows}
    assert sorted(names) == [1, 2, 3, 4]
    for level, name in names.items():
        assert f"\n### Level {level}: {name}\n" in text
    level1 = text.split("### Level 1")[1].split("###")[0]
    assert "No step of this run measures this level." in level1


def test_each_step_is_listed_under_its_level_with_metrics_and_state(report):
    _, text = report
    level2 = text.split("### Level 2")[1].split("### Level 3")[0]
    row = md_row(level2, "`truthfulqa`")
    assert row[1] == "TruthfulQA `benchmark/truthfulqa`" and row[2] == "`truthfulqa-mc`" and row[4] == "done"
    m = BEFORE["truthfulqa"]
    assert row[5] == f"mc1 {m['mc1']} ± {m['mc1/spread_sd']}, mc2 {m['mc2']}, n {m['n']}"
    level3 = text.split("### Level 3")[1].split("### Level 4")[0]
    assert md_row(level3, "`ethics`")[4] == "failed"
    assert md_row(level3, "`bbq`")[4] == "skipped"
    assert f"- `ethics` failed: {ETHICS_ERROR}" in level3
    assert f"- `bbq` skipped: {BBQ_REASON}" in level3
    level4 = text.split("### Level 4")[1].split("## Results per value dimension")[0]
    assert {r[0] for r in md_rows(level4, "`mfq`") + md_rows(level4, "`pvq`")} == {"`mfq`", "`pvq`"}


def test_dimension_table_carries_scores_and_spreads(report):
    _, text = report
    section = text.split("## Results per value dimension")[1].split("### Schwartz")[0]
    for short, slug in MFT.items():
        row = md_row(section, MFT_LABELS[short])
        assert row[1] == f"`dimension/{slug}`"
        assert float(row[2]) == BEFORE["mfq"][short]
        assert float(row[3]) == BEFORE["mfq_sd"][short]
        assert float(row[4]) == 2 * BEFORE["mfq_sd"][short]
    # the recorded distance to the target, as the fixture's values block holds it: L1 by hand is 2.5
    target = MFT_TARGET["values"]
    assert sum(abs(target[k] - BEFORE["mfq"][k]) for k in MFT) == pytest.approx(2.5)
    assert md_row(section, "`l1`")[1] == "2.5"
    assert "Target: mft-example (Example culture M), file `target-mft.json`, as recorded by the run." in section


def test_values_only_in_the_step_file_are_read_from_it(report, runs):
    _, text = report
    results = json.loads((runs[0] / "results.json").read_text())
    assert next(s for s in results["steps"] if s["id"] == "pvq").get("values") is None
    section = text.split("### Schwartz's theory of basic values: Portrait Values Questionnaire")[1].split("## Citations")[0]
    for name, score in zip(SCHWARTZ, BEFORE["pvq"]):
        row = [r for r in section.splitlines() if f"`dimension/schwartz-{name}`" in r]
        assert len(row) == 1 and row[0].split(" | ")[2] == f"{score:g}"
    assert "No target profile" in section


def test_citations_list_paper_titles_from_the_graph(report, plain_graph):
    _, text = report
    cites = text.split("## Citations")[1]
    title = next(iter(plain_graph.query("SELECT ?t WHERE { <%spaper/lin-2022-truthfulqa> dcterms:title ?t }" % ID)))["t"]
    assert f"- {title} (2022), `paper/lin-2022-truthfulqa`, cited by `truthfulqa`, `mfq`" in cites
    assert "`paper/schwartz-2012-overview`, cited by `pvq`" in cites


def test_target_option_adds_distances_for_its_theory(runs, tmp_path):
    out = tmp_path / "t.md"
    build_report(runs[0], output=out, target="tests/fixtures/values/schwartz-target.json")
    section = out.read_text().split("### Schwartz's theory")[1].split("## Citations")[0]
    target = json.loads(open("tests/fixtures/values/schwartz-target.json").read())["values"]
    l1 = sum(abs(target[k] - v) for k, v in zip(SCHWARTZ, BEFORE["pvq"]))
    assert float(md_row(section, "`l1`")[1]) == pytest.approx(l1, abs=1e-4)
    assert "given to the report with --target" in section


def test_same_inputs_give_the_same_text(runs, tmp_path):
    a, b = tmp_path / "a" / "r.md", tmp_path / "b" / "r.md"
    build_report(runs[0], output=a)
    build_report(runs[0], output=b)
    assert a.read_text() == b.read_text()
    assert sorted(p.name for p in (a.parent / "r_plots").iterdir()) == sorted(p.name for p in (b.parent / "r_plots").iterdir())
    for p in (a.parent / "r_plots").glob("*.svg"):
        assert p.read_bytes() == (b.parent / "r_plots" / p.name).read_bytes(), p.name


def test_default_output_is_in_the_run_directory(runs, tmp_path):
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(runs[0], copy)
    outcome = build_report(copy)
    assert outcome.path == copy / "report.md" and outcome.path.is_file()
    assert (copy / "report_plots").is_dir()
    outcome = build_report(copy, fmt="html")
    assert outcome.path == copy / "report.html"
