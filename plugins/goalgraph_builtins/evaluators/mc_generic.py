"""mc-generic: multiple-choice accuracy over any data in goalgraph's own simple schema.

Each item is a question rendered into the context and a list of choices; every choice is one loglikelihood
request (context, delimiter + choice). The prediction is the choice with the highest summed log-probability,
optionally divided by the choice's length in characters (acc_norm) or UTF-8 bytes (acc_bytes), exactly as
lm-evaluation-harness scores its `multiple_choice` tasks. See docs/evaluators/mc-generic.md.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from goalgraph.evaluation.base import EvaluationError, Evaluator, Field
from goalgraph.evaluation.scoring import argmax, lls_of, mean
from goalgraph.runtime.requests import Loglikelihood

ANSWER_MODES = ("auto", "index", "text")


class GenericMultipleChoice(Evaluator):
    id = "mc-generic"
    # `answer` is checked here rather than declared as a Field: it may be an int, a choice's text or a list of
    # ints, and a Field has one type.
    fields = (
        Field("question", "str", required=False, help="Rendered into the context by the default template."),
        Field("choices", "list[str]", help="The candidate answers; each is scored as a continuation."),
    )
    default_template = "Question: {{ question }}\nAnswer:"
    options = {
        "target_delimiter": " ",   # put between the context and every choice (lm-eval's default)
        "answer_is": "auto",       # how a string `answer` is read: auto, index or text
    }

    def __init__(self, template: Any = None, **options: Any):
        super().__init__(template, **options)
        if self.config["answer_is"] not in ANSWER_MODES:
            raise EvaluationError(f"{self.id}: option answer_is={self.config['answer_is']!r} "
                                  f"(use {', '.join(ANSWER_MODES)})")

    # -- contract -----------------------------------------------------------------------------------------
    def prepare(self, datasets: Sequence[list[dict]]) -> list[dict]:
        items = super().prepare(datasets)
        for i, item in enumerate(items):   # every bad item is found before any model work
            self._check(item, where=f"item {i}")
        return items

    def requests(self, item: dict) -> list:
        choices, _ = self._check(item)
        context = self.render(item)
        delim = self.config["target_delimiter"]
        return [Loglikelihood(context, delim + c) for c in choices]

    def score(self, item: dict, answers: list) -> dict:
        choices, gold = self._check(item)
        lls = lls_of(answers)
        if len(lls) != len(choices):
            raise EvaluationError(f"{self.id}: {len(lls)} answers for {len(choices)} choices")
        pred = argmax(lls)
        pred_norm = argmax([ll / len(c) for ll, c in zip(lls, choices)])
        pred_bytes = argmax([ll / len(c.encode("utf-8")) for ll, c in zip(lls, choices)])
        golds = gold if isinstance(gold, list) else [gold]
        return {"lls": lls, "pred": pred, "pred_norm": pred_norm, "pred_bytes": pred_bytes, "gold": gold,
                "acc": float(pred in golds), "acc_norm": float(pred_norm in golds),
                "acc_bytes": float(pred_bytes in golds)}

    def aggregate(self, records: list[dict]) -> dict[str, float]:
        if not records:
            return {"n": 0.0}
        return {"acc": mean([r["acc"] for r in records]),
                "acc_norm": mean([r["acc_norm"] for r in records]),
                "acc_bytes": mean([r["acc_bytes"] for r in records]),
                "n": float(len(records))}

    # -- checks -------------------------------------------------------------------------------------------
    def _check(self, item: dict, where: str = "item") -> tuple[list[str], int | list[int]]:
        """The item's choices and gold index (or indices); an EvaluationError naming the bad field."""
        choices = item.get("choices")
        if not isinstance(choices, list) or not choices:
            raise EvaluationError(f"{self.id}: {where}: field 'choices' must be a non-empty list of strings")
        for j, c in enumerate(choices):
            if not isinstance(c, str) or not c:
                raise EvaluationError(f"{self.id}: {where}: field 'choices'[{j}] must be a non-empty string "
                                      f"(its length divides the log-probability for acc_norm)")
        if "answer" not in item or item["answer"] is None or item["answer"] == "":
            present = ", ".join(sorted(map(str, item))[:12])
            raise EvaluationError(f"{self.id}: {where} has no field 'answer' (int index, choice text or list "
                                  f"of indices) (it has: {present})")
        return choices, resolve_gold(item["answer"], choices, self.config["answer_is"], f"{self.id}: {where}")


def resolve_gold(answer: Any, choices: list[str], mode: str = "auto", where: str = "item") -> int | list[int]:
    """`answer` as a gold index, or a list of them for several gold choices.

    An int is an index; a list holds ints or choice texts. A string is a choice's text when it equals one, else
    an index written as text (CSV cells are text), else a JSON list. In `auto` mode a string that is both a
    choice and a valid index of a *different* choice is refused as ambiguous (set answer_is=index or =text).
    """
    if isinstance(answer, list):
        if not answer:
            raise EvaluationError(f"{where}: field 'answer' is an empty list")
        return [_one(a, choices, mode, where, f"'answer'[{j}]") for j, a in enumerate(answer)]
    if isinstance(answer, str) and mode != "text" and answer.strip().startswith("[") and answer not in choices:
        try:
            parsed = json.loads(answer)
        except json.JSONDecodeError:
            parsed = None
        if isinstance(parsed, list):
            return resolve_gold(parsed, choices, mode, where)
    return _one(answer, choices, mode, where, "'answer'")


def _one(answer: Any, choices: list[str], mode: str, where: str, name: str) -> int:
    n = len(choices)
    if isinstance(answer, bool) or not isinstance(answer, (int, str)):
        raise EvaluationError(f"{where}: field {name} is {type(answer).__name__} {answer!r}, expected an int "
                              f"index or one of the choices")
    if isinstance(answer, int):
        if mode == "text":
            raise EvaluationError(f"{where}: field {name} is the int {answer}, but answer_is=text")
        return _in_range(answer, n, where, name)
    as_index = _int_text(answer)
    is_choice = answer in choices
    if mode == "text" or (mode == "auto" and is_choice):
        if not is_choice:
            raise EvaluationError(f"{where}: field {name} {answer!r} is not one of the {n} choices")
        index = choices.index(answer)
        if mode == "auto" and as_index is not None and 0 <= as_index < n and as_index != index:
            raise EvaluationError(f"{where}: field {name} {answer!r} is both choice {index} and index {as_index}; "
                                  f"set --option answer_is=index or answer_is=text")
        return index
    if as_index is None:
        what = "an int index" if mode == "index" else f"one of the {n} choices nor an int index"
        raise EvaluationError(f"{where}: field {name} {answer!r} is {'not' if mode == 'index' else 'neither'} {what}")
    return _in_range(as_index, n, where, name)


def _int_text(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _in_range(index: int, n: int, where: str, name: str) -> int:
    if not 0 <= index < n:
        raise EvaluationError(f"{where}: field {name} is {index}, outside the {n} choices (0..{n - 1})")
    return index
