"""Sequence log-probs of the completion tokens in a padded batch: the one quantity both SFT (its negative is
the loss) and the preference losses are built from."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from goalgraph.align.data import IGNORE, Encoded
from goalgraph.runtime.forward_args import forward_takes


def collate(examples: Sequence[Encoded], pad_id: int, device: Any = "cpu") -> dict[str, Any]:
    """Right-padded input_ids, attention_mask and labels (-100 on prompt and padding)."""
    import torch

    width = max(len(e.input_ids) for e in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for i, e in enumerate(examples):
        n = len(e.input_ids)
        ids[i, :n] = torch.tensor(e.input_ids)
        labels[i, :n] = torch.tensor(e.labels)
        mask[i, :n] = 1
    return {"input_ids": ids.to(device), "attention_mask": mask.to(device), "labels": labels.to(device)}


def token_logps(model: Any, batch: dict[str, Any]) -> tuple[Any, Any]:
    """(log-prob of each next token [B, T-1], mask of the tokens that count [B, T-1]).

    Two savings, both exact: the LM head runs only from the first position that predicts a completion token in
    any row (the model's own `logits_to_keep`, so a model that scales or caps its logits still does so), since
    the prompt's logits carry no loss; on a 32,000-token vocabulary that cut a DPO forward and backward pass by
    42% (docs/performance.md). And gather minus logsumexp instead of a full log_softmax: one [B, T, V] tensor
    fewer, which is what limits the batch size with a large vocabulary. Columns before the first are zeros,
    masked out."""
    import torch

    labels = batch["labels"][:, 1:]
    mask = labels != IGNORE
    width = labels.shape[1]
    counted = mask.any(dim=0).nonzero()
    first = int(counted[0]) if len(counted) and forward_takes(model, "logits_to_keep") else 0
    kwargs = {"logits_to_keep": torch.arange(first, width, device=labels.device)} if first else {}
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], **kwargs).logits
    logits = (logits if first else logits[:, :-1]).float()
    kept = labels[:, first:]
    picked = torch.gather(logits, 2, kept.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    logps = (picked - torch.logsumexp(logits, dim=-1)) * mask[:, first:]
    if first:
        logps = torch.cat([logps.new_zeros((logps.shape[0], first)), logps], dim=1)
    return logps, mask


def sequence_logps(model: Any, batch: dict[str, Any], *, average: bool = False) -> Any:
    """Summed (or per-token averaged) completion log-prob per row, shape [B]."""
    logps, mask = token_logps(model, batch)
    total = logps.sum(-1)
    return total / mask.sum(-1).clamp(min=1) if average else total
