"""Data-parallel evaluation under the real engine: `torchrun` (torch.distributed.run) with gloo on the CPU and the
tiny GPT-2. World sizes 2 and 4 give the metrics and per-item outputs of one process; every rank keeps its own
request store, which a restart with any world size reuses; a rank that fails or is killed ends the job with one
error line and a non-zero exit, never a hang; only rank 0 writes outputs."""
from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, _clean_env
from goalgraph.testing.servers import free_port
from test_eval_cli import _mc_items, _write_jsonl

TIMEOUT = 240
TINY_PLAN = REPO / "tests" / "fixtures" / "plans" / "tiny.json"




def _env(tmp_path: Path) -> dict[str, str]:
    return _clean_env({"OMP_NUM_THREADS": "1", "GOALGRAPH_DIST_TIMEOUT": "60", "HF_HUB_OFFLINE": "1",
                       "TRANSFORMERS_VERBOSITY": "error"}, str(tmp_path / "xdg"))


def _launch(nproc: int | None, args: list[str]) -> list[str]:
    """`python -m goalgraph ARGS`, under torchrun with `nproc` ranks unless nproc is None."""
    if nproc is None:
        return [sys.executable, "-m", "goalgraph", *args]
    return [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(nproc), "--master-addr",
            "127.0.0.1", "--master-port", str(free_port()), "-m", "goalgraph", *args]


def _run(nproc: int | None, args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(_launch(nproc, args), env=_env(tmp_path), cwd=REPO, capture_output=True, text=True,
                          timeout=TIMEOUT)


def _eval_args(model: Path, data: Path, out: Path, store: Path, *extra: str) -> list[str]:
    return ["eval", "mc-generic", "--model", str(model), "--data", str(data), "--device", "cpu",
            "--output", str(out), "--cache-dir", str(store), *extra]


def _close(a, b, path: str = "") -> None:
    """Same structure and values; floats within 1e-6 (relative or absolute: a summed log-likelihood of -50
    in float32 carries about 4e-6 of rounding, which the batch a request lands in may move)."""
    if isinstance(a, float) or isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6), f"{path}: {a} != {b}"
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            _close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{path}[{i}]")
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def _samples(out: Path) -> list[dict]:
    return [json.loads(line) for line in out.with_name(out.stem + ".samples.jsonl").read_text().splitlines()]


def _error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("goalgraph: error:")]


