"""MFQ-30 scoring of one respondent's answer sheet (the `mfq30-scoring` component).

Item texts are not shipped (they are not ours); answers are keyed by item number 1-32 as the questionnaire
numbers them: 1-16 rate relevance, 17-32 rate agreement, both on a 0-5 scale. Items 6 and 22 are attention
(catch) items and count towards no foundation. The key itself lives in
`goalgraph_builtins.questionnaires.keys.MFQ30`, shared with the `mfq30` evaluator that puts the questionnaire
to a model.
"""
from __future__ import annotations

from collections.abc import Mapping

from goalgraph_builtins.questionnaires.keys import MFQ30

KEY: dict[str, tuple[int, ...]] = dict(MFQ30.dimensions)
ATTENTION_RELEVANCE = 6   # a relevance item that should be rated low
ATTENTION_AGREEMENT = 22  # an agreement item that should be agreed with


class MFQ30Scorer:
    """Turns one respondent's answers into foundation means, the individualizing and binding composites,
    progressivism (individualizing - binding) and the attention check.

    `max_relevance_on_6` and `min_agreement_on_22` set the attention rule: the respondent passes when item 6
    is rated at most the first and item 22 at least the second. The defaults (2 and 3) are the MFQ-30 item key's
    rule: drop those who rate item 6 in its top three options or item 22 in its bottom three.
    """

    def __init__(self, max_relevance_on_6: int = 2, min_agreement_on_22: int = 3):
        self.max_relevance_on_6 = max_relevance_on_6
        self.min_agreement_on_22 = min_agreement_on_22

    def score(self, answers: Mapping[int, int | float]) -> dict[str, float]:
        items = {int(k): float(v) for k, v in answers.items()}
        missing = sorted(set(MFQ30.items) - set(items))
        if missing:
            raise ValueError(f"MFQ-30 answers are missing items {missing}")
        bad = sorted(k for k, v in items.items() if not 0 <= v <= 5 or k not in MFQ30.items)
        if bad:
            raise ValueError(f"MFQ-30 answers must be items 1-32 rated 0-5; check items {bad}")
        scores = MFQ30.score(items)
        passed = (items[ATTENTION_RELEVANCE] <= self.max_relevance_on_6
                  and items[ATTENTION_AGREEMENT] >= self.min_agreement_on_22)
        scores["attention_passed"] = 1.0 if passed else 0.0
        return scores

    __call__ = score
