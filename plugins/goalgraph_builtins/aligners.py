"""The built-in aligners, as manifests plus small component classes over `goalgraph.align`:

- training: `sft` (instruction tuning), `dpo` (DPO, IPO, SLiC hinge), `value-filter-sft` (value-targeted data
  selection, then SFT);
- inference-time: `principles-icl` (a system prompt of principles), `value-best-of-n` (n samples, the one
  closest to a target value profile wins); both write a model spec that loads wherever a model does;
- data: `critique-revise` (Constitutional AI's supervised stage: answer, critique, revise; writes SFT data).

Reading the manifests imports nothing heavy; `goalgraph align NAME` imports a component by its `entry` and calls
`align(model, data, output, *, principles, target, overwrite, on_step, **options)`, which returns the alignment
record (`OUTPUT/alignment.json`). A component says what it takes besides the model: `data` ("required",
"optional" or "none"), `principles` (True: `--principles` nodes or files, default the HHH principles) and
`target` (True: a target value profile file, required). Its `options` are its settings' defaults, typed so that
the CLI can type `--option key=value` strings like them (a default of None is shown by a value of the type it
takes); an unknown option is refused with the known ones named.
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
    {
        "id": "principles-icl",
        "title": "Principle prompting (in-context alignment)",
        "description": ("Wraps a model, without training it, in a system prompt that lists principles: the "
                        "graph's principle nodes under a goal (HHH by default), single principle nodes, or the "
                        "user's own file. Writes a model spec that every evaluator and `goalgraph run` accept "
                        "as a model; the chat template's system turn carries the prompt when the model has one."),
        "entry": "goalgraph_builtins.aligners:PrinciplesICLAligner",
        "attaches_to": ["method/in-context-principle-alignment", "method/moral-self-correction"],
        "implements": "paper/ganguli-2023-capacity",
        "needs": [],
        "requirements": {"accelerator": "none", "packages": []},
    },
    {
        "id": "critique-revise",
        "title": "Critique and revision (Constitutional AI, supervised stage)",
        "description": ("The base model answers each prompt, critiques its answer under a principle sampled for "
                        "that round, and revises it, for N rounds; every round is recorded and the final "
                        "revisions become an SFT data set (`sft.jsonl`) to fine-tune on with `sft`."),
        "entry": "goalgraph_builtins.aligners:CritiqueReviseAligner",
        "attaches_to": ["method/constitutional-ai"],
        "implements": "paper/bai-2022-constitutional",
        "needs": ["generation"],
        "requirements": ALIGN_REQUIREMENTS,
        "data": {"format": "JSON or JSONL rows with a `prompt`", "fields": ["prompt"]},
    },
    {
        "id": "value-filter-sft",
        "title": "Value-targeted data filtering, then SFT",
        "description": ("Profiles the value each training completion expresses, keeps the rows closest to a "
                        "target value profile (a share, or a distance bound), and fine-tunes on them, so the "
                        "model learns from data that carries the target's values."),
        "entry": "goalgraph_builtins.aligners:ValueFilterSFTAligner",
        "attaches_to": ["method/value-injection"],
        "implements": "paper/kang-2023-values",
        "needs": [],
        "requirements": {**ALIGN_REQUIREMENTS, "packages": ["torch", "transformers", "sentence-transformers"]},
        "data": {"format": "SFT rows: prompt/completion or chat messages, JSON or JSONL",
                 "fields": ["prompt", "completion"]},
        "metrics": [_m("loss", False, "mean cross-entropy per completion token at the last step")],
    },
    {
        "id": "value-best-of-n",
        "title": "Value best-of-n decoding",
        "description": ("At inference, samples n answers and returns the one whose value profile is closest to a "
                        "target profile (reward = minus the distance); writes a model spec, and with prompts "
                        "answers them now, recording every candidate and its reward."),
        "entry": "goalgraph_builtins.aligners:ValueBestOfNAligner",
        "attaches_to": ["method/best-of-n"],
        "needs": ["generation"],
        "requirements": {**ALIGN_REQUIREMENTS, "packages": ["torch", "transformers", "sentence-transformers"]},
        "data": {"format": "optional JSON or JSONL rows with a `prompt`", "fields": ["prompt"]},
        "metrics": [_m("mean_chosen_reward", True, "mean reward of the chosen samples"),
                    _m("mean_sample_reward", True, "mean reward of all samples")],
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


def _known(aligner: str, options: dict[str, Any], allowed: dict[str, Any]) -> None:
    from goalgraph.align.errors import AlignmentError

    for key in options:
        if key not in allowed:
            raise AlignmentError(f"unknown option {key!r} for {aligner} (known: {', '.join(sorted(allowed))})")


def _none_if_zero(options: dict[str, Any], *keys: str) -> dict[str, Any]:
    """Options whose 0 means "no limit" on the command line become None for the library."""
    return {k: (None if k in keys and not v else v) for k, v in options.items()}


class Aligner:
    """What the CLI reads of a component: its inputs and its options' defaults."""

    name = ""
    data = "required"          # "required", "optional" or "none"
    principles = False         # takes --principles
    target = False             # needs --target
    options: dict[str, Any] = {}


