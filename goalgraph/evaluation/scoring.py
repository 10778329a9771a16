"""Small helpers every evaluator's `score` and `aggregate` need; pure Python, no numpy."""
from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any


def argmax(values: Sequence[float]) -> int:
    """Index of the largest value; the first one on ties (as numpy.argmax, which lm-eval uses)."""
    best = 0
    for i in range(1, len(values)):
        if values[i] > values[best]:
            best = i
    return best


def mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values) if values else math.nan


def lls_of(answers: Sequence[Any]) -> list[float]:
    """The summed log-probabilities out of `(logprob, is_greedy)` answers."""
    return [float(a[0]) for a in answers]


def slug(text: str, empty: str = "unknown") -> str:
    """A group name as a metric suffix: lower case, each run of non-alphanumerics one '-' ('Race Color' →
    'race-color'); `empty` when nothing is left."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or empty
