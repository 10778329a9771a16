"""Aligners: bring a causal LM towards a goal and record what was done (`goalgraph align` is the CLI over it).

Training (weights change): `train_sft`, `train_dpo`, `value_filter_sft`. Inference-time (a model spec wraps the
base, see `goalgraph.runtime.model_spec`): `principles_icl`, `value_best_of_n`. Data: `critique_revise`.

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
- `record`      `OUTPUT/alignment.json`: aligner, method node IRI, base model fingerprint, data hash, settings;
- `principles`  principle statements from the graph's principle nodes or the user's file;
- `inference`   the inference-time aligners, which write model specs;
- `critique`    Constitutional AI's supervised stage: answer, critique, revise, as SFT data;
- `value_reward` the value-distance reward (value profile of a text against a target profile);
- `value_filter` value-targeted selection of training rows, then SFT;
- `workdir`     claiming an output directory for one run, and resumable JSONL journals.

The CLI parses its options into these functions' keyword arguments, prints progress from `on_step`/`on_item`,
and turns an `AlignmentError` (a GoalgraphError) into its one line and exit code 2.

Why our own loop rather than TRL's trainers: measured (`benchmarks/bench_align.py`, docs/performance.md), it
gives the same losses at every step (to 1e-5) as TRL 1.16's DPOTrainer and SFTTrainer fed the same batches, at
the same speed with a small vocabulary and faster with a 32,000-token one, on the CPU. Owning it also gives exact
resume, the evaluation's tokenisation rule and the record without adapting to a moving API; the column names
and defaults follow TRL so that its users feel at home.

Importing this package imports neither torch nor transformers; they load inside the functions.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from goalgraph.align.errors import AlignmentDataError, AlignmentError

__all__ = ["AlignmentDataError", "AlignmentError", "critique_revise", "load_principles", "principles_icl",
           "train_dpo", "train_sft", "value_best_of_n", "value_filter_sft"]

_LAZY = {"critique_revise": "goalgraph.align.critique", "load_principles": "goalgraph.align.principles",
         "principles_icl": "goalgraph.align.inference", "value_best_of_n": "goalgraph.align.inference",
         "value_filter_sft": "goalgraph.align.value_filter"}


def __getattr__(name: str) -> Any:
    """The other aligners, imported on first use."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'goalgraph.align' has no attribute {name!r}")


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
