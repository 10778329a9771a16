"""The hyper-parameters of an alignment run, checked up front (an unknown or bad one is a one-line error before
any model loads) and resolved to concrete values, so the record and the resume hash say what actually ran."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from goalgraph.align.errors import AlignmentError

PREFERENCE_ONLY = ("loss", "beta", "label_smoothing", "average_log_probs", "precompute_ref_logps")
# Options that change how a run is kept, not what it computes: they may differ between a run and its resume.
NOT_HASHED = ("save_steps", "keep_checkpoints")
DTYPES = ("float32", "bfloat16")


@dataclass
class TrainConfig:
    learning_rate: float | None = None        # None: 2e-5 for SFT, 1e-6 for DPO (TRL's defaults)
    epochs: int = 1
    max_steps: int | None = None              # optimizer steps; overrides epochs (the data cycles)
    batch_size: int = 8                       # examples (preference pairs) per micro-batch
    grad_accum: int = 1                       # micro-batches per optimizer step
    warmup_ratio: float = 0.1                 # linear warm-up over this share of the steps, then linear decay to 0
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0                # 0 turns clipping off
    max_length: int | None = None             # tokens per sequence; None: the model's window, at most 1024
    seed: int = 0
    save_steps: int = 50                      # checkpoint every N optimizer steps; 0: never
    keep_checkpoints: int = 2
    device: str = "auto"
    dtype: str = "float32"                    # or bfloat16 (half the memory; AdamW on bf16 weights loses the
                                              # smallest updates, so keep float32 where it fits)
    disable_dropout: bool | None = None       # None: off for DPO (as TRL: policy and reference then agree at
                                              # step 0), on for SFT
    lora: bool = False
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    lora_target_modules: list[str] | None = None   # None: peft's defaults for the architecture
    loss: str = "dpo"
    beta: float = 0.1
    label_smoothing: float = 0.0
    average_log_probs: bool | None = None     # None: the loss's default (see losses.resolve_average)
    precompute_ref_logps: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def make_config(aligner: str, options: dict[str, Any]) -> TrainConfig:
    from goalgraph.align.losses import check_loss, resolve_average

    known = {f.name for f in fields(TrainConfig)}
    for key in options:
        if key not in known:
            raise AlignmentError(f"unknown hyper-parameter {key!r} for {aligner} (known: {', '.join(sorted(known))})")
        if aligner == "sft" and key in PREFERENCE_ONLY:
            raise AlignmentError(f"{key!r} is a preference-loss option; sft does not take it")
    cfg = TrainConfig(**options)
    _positive(cfg, "epochs", "batch_size", "grad_accum", "keep_checkpoints")
    if cfg.max_steps is not None and cfg.max_steps < 1:
        raise AlignmentError(f"max_steps must be at least 1, got {cfg.max_steps}")
    if cfg.save_steps < 0:
        raise AlignmentError(f"save_steps must be 0 or more, got {cfg.save_steps}")
    if cfg.max_length is not None and cfg.max_length < 2:
        raise AlignmentError(f"max_length must be at least 2, got {cfg.max_length}")
    if cfg.dtype not in DTYPES:
        raise AlignmentError(f"dtype must be one of {', '.join(DTYPES)}, got {cfg.dtype!r} (float16 trains badly "
                             "without loss scaling)")
    if not 0.0 <= cfg.warmup_ratio < 1.0:
        raise AlignmentError(f"warmup_ratio must be in [0, 1), got {cfg.warmup_ratio}")
    if cfg.learning_rate is None:
        cfg.learning_rate = 2e-5 if aligner == "sft" else 1e-6
    if not cfg.learning_rate > 0:
        raise AlignmentError(f"learning_rate must be positive, got {cfg.learning_rate}")
    if cfg.disable_dropout is None:
        cfg.disable_dropout = aligner != "sft"
    if aligner == "dpo":
        check_loss(cfg.loss)
        if not cfg.beta > 0:
            raise AlignmentError(f"beta must be positive, got {cfg.beta}")
        cfg.average_log_probs = resolve_average(cfg.loss, cfg.average_log_probs)
    return cfg


def _positive(cfg: TrainConfig, *names: str) -> None:
    for name in names:
        check_count(name, getattr(cfg, name))


def check_count(name: str, value: Any, *, optional: bool = False) -> None:
    """A count option (rounds, n, batch size, ...) is a whole number of at least 1 (or None when `optional`)."""
    if optional and value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise AlignmentError(f"{name} must be a whole number of at least 1{' (or none)' if optional else ''}, "
                             f"got {value!r}")


def hyperparameters(aligner: str, cfg: TrainConfig) -> dict[str, Any]:
    """The record's view: preference options only for dpo."""
    d = cfg.to_dict()
    return {k: v for k, v in d.items() if aligner == "dpo" or k not in PREFERENCE_ONLY}
