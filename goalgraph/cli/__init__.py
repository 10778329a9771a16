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
        if i > 0 and argv[i - 1] in ("--graph", "-g"):
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
    app(args=args, prog_name="goalgraph")
