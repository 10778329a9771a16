"""What an evaluator is: a data schema, a default prompt, requests per item, a score per item, an aggregate.

An evaluator never calls the model itself. It turns each item into requests (`goalgraph.runtime.requests`),
the runner answers all requests of the run together (deduplicated, batched, prefix-shared, resumable), and the
evaluator turns each item's answers into a per-item record and all records into metrics. That split is what
makes batching, prefix reuse and resume possible, and what lets tests score items with hand-made answers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Sequence

from goalgraph.errors import EvaluationError

__all__ = ["EvaluationError", "Evaluator", "Field", "answer_all", "run_items"]


@dataclass(frozen=True)
class Field:
    """One field of an evaluator's native data schema.

    `type` is one of: str, int, float, bool, list, dict, list[str] / list[int] / list[float], or any (present,
    checked by the evaluator).
    Values read from CSV arrive as strings and are coerced to `type` (lists and dicts as JSON).
    """

    name: str
    type: str = "str"
    required: bool = True
    help: str = ""


class Evaluator:
    """Base class for evaluator components. Subclasses set the class attributes and the three methods.

    `options` holds default option values; users override them with `--option key=value`, coerced to the
    default's type. `self.template` renders an item into the prompt context (`self.render(item)`).
    """

    id: ClassVar[str] = ""
    fields: ClassVar[tuple[Field, ...]] = ()
    default_template: ClassVar[str] = ""
    options: ClassVar[dict[str, Any]] = {}
    data_files: ClassVar[int] = 1          # how many --data files it takes (the pairwise judge takes 2+)
    model_kind: ClassVar[str] = "causal-lm"  # or "reward-model": which adapter `--model` is loaded with

    def __init__(self, template: Any = None, **options: Any):
        from goalgraph.evaluation.templates import PromptTemplate

        self.template = template if template is not None else PromptTemplate(self.default_template, name="default")
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            known = ", ".join(sorted(self.options)) or "none"
            raise EvaluationError(f"{self.id}: unknown option {unknown[0]!r} (options: {known})")
        self.config = {**self.options, **options}

    # -- to override --------------------------------------------------------------------------------------
    def prepare(self, datasets: Sequence[list[dict]]) -> list[dict]:
        """Turn the loaded data files into items. Default: the files' records one after another (several files
        of one schema, such as BBQ's per-category files, are one evaluation)."""
        return [record for records in datasets for record in records]

    def requests(self, item: dict) -> list:
        """The requests this item needs, in the order `score` expects their answers."""
        raise NotImplementedError

    def score(self, item: dict, answers: list) -> dict:
        """One JSON-serialisable record for the item (its per-item metrics and whatever explains them)."""
        raise NotImplementedError

    def aggregate(self, records: list[dict]) -> dict[str, float]:
        """Metric name → number over all records (subgroups as `metric/group`)."""
        raise NotImplementedError

    # -- helpers ------------------------------------------------------------------------------------------
    def render(self, item: dict, **extra: Any) -> str:
        """The item rendered through the prompt template (extra names are visible to the template too)."""
        return self.template.render({**item, **extra})

    def describe(self) -> dict[str, Any]:
        """Everything needed to replay this evaluator: id, options, template name and hash."""
        return {"evaluator": self.id, "options": dict(self.config),
                "template": {"name": self.template.name, "sha256": self.template.sha256}}


def answer_all(model: Any, requests: list) -> list:
    """Answer requests with any object that has `loglikelihood`, `generate` and/or `reward` methods, each taking a
    list of requests of one kind and returning answers in order. The runner uses a store-backed version of this;
    tests call it with hand-made models."""
    by_kind: dict[str, list[int]] = {}
    for i, r in enumerate(requests):
        by_kind.setdefault(r.kind, []).append(i)
    answers: list = [None] * len(requests)
    methods = {"loglikelihood": "loglikelihood", "generation": "generate", "reward": "reward"}
    for kind, idx in by_kind.items():
        method = getattr(model, methods[kind], None)
        if method is None:
            raise EvaluationError(f"the model cannot answer {kind} requests")
        for i, a in zip(idx, method([requests[i] for i in idx])):
            answers[i] = a
    return answers


def run_items(evaluator: Evaluator, items: list[dict], model: Any) -> tuple[dict[str, float], list[dict]]:
    """Evaluate items in memory: requests → answers → records → metrics. No store, no files."""
    per_item = [evaluator.requests(item) for item in items]
    flat = [r for rs in per_item for r in rs]
    answers = answer_all(model, flat)
    records, pos = [], 0
    for item, rs in zip(items, per_item):
        records.append(evaluator.score(item, answers[pos:pos + len(rs)]))
        pos += len(rs)
    return evaluator.aggregate(records), records
