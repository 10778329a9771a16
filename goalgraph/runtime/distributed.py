"""Data-parallel evaluation on torch.distributed: the engine `torchrun` and `accelerate launch` drive.

Nothing here runs unless a launcher started this process with WORLD_SIZE > 1 (torchrun and accelerate both set
WORLD_SIZE, RANK, LOCAL_RANK, MASTER_ADDR and MASTER_PORT): `current()` is None otherwise, and every caller keeps
its single-process path unchanged.

Under a launcher every rank builds the same requests (the same data, the same store files), cuts the same
shards without talking to the others (`shard`), answers its own shard into its own store file, and the
answers are all-gathered so every rank holds all of them; rank 0 alone writes outputs. The only traffic is
Python objects (answers, error flags), so the process group is gloo by default, also on GPU nodes (each rank
still runs its model on cuda:LOCAL_RANK); GOALGRAPH_DIST_BACKEND overrides it. Every collective has a timeout
(GOALGRAPH_DIST_TIMEOUT seconds): a rank that died or hangs becomes one error line on the others, not a hang.
"""
from __future__ import annotations

import heapq
import os
from datetime import timedelta
from typing import Any, Callable, Sequence

from goalgraph.errors import GoalgraphError, one_line

DEFAULT_TIMEOUT_S = 1800.0
"""How long a rank waits for the others at a collective. The gather after answering waits for the slowest
shard, so this bounds the imbalance between ranks as well as the time to notice a dead one."""


class RankFailure(GoalgraphError):
    """A rank failed (or stopped answering); raised on every rank alike, so all of them exit non-zero."""


class Dist:
    """This process's place in a torch.distributed job; the process group starts on the first collective."""

    def __init__(self, rank: int, world_size: int, local_rank: int):
        self.rank, self.world_size, self.local_rank = rank, world_size, local_rank
        self.timeout_s = _timeout_s()
        self.started = False
        self.failed = False        # set once a failure was exchanged: every rank knows it, rank 0 reports it

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def tag(self) -> str:
        """The request-store tag of this rank's file (`<fingerprint>.rank-K-of-N.jsonl`)."""
        return f"rank-{self.rank}-of-{self.world_size}"

    def start(self) -> None:
        if self.started:
            return
        import torch
        import torch.distributed as td

        if torch.cuda.is_available():
            torch.cuda.set_device(self.local_rank % torch.cuda.device_count())   # "cuda" means this rank's GPU
        if not td.is_initialized():
            backend = os.environ.get("GOALGRAPH_DIST_BACKEND", "gloo")
            try:
                td.init_process_group(backend=backend, timeout=timedelta(seconds=self.timeout_s))
            except Exception as exc:  # rendezvous failed: a peer never came, a bad address
                raise RankFailure(f"rank {self.rank}: cannot join the distributed job: {one_line(exc)}") from None
        global _JOINED
        self.started = _JOINED = True

    def all_gather(self, value: Any) -> list[Any]:
        """`value` from every rank, in rank order; a peer that died or timed out is a RankFailure."""
        import torch.distributed as td

        self.start()
        out: list[Any] = [None] * self.world_size
        try:
            td.all_gather_object(out, value)
        except Exception as exc:  # gloo: connection closed by a dead peer, or the collective timed out
            self.failed = True
            raise RankFailure(f"rank {self.rank}: lost contact with the other ranks "
                              f"(timeout {self.timeout_s:g} s): {one_line(exc)}") from None
        return out

    def guarded(self, fn: Callable[[], Any], gather: bool = False) -> Any:
        """Run `fn` on every rank and exchange whether it raised; if it did on any rank, raise that rank's error
        on every rank (after the exchange, so no rank is left waiting at a later collective). Returns this rank's
        result, or with `gather` every rank's result in rank order."""
        try:
            value, error = fn(), None
        except GoalgraphError as exc:
            value, error = None, str(exc)
        except Exception as exc:  # a plugin's bug, out-of-memory, ...: reported with its type
            value, error = None, one_line(exc, with_type=True)
        gathered = self.all_gather((error, value if gather else None))
        for rank, (err, _) in enumerate(gathered):
            if err is not None:
                self.failed = True
                raise RankFailure(err if err.startswith("rank ") else f"rank {rank}: {err}")
        return [v for _, v in gathered] if gather else value

    def broadcast(self, value: Any) -> Any:
        """Rank 0's `value` on every rank (decisions read from files only rank 0 writes)."""
        return self.all_gather(value if self.main else None)[0]

    def close(self) -> None:
        """End the process group together: a barrier first (unless a failure was exchanged, when peers may be
        gone), so no rank tears down its gloo connections while another still uses them. Without it a rank
        sometimes aborted at exit ("terminate called without an active exception") after finishing its work;
        the barrier made that rarer, and the CLI now also leaves such a process without interpreter teardown
        (`goalgraph.cli.main`), where gloo's threads met the interpreter's finalisation."""
        import torch.distributed as td

        if self.started and td.is_initialized():
            if not self.failed:
                try:
                    td.barrier()
                except Exception:  # a peer already gone: nothing left to wait for
                    pass
            td.destroy_process_group()
        self.started = False


