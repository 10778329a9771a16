"""`goalgraph run` end to end on the tiny offline model: the run directory, equality with `goalgraph eval`,
reuse of finished steps, failing steps that do not stop the others, and resuming after SIGKILL."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import REPO, _clean_env
from run.conftest import TINY_PLAN, write_plan

from goalgraph.plan.io import load_plan
from goalgraph.run.results import RunResults


def _results(directory: Path) -> RunResults:
    return RunResults.model_validate(json.loads((directory / "results.json").read_text()))


def test_run_writes_the_run_directory(finished_run):
    out, r = finished_run
    res = _results(out)
    assert [s.id for s in res.steps] == ["approach-benchmark", "benchmark-truthfulqa", "instrument-mfq"]
    assert res.summary == {"done": 3, "failed": 0, "skipped": 0, "pending": 0}
    assert res.run.attempts == 1 and res.run.ended and res.run.device == "cpu"
    assert res.run.iri == "https://w3id.org/goalgraph/id/run/" + res.run.id
    assert res.model.iri.endswith("/model/" + res.model.fingerprint[:16])
    assert res.model.describe["device"] == "cpu" and res.model.alignment is None
    assert json.loads((out / "plan.json").read_text()) == load_plan(TINY_PLAN).model_dump(mode="json")
    assert (out / "provenance.ttl").is_file() and list((out / "requests").glob("*.jsonl"))
    for step in res.steps:
        assert step.state == "done" and step.spec_sha256 and step.seconds is not None
        assert (out / step.result_file).is_file() and (out / step.samples_file).is_file()
        doc = json.loads((out / step.result_file).read_text())
        assert doc["metrics"] == step.metrics and doc["evaluator"]["id"] == step.evaluator
    mfq = res.steps[2]
    assert mfq.values and {row["metric"] for row in mfq.values["dimensions"]} >= {"care", "fairness"}
    lines = [line for line in r.err.splitlines() if line.startswith("[")]
    assert [line.split(" ... ")[0] for line in lines] == [
        "[1/3] approach-benchmark (mc-generic)", "[2/3] benchmark-truthfulqa (truthfulqa-mc)", "[3/3] instrument-mfq (mfq30)"]
    assert all(" ... done " in line and line.endswith(" s") for line in lines)
    assert "wrote " + str(out) in r.out and "3 done" in r.out


def test_each_step_equals_goalgraph_eval(finished_run, cli, tiny_lm_dir, tmp_path):
    out, _ = finished_run
    res = _results(out)
    for step in res.steps:
        doc = json.loads((out / step.result_file).read_text())
        single = tmp_path / f"{step.id}.json"
        args = ["eval", step.evaluator, "--model", str(tiny_lm_dir), "--device", "cpu", "--no-cache",
                "--output", str(single)]
        for d in doc["data"]:
            args += ["--data", d["source"]]
        r = cli(*args)
        assert r.code == 0, r.err
        alone = json.loads(single.read_text())
        assert alone["metrics"] == step.metrics, step.id
        assert alone["data"] == doc["data"] and alone["model"]["fingerprint"] == doc["model"]["fingerprint"]
        assert alone["requests"]["unique"] == doc["requests"]["unique"]


def test_rerun_keeps_finished_steps(run_copy, cli, tiny_lm_dir):
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in (run_copy / "steps").iterdir()}
    r = cli("run", str(TINY_PLAN), "--model", str(tiny_lm_dir), "--device", "cpu", "--output", str(run_copy))
    assert r.code == 0, r.err
    assert r.err.count("done earlier, kept") == 3
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in (run_copy / "steps").iterdir()}
    assert after == before
    res = _results(run_copy)
    assert res.run.attempts == 2 and all(s.reused for s in res.steps)


def test_rerun_with_another_limit_recomputes_from_the_store(run_copy, cli, tiny_lm_dir):
    r = cli("run", str(TINY_PLAN), "--model", str(tiny_lm_dir), "--device", "cpu", "--output", str(run_copy),
            "--limit", "2")
    assert r.code == 3, r.err                                  # MFQ-30 refuses to score 2 of its 30 items
    res = _results(run_copy)
    mc, tqa, mfq = res.steps
    assert not mc.reused and not tqa.reused                   # the limit is part of each step's spec
    assert mc.requests["computed"] == tqa.requests["computed"] == 0   # ... but every answer was in the store
    assert mc.items == tqa.items == 2
    assert mfq.state == "failed" and "partial=true" in mfq.error


def test_a_failing_step_is_recorded_and_the_others_go_on(cli, tiny_lm_dir, tmp_path):
    corrupt = tmp_path / "corrupt.jsonl"
    corrupt.write_text('{"question": "q?", "choices": ["a", "b"], "answer": 0}\n{"question": "broken\n')
    good = REPO / "tests/fixtures/eval/mc_generic.jsonl"
    plan = write_plan(tmp_path / "plan.json", [
        {"id": "first", "sources": [good]},
        {"id": "broken", "sources": [corrupt]},
        {"id": "third", "node": "https://w3id.org/goalgraph/id/benchmark/truthfulqa", "evaluator": "truthfulqa-mc",
         "sources": [REPO / "tests/fixtures/eval/truthfulqa_mc.jsonl"]},
        {"id": "later", "status": "needs-data", "sources": []},
    ])
    out = tmp_path / "run"
    r = cli("run", str(plan), "--model", str(tiny_lm_dir), "--device", "cpu", "--output", str(out))
    assert r.code == 3, r.err
    res = _results(out)
    states = {s.id: s.state for s in res.steps}
    assert states == {"first": "done", "broken": "failed", "third": "done", "later": "skipped"}
    broken = res.steps[1]
    assert "corrupt.jsonl" in broken.error and "\n" not in broken.error and broken.result_file is None
    assert res.steps[3].reason.startswith("needs data")
    assert "[2/3] broken (mc-generic) ... failed: " in r.err
    assert "Traceback" not in r.err
    assert '"failed"' in (out / "provenance.ttl").read_text()

    # --data makes the needs-data step runnable and replaces the broken file; finished steps are kept
    r = cli("run", str(plan), "--model", str(tiny_lm_dir), "--device", "cpu", "--output", str(out),
            "--data", f"broken={good}", "--data", f"later={good}")
    assert r.code == 0, r.err
    res = _results(out)
    assert [s.state for s in res.steps] == ["done"] * 4
    assert [s.reused for s in res.steps] == [True, False, True, False]


def _items(n: int) -> list[dict]:
    rng = random.Random(7)
    words = "fair rule loyalty honesty river town wallet answer friend truth stairs boxes".split()
    return [{"question": f"Which goes with {rng.choice(words)} {i}?", "answer": rng.randrange(4),
             "choices": [" ".join(rng.choices(words, k=rng.randint(1, 3))) for _ in range(4)]} for i in range(n)]


def _lines(directory: Path) -> int:
    return sum(f.read_bytes().count(b"\n") for f in directory.glob("*.jsonl")) if directory.is_dir() else 0


def test_sigkill_then_rerun_resumes(tiny_lm_dir, tmp_path):
    """Kill -9 the run inside its second step; the re-run keeps step one untouched, takes step two's stored
    answers, and ends with the numbers of an uninterrupted run."""
    long = tmp_path / "long.jsonl"
    long.write_text("".join(json.dumps(i) + "\n" for i in _items(400)))
    plan = write_plan(tmp_path / "plan.json", [
        {"id": "short", "sources": [REPO / "tests/fixtures/eval/mc_generic.jsonl"]},
        {"id": "long", "sources": [long]},
    ])
    out = tmp_path / "run"
    base = [sys.executable, "-m", "goalgraph", "run", str(plan), "--model", str(tiny_lm_dir), "--device", "cpu",
            "--batch-size", "1"]
    env = _clean_env({"OMP_NUM_THREADS": "1"}, str(tmp_path / "xdg"))
    proc = subprocess.Popen(base + ["--output", str(out)], env=env, cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    first = out / "steps" / "short.json"
    deadline = time.time() + 120
    while proc.poll() is None and time.time() < deadline and not first.is_file():
        time.sleep(0.01)
    assert first.is_file(), proc.stderr.read().decode() if proc.poll() is not None else "step one never finished"
    short_lines = _lines(out / "requests")
    while proc.poll() is None and time.time() < deadline and _lines(out / "requests") < short_lines + 60:
        time.sleep(0.01)
    assert proc.poll() is None, "the run finished before it could be killed; make step two longer"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stamp, content = first.stat().st_mtime_ns, first.read_bytes()
    killed = _results(out)
    assert [s.state for s in killed.steps] == ["done", "pending"]
    stored_long = _lines(out / "requests") - short_lines

    resumed = subprocess.run(base + ["--output", str(out)], env=env, cwd=REPO, capture_output=True, text=True,
                             timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert "[1/2] short (mc-generic) ... done earlier, kept" in resumed.stderr
    assert first.stat().st_mtime_ns == stamp and first.read_bytes() == content
    res = _results(out)
    assert res.run.attempts == 2 and res.run.id == killed.run.id
    assert res.steps[0].reused and not res.steps[1].reused
    assert res.steps[1].requests["from_store"] >= stored_long - 1 > 0

    whole = subprocess.run(base + ["--output", str(tmp_path / "whole")], env=env, cwd=REPO, capture_output=True,
                           text=True, timeout=300)
    assert whole.returncode == 0, whole.stderr
    fresh = _results(tmp_path / "whole")
    assert [s.metrics for s in fresh.steps] == [s.metrics for s in res.steps]
    assert fresh.steps[1].requests["from_store"] == 0
