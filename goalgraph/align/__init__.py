"""Aligners: train a causal LM towards a goal and record what was done (issue 7; the library, no CLI yet).

What is here, one job per module:

- `losses`      the preference losses (DPO with optional label smoothing, IPO, SLiC's hinge) on sequence log-probs;
- `data`        reading SFT rows (prompt/completion or chat messages) and preference rows (TRL's `prompt`,
                `chosen`, `rejected`, plain or conversational) and tokenising them with the evaluation's
                prompt/completion rule (`goalgraph.runtime.tokens`), prompt tokens masked out of the loss;
- `logprobs`    padded batches and per-sequence log-probs of the completion tokens;
- `objectives`  what SFT and DPO compute per micro-batch (the reference's log-probs precomputed once);
- `config`      the hyper-parameters, checked and resolved before anything heavy loads;
- `checkpoints` `OUTPUT/checkpoints/step-K/` written atomically, the last two kept, read back on resume;
- `train`       the one loop (AdamW, linear warm-up/decay, accumulation, clipping, seeded order, resume);
- `record`      `OUTPUT/alignment.json`: aligner, method node IRI, base model fingerprint, data hash, settings.

The CLI (`goalgraph align sft|dpo --model PATH --data PATH [--output DIR]`, next step) will parse its options into
the keyword arguments of `train_sft` / `train_dpo`, print progress from `on_step`, and turn an
`AlignmentError` (a GoalgraphError) into its one line and exit code 2.

Why our own loop rather than TRL: TRL (and peft) cannot be installed here (offline), and the pieces a DPO run
needs are small: a loss formula, sequence log-probs and an AdamW loop. Owning them gives exact resume, the
evaluation's tokenisation rule and the record without adapting to a moving API. The issue asks to choose by
measurement; that benchmark (speed and final margins against TRL's DPOTrainer on the same data and settings)
is still to do, and the column names and defaults follow TRL so that the comparison is like for like.

Importing this package imports neither torch nor transformers; they load inside the functions.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from goalgraph.align.errors import AlignmentDataError, AlignmentError

__all__ = ["AlignmentDataError", "AlignmentError", "train_dpo", "train_sft"]


def train_sft(model_path: str | Path, data_path: str | Path, output_dir: str | Path, *, overwrite: bool = False,
              on_step: Any = None, **hyperparameters: Any) -> dict[str, Any]:
    """Supervised fine-tuning on prompt/completion or chat rows (loss on completions only); returns the
    alignment record written to `output_dir/alignment.json`. Hyper-parameters: see `config.TrainConfig`."""
    from goalgraph.align.train import train

    return train("sft", model_path, data_path, output_dir, overwrite=overwrite, on_step=on_step, **hyperparameters)


def train_dpo(model_path: str | Path, data_path: str | Path, output_dir: str | Path, loss: str = "dpo",
              beta: float = 0.1, *, overwrite: bool = False, on_step: Any = None,
              **hyperparameters: Any) -> dict[str, Any]:
    """Preference optimisation against a frozen copy of the base model with `loss` dpo, ipo or hinge; returns
    the alignment record. Hyper-parameters: see `config.TrainConfig`."""
    from goalgraph.align.train import train

    return train("dpo", model_path, data_path, output_dir, overwrite=overwrite, on_step=on_step, loss=loss,
                 beta=beta, **hyperparameters)
