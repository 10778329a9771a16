"""`goalgraph report` on the command line: where it writes, what it prints, bad input, and no torch."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from conftest import one_error_line


@pytest.fixture()
def run_copy(runs, tmp_path):
    d = tmp_path / "before"
    shutil.copytree(runs[0], d)
    return d


def test_report_writes_the_default_file_and_prints_path_and_summary(cli, run_copy):
    r = cli("report", str(run_copy))
    assert r.code == 0, r.err
    assert r.err.strip() == f"wrote {run_copy / 'report.md'}"
    assert len(r.out.strip().splitlines()) == 1
    assert r.out.startswith("run before-run: 6 steps (4 done, 1 failed, 1 skipped, 0 pending)")
    assert (run_copy / "report.md").read_text().startswith("# Report: ")


def test_html_and_output_elsewhere(cli, run_copy, tmp_path):
    out = tmp_path / "elsewhere" / "r.html"
    r = cli("report", str(run_copy), "--format", "html", "-o", str(out))
    assert r.code == 0, r.err
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert (tmp_path / "elsewhere" / "r_plots" / "values-mfq.png").is_file()
    assert not (run_copy / "report.html").exists()


def test_compare_on_the_command_line(cli, run_copy, runs):
    r = cli("report", str(run_copy), "--compare", str(runs[1]))
    assert r.code == 0, r.err
    out = run_copy / "report-vs-after-run.md"
    assert r.err.strip() == f"wrote {out}"
    assert r.out.startswith("compared before-run -> after-run: 4 steps in both, 2 better, 1 worse")
    assert "Direct Preference Optimization" in out.read_text()


def _corrupt(d, text):
    (d / "results.json").write_text(text)
    return d


@pytest.mark.parametrize("case, needle", [
    ("missing-dir", "run directory not found"),
    ("file", "not a directory"),
    ("no-results", "no results.json"),
    ("bad-json", "not valid JSON"),
    ("wrong-shape", "does not follow the goalgraph-results/1 layout: steps.0.state"),
    ("bad-format", "unknown report format 'pdf'"),
    ("missing-target", "target file not found"),
    ("bad-compare", "run directory not found"),
    ("bad-step-file", "not valid JSON"),
])
def test_bad_input_is_one_line_and_exit_2(cli, run_copy, tmp_path, case, needle):
    args = {"missing-dir": [str(tmp_path / "nope")], "file": [str(run_copy / "results.json")],
            "no-results": [str(tmp_path)], "bad-format": [str(run_copy), "--format", "pdf"],
            "missing-target": [str(run_copy), "--target", str(tmp_path / "t.json")],
            "bad-compare": [str(run_copy), "--compare", str(tmp_path / "nope")]}.get(case, [str(run_copy)])
    if case == "bad-json":
        _corrupt(run_copy, '{"format": "goalgraph-results/1", "run": ')
    if case == "wrong-shape":
        data = json.loads((run_copy / "results.json").read_text())
        data["steps"][0]["state"] = "exploded"
        _corrupt(run_copy, json.dumps(data))
    if case == "bad-step-file":
        (run_copy / "steps" / "pvq.json").write_text("{not json")
    line = one_error_line(cli("report", *args))
    assert needle in line, line


def test_report_does_not_import_torch(runs, tmp_path):
    code = (
        "import io, contextlib, sys\n"
        "from goalgraph.cli import main\n"
        f"argv = ['report', {str(runs[0])!r}, '--compare', {str(runs[1])!r}, '-o', {str(tmp_path / 'r.html')!r},"
        " '-f', 'html']\n"
        "buf = io.StringIO()\n"
        "try:\n"
        "    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):\n"
        "        main(argv)\n"
        "except SystemExit as e:\n"
        "    assert not e.code, e.code\n"
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers'))))\n"
    )
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}       # a fresh plugin snapshot: plugins load for real
    import os

    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **env})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "", r.stdout
    assert (tmp_path / "r.html").is_file()
