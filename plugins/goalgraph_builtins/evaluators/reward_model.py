"""reward-model: score responses with a sequence-classification reward model.

Two data shapes (one file may mix them; each metric uses the rows it applies to):

- preference pairs (TRL's preference format): `prompt`, `chosen`, `rejected` →
  `pair_accuracy` = mean over pairs of [r(chosen) > r(rejected)], a tie counting 0.5,
  `reward_margin` = mean of r(chosen) − r(rejected);
- scored responses: `prompt`, `response` and optionally `reference` →
  `mean_reward` = mean r(response), and over rows with a reference
  `win_rate` = mean of 1 (r(response) > r(reference)), 0.5 (equal), 0 (lower).

TRL's conversational format is accepted too: `chosen`/`rejected` (and `prompt`, `response`, `reference`) may be
lists of {role, content} messages. The last assistant message of `chosen` (resp. `rejected`, `response`) is the
response; the messages before it are appended to `prompt`'s messages, and the prompt text is rendered as the
content alone for a single user message, else as "Role: content" blocks separated by blank lines.

The prompt template renders each item's prompt text (default `{{ prompt }}`); the reward model then sees it with
the response (through its chat template if it has one, see `goalgraph.runtime.reward_model`).
"""
from __future__ import annotations

from typing import Any, Sequence

from goalgraph.evaluation.base import EvaluationError, Evaluator, Field
from goalgraph.runtime.requests import RewardScore

PREFERENCE, RESPONSES = "preference", "responses"


class RewardModelEval(Evaluator):
    id = "reward-model"
    model_kind = "reward-model"      # the runner loads --model as goalgraph.runtime.reward_model.RewardModel
    # prompt/chosen/rejected may be strings or lists of messages, which a typed Field cannot say: they are
    # checked in prepare. The declared fields are all optional, because the two shapes need different ones.
    fields = (
        Field("response", "str", required=False, help="a response to score (scored-responses shape)"),
        Field("reference", "str", required=False, help="a reference response to compare `response` with"),
    )
    default_template = "{{ prompt }}"
    options = {"group_by": ""}       # a field whose values split every metric into `metric/value`
    data_files = 1

    def prepare(self, datasets: Sequence[list[dict]]) -> list[dict]:
        items = []
        for n, source in enumerate(datasets):
            for i, record in enumerate(source):
                where = f"item {i}" if len(datasets) == 1 else f"file {n + 1}, item {i}"
                items.append(normalise(record, where))
        group = self.config["group_by"]
        if group:
            for i, item in enumerate(items):
                if item.get(group) in (None, ""):
                    raise EvaluationError(f"{self.id}: item {i} has no field {group!r} (option group_by)")
        return items

    def requests(self, item: dict) -> list:
        prompt = self.render(item)
        if item["format"] == PREFERENCE:
            return [RewardScore(prompt, item["chosen"]), RewardScore(prompt, item["rejected"])]
        reqs = [RewardScore(prompt, item["response"])]
        if item.get("reference") is not None:
            reqs.append(RewardScore(prompt, item["reference"]))
        return reqs

    def score(self, item: dict, answers: list) -> dict:
        group = self.config["group_by"]
        out: dict[str, Any] = {"format": item["format"]}
        if group:
            out["group"] = str(item[group])
        if item["format"] == PREFERENCE:
            chosen, rejected = float(answers[0]), float(answers[1])
            out.update(chosen_reward=chosen, rejected_reward=rejected, margin=chosen - rejected,
                       correct=_outcome(chosen, rejected))
        else:
            out["reward"] = float(answers[0])
            if len(answers) > 1:
                out["reference_reward"] = float(answers[1])
                out["win"] = _outcome(out["reward"], out["reference_reward"])
        return out

    def aggregate(self, records: list[dict]) -> dict[str, float]:
        metrics = _metrics(records)
        if self.config["group_by"]:
            for g in sorted({r["group"] for r in records}):
                for name, value in _metrics([r for r in records if r["group"] == g]).items():
                    metrics[f"{name}/{g}"] = value
        return metrics


