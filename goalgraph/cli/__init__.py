"""The `goalgraph` command line. Heavy modules are imported inside the commands that need them."""
from __future__ import annotations

import sys


def _wants_plugin_commands(argv: list[str]) -> bool:
    """Plugin commands are loaded only for a command the core does not define, or for top-level help."""
    from goalgraph.cli.app import BUILTIN_COMMANDS

    args = [a for a in argv if not a.startswith("-")]
    if not args:
        return "--help" in argv or not argv
    # `--graph FILE` before the command: skip option values that are paths
    for i, a in enumerate(argv):
        if a.startswith("-"):
            continue
        if i > 0 and argv[i - 1] in ("--graph", "-g", "--with-results", "-R", "--store"):
            continue
        return a not in BUILTIN_COMMANDS
    return False


def _add_plugin_commands(app) -> None:
    import os

    from goalgraph.cli.output import error
    from goalgraph.errors import GoalgraphError
    from goalgraph.registry.loader import PluginHost

    try:
        host = PluginHost().load()
        host.call_commands(app)
    except GoalgraphError as exc:  # strict mode
        error(str(exc))
        raise SystemExit(2) from None
    if os.environ.get("GOALGRAPH_DEBUG"):
        for rec in host.records.values():
            if rec.status == "failed":
                error(f"plugin {rec.name}: {rec.error}")


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    from goalgraph.cli.app import app

    args = argv if argv is not None else sys.argv[1:]
    if _wants_plugin_commands(args):
        _add_plugin_commands(app)
    try:
        code = app(args=args, prog_name="goalgraph", standalone_mode=False)
    except Exception as exc:
        if not _is_usage_error(exc):
            raise
        _usage_error(exc)
    except KeyboardInterrupt:
        code = 130
    code = code if isinstance(code, int) else 0
    _leave_if_a_rank(code)
    raise SystemExit(code)


def _leave_if_a_rank(code: int) -> None:
    """A rank of a torch.distributed job exits without interpreter teardown once its command is done: its files
    are written and its process group destroyed, and tearing down the interpreter while gloo's C++ threads still
    hold Python objects sometimes aborted the process ("terminate called without an active exception", exit -6)
    after a successful run (pytorch/pytorch#179291 describes the cause)."""
    dist = sys.modules.get("goalgraph.runtime.distributed")
    if dist is None or not dist.joined_a_job():
        return
    import os

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can reach it
            pass
    os._exit(code)


def _is_usage_error(exc: Exception) -> bool:
    """Click's (Typer's) usage errors, recognised by class name: Typer vendors click under a private name."""
    return any(cls.__name__ == "UsageError" for cls in type(exc).__mro__)


def _usage_error(exc) -> None:
    """A mistyped command line is bad input like any other: one line on stderr, exit 2 (help when asked for
    nothing at all)."""
    from goalgraph.cli.output import error

    if type(exc).__name__ == "NoArgsIsHelpError":
        print(exc.format_message())
        raise SystemExit(2)
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "goalgraph"
    error(f"{exc.format_message()} (see `{where} --help`)")
    raise SystemExit(2)
