"""Commands that may run as one rank of a `torchrun` / `accelerate launch` job (`goalgraph eval`, `goalgraph run`).
Cheap to import (typer and the standard library): the commands register it whatever is run."""
from __future__ import annotations

import functools
import time
from typing import Any, Callable

import typer

FAILURE_GRACE_S = 2.0


def rank_command(fn: Callable) -> Callable:
    """A command that may run as one rank of a `torchrun`/`accelerate launch` job: only rank 0 reports errors
    (every rank meets the same bad input, and a rank's failure is exchanged so rank 0 reports it as
    `rank K: ...`); the others exit with the same code in silence. The process group ends with the command."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from goalgraph.errors import GoalgraphError
        from goalgraph.runtime.distributed import current

        dist = current()
        if dist is None:
            return fn(*args, **kwargs)
        try:
            return fn(*args, **kwargs)
        except GoalgraphError:
            if dist.main:
                raise
            if dist.failed:   # rank 0 reports it: give it that moment before torchrun tears the job down
                time.sleep(FAILURE_GRACE_S)
            raise typer.Exit(2) from None
        finally:
            dist.close()

    return wrapper
