"""Preference losses on per-sequence log-probs, kept apart from the training loop so they can be checked
against their formulas on fixed numbers.

All inputs are tensors of shape [batch]: the policy's and the frozen reference's log-probs of the chosen and
the rejected completion. With h = (pi_c - pi_r) - (ref_c - ref_r), the log-ratio difference:

- `dpo`   (Rafailov et al. 2023): -log sigmoid(beta*h); with label smoothing eps (the "conservative" DPO of
          Mitchell 2023, as in TRL): -(1-eps) log sigmoid(beta*h) - eps log sigmoid(-beta*h);
- `ipo`   (Azar et al. 2023): (h - 1/(2*beta))^2, a regression of h onto a fixed target, so it cannot drive
          the margin to infinity the way DPO can on deterministic preferences;
- `hinge` (SLiC, Zhao et al. 2023): relu(1 - beta*h).

Whether pi and ref are summed or per-token averaged log-probs is decided where they are computed (see
`resolve_average`): the formulas do not change, only the scale of h.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LOSSES = ("dpo", "ipo", "hinge")


@dataclass
class PreferenceLoss:
    """Per-example values (shape [batch]); `losses.mean()` is what is minimised."""

    losses: Any
    chosen_rewards: Any      # beta * (pi_c - ref_c), the implicit reward of the chosen completion
    rejected_rewards: Any    # beta * (pi_r - ref_r)
    margins: Any             # chosen_rewards - rejected_rewards = beta * h


def resolve_average(loss: str, average_log_probs: bool | None) -> bool:
    """None means the default of each loss: per-token averages for IPO, sums for DPO and hinge.

    Why: this is TRL's convention, so our runs compare with its numbers. For IPO it also matters: its target
    1/(2*beta) is a fixed number, and summed log-probs grow with the answer's length, so with sums a long pair
    would sit far from the target for reasons of length alone. DPO and SLiC are defined on sequence
    log-probs in their papers, and DPO's sigmoid tolerates any scale of h."""
    check_loss(loss)
    if average_log_probs is None:
        return loss == "ipo"
    return bool(average_log_probs)


def check_loss(loss: str) -> None:
    from goalgraph.align.errors import AlignmentError

    if loss not in LOSSES:
        raise AlignmentError(f"unknown preference loss {loss!r} (choose from {', '.join(LOSSES)})")


def preference_loss(policy_chosen: Any, policy_rejected: Any, ref_chosen: Any, ref_rejected: Any, *,
                    loss: str = "dpo", beta: float = 0.1, label_smoothing: float = 0.0) -> PreferenceLoss:
    """The chosen loss and the implicit rewards; rewards are detached (they are for reporting only)."""
    import torch.nn.functional as F

    from goalgraph.align.errors import AlignmentError

    check_loss(loss)
    if not beta > 0:
        raise AlignmentError(f"beta must be positive, got {beta}")
    if not 0.0 <= label_smoothing < 0.5:
        raise AlignmentError(f"label_smoothing must be in [0, 0.5), got {label_smoothing}")
    if label_smoothing and loss != "dpo":
        raise AlignmentError(f"label_smoothing applies to the dpo loss only, not {loss!r}")
    h = (policy_chosen - policy_rejected) - (ref_chosen - ref_rejected)
    if loss == "dpo":
        # logsigmoid is computed stably (no exp overflow for large |beta*h|)
        losses = -(1 - label_smoothing) * F.logsigmoid(beta * h) - label_smoothing * F.logsigmoid(-beta * h)
    elif loss == "ipo":
        losses = (h - 1 / (2 * beta)) ** 2
    else:
        losses = F.relu(1 - beta * h)
    chosen = beta * (policy_chosen - ref_chosen).detach()
    rejected = beta * (policy_rejected - ref_rejected).detach()
    return PreferenceLoss(losses, chosen, rejected, chosen - rejected)
