"""What one micro-batch contributes to the loss, for each aligner; the loop in `train.py` knows nothing else
about SFT or DPO. Each `loss(indices, denominator)` returns (loss to backpropagate, metric sums)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from goalgraph.align.data import Encoded
from goalgraph.align.logprobs import collate, sequence_logps, token_logps


class SFTObjective:
    """Negative log-likelihood of the completion tokens, averaged over all completion tokens of the optimizer
    step (so gradient accumulation gives the same loss as one big batch)."""

    def __init__(self, model: Any, examples: Sequence[list[Encoded]], pad_id: int, device: Any):
        self.model, self.examples, self.pad_id, self.device = model, examples, pad_id, device

    def denominator(self, indices: Sequence[int]) -> float:
        return float(sum(self.examples[i][0].n_completion for i in indices))

    def loss(self, indices: Sequence[int], denominator: float) -> tuple[Any, dict[str, float]]:
        batch = collate([self.examples[i][0] for i in indices], self.pad_id, self.device)
        logps, mask = token_logps(self.model, batch)
        nll = -logps.sum()
        return nll / denominator, {"loss": float(nll.detach()) / denominator, "tokens": float(mask.sum())}


class PreferenceObjective:
    """A preference loss (dpo, ipo, hinge) against a frozen reference: chosen and rejected go through the
    policy in one forward pass; the reference's log-probs come from `reference_logps` (precomputed) or from
    running `reference` on the same batch."""

    def __init__(self, model: Any, examples: Sequence[list[Encoded]], pad_id: int, device: Any, *, loss: str,
                 beta: float, label_smoothing: float, average: bool, reference: Any = None,
                 reference_logps: Any = None):
        self.model, self.examples, self.pad_id, self.device = model, examples, pad_id, device
        self.kind, self.beta, self.label_smoothing, self.average = loss, beta, label_smoothing, average
        self.reference, self.reference_logps = reference, reference_logps

    def denominator(self, indices: Sequence[int]) -> float:
        return float(len(indices))

    def _logps(self, model: Any, indices: Sequence[int]) -> tuple[Any, Any]:
        rows = [self.examples[i][0] for i in indices] + [self.examples[i][1] for i in indices]
        logps = sequence_logps(model, collate(rows, self.pad_id, self.device), average=self.average)
        return logps[:len(indices)], logps[len(indices):]

    def precompute(self, batch_size: int) -> Any:
        """Reference log-probs of every example, shape [N, 2] (chosen, rejected), computed once."""
        import torch

        out = []
        with torch.no_grad():
            for k in range(0, len(self.examples), batch_size):
                c, r = self._logps(self.reference, range(k, min(k + batch_size, len(self.examples))))
                out.append(torch.stack([c, r], dim=1))
        return torch.cat(out).cpu()

    def loss(self, indices: Sequence[int], denominator: float) -> tuple[Any, dict[str, float]]:
        import torch

        from goalgraph.align.losses import preference_loss

        pc, pr = self._logps(self.model, indices)
        if self.reference_logps is not None:
            ref = self.reference_logps[list(indices)].to(pc.device)
            rc, rr = ref[:, 0], ref[:, 1]
        else:
            with torch.no_grad():
                rc, rr = self._logps(self.reference, indices)
        out = preference_loss(pc, pr, rc, rr, loss=self.kind, beta=self.beta, label_smoothing=self.label_smoothing)
        n = denominator
        return out.losses.sum() / n, {
            "loss": float(out.losses.detach().sum()) / n,
            "rewards/chosen": float(out.chosen_rewards.sum()) / n,
            "rewards/rejected": float(out.rejected_rewards.sum()) / n,
            "rewards/margin": float(out.margins.sum()) / n,
            "rewards/accuracy": float((out.margins > 0).float().sum()) / n,
        }
