"""Cost estimates: requests from item counts, tokens from a per-evaluator guess, seconds from the model's size.

The figures order steps and check a budget; they are estimates, and each says how it was reached. The model's
size is read from its `config.json` with the json module alone (no torch, no transformers): a transformer does
about 2 x parameters FLOPs per token it processes, and the device's sustained throughput below turns FLOPs into
seconds.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Sustained FLOP/s for a forward pass, not peak: a many-core CPU running fp32 matrix products through torch
# reaches about 1e11; a data-centre GPU (A100 class) in bf16 about 1e14, a third of its dense peak.
DEVICE_FLOPS = {"cpu": 1e11, "gpu": 1e14}
FLOPS_PER_TOKEN_PER_PARAM = 2
_GATED = ("llama", "mistral", "mixtral", "qwen", "qwen2", "qwen3", "gemma", "gemma2", "gemma3", "phi3", "olmo",
          "olmo2", "granite", "cohere", "internlm", "yi", "deepseek", "smollm")


@dataclass(frozen=True)
class ModelInfo:
    """What the plan knows of `--model`: its parameter count (estimated), the kind of model, and how."""

    params: int | None
    kind: str            # causal-lm or reward-model
    basis: str


def _first(cfg: dict, *names: str) -> Any:
    for n in names:
        if isinstance(cfg.get(n), (int, float)) and not isinstance(cfg.get(n), bool):
            return cfg[n]
    return None


def estimate_parameters(cfg: dict[str, Any]) -> int | None:
    """Parameters of a decoder-only transformer from its Hugging Face config: embeddings plus, per layer,
    attention (query/output full width; key/value shrunk by grouped-query attention) and the MLP (three
    matrices for gated activations, two otherwise). None when the config lacks the sizes."""
    cfg = cfg.get("text_config") if isinstance(cfg.get("text_config"), dict) else cfg
    hidden = _first(cfg, "hidden_size", "n_embd", "d_model", "dim")
    layers = _first(cfg, "num_hidden_layers", "n_layer", "num_layers", "n_layers")
    vocab = _first(cfg, "vocab_size")
    if not (hidden and layers and vocab):
        return None
    heads = _first(cfg, "num_attention_heads", "n_head", "num_heads") or 1
    kv_heads = _first(cfg, "num_key_value_heads", "n_kv_heads") or heads
    head_dim = _first(cfg, "head_dim") or hidden / heads
    inner = _first(cfg, "intermediate_size", "n_inner", "ffn_dim", "d_ff") or 4 * hidden
    gated = str(cfg.get("model_type", "")).lower() in _GATED or str(cfg.get("hidden_act", "")) in ("silu", "swiglu")
    attention = 2 * hidden * heads * head_dim + 2 * hidden * kv_heads * head_dim
    mlp = (3 if gated else 2) * hidden * inner
    experts = _first(cfg, "num_local_experts", "n_routed_experts") or 1
    embeddings = vocab * hidden * (1 if cfg.get("tie_word_embeddings", True) else 2)
    return int(embeddings + layers * (attention + experts * mlp))


def model_info(model: str | None) -> ModelInfo:
    """Size and kind of `--model` from a local folder's config.json (or a config.json path)."""
    if not model:
        return ModelInfo(None, "causal-lm", "no --model given")
    path = Path(model)
    cfg_path = path / "config.json" if path.is_dir() else path
    if not (cfg_path.is_file() and cfg_path.name.endswith(".json")):
        return ModelInfo(None, "causal-lm", f"--model {model} is not a local folder with a config.json "
                                             "(a hub id?), so its size is unknown")
    try:
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return ModelInfo(None, "causal-lm", f"cannot read {cfg_path}: {getattr(exc, 'strerror', None) or exc}")
    if not isinstance(cfg, dict):
        return ModelInfo(None, "causal-lm", f"{cfg_path} is not a JSON object")
    archs = [str(a) for a in cfg.get("architectures") or []]
    kind = "reward-model" if any(a.endswith("ForSequenceClassification") for a in archs) else "causal-lm"
    params = estimate_parameters(cfg)
    if params is None:
        return ModelInfo(None, kind, f"{cfg_path.name} of --model {model} does not give the layer sizes")
    return ModelInfo(params, kind, f"about {human(params)} parameters from {cfg_path.name}")


def human(n: float) -> str:
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= size:
            return f"{n / size:.3g}{unit}"
    return f"{n:.0f}"


def estimate(items: int | None, items_basis: str, spec: dict[str, Any] | None, info: ModelInfo,
             device: str | None, needs_model: bool) -> dict[str, Any]:
    """requests, tokens, seconds and the basis in words, for one step with an evaluator."""
    spec = spec or {}
    rpi, tpr = spec.get("requests_per_item"), spec.get("tokens_per_request")
    if items is None:
        return {"basis": f"{items_basis}, so requests are unknown"}
    if not needs_model:
        return {"requests": 0, "tokens": 0, "seconds": 0.0,
                "basis": f"{items_basis}; it asks no model, so it costs no model time"}
    if rpi is None:
        return {"basis": f"{items_basis}; the evaluator does not say how many requests an item takes"}
    requests = items * rpi
    basis = f"{items_basis} x {rpi} request{'s' if rpi != 1 else ''} per item"
    out: dict[str, Any] = {"requests": requests}
    if tpr is None:
        return {**out, "basis": basis + "; no token guess for this evaluator"}
    out["tokens"] = tokens = requests * tpr
    basis += f" x ~{tpr} tokens per request"
    if info.params is None:
        return {**out, "basis": f"{basis}; seconds not estimated: {info.basis}"}
    dev = device or "cpu"
    seconds = tokens * FLOPS_PER_TOKEN_PER_PARAM * info.params / DEVICE_FLOPS[dev]
    assumed = "" if device else " (no --device given: cpu assumed)"
    out["seconds"] = round(seconds, 1)
    return {**out, "basis": f"{basis}; {info.basis}; {FLOPS_PER_TOKEN_PER_PARAM} FLOPs per parameter and token "
                            f"at {DEVICE_FLOPS[dev]:.0e} FLOP/s on the {dev}{assumed}"}


def mark_budget(steps: list, budget_hours: float | None) -> float | None:
    """Set `within_budget` in plan order and return the total estimated hours (None when nothing is known).

    With a budget, a step fits when its seconds are known and the running total up to it stays within the
    budget; a step of unknown cost cannot be shown to fit. Manual steps cost people's time, not the machine's,
    and always fit."""
    total, known = 0.0, False
    for step in steps:
        seconds = step.cost.seconds
        if seconds is not None:
            total += seconds
            known = known or seconds > 0        # a step that asks no model says nothing about the total
        if budget_hours is None or step.status == "manual":
            step.within_budget = True
        else:
            step.within_budget = seconds is not None and total <= budget_hours * 3600
    return round(total / 3600, 4) if known else None
