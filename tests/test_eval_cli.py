"""`goalgraph eval` end to end on the tiny offline model: metrics equal a direct computation, outputs and
provenance are written, bad input is one line and exit 2, the request store makes re-runs free, and a run
killed with SIGKILL resumes without recomputing what it had finished and ends with identical metrics."""
from __future__ import annotations

import json
import math
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, _clean_env, one_error_line

WORDS = "fair rule loyalty honesty river town wallet answer friend truth stairs boxes committee".split()


def _mc_items(n: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    items = []
    for i in range(n):
        choices = [" ".join(rng.choices(WORDS, k=rng.randint(1, 3))) for _ in range(4)]
        items.append({"question": f"Which word goes with {rng.choice(WORDS)} number {i}?", "choices": choices,
                      "answer": rng.randrange(4)})
    return items


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _argmax(values):
    return max(range(len(values)), key=lambda i: (values[i], -i))


def test_eval_matches_a_direct_computation(cli, tiny_lm_dir, tmp_path):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    items = _mc_items(6)
    data = _write_jsonl(tmp_path / "mc.jsonl", items)
    out = tmp_path / "res" / "mc.json"
    r = cli("eval", "mc-generic", "--model", str(tiny_lm_dir), "--data", str(data), "--batch-size", "3",
            "--device", "cpu", "--output", str(out), "--cache-dir", str(tmp_path / "store"))
    assert r.code == 0, r.err
    result = json.loads(out.read_text())

    model = AutoModelForCausalLM.from_pretrained(tiny_lm_dir).eval()
    tok = AutoTokenizer.from_pretrained(tiny_lm_dir)
    acc = acc_norm = 0
    for item in items:
        context = f"Question: {item['question']}\nAnswer:"
        lls = []
        for choice in item["choices"]:
            ctx = tok.encode(context)
            cont = tok.encode(context + " " + choice)[len(ctx):]
            with torch.no_grad():
                logp = torch.log_softmax(model(torch.tensor([ctx + cont])).logits[0].float(), -1)
            lls.append(sum(float(logp[len(ctx) - 1 + j, t]) for j, t in enumerate(cont)))
        acc += _argmax(lls) == item["answer"]
        acc_norm += _argmax([ll / len(c) for ll, c in zip(lls, item["choices"])]) == item["answer"]
    assert result["metrics"]["acc"] == pytest.approx(acc / len(items))
    assert result["metrics"]["acc_norm"] == pytest.approx(acc_norm / len(items))

    # what the result records about how it was computed
    assert result["evaluator"]["id"] == "mc-generic" and len(result["evaluator"]["template"]["sha256"]) == 64
    assert result["nodes"] == ["https://w3id.org/goalgraph/id/approach/benchmark"]
    assert result["model"]["fingerprint"] and result["versions"]["torch"]
    distinct = len({(item["question"], c) for item in items for c in item["choices"]})
    assert result["requests"]["total"] == 24
    assert result["requests"]["unique"] == distinct and result["requests"]["computed"] == distinct
    samples = [json.loads(line) for line in (out.parent / "mc.samples.jsonl").read_text().splitlines()]
    assert len(samples) == 6 and samples[0]["doc"]["question"] == items[0]["question"]

    # the same run again answers everything from the store, with the same numbers
    again = cli("eval", "mc-generic", "--model", str(tiny_lm_dir), "--data", str(data), "--batch-size", "1",
                "--device", "cpu", "--cache-dir", str(tmp_path / "store"))
    doc = json.loads(again.out)
    assert doc["requests"]["from_store"] == distinct and doc["requests"]["computed"] == 0
    assert doc["metrics"] == result["metrics"]


def test_template_changes_the_prompt_and_its_hash(cli, tiny_lm_dir, tmp_path):
    data = _write_jsonl(tmp_path / "mc.jsonl", _mc_items(3))
    template = tmp_path / "t.jinja"
    template.write_text("Pick one. {{ question }}\nMy pick:\n")
    runs = []
    for extra in ([], ["--template", str(template)]):
        r = cli("eval", "mc-generic", "--model", str(tiny_lm_dir), "--data", str(data), "--no-cache", *extra)
        assert r.code == 0, r.err
        runs.append(json.loads(r.out))
    assert runs[0]["evaluator"]["template"]["sha256"] != runs[1]["evaluator"]["template"]["sha256"]
    import hashlib

    assert runs[1]["evaluator"]["template"]["sha256"] == hashlib.sha256(template.read_bytes()).hexdigest()


def test_bad_inputs_are_one_line(cli, tiny_lm_dir, tmp_path):
    data = _write_jsonl(tmp_path / "mc.jsonl", _mc_items(2))
    line = one_error_line(cli("eval", "mc-generic", "--model", str(tmp_path / "no-model"), "--data", str(data)))
    assert "model directory not found" in line
    line = one_error_line(cli("eval", "mc-genric", "--model", str(tiny_lm_dir), "--data", str(data)))
    assert "mc-generic" in line                                     # did you mean
    bad = _write_jsonl(tmp_path / "bad.jsonl", [{"question": "q", "options": ["a", "b"], "answer": 0}])
    line = one_error_line(cli("eval", "mc-generic", "--model", str(tiny_lm_dir), "--data", str(bad)))
    assert "'choices'" in line and "item 0" in line
    typed = _write_jsonl(tmp_path / "typed.jsonl", [{"question": "q", "choices": "a b", "answer": 0}])
    line = one_error_line(cli("eval", "mc-generic", "--model", str(tiny_lm_dir), "--data", str(typed)))
    assert "'choices'" in line and "expected list" in line
    corrupt = tmp_path / "corrupt.jsonl"
    corrupt.write_text('{"question": "q", "choices": ["a"]\n')
    assert "line 1 is not JSON" in one_error_line(cli("eval", "mc-generic", "--model", str(tiny_lm_dir),
                                                      "--data", str(corrupt)))
    line = one_error_line(cli("eval", "mc-generic", "--model", str(tiny_lm_dir), "--data", str(data),
                              "--option", "nonsense=1"))
    assert "unknown option 'nonsense'" in line


def _store_lines(directory: Path) -> int:
    files = list(directory.glob("*.jsonl"))
    return sum(f.read_bytes().count(b"\n") for f in files)


def test_sigkill_then_resume_recomputes_nothing_finished(tiny_lm_dir, tmp_path):
    """Kill a run with SIGKILL once some answers are stored; the restart loads them, computes only the rest,
    and ends with the metrics of an uninterrupted run."""
    data = _write_jsonl(tmp_path / "mc.jsonl", _mc_items(150, seed=3))
    base = [sys.executable, "-m", "goalgraph", "eval", "mc-generic", "--model", str(tiny_lm_dir), "--data", str(data),
            "--batch-size", "1", "--device", "cpu", "--no-prefix-sharing"]
    env = _clean_env({"OMP_NUM_THREADS": "1"}, str(tmp_path / "xdg"))
    store = tmp_path / "store"
    proc = subprocess.Popen(base + ["--cache-dir", str(store)], env=env, cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while _store_lines(store) < 40 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, "the run finished before it could be killed; make it longer"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stored = _store_lines(store)
    assert 40 <= stored < 600

    resumed = subprocess.run(base + ["--cache-dir", str(store)], env=env, cwd=REPO, capture_output=True, text=True,
                             timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    doc = json.loads(resumed.stdout)
    assert doc["requests"]["from_store"] >= stored - 1          # a torn last line may be lost, nothing more
    assert doc["requests"]["computed"] == doc["requests"]["unique"] - doc["requests"]["from_store"]

    whole = subprocess.run(base + ["--cache-dir", str(tmp_path / "fresh")], env=env, cwd=REPO, capture_output=True,
                           text=True, timeout=300)
    assert whole.returncode == 0, whole.stderr
    assert json.loads(whole.stdout)["metrics"] == doc["metrics"]
    # and the answers themselves are identical, not just the rounded metrics
    assert math.isclose(json.loads(whole.stdout)["metrics"]["acc"], doc["metrics"]["acc"], abs_tol=0)


def test_questionnaire_scores_come_with_spread_and_link_to_dimensions(cli, tiny_lm_dir, tmp_path):
    out = tmp_path / "mfq.json"
    r = cli("eval", "mfq30", "--model", str(tiny_lm_dir), "--data", str(REPO / "tests/fixtures/questionnaires/mfq30_items.jsonl"),
            "--target", str(REPO / "tests/fixtures/values/mft-partial.yaml"), "--output", str(out), "--no-cache")
    assert r.code == 0, r.err
    result = json.loads(out.read_text())
    metrics = result["metrics"]
    for foundation in ("care", "fairness", "loyalty", "authority", "sanctity"):
        assert f"{foundation}/spread_sd" in metrics and f"{foundation}/spread_range" in metrics
    values = result["values"]
    assert values["theory"] == "https://w3id.org/goalgraph/id/theory/moral-foundations" and values["complete"]
    assert {row["metric"] for row in values["dimensions"]} == {"care", "fairness", "loyalty", "authority", "sanctity"}
    assert all(row["spread_sd"] is not None for row in values["dimensions"])
    assert len(values["target"]["dimensions"]) == 3 and values["target"]["distances"]["jsd"] >= 0
