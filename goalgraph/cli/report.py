"""`goalgraph report DIR`: a run directory as a Markdown or HTML report with plots; `--compare DIR2` sets
a second run beside it. Reading files and the graph only, so it never imports torch."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer


def register(app: typer.Typer, handles_errors) -> None:
    @app.command("report")
    @handles_errors
    def report_cmd(
        ctx: typer.Context,
        run_dir: Annotated[Path, typer.Argument(metavar="DIR", help="Run directory written by `goalgraph run`.")],
        compare: Annotated[Optional[Path], typer.Option("--compare", metavar="DIR2", help="A second run "
                                                        "directory: DIR is before, DIR2 after.")] = None,
        fmt: Annotated[str, typer.Option("--format", "-f", help="md or html.")] = "md",
        output: Annotated[Optional[Path], typer.Option("--output", "-o", metavar="FILE", help="Write here instead "
                                                       "of DIR/report.<format>; plots go to <stem>_plots/ beside it.")] = None,
        target: Annotated[Optional[Path], typer.Option("--target", metavar="FILE", help="Value profile "
                                                       "(JSON/YAML/CSV naming its theory) to draw and measure "
                                                       "the model against.")] = None,
    ) -> None:
        """Write a report of a run: results per goal level and value dimension, plots, citations."""
        from goalgraph.run.report import build_report

        obj = ctx.obj or {}
        outcome = build_report(run_dir, compare_dir=compare, fmt=fmt.lower(), output=output, target=target,
                               graph_paths=[str(p) for p in obj.get("graph", [])],
                               validate=obj.get("validate", True))
        print(f"wrote {outcome.path}", file=sys.stderr)
        print(outcome.summary)
