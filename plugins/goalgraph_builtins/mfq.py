"""MFQ-30 scoring key: which item numbers feed which moral foundation.

Item texts are not shipped (they are not ours); answers are keyed by item number 1-32 as the
questionnaire numbers them: 1-16 rate relevance, 17-32 rate agreement, both on a 0-5 scale.
Items 6 and 22 are attention items and count towards no foundation.
"""
from __future__ import annotations

from statistics import fmean
from typing import Mapping

KEY: dict[str, tuple[int, ...]] = {
    "care": (1, 7, 12, 17, 23, 28),
    "fairness": (2, 8, 13, 18, 24, 29),
    "loyalty": (3, 9, 14, 19, 25, 30),
    "authority": (4, 10, 15, 20, 26, 31),
    "sanctity": (5, 11, 16, 21, 27, 32),
}
ATTENTION_RELEVANCE = 6   # a relevance item that should be rated low
ATTENTION_AGREEMENT = 22  # an agreement item that should be agreed with


class MFQ30Scorer:
    """Turns one respondent's answers into foundation means.

    `max_relevance_on_6` and `min_agreement_on_22` set the attention rule: the respondent passes when item 6
    is rated at most the first and item 22 at least the second (defaults 3 and 3).
    """

    def __init__(self, max_relevance_on_6: int = 3, min_agreement_on_22: int = 3):
        self.max_relevance_on_6 = max_relevance_on_6
        self.min_agreement_on_22 = min_agreement_on_22

    def score(self, answers: Mapping[int, int | float]) -> dict[str, float]:
        items = {int(k): float(v) for k, v in answers.items()}
        missing = sorted(set(range(1, 33)) - set(items))
        if missing:
            raise ValueError(f"MFQ-30 answers are missing items {missing}")
        bad = sorted(k for k, v in items.items() if not 0 <= v <= 5 or k not in range(1, 33))
        if bad:
            raise ValueError(f"MFQ-30 answers must be items 1-32 rated 0-5; check items {bad}")
        scores = {name: fmean(items[i] for i in key) for name, key in KEY.items()}
        scores["individualizing"] = fmean((scores["care"], scores["fairness"]))
        scores["binding"] = fmean((scores["loyalty"], scores["authority"], scores["sanctity"]))
        passed = (items[ATTENTION_RELEVANCE] <= self.max_relevance_on_6
                  and items[ATTENTION_AGREEMENT] >= self.min_agreement_on_22)
        scores["attention_passed"] = 1.0 if passed else 0.0
        return scores

    __call__ = score
