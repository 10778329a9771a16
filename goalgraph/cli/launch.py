"""`goalgraph launch [torchrun options] COMMAND ...`: torchrun for goalgraph commands, with goalgraph's manners.

Plain `torchrun -m goalgraph ...` works as well; what this adds is the error contract. When a rank fails, torchrun
prints its own Python traceback and a failure table after the rank's one-line error, and exits 1. Here the
rank's line is all there is, and the exit code is the rank's (2 for bad input); a rank killed by a signal gets one
line of its own. torchrun's options pass through unchanged (`--nproc-per-node`, `--nnodes`, `--rdzv-*`, ...)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

HELP_EXAMPLE = "goalgraph launch --nproc-per-node 2 eval mc-generic --model M --data items.jsonl"


def register(app: typer.Typer, handles_errors) -> None:
    """Add `goalgraph launch` to the app."""

    @app.command("launch", context_settings={"allow_extra_args": True, "ignore_unknown_options": True,
                                             "help_option_names": []})
    @handles_errors
    def launch_cmd(ctx: typer.Context) -> None:
        """Run a goalgraph command (eval, run, ...) as N data-parallel ranks through torchrun; torchrun's options
        come first: goalgraph launch --nproc-per-node 2 eval mc-generic --model M --data D."""
        commands = {c.name or c.callback.__name__ for c in app.registered_commands} - {"launch"}
        code = launch(list(ctx.args), commands, _root_options(ctx.obj or {}))
        raise typer.Exit(code)


def split(args: list[str], commands: set[str]) -> tuple[list[str], list[str]]:
    """(torchrun's options, the goalgraph command and its arguments): the command starts at the first word that
    names one and is not the value of a torchrun option."""
    from torch.distributed.run import get_args_parser

    takes_value = {s for a in get_args_parser()._actions if a.nargs != 0 for s in a.option_strings}
    i = 0
    while i < len(args):
        word = args[i]
        if word in commands:
            return args[:i], args[i:]
        if word == "--":
            return args[:i], args[i + 1:]
        i += 2 if word in takes_value else 1
    return args, []


def launch(args: list[str], commands: set[str], root: list[str]) -> int:
    """Run `python -m goalgraph [ROOT] COMMAND ...` under torchrun's elastic agent; the exit code of the job."""
    import logging

    from goalgraph.errors import GoalgraphError

    if not args or args[0] in ("-h", "--help"):
        print(f"usage: {HELP_EXAMPLE}\n\ntorchrun's options come before the goalgraph command; "
              f"see `torchrun --help` for them.")
        return 0
    options, command = split(args, commands)
    if not command:
        raise GoalgraphError(f"name the goalgraph command to launch after torchrun's options, e.g. {HELP_EXAMPLE}")
    from torch.distributed import run as torchrun
    from torch.distributed.elastic.multiprocessing.api import SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError

    parsed = _parse(torchrun, [*options, "--module", "goalgraph", *root, *command])
    logging.getLogger("torch.distributed.elastic").setLevel(logging.CRITICAL)  # the ranks speak for themselves
    try:
        torchrun.run(parsed)
    except SignalException as exc:  # the launcher itself was interrupted or terminated: the agent stopped the ranks
        return 128 + int(exc.sigval)
    except ChildFailedError as exc:
        rank, failure = exc.get_first_failure()
        if failure.exitcode > 0:
            return failure.exitcode  # the rank printed its own line (goalgraph: 2 for bad input)
        raise GoalgraphError(f"rank {rank} (local rank {failure.local_rank}, pid {failure.pid}) was stopped by "
                             f"{failure.signal_name()}; the job ended, and a rerun resumes from the request stores") \
            from None
    return 0


def _parse(torchrun: Any, argv: list[str]):
    """torchrun's own argument parser; its usage errors become one goalgraph line."""
    from goalgraph.errors import GoalgraphError

    parser = torchrun.get_args_parser()

    def refuse(message: str):
        raise GoalgraphError(f"torchrun option: {message}")

    parser.error = refuse
    return parser.parse_args(argv)


def _root_options(obj: dict) -> list[str]:
    """The options given before `launch` (`--graph`, `-R`, `--store`, `--no-validate`), for every rank."""
    out: list[str] = []
    for path in obj.get("graph", []):
        out += ["--graph", str(Path(path))]
    for path in obj.get("results", []):
        out += ["--with-results", str(Path(path))]
    if obj.get("store"):
        out += ["--store", obj["store"]]
    if obj.get("validate") is False:
        out.append("--no-validate")
    return out