def test_world_sizes_1_2_4_agree_and_stores_carry_across_world_sizes(tiny_lm_dir, tmp_path):
    data = _write_jsonl(tmp_path / "mc.jsonl", _mc_items(60, seed=5))
    runs = {}
    for nproc in (None, 2, 4):
        out = tmp_path / f"out-{nproc}" / "mc.json"
        r = _run(nproc, _eval_args(tiny_lm_dir, data, out, tmp_path / f"store-{nproc}"), tmp_path)
        assert r.returncode == 0, r.stderr[-3000:]
        doc = json.loads(out.read_text())
        runs[nproc] = doc
        _close(doc["metrics"], runs[None]["metrics"])
        assert doc["metrics"]["acc"] == runs[None]["metrics"]["acc"]          # argmax metrics: exactly equal
        _close(_samples(out), _samples(tmp_path / "out-None" / "mc.json"))
        assert sorted(p.name for p in out.parent.iterdir()) == ["mc.json", "mc.samples.jsonl"]
        assert r.stderr.count("wrote ") == 1 and r.stdout.count("acc_norm") == 1     # rank 0 alone reports
        if nproc:
            dist = doc["distributed"]
            assert dist["world_size"] == nproc and sum(dist["computed_per_rank"]) == doc["requests"]["unique"]
            assert min(dist["computed_per_rank"]) > 0
            files = sorted(p.name.split(".", 1)[1] for p in (tmp_path / f"store-{nproc}").iterdir())
            assert files == [f"rank-{k}-of-{nproc}.jsonl" for k in range(nproc)]
        assert doc["requests"]["computed"] == doc["requests"]["unique"]

    # a restart recomputes nothing, whatever the world size that wrote the store and the one that reads it
    for nproc, store in ((2, "store-2"), (2, "store-4"), (None, "store-2"), (4, "store-None")):
        out = tmp_path / f"again-{nproc}-{store}" / "mc.json"
        r = _run(nproc, _eval_args(tiny_lm_dir, data, out, tmp_path / store), tmp_path)
        assert r.returncode == 0, r.stderr[-3000:]
        doc = json.loads(out.read_text())
        assert doc["requests"]["computed"] == 0, (nproc, store)
        assert doc["requests"]["from_store"] == doc["requests"]["unique"]
        _close(doc["metrics"], runs[None]["metrics"])


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _rank_of(pid: int) -> int | None:
    try:
        env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    for item in env:
        if item.startswith(b"RANK="):
            return int(item[5:])
    return None


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def test_killing_one_rank_ends_the_job_and_a_restart_recomputes_nothing_finished(tiny_lm_dir, tmp_path):
    data = _write_jsonl(tmp_path / "mc.jsonl", _mc_items(150, seed=3))
    store = tmp_path / "store"
    args = _eval_args(tiny_lm_dir, data, tmp_path / "out" / "mc.json", store, "--batch-size", "1",
                      "--no-prefix-sharing")
    proc = subprocess.Popen(_launch(2, args), env=_env(tmp_path), cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.time() + TIMEOUT
    rank1 = None
    while time.time() < deadline and proc.poll() is None:
        files = list(store.glob("*.rank-1-of-2.jsonl"))
        if files and _lines(files[0]) >= 30:
            rank1 = next((p for p in _children(proc.pid) if _rank_of(p) == 1), None)
            if rank1 is not None:
                break
        time.sleep(0.01)
    assert rank1 is not None and proc.poll() is None, "the job finished before a rank could be killed"
    os.kill(rank1, signal.SIGKILL)
    _, err = proc.communicate(timeout=120)          # torchrun tears the job down: no hang
    assert proc.returncode != 0
    assert not (tmp_path / "out" / "mc.json").exists()
    stored = sum(_lines(f) for f in store.glob("*.jsonl"))
    assert stored >= 30

    for nproc in (2, None):                         # the same world size, then one process
        out = tmp_path / f"resumed-{nproc}" / "mc.json"
        r = _run(nproc, _eval_args(tiny_lm_dir, data, out, store, "--batch-size", "1", "--no-prefix-sharing"),
                 tmp_path)
        assert r.returncode == 0, r.stderr[-3000:]
        doc = json.loads(out.read_text())
        req = doc["requests"]
        if nproc:
            assert req["from_store"] >= stored - 2      # a torn last line per rank may be lost, nothing more
            assert req["computed"] == req["unique"] - req["from_store"]
        else:
            assert req["computed"] == 0
    whole = tmp_path / "whole" / "mc.json"
    r = _run(None, _eval_args(tiny_lm_dir, data, whole, tmp_path / "fresh", "--batch-size", "1",
                              "--no-prefix-sharing"), tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    _close(json.loads(whole.read_text())["metrics"], doc["metrics"])


def test_a_failing_rank_is_one_error_line_on_every_rank_and_bad_input_is_exit_2(tiny_lm_dir, tmp_path):
    items = _mc_items(12, seed=1)
    items[7]["choices"][2] = " ".join(["river"] * 400)     # a continuation longer than the model's window
    data = _write_jsonl(tmp_path / "mc.jsonl", items)
    started = time.time()
    r = _run(2, _eval_args(tiny_lm_dir, data, tmp_path / "out" / "mc.json", tmp_path / "store"), tmp_path)
    assert r.returncode != 0
    lines = _error_lines(r.stderr)
    assert len(lines) == 1, r.stderr[-3000:]
    assert lines[0].startswith("goalgraph: error: rank ") and "exceeds the model's" in lines[0]
    assert time.time() - started < 120
    assert not (tmp_path / "out").exists()

    r = _run(2, ["eval", "mc-genric", "--model", str(tiny_lm_dir), "--data", str(data)], tmp_path)
    assert r.returncode != 0 and len(_error_lines(r.stderr)) == 1, r.stderr[-3000:]
    assert "mc-generic" in _error_lines(r.stderr)[0]                   # did you mean, said once


def test_plan_run_under_two_ranks_matches_one_process(tiny_lm_dir, tmp_path):
    results = {}
    for nproc in (None, 2):
        out = tmp_path / f"run-{nproc}"
        args = ["run", str(TINY_PLAN), "--model", str(tiny_lm_dir), "--device", "cpu", "--output", str(out)]
        r = _run(nproc, args, tmp_path)
        assert r.returncode == 0, r.stderr[-3000:]
        assert r.stdout.count("wrote ") == 1
        results[nproc] = json.loads((out / "results.json").read_text())
        assert results[nproc]["run"]["attempts"] == 1
        written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()
                         and p.parent.name != "requests")
        assert written == sorted(p.relative_to(tmp_path / "run-None").as_posix()
                                 for p in (tmp_path / "run-None").rglob("*")
                                 if p.is_file() and p.parent.name != "requests")
    one, two = ({s["id"]: s for s in results[n]["steps"]} for n in (None, 2))
    assert one.keys() == two.keys()
    for step_id in one:
        assert two[step_id]["state"] == one[step_id]["state"] == "done", two[step_id].get("error")
        _close(two[step_id]["metrics"], one[step_id]["metrics"], step_id)
    stores = sorted(p.name.split(".", 1)[1] for p in (tmp_path / "run-2" / "requests").iterdir())
    assert stores == ["rank-0-of-2.jsonl", "rank-1-of-2.jsonl"]

    # the same command again: rank 0 decides every step is done, all ranks follow, nothing is rewritten
    r = _run(2, ["run", str(TINY_PLAN), "--model", str(tiny_lm_dir), "--device", "cpu", "--output",
                 str(tmp_path / "run-2")], tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stderr.count("done earlier, kept") == len(one)
    again = json.loads((tmp_path / "run-2" / "results.json").read_text())
    assert again["run"]["attempts"] == 2 and all(s["reused"] for s in again["steps"])


def test_shards_keep_contexts_together_and_balance_work():
    from goalgraph.runtime.distributed import assign
    from goalgraph.runtime.requests import Generation, Loglikelihood

    reqs = [Loglikelihood(f"question {q} " * (1 + q % 5), f" choice {c}") for q in range(40) for c in range(4)]
    for world in (1, 2, 3, 4):
        owner = assign(reqs, world)
        assert owner == assign(list(reqs), world)                    # deterministic
        by_context: dict[str, set[int]] = {}
        for r, k in zip(reqs, owner):
            by_context.setdefault(r.context, set()).add(k)
        assert all(len(ks) == 1 for ks in by_context.values())       # a context stays on one rank
        loads = [sum(len(r.context) + len(r.continuation) for r, k in zip(reqs, owner) if k == rank)
                 for rank in range(world)]
        assert max(loads) <= 1.1 * (sum(loads) / world) + 200
    gens = [Generation(f"prompt {i}", max_new_tokens=8) for i in range(10)]
    assert sorted(assign(gens, 2).count(k) for k in (0, 1)) == [5, 5]


@pytest.mark.parametrize("world", [2, 3])
def test_every_store_of_a_model_reads_all_rank_files(tmp_path, world):
    from goalgraph.runtime.requests import Loglikelihood
    from goalgraph.runtime.store import RequestStore

    reqs = [Loglikelihood("c", f" x{i}") for i in range(world * 3)]
    for k in range(world):
        with RequestStore.for_model(tmp_path, "f" * 64, f"rank-{k}-of-{world}") as st:
            st.put_many(reqs[k::world], [(-float(i), False) for i in range(3)])
    plain = RequestStore.for_model(tmp_path, "f" * 64)
    assert len(plain) == len(reqs) and plain.missing(reqs) == []
    other = RequestStore.for_model(tmp_path, "f" * 64, "rank-0-of-5")
    assert len(other) == len(reqs)
    assert not other.path.exists()                                   # read, not written, until it answers


def test_accelerate_launch_gives_the_metrics_of_one_process(tiny_lm_dir, tmp_path):
    """`accelerate launch --multi_gpu` uses torch's launcher, so the same env detection applies; on this CPU-only
    machine `--device cpu` keeps every rank on the CPU (accelerate's --cpu mode would need MPI for 2 ranks)."""
    data = _write_jsonl(tmp_path / "mc.jsonl", _mc_items(30, seed=7))
    plain = tmp_path / "plain" / "mc.json"
    assert _run(None, _eval_args(tiny_lm_dir, data, plain, tmp_path / "s1"), tmp_path).returncode == 0
    out = tmp_path / "acc" / "mc.json"
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
           "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
           "--main_process_port", str(free_port()), "-m", "goalgraph",
           *_eval_args(tiny_lm_dir, data, out, tmp_path / "s2")]
    r = subprocess.run(cmd, env=_env(tmp_path), cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr[-3000:]
    doc = json.loads(out.read_text())
    assert doc["distributed"]["world_size"] == 2 and min(doc["distributed"]["computed_per_rank"]) > 0
    _close(doc["metrics"], json.loads(plain.read_text())["metrics"])
    _close(_samples(out), _samples(plain))


def test_generation_under_torchrun_gives_the_answers_of_one_process(tmp_path):
    """Generated answers (greedy) are split one by one across ranks and gathered in order: the value profiler's
    answers and metrics under 2 ranks equal one process's."""
    from tiny_models import build_talking_gpt2

    model = build_talking_gpt2(tmp_path / "talking", steps=100)
    args = ["eval", "value-profile", "--model", str(model), "--data", "builtin:scenarios", "--limit", "8",
            "--device", "cpu"]
    docs = {}
    for nproc in (None, 2):
        out = tmp_path / f"vp-{nproc}" / "vp.json"
        r = _run(nproc, [*args, "--output", str(out), "--cache-dir", str(tmp_path / f"store-{nproc}")], tmp_path)
        assert r.returncode == 0, r.stderr[-3000:]
        docs[nproc] = json.loads(out.read_text())
    assert docs[2]["distributed"]["computed_per_rank"] == [4, 4]
    _close(docs[2]["metrics"], docs[None]["metrics"])
    answers = {n: [s["answer"] for s in _samples(tmp_path / f"vp-{n}" / "vp.json")] for n in docs}
    assert answers[2] == answers[None] and any(a.strip() for a in answers[None])


def _goalgraph_launch(nproc: int, args: list[str]) -> list[str]:
    return [sys.executable, "-m", "goalgraph", "launch", "--nproc-per-node", str(nproc), *args]


def test_goalgraph_launch_gives_one_process_metrics_and_errors_in_one_line(tiny_lm_dir, tmp_path):
    """`goalgraph launch` is torchrun with goalgraph's error contract: the same metrics as one process, and a
    failing rank's one line with exit code 2 and nothing after it (torchrun adds a traceback and exits 1)."""
    data = _write_jsonl(tmp_path / "mc.jsonl", _mc_items(30, seed=11))
    plain = tmp_path / "plain" / "mc.json"
    assert _run(None, _eval_args(tiny_lm_dir, data, plain, tmp_path / "s1"), tmp_path).returncode == 0
    out = tmp_path / "launched" / "mc.json"
    # root options before `launch` reach every rank (--no-validate here); no master port: torchrun picks one
    r = subprocess.run([sys.executable, "-m", "goalgraph", "--no-validate", "launch", "--nproc-per-node", "2",
                        *_eval_args(tiny_lm_dir, data, out, tmp_path / "s2")],
                       env=_env(tmp_path), cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr[-3000:]
    doc = json.loads(out.read_text())
    assert doc["distributed"]["world_size"] == 2
    _close(doc["metrics"], json.loads(plain.read_text())["metrics"])

    bad = subprocess.run(_goalgraph_launch(2, _eval_args(tmp_path / "no-model", data, tmp_path / "x.json",
                                                         tmp_path / "s3")),
                         env=_env(tmp_path), cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT)
    assert bad.returncode == 2
    assert bad.stderr.splitlines() == [f"goalgraph: error: rank 0: model directory not found: {tmp_path / 'no-model'}"]

    # launcher usage errors: one line, exit 2, before any rank starts
    for args in (["--nproc-per-node", "2"], ["--no-such-option", "eval", "mc-generic"]):
        r = subprocess.run([sys.executable, "-m", "goalgraph", "launch", *args], env=_env(tmp_path), cwd=REPO,
                           capture_output=True, text=True, timeout=TIMEOUT)
        assert r.returncode == 2 and len(r.stderr.splitlines()) == 1, r.stderr
        assert r.stderr.startswith("goalgraph: error: ")


def test_goalgraph_launch_names_a_rank_killed_by_a_signal(tiny_lm_dir, tmp_path):
    data = _write_jsonl(tmp_path / "mc.jsonl", _mc_items(150, seed=3))
    store = tmp_path / "store"
    proc = subprocess.Popen(_goalgraph_launch(2, _eval_args(tiny_lm_dir, data, tmp_path / "o.json", store,
                                                            "--batch-size", "1", "--no-prefix-sharing")),
                            env=_env(tmp_path), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline, rank1 = time.time() + TIMEOUT, None
    while time.time() < deadline and proc.poll() is None and rank1 is None:
        files = list(store.glob("*.rank-1-of-2.jsonl"))
        if files and _lines(files[0]) >= 10:
            rank1 = next((p for p in _children(proc.pid) if _rank_of(p) == 1), None)
        time.sleep(0.01)
    assert rank1 is not None, "the job finished before a rank could be killed"
    os.kill(rank1, signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2
    lines = _error_lines(err)
    assert lines[-1] == (f"goalgraph: error: rank 1 (local rank 1, pid {rank1}) was stopped by SIGKILL; the job "
                         f"ended, and a rerun resumes from the request stores"), err[-3000:]
    assert "Traceback" not in err and "ChildFailedError" not in err
