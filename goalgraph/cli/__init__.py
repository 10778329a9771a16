"""The `goalgraph` command line. Heavy modules are imported inside the commands that need them."""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    from goalgraph.cli.app import app

    app(args=argv if argv is not None else sys.argv[1:], prog_name="goalgraph")
