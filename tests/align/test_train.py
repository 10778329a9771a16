"""The training loop end to end on the tiny GPT-2: SFT learns its data, DPO/IPO/hinge widen the preference
margin, the record is complete and the aligned directory loads like any model."""
from __future__ import annotations

import json
import math
import sys
from datetime import datetime

import pytest
import torch

from goalgraph.align import AlignmentError, train_dpo, train_sft

from .helpers import completion_nll, preference_margin, weights

ID = "https://w3id.org/goalgraph/id/"
RECORD_FIELDS = {"aligner", "method", "base_model", "data", "hyperparameters", "seed", "steps", "final_loss",
                 "goalgraph", "created"}


def test_sft_lowers_the_loss_on_its_data(base_model, sft_file, tmp_path):
    out = tmp_path / "sft"
    record = train_sft(base_model, sft_file, out, learning_rate=5e-3, max_steps=30, batch_size=4, save_steps=0)
    before, after = completion_nll(base_model, sft_file), completion_nll(out, sft_file)
    assert after < 0.6 * before, (before, after)
    assert record["final_loss"] < record["first_loss"]
    log = json.loads((out / "training_log.json").read_text())
    assert [e["step"] for e in log] == list(range(1, 31))
    assert log[0]["lr"] < log[3]["lr"] and log[-1]["lr"] < log[3]["lr"]     # warm-up, then decay


@pytest.mark.parametrize("loss,method", [("dpo", "method/dpo"), ("ipo", "method/ipo"), ("hinge", "method/slic-hf")])
def test_preference_training_widens_the_margin(base_model, preference_file, tmp_path, loss, method):
    out = tmp_path / loss
    assert preference_margin(base_model, base_model, preference_file) == 0.0
    record = train_dpo(base_model, preference_file, out, loss=loss, beta=0.1, learning_rate=2e-3, max_steps=5,
                       batch_size=4, save_steps=0)
    margin = preference_margin(out, base_model, preference_file)
    assert margin > 1.0, margin
    assert record["method"] == ID + method
    assert record["hyperparameters"]["loss"] == loss
    assert record["hyperparameters"]["average_log_probs"] is (loss == "ipo")
    assert math.isfinite(record["final_loss"])
    assert record["final_metrics"]["rewards/margin"] > 0
    if loss == "dpo":
        assert record["first_loss"] == pytest.approx(math.log(2), abs=1e-5)   # policy == reference at step 0


def test_reference_on_the_fly_gives_the_same_run(base_model, preference_file, tmp_path):
    common = {"learning_rate": 2e-3, "max_steps": 3, "batch_size": 4, "save_steps": 0}
    a = train_dpo(base_model, preference_file, tmp_path / "pre", **common)
    b = train_dpo(base_model, preference_file, tmp_path / "live", precompute_ref_logps=False, **common)
    assert a["final_loss"] == pytest.approx(b["final_loss"], abs=1e-5)
    assert b["reference_seconds"] is None and a["reference_seconds"] >= 0


def test_the_record_and_the_saved_model(base_model, sft_file, tmp_path):
    import goalgraph
    from goalgraph.run.runner import read_alignment_record
    from goalgraph.runtime.causal_lm import CausalLM
    from goalgraph.runtime.fingerprint import model_fingerprint
    from goalgraph.runtime.requests import Loglikelihood
    from goalgraph.util.digest import file_sha256

    out = tmp_path / "aligned"
    record = train_sft(base_model, sft_file, out, learning_rate=1e-3, max_steps=2, batch_size=4, seed=7,
                       save_steps=0)
    on_disk = read_alignment_record(str(out))
    assert on_disk == record
    assert RECORD_FIELDS <= set(record)
    assert record["aligner"] == "sft" and record["method"] == ID + "method/instruction-tuning"
    assert record["base_model"] == {"path": str(base_model), "fingerprint": model_fingerprint(str(base_model))}
    assert record["data"] == {"path": str(sft_file), "sha256": file_sha256(sft_file), "rows": 8}
    assert record["seed"] == 7 and record["steps"] == 2 and record["goalgraph"] == goalgraph.__version__
    assert record["hyperparameters"]["learning_rate"] == 1e-3 and "beta" not in record["hyperparameters"]
    assert datetime.fromisoformat(record["created"]).tzinfo is not None
    assert not (out / "checkpoints").exists()
    lm = CausalLM.load(str(out), device="cpu")
    try:
        (ll, _), = lm.loglikelihood([Loglikelihood("Q: Say the word sky twice.\nA:", " sky sky.")])
    finally:
        import torch

        torch.set_grad_enabled(True)
    assert math.isfinite(ll) and ll < 0
    assert model_fingerprint(str(out)) != model_fingerprint(str(base_model))   # the weights changed


