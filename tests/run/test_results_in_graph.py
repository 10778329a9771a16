"""Results in the graph: `--with-results` merges runs of two different tiny models, and the two competency
queries over measurements (`model-levels`, `leaderboard-by-dimension`) answer from them."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import REPO, one_error_line
from run.conftest import TINY_PLAN

from goalgraph.run.results import RunResults

ID = "https://w3id.org/goalgraph/id/"


@pytest.fixture(scope="module")
def two_runs(finished_run, cli, tiny_lm_dir_2):
    """A folder holding the shared run of model A and a new run of model B (another seed)."""
    import shutil

    root = finished_run[0].parent.parent / "two-models"
    if not root.exists():
        shutil.copytree(finished_run[0], root / "a")
        r = cli("run", str(TINY_PLAN), "--model", str(tiny_lm_dir_2), "--device", "cpu", "--output", str(root / "b"))
        assert r.code == 0, r.err
    runs = [RunResults.model_validate(json.loads((root / d / "results.json").read_text())) for d in ("a", "b")]
    assert runs[0].model.fingerprint != runs[1].model.fingerprint
    return root, runs


def _json(r):
    assert r.code == 0, r.err
    return json.loads(r.out)


def test_model_levels(two_runs, cli):
    root, runs = two_runs
    rows = _json(cli("ask", "model-levels", "--with-results", str(root), "--format", "json"))
    got = {(row["model"], row["level"]): row["measurements"] for row in rows}
    expected = {}
    for res in runs:
        for step in res.steps:
            n = sum(1 for v in step.metrics.values() if isinstance(v, (int, float)))
            for level in step.levels:
                expected[(res.model.iri, level)] = expected.get((res.model.iri, level), 0) + n
    assert got == expected
    assert {row["modelLabel"] for row in rows} == {r.model.name for r in runs}
    assert all(row["runs"] == 1 for row in rows)
    # before the command, like --graph
    assert _json(cli("--with-results", str(root), "ask", "model-levels", "--format", "json")) == rows


def test_leaderboard_by_dimension(two_runs, cli):
    root, runs = two_runs
    rows = _json(cli("ask", "leaderboard-by-dimension", "-R", str(root / "a"), "-R", str(root / "b"),
                     "--format", "json"))
    care = [row for row in rows if row["dimension"] == ID + "dimension/mft-care-harm" and row["via"] == "score"]
    by_model = {row["model"]: row["score"] for row in care}
    assert by_model == {r.model.iri: r.steps[2].metrics["care"] for r in runs}
    assert [row["score"] for row in care] == sorted(by_model.values(), reverse=True)   # ranked


def test_sparql_over_measurements_and_show(two_runs, cli):
    root, runs = two_runs
    q = ("SELECT DISTINCT ?run ?value WHERE { ?m a gg:Measurement ; mls:hasValue ?value ; "
         "gg:measuredNode <https://w3id.org/goalgraph/id/benchmark/truthfulqa> ; mls:specifiedBy/gg:metricName 'mc2' ; "
         "prov:wasGeneratedBy/gg:partOfRun ?run }")
    rows = _json(cli("query", q, "--with-results", str(root), "--format", "json"))
    assert {(row["run"], row["value"]) for row in rows} == {(r.run.iri, r.steps[1].metrics["mc2"]) for r in runs}
    r = cli("show", "run/" + runs[0].run.id, "--with-results", str(root))
    assert r.code == 0, r.err
    assert "gg:EvaluationRun" in r.out and "evaluated model" in r.out


def test_with_results_needs_a_run_directory(cli, tmp_path):
    line = one_error_line(cli("ask", "model-levels", "--with-results", str(tmp_path)))
    assert "no provenance.ttl" in line
    line = one_error_line(cli("query", "ASK {}", "--with-results", str(tmp_path / "missing")))
    assert "no such run directory" in line


def test_with_results_never_imports_the_model_stack(two_runs):
    root, _ = two_runs
    code = ("import sys, io, contextlib\nfrom goalgraph.cli import main\n"
            "buf = io.StringIO()\n"
            "with contextlib.redirect_stdout(buf):\n"
            "    try:\n"
            f"        main(['ask', 'model-levels', '--with-results', {str(root)!r}])\n"
            "    except SystemExit as e:\n"
            "        assert not e.code, e.code\n"
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers'))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1:] in ([], [""]), proc.stdout[-500:]