class SFTAligner(Aligner):
    """Supervised fine-tuning through `goalgraph.align.train_sft`."""

    name = "sft"
    options = hyperparameter_defaults("sft")

    def align(self, model: str, data: str, output: str, *, overwrite: bool = False, on_step: Any = None,
              **options: Any) -> dict[str, Any]:
        from goalgraph.align import train_sft

        return train_sft(model, data, output, overwrite=overwrite, on_step=on_step, **options)


class DPOAligner(Aligner):
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


class PrinciplesICLAligner(Aligner):
    """A prompted model spec through `goalgraph.align.principles_icl`."""

    name = "principles-icl"
    data = "none"
    principles = True
    options = {"prompt_style": "auto", "preamble": ""}

    def align(self, model: str, data: str | None, output: str, *, principles: list[str] | None = None,
              overwrite: bool = False, on_step: Any = None, **options: Any) -> dict[str, Any]:
        from goalgraph.align import load_principles, principles_icl

        _known(self.name, options, self.options)
        found = load_principles(principles)
        return principles_icl(model, output, found, prompt_style=options.get("prompt_style", "auto"),
                              preamble=options.get("preamble") or None, overwrite=overwrite)


class CritiqueReviseAligner(Aligner):
    """An SFT data set of principle-guided revisions through `goalgraph.align.critique_revise`."""

    name = "critique-revise"
    principles = True
    options = {"rounds": 1, "max_new_tokens": 96, "temperature": 0.0, "seed": 0, "batch_size": 8, "chat": "auto",
               "device": "auto", "limit": 0}

    def align(self, model: str, data: str, output: str, *, principles: list[str] | None = None,
              overwrite: bool = False, on_step: Any = None, **options: Any) -> dict[str, Any]:
        from goalgraph.align import critique_revise, load_principles

        _known(self.name, options, self.options)
        found = load_principles(principles)
        return critique_revise(model, data, output, found, overwrite=overwrite, on_item=on_step,
                               **_none_if_zero(options, "limit"))


class ValueFilterSFTAligner(Aligner):
    """Value-targeted row selection, then SFT, through `goalgraph.align.value_filter_sft`."""

    name = "value-filter-sft"
    target = True
    options = {"keep": 0.5, "max_distance": 0.0, "min_rows": 1, "metric": "cosine", **hyperparameter_defaults("sft")}

    def align(self, model: str, data: str, output: str, *, target: str, overwrite: bool = False,
              on_step: Any = None, **options: Any) -> dict[str, Any]:
        from goalgraph.align import value_filter_sft

        _known(self.name, options, self.options)
        return value_filter_sft(model, data, output, target, overwrite=overwrite, on_step=on_step, **options)


class ValueBestOfNAligner(Aligner):
    """A best-of-n model spec under a value-distance reward through `goalgraph.align.value_best_of_n`."""

    name = "value-best-of-n"
    data = "optional"
    target = True
    options = {"n": 4, "temperature": 0.8, "metric": "cosine", "max_new_tokens": 64, "seed": 0, "device": "auto",
               "limit": 0}

    def align(self, model: str, data: str | None, output: str, *, target: str, overwrite: bool = False,
              on_step: Any = None, **options: Any) -> dict[str, Any]:
        from goalgraph.align import value_best_of_n

        _known(self.name, options, self.options)
        return value_best_of_n(model, output, target, data_path=data, overwrite=overwrite, on_item=on_step,
                               **_none_if_zero(options, "limit"))