_CURRENT: Dist | None = None
_JOINED = False


def joined_a_job() -> bool:
    """Whether this process took part in a process group (the CLI then leaves without interpreter teardown)."""
    return _JOINED


def current() -> Dist | None:
    """The job this process belongs to, or None when it runs alone (no launcher, or WORLD_SIZE 1)."""
    global _CURRENT
    try:
        world = int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError:
        world = 1
    if world <= 1:
        return None
    if _CURRENT is None or _CURRENT.world_size != world:
        _CURRENT = Dist(int(os.environ.get("RANK", "0")), world, int(os.environ.get("LOCAL_RANK", "0")))
    return _CURRENT


def is_main() -> bool:
    """True unless this is a non-zero rank of a distributed job (only rank 0 writes and prints)."""
    dist = current()
    return dist is None or dist.main


def _timeout_s() -> float:
    raw = os.environ.get("GOALGRAPH_DIST_TIMEOUT")
    try:
        value = float(raw) if raw else DEFAULT_TIMEOUT_S
    except ValueError:
        raise GoalgraphError(f"GOALGRAPH_DIST_TIMEOUT must be a number of seconds, not {raw!r}") from None
    return value if value > 0 else DEFAULT_TIMEOUT_S


# -- sharding ---------------------------------------------------------------------------------------------------

def _group_key(request: Any) -> Any:
    """Requests that share a context stay together (their context runs once, as in one process)."""
    context = getattr(request, "context", None)
    return ("ctx", context) if context is not None else ("req", request)


def _cost(request: Any) -> int:
    """A rank-independent estimate of a request's work, in characters (tokens are the model's business)."""
    if request.kind == "generation":
        return len(request.prompt) + 4 * request.max_new_tokens
    if request.kind == "reward":
        return len(request.prompt) + len(request.response)
    return len(request.continuation)


def assign(requests: Sequence[Any], world_size: int) -> list[int]:
    """The rank that answers each of `requests`. Requests sharing a context form one group; groups go
    longest-first to the least loaded rank (ties: the lower rank), so shards are balanced, deterministic and
    computed alike on every rank without communication."""
    groups: dict[Any, list[int]] = {}
    cost: dict[Any, int] = {}
    for i, r in enumerate(requests):
        key = _group_key(r)
        groups.setdefault(key, []).append(i)
        cost[key] = cost.get(key, len(getattr(r, "context", "") or "")) + _cost(r)
    owner = [0] * len(requests)
    loads = [(0, k) for k in range(world_size)]
    for key in sorted(groups, key=lambda k: (-cost[k], groups[k][0])):
        load, k = heapq.heappop(loads)
        for i in groups[key]:
            owner[i] = k
        heapq.heappush(loads, (load + cost[key], k))
    return owner
