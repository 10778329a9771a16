"""Measurements on trained models for the tests: our own log-prob code on both models, never the training loop."""
from __future__ import annotations

from pathlib import Path


def load(path: Path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    return AutoModelForCausalLM.from_pretrained(path).eval(), AutoTokenizer.from_pretrained(path)


def completion_nll(model_dir: Path, data: Path) -> float:
    """Mean NLL per completion token of an SFT file under the model in `model_dir`."""
    import torch

    from goalgraph.align.data import encode_rows, read_sft
    from goalgraph.align.logprobs import collate, token_logps

    model, tok = load(model_dir)
    rows = encode_rows(read_sft(data), tok, max_length=256, fields=("completion",))
    with torch.no_grad():
        logps, mask = token_logps(model, collate([r[0] for r in rows], tok.eos_token_id))
    return float(-logps.sum() / mask.sum())


def preference_margin(policy_dir: Path, reference_dir: Path, data: Path) -> float:
    """Mean of (pi_c - pi_r) - (ref_c - ref_r) over a preference file, with summed log-probs."""
    import torch

    from goalgraph.align.data import encode_rows, read_preferences
    from goalgraph.align.logprobs import collate, sequence_logps

    rows = read_preferences(data)
    out = []
    for d in (policy_dir, reference_dir):
        model, tok = load(d)
        enc = encode_rows(rows, tok, max_length=256, fields=("chosen", "rejected"))
        with torch.no_grad():
            c = sequence_logps(model, collate([e[0] for e in enc], tok.eos_token_id))
            r = sequence_logps(model, collate([e[1] for e in enc], tok.eos_token_id))
        out.append(c - r)
    return float((out[0] - out[1]).mean())


def weights(model_dir: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(Path(model_dir) / "model.safetensors"))
