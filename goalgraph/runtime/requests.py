"""The requests a model can answer: the whole contract between evaluators and model adapters.

Evaluators build these; adapters answer them; the request store keys finished answers by their hash. They are
frozen and hashable so identical requests across items (and across runs) are computed once.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Union


@dataclass(frozen=True)
class Loglikelihood:
    """log P(continuation | context), summed over the continuation's tokens.

    Answered with `(logprob, is_greedy)`: is_greedy is True when every continuation token is the model's argmax.
    Tokenisation follows lm-eval: whitespace at the end of the context moves to the start of the continuation,
    context+continuation are tokenised together, and an empty context becomes the BOS token (EOS without one).
    """

    context: str
    continuation: str

    kind = "loglikelihood"


@dataclass(frozen=True)
class Generation:
    """Text generated after `prompt`. `until` lists stop strings (cut from the answer); greedy unless
    `temperature > 0`, in which case `seed` makes the sample reproducible."""

    prompt: str
    max_new_tokens: int = 256
    until: tuple[str, ...] = ()
    temperature: float = 0.0
    seed: int = 0

    kind = "generation"


@dataclass(frozen=True)
class RewardScore:
    """The scalar reward a sequence-classification reward model gives `response` to `prompt`."""

    prompt: str
    response: str

    kind = "reward"


Request = Union[Loglikelihood, Generation, RewardScore]


@dataclass
class Answered:
    """A request with its answer, in the order the evaluator asked."""

    request: Request
    answer: Any = field(default=None)


def request_hash(request: Request) -> str:
    """A stable hash of a request's kind and fields (the request half of the store's key)."""
    payload = json.dumps([request.kind, asdict(request)], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
