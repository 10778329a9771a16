"""The built-in aligners: supervised fine-tuning and preference optimisation (issue 7), as manifests plus two
small component classes over `goalgraph.align`.

Reading the manifests imports nothing heavy; `goalgraph align NAME` imports a component by its `entry` and calls
`align(model, data, output, **options)`, which returns the alignment record (`OUTPUT/alignment.json`).
A component's `options` are its hyper-parameters' defaults, typed so that the CLI can type `--option key=value`
strings like them (a default of None is shown by a value of the type it takes).
"""
from __future__ import annotations

from typing import Any

ALIGN_REQUIREMENTS = {"accelerator": "optional", "packages": ["torch", "transformers"]}


def _m(name: str, better: bool | None, description: str) -> dict:
    return {"name": name, "higher_is_better": better, "description": description}


ALIGNERS: list[dict] = [
    {
        "id": "sft",
        "title": "Supervised fine-tuning (instruction tuning)",
        "description": ("Fine-tunes a causal language model on prompt/completion or chat rows with cross-entropy "
                        "on the completion tokens only, the prompt being masked out; writes the tuned model and "
                        "an alignment record naming the base model, the data and every setting."),
        "entry": "goalgraph_builtins.aligners:SFTAligner",
        "attaches_to": ["method/instruction-tuning"],
        "needs": [],
        "requirements": ALIGN_REQUIREMENTS,
        "metrics": [_m("loss", False, "mean cross-entropy per completion token at the last step")],
    },
    {
        "id": "dpo",
        "title": "Preference optimisation (DPO, IPO, SLiC hinge)",
        "description": ("Trains a causal language model on chosen/rejected pairs against a frozen copy of itself, "
                        "with the DPO logistic loss on log-probability ratios (optionally label-smoothed), IPO's "
                        "squared loss or SLiC's hinge; no reward model and no RL loop. Writes the tuned model and "
                        "an alignment record whose method is the loss's node."),
        "entry": "goalgraph_builtins.aligners:DPOAligner",
        "attaches_to": ["method/dpo", "method/ipo", "method/slic-hf"],
        "implements": "paper/rafailov-2023-direct",
        "needs": [],
        "requirements": ALIGN_REQUIREMENTS,
        "metrics": [_m("loss", False, "preference loss at the last step"),
                    _m("rewards/margin", True, "mean implicit-reward margin, chosen minus rejected"),
                    _m("rewards/accuracy", True, "share of pairs whose chosen answer has the higher reward")],
    },
]

# What a default of None stands for when a `--option` string is typed: the type the field takes.
_EXEMPLARS = {"float": 0.0, "int": 0, "bool": False, "str": "", "list": []}


def hyperparameter_defaults(aligner: str) -> dict[str, Any]:
    """The `TrainConfig` fields `aligner` takes, with their defaults (None replaced by a value of its type)."""
    from dataclasses import MISSING, fields

    from goalgraph.align.config import PREFERENCE_ONLY, TrainConfig

    out: dict[str, Any] = {}
    for f in fields(TrainConfig):
        if aligner == "sft" and f.name in PREFERENCE_ONLY:
            continue
        default = f.default if f.default is not MISSING else None
        if default is None:
            base = str(f.type).split("|")[0].strip().split("[")[0]
            default = _EXEMPLARS.get(base, "")
        out[f.name] = default
    return out


class SFTAligner:
    """Supervised fine-tuning through `goalgraph.align.train_sft`."""

    name = "sft"
    options = hyperparameter_defaults("sft")

    def align(self, model: str, data: str, output: str, *, overwrite: bool = False, on_step: Any = None,
              **options: Any) -> dict[str, Any]:
        from goalgraph.align import train_sft

        return train_sft(model, data, output, overwrite=overwrite, on_step=on_step, **options)


class DPOAligner:
    """Preference optimisation through `goalgraph.align.train_dpo` (`loss` dpo, ipo or hinge)."""

    name = "dpo"
    options = hyperparameter_defaults("dpo")

    def align(self, model: str, data: str, output: str, *, overwrite: bool = False, on_step: Any = None,
              **options: Any) -> dict[str, Any]:
        from goalgraph.align import train_dpo

        loss = options.pop("loss", "dpo")
        beta = options.pop("beta", 0.1)
        return train_dpo(model, data, output, loss=loss, beta=beta, overwrite=overwrite, on_step=on_step,
                         **options)
