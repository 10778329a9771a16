"""Scoring tokenised log-likelihood requests on a causal LM, with shared prefixes computed once.

Two paths give the same numbers (tests hold them to 1e-5):

- plain: each request's context+continuation runs as one right-padded row, as lm-eval does;
- shared: the prefix common to every request (a few-shot primer) runs once; then, per batch of distinct
  contexts, each context's remainder runs once on top of it (stage 1), and every continuation of those
  contexts runs on top of its context's cache (stage 2). Single-token continuations need no stage 2: the
  last context position already predicts them.

Stage 2 rows attend to a cache whose contexts were right-padded to a common length; the padding is masked
out and position ids are given explicitly, so each row sees exactly its own tokens at their true positions.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from goalgraph.runtime.forward_args import cache_arg, output_cache

MIN_SHARED_PREFIX = 4   # tokens; a shorter common prefix is not worth a separate forward pass

OnDone = Callable[[list[int], list[tuple[float, bool]]], None]


@dataclass
class BatchSize:
    """The rows per forward pass; `auto` halves it on out-of-memory and tries again."""

    value: int
    auto: bool = False

    def shrink(self) -> bool:
        if not self.auto or self.value <= 1:
            return False
        self.value = max(1, self.value // 2)
        return True


AUTO_BATCH_CPU = 16
AUTO_BATCH_GPU = 64


def parse_batch_size(value: int | str, device: str) -> BatchSize:
    """`--batch-size N|auto`: auto starts at 16 rows on the CPU and 64 on an accelerator, halving on OOM."""
    from goalgraph.errors import EvaluationError

    if value == "auto":
        return BatchSize(AUTO_BATCH_CPU if device == "cpu" else AUTO_BATCH_GPU, auto=True)
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise EvaluationError(f"--batch-size must be a positive integer or 'auto', not {value!r}") from None
    if n < 1:
        raise EvaluationError("--batch-size must be at least 1")
    return BatchSize(n)


def _is_oom(exc: BaseException) -> bool:
    return "out of memory" in str(exc).lower() or type(exc).__name__ == "OutOfMemoryError"


def retry_on_oom(batch: BatchSize, step: Callable[[int], Any]) -> Any:
    """Run `step(rows)`; on out-of-memory with an auto batch size, halve it and run the step again."""
    while True:
        try:
            return step(batch.value)
        except (RuntimeError, MemoryError) as exc:
            if not (_is_oom(exc) and batch.shrink()):
                raise
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()


def _chunks(seq: Sequence, size: int):
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


def pad_rows(rows: list[list[int]], pad_id: int, device: Any):
    """Right-padded ids and the attention mask that hides the padding."""
    import torch

    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = torch.tensor(r, dtype=torch.long)
        mask[i, :len(r)] = 1
    return ids.to(device), mask.to(device)


def _answer(logprobs_rows, targets: list[int]) -> tuple[float, bool]:
    """Sum of the targets' log-probs and whether each target is the argmax; rows are float32 log-softmax."""
    import torch

    t = torch.tensor(targets, dtype=torch.long, device=logprobs_rows.device)
    picked = logprobs_rows.gather(1, t.unsqueeze(1)).squeeze(1)
    greedy = bool((logprobs_rows.argmax(dim=-1) == t).all())
    return float(picked.sum()), greedy


def _log_softmax(logits):
    import torch

    return torch.log_softmax(logits.float(), dim=-1)


# -- the plain path ---------------------------------------------------------------------------------------------

def score_plain(model: Any, reqs: list[tuple[list[int], list[int]]], indices: list[int], *, batch: BatchSize,
                max_length: int, pad_id: int, device: Any, on_done: OnDone) -> None:
    """One row per request, left-truncated to the model's window as lm-eval does."""
    rows = []
    for i, (ctx, cont) in zip(indices, reqs):
        whole = (ctx + cont)[-(max_length + 1):]
        rows.append((i, whole[:-1], cont))
    rows.sort(key=lambda r: -len(r[1]))
    pos = 0
    while pos < len(rows):
        def step(size: int) -> int:
            chunk = rows[pos:pos + size]
            ids, mask = pad_rows([r[1] for r in chunk], pad_id, device)
            logits = model(input_ids=ids, attention_mask=mask).logits
            done_idx, answers = [], []
            for k, (i, inp, cont) in enumerate(chunk):
                span = _log_softmax(logits[k, len(inp) - len(cont):len(inp)])
                answers.append(_answer(span, cont))
                done_idx.append(i)
            on_done(done_idx, answers)
            return len(chunk)
        pos += retry_on_oom(batch, step)


# -- the shared-prefix path -------------------------------------------------------------------------------------

def _kv_tensors(cache: Any) -> list[tuple[Any, Any]]:
    if hasattr(cache, "layers"):
        return [(layer.keys, layer.values) for layer in cache.layers]
    if hasattr(cache, "key_cache"):
        return list(zip(cache.key_cache, cache.value_cache))
    return [(k, v) for k, v in cache]


def _cache_from(kv: list[tuple[Any, Any]]) -> Any:
    from transformers import DynamicCache

    cache = DynamicCache()
    for layer, (k, v) in enumerate(kv):
        cache.update(k, v, layer)
    return cache