def test_a_finished_run_is_not_redone(base_model, sft_file, tmp_path):
    out = tmp_path / "again"
    common = {"learning_rate": 1e-3, "max_steps": 2, "batch_size": 4, "save_steps": 0}
    first = train_sft(base_model, sft_file, out, **common)
    assert train_sft(base_model, sft_file, out, **common) == first          # same run: the record, no training
    with pytest.raises(AlignmentError, match="different run") as err:
        train_sft(base_model, sft_file, out, **{**common, "learning_rate": 2e-3})
    assert "\n" not in str(err.value)
    redone = train_sft(base_model, sft_file, out, overwrite=True, **{**common, "learning_rate": 2e-3})
    assert redone["hyperparameters"]["learning_rate"] == 2e-3


def test_checkpoints_keep_the_last_two(base_model, sft_file, tmp_path):
    out = tmp_path / "ckpt"
    seen = {}

    def on_step(step, metrics):
        seen[step] = sorted(p.name for p in (out / "checkpoints").glob("*")) if (out / "checkpoints").exists() else []

    train_sft(base_model, sft_file, out, learning_rate=1e-3, max_steps=8, batch_size=2, save_steps=2, on_step=on_step)
    assert seen[3] == ["step-2"]
    assert seen[7] == ["step-4", "step-6"]       # step-2 pruned; no temp folders left behind
    assert not (out / "checkpoints").exists()    # cleared once the model and its record are written


def test_lora_needs_peft(base_model, sft_file, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "peft", None)      # as if peft were not installed: importing it fails
    with pytest.raises(AlignmentError, match="needs peft") as err:
        train_sft(base_model, sft_file, tmp_path / "lora", lora=True)
    assert "\n" not in str(err.value)
    assert not (tmp_path / "lora").exists()


def test_lora_trains_adapters_and_saves_them_merged(base_model, sft_file, tmp_path):
    """With peft: only the adapters train; the saved model is a plain one with the adapters merged into the
    attention weights, every other weight exactly the base's, and it fits its data better than the base."""
    out = tmp_path / "lora"
    record = train_sft(base_model, sft_file, out, lora=True, lora_r=4, lora_alpha=8, lora_dropout=0.0,
                       learning_rate=5e-3, max_steps=12, batch_size=4, save_steps=0)
    assert record["hyperparameters"]["lora"] is True and record["hyperparameters"]["lora_r"] == 4
    base, tuned = weights(base_model), weights(out)
    assert tuned.keys() == base.keys()                  # merged: no adapter tensors left in the file
    changed = {k for k in base if not torch.equal(base[k], tuned[k])}
    assert changed and all("c_attn" in k for k in changed), changed
    assert completion_nll(out, sft_file) < completion_nll(base_model, sft_file)


@pytest.mark.parametrize("call,needle", [
    (lambda m, d, o: train_sft(m, d, o, warmup=3), "unknown hyper-parameter 'warmup'"),
    (lambda m, d, o: train_sft(m, d, o, beta=0.2), "'beta' is a preference-loss option"),
    (lambda m, d, o: train_sft(m, d, o, batch_size=0), "batch_size must be"),
    (lambda m, d, o: train_dpo(m, d, o, loss="kto"), "unknown preference loss 'kto'"),
    (lambda m, d, o: train_dpo(m, d, o, beta=-1), "beta must be positive"),
    (lambda m, d, o: train_sft(m, d, m), "base model's own directory"),
    (lambda m, d, o: train_sft(m, d, o, device="tpu"), "unknown device"),
    (lambda m, d, o: train_sft(d, d, o), "cannot load model"),
])
def test_bad_options_are_one_line_errors(base_model, sft_file, tmp_path, call, needle):
    with pytest.raises(AlignmentError) as err:
        call(base_model, sft_file, tmp_path / "out")
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_corrupt_data_is_one_line_error(base_model, tmp_path):
    bad = tmp_path / "broken.jsonl"
    bad.write_text('{"prompt": "Q:", "chosen": " a", "rejected": " b"}\n{"prompt": "Q:", "chosen": ', encoding="utf-8")
    with pytest.raises(AlignmentError) as err:
        train_dpo(base_model, bad, tmp_path / "out")
    assert "broken.jsonl" in str(err.value) and "line 2" in str(err.value) and "\n" not in str(err.value)


def test_non_empty_output_is_refused(base_model, sft_file, tmp_path):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(AlignmentError, match="not empty"):
        train_sft(base_model, sft_file, out, max_steps=1)


def test_bfloat16_training_saves_bfloat16_weights(base_model, sft_file, tmp_path):
    record = train_sft(base_model, sft_file, tmp_path / "bf16", dtype="bfloat16", learning_rate=1e-2, max_steps=3,
                       batch_size=4, save_steps=0)
    assert record["hyperparameters"]["dtype"] == "bfloat16"
    tuned = weights(tmp_path / "bf16")
    assert {t.dtype for t in tuned.values()} == {torch.bfloat16}
    assert any(not torch.equal(t.float(), weights(base_model)[k].bfloat16().float()) for k, t in tuned.items())
    with pytest.raises(AlignmentError, match="dtype must be one of float32, bfloat16"):
        train_sft(base_model, sft_file, tmp_path / "fp16", dtype="float16")
