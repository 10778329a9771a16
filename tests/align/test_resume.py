"""A killed run resumes from its last checkpoint and ends where an uninterrupted run ends."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from goalgraph.align import AlignmentError, train_dpo, train_sft

from .helpers import weights

REPO = Path(__file__).resolve().parents[2]
# SFT keeps dropout on, so the restored RNG state matters as much as the weights and the optimizer.
SETTINGS = {"learning_rate": 3e-3, "max_steps": 12, "batch_size": 2, "grad_accum": 2, "save_steps": 3, "seed": 5}

SCRIPT = textwrap.dedent("""
    import json, sys, time
    import torch
    torch.set_num_threads(1)
    from goalgraph.align import train_sft
    base, data, out, settings = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    # slow each step down so the parent can kill the run between checkpoints
    train_sft(base, data, out, on_step=lambda step, metrics: time.sleep(0.3), **settings)
""")


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the training run ended early: {proc.stderr.read()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("no checkpoint appeared")
        time.sleep(0.05)


def test_resume_after_kill_matches_an_uninterrupted_run(base_model, sft_file, tmp_path):
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(base_model), str(sft_file), str(out),
                             json.dumps(SETTINGS)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for(out / "checkpoints" / "step-3" / "state.json", proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    done = sorted(int(p.name.split("-")[1]) for p in (out / "checkpoints").glob("step-*"))
    assert done and done[-1] < SETTINGS["max_steps"] and not (out / "alignment.json").exists()

    with pytest.raises(AlignmentError, match="checkpoints of a run with a different"):
        train_sft(base_model, sft_file, out, **{**SETTINGS, "learning_rate": 1e-3})

    resumed = train_sft(base_model, sft_file, out, **{**SETTINGS, "save_steps": 4})   # save_steps may change
    assert resumed["resumed_from_step"] == done[-1]
    straight = train_sft(base_model, sft_file, tmp_path / "straight", **SETTINGS)
    assert straight["resumed_from_step"] is None

    a, b = weights(out), weights(tmp_path / "straight")
    assert a.keys() == b.keys()
    diffs = {k: float((a[k] - b[k]).abs().max()) for k in a}
    assert max(diffs.values()) == 0.0, diffs          # bit-identical on the CPU
    log_a = json.loads((out / "training_log.json").read_text())
    log_b = json.loads((tmp_path / "straight" / "training_log.json").read_text())
    assert [e["loss"] for e in log_a] == [e["loss"] for e in log_b]
    assert resumed["final_loss"] == straight["final_loss"]


def test_dpo_resumes_with_its_saved_reference_log_probs(base_model, preference_file, tmp_path):
    """A crash (here: an exception from the progress callback) after a checkpoint; the resumed DPO run reuses the
    reference log-probs stored in the checkpoint and ends with the same weights as a run that never stopped."""
    settings = {"learning_rate": 2e-3, "max_steps": 6, "batch_size": 2, "save_steps": 2, "seed": 3}

    def crash(step, metrics):
        if step == 3:
            raise KeyboardInterrupt

    out = tmp_path / "crashed"
    with pytest.raises(KeyboardInterrupt):
        train_dpo(base_model, preference_file, out, loss="ipo", on_step=crash, **settings)
    assert (out / "checkpoints" / "step-2" / "extra.safetensors").is_file()
    resumed = train_dpo(base_model, preference_file, out, loss="ipo", **settings)
    assert resumed["resumed_from_step"] == 2 and resumed["reference_seconds"] is None   # not recomputed
    train_dpo(base_model, preference_file, tmp_path / "straight", loss="ipo", **settings)
    a, b = weights(out), weights(tmp_path / "straight")
    assert all(bool((a[k] == b[k]).all()) for k in a)


def test_a_lora_run_resumes_to_the_same_merged_weights(base_model, sft_file, tmp_path):
    settings = {"lora": True, "lora_r": 4, "learning_rate": 5e-3, "max_steps": 6, "batch_size": 2,
                "save_steps": 2, "seed": 1}

    class Crash(Exception):
        pass

    def crash(step, metrics):
        if step == 3:
            raise Crash

    with pytest.raises(Crash):
        train_sft(base_model, sft_file, tmp_path / "killed", on_step=crash, **settings)
    resumed = train_sft(base_model, sft_file, tmp_path / "killed", **settings)
    straight = train_sft(base_model, sft_file, tmp_path / "straight", **settings)
    assert resumed["resumed_from_step"] == 2 and resumed["final_loss"] == straight["final_loss"]
    a, b = weights(tmp_path / "killed"), weights(tmp_path / "straight")
    assert max(float((a[k] - b[k]).abs().max()) for k in a) == 0.0