def common_prefix_length(contexts: Sequence[Sequence[int]]) -> int:
    """Tokens shared by every context, leaving each context at least one token of its own."""
    if not contexts:
        return 0
    first = contexts[0]
    n = min(len(c) for c in contexts) - 1
    for c in contexts[1:]:
        k = 0
        while k < n and c[k] == first[k]:
            k += 1
        n = k
    return max(n, 0)


def score_shared(model: Any, reqs: list[tuple[list[int], list[int]]], indices: list[int], *, batch: BatchSize,
                 pad_id: int, device: Any, on_done: OnDone) -> dict[str, int]:
    """Score requests grouped by context, with the run-wide common prefix computed once. Returns counts of
    tokens actually run and tokens a plain pass would have run (the saving)."""
    import torch

    groups: dict[tuple[int, ...], list[tuple[int, list[int]]]] = {}
    for i, (ctx, cont) in zip(indices, reqs):
        groups.setdefault(tuple(ctx), []).append((i, cont))
    contexts = list(groups)
    shared = common_prefix_length(contexts)
    if shared < MIN_SHARED_PREFIX:
        shared = 0
    stats = {"tokens_run": shared, "tokens_plain": sum(len(c) + len(k) - 1 for c, k in reqs)}

    prefix_kv = None
    if shared:
        ids = torch.tensor([list(contexts[0][:shared])], dtype=torch.long, device=device)
        out = model(input_ids=ids, use_cache=True)
        prefix_kv = _kv_tensors(output_cache(out))

    contexts.sort(key=lambda c: -(len(c) + max(len(k) for _, k in groups[c])))
    pos = 0
    while pos < len(contexts):
        def step(size: int) -> int:
            chunk = contexts[pos:pos + size]
            _stage(model, chunk, groups, shared, prefix_kv, batch_rows=size, pad_id=pad_id, device=device,
                   on_done=on_done, stats=stats)
            return len(chunk)
        pos += retry_on_oom(batch, step)
    return stats


def _stage(model, chunk, groups, shared, prefix_kv, *, batch_rows, pad_id, device, on_done, stats) -> None:
    import torch

    g = len(chunk)
    rems = [list(c[shared:]) for c in chunk]
    rem_ids, rem_mask = pad_rows(rems, pad_id, device)
    width = rem_ids.shape[1]
    kwargs: dict[str, Any] = {}
    if prefix_kv is not None:
        kwargs[cache_arg(model)] = _cache_from([(k.expand(g, -1, -1, -1).contiguous(), v.expand(g, -1, -1, -1).contiguous())
                                                 for k, v in prefix_kv])
    full_mask = torch.cat([torch.ones((g, shared), dtype=torch.long, device=device), rem_mask], dim=1)
    positions = (shared + torch.arange(width, device=device)).unsqueeze(0).expand(g, -1)
    out = model(input_ids=rem_ids, attention_mask=full_mask, position_ids=positions, use_cache=True, **kwargs)
    stats["tokens_run"] += int(rem_mask.sum())
    last = _log_softmax(torch.stack([out.logits[j, len(rems[j]) - 1] for j in range(g)]))   # [g, V]
    stage_kv = _kv_tensors(output_cache(out))

    first: dict[int, tuple[float, bool]] = {}
    rows: list[tuple[int, int, list[int]]] = []            # (group, request index, continuation)
    for j, c in enumerate(chunk):
        for i, cont in groups[c]:
            lp = float(last[j, cont[0]])
            first[i] = (lp, bool(int(last[j].argmax()) == cont[0]))
            if len(cont) > 1:
                rows.append((j, i, cont))
    multi = {r[1] for r in rows}
    single = [i for i in first if i not in multi]
    if single:
        on_done(single, [first[i] for i in single])

    rows.sort(key=lambda r: -len(r[2]))
    for part in _chunks(rows, max(1, batch_rows)):
        r = len(part)
        sel = torch.tensor([p[0] for p in part], dtype=torch.long, device=device)
        cache = _cache_from([(k.index_select(0, sel), v.index_select(0, sel)) for k, v in stage_kv])
        ids, mask = pad_rows([p[2][:-1] for p in part], pad_id, device)
        mask2 = torch.cat([torch.ones((r, shared), dtype=torch.long, device=device), rem_mask.index_select(0, sel), mask],
                          dim=1)
        rem_len = torch.tensor([len(rems[p[0]]) for p in part], dtype=torch.long, device=device)
        positions = shared + rem_len.unsqueeze(1) + torch.arange(ids.shape[1], device=device).unsqueeze(0)
        logits = model(input_ids=ids, attention_mask=mask2, position_ids=positions, use_cache=True,
                       **{cache_arg(model): cache}).logits
        stats["tokens_run"] += int(mask.sum())
        done_idx, answers = [], []
        for k, (j, i, cont) in enumerate(part):
            rest_lp, rest_greedy = _answer(_log_softmax(logits[k, :len(cont) - 1]), cont[1:])
            lp0, greedy0 = first[i]
            done_idx.append(i)
            answers.append((lp0 + rest_lp, greedy0 and rest_greedy))
        on_done(done_idx, answers)