def _outcome(a: float, b: float) -> float:
    """1 when a > b, 0.5 when equal, 0 when lower."""
    return 1.0 if a > b else 0.5 if a == b else 0.0


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _metrics(records: list[dict]) -> dict[str, float]:
    out: dict[str, float] = {}
    pairs = [r for r in records if r["format"] == PREFERENCE]
    if pairs:
        out["pair_accuracy"] = _mean([r["correct"] for r in pairs])
        out["reward_margin"] = _mean([r["margin"] for r in pairs])
    scored = [r for r in records if r["format"] == RESPONSES]
    if scored:
        out["mean_reward"] = _mean([r["reward"] for r in scored])
        refs = [r for r in scored if "win" in r]
        if refs:
            out["win_rate"] = _mean([r["win"] for r in refs])
    return out


# -- data shapes ------------------------------------------------------------------------------------------------

def normalise(record: dict, where: str = "item") -> dict:
    """A record in either shape (plain or conversational) → an item with string `prompt` and responses and a
    `format` of "preference" or "responses". Errors name the item and the missing field."""
    def has(name: str) -> bool:
        return record.get(name) not in (None, "")

    item = dict(record)
    if has("chosen") or has("rejected"):
        for name in ("chosen", "rejected"):
            if not has(name):
                raise EvaluationError(f"{where} has {'rejected' if name == 'chosen' else 'chosen'} but no field "
                                      f"{name!r} (preference pairs need prompt, chosen, rejected)")
        base = _messages(record.get("prompt"), "prompt", where) if has("prompt") else None
        prompt_c, chosen = _split(record["chosen"], base, "chosen", where)
        prompt_r, rejected = _split(record["rejected"], base, "rejected", where)
        if prompt_c != prompt_r:
            raise EvaluationError(f"{where}: 'chosen' and 'rejected' continue different conversations")
        item.update(prompt=_need_prompt(prompt_c, where), chosen=chosen, rejected=rejected, format=PREFERENCE)
        return item
    if has("response"):
        base = _messages(record.get("prompt"), "prompt", where) if has("prompt") else None
        prompt, response = _split(record["response"], base, "response", where)
        item.update(prompt=_need_prompt(prompt, where), response=response, format=RESPONSES)
        if has("reference"):
            _, item["reference"] = _split(record["reference"], base, "reference", where)
        else:
            item.pop("reference", None)
        return item
    present = ", ".join(sorted(map(str, record))[:12])
    raise EvaluationError(f"{where} has neither 'chosen'/'rejected' nor 'response' (it has: {present}); reward-model "
                          "reads preference pairs (prompt, chosen, rejected) or responses (prompt, response)")


def _messages(value: Any, name: str, where: str) -> list[dict] | str:
    """A string stays a string; a list must be {role, content} messages."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(m, dict) and "role" in m and "content" in m for m in value):
        return [{"role": str(m["role"]), "content": _content(m["content"])} for m in value]
    raise EvaluationError(f"{where}: field {name!r} must be text or a list of {{role, content}} messages")


def _content(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):   # multimodal-style content parts: keep the text parts
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in value)
    return str(value)


def _split(value: Any, base: list[dict] | str | None, name: str, where: str) -> tuple[list[dict] | str | None, str]:
    """(prompt so far, response text) for a response that is text or a conversation ending in an assistant turn."""
    value = _messages(value, name, where)
    if isinstance(value, str):
        return base, value
    last = max((k for k, m in enumerate(value) if m["role"] == "assistant"), default=None)
    if last is None:
        raise EvaluationError(f"{where}: field {name!r} has no assistant message")
    before = value[:last]
    if before:
        if base is None:
            base = []
        elif isinstance(base, str):
            base = [{"role": "user", "content": base}]
        base = [*base, *before]
    return base, value[last]["content"]


def _need_prompt(prompt: list[dict] | str | None, where: str) -> str:
    if prompt is None or prompt == []:
        raise EvaluationError(f"{where} has no field 'prompt' (and no messages before the response)")
    return prompt if isinstance(prompt, str) else render_messages(prompt)


def render_messages(messages: list[dict]) -> str:
    """Our plain rendering of a conversation prefix: a lone user message is its content; otherwise each message
    is "Role: content", separated by blank lines."""
    if len(messages) == 1 and messages[0]["role"] == "user":
        return messages[0]["content"]
    return "\n\n".join(f"{m['role'].capitalize()}: {m['content']}" for m in messages)
