"""`goalgraph plan`: what to measure for a goal, with what, why, and according to whom; `--check` validates a
plan file and `--schema` prints the plan schema. No torch here: the graph path only."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

# The same option as the app's --graph (defined here so this module imports without the app).
GraphOpt = Annotated[
    Optional[list[Path]],
    typer.Option("--graph", "-g", metavar="FILE", help="Extra RDF file or folder to merge (repeatable). Also: "
                 "GOALGRAPH_GRAPH."),
]

def _format(fmt: str | None, output: Path | None) -> str:
    from goalgraph.errors import GoalgraphError
    from goalgraph.plan.render import FORMATS, SUFFIXES

    if fmt:
        if fmt not in FORMATS:
            raise GoalgraphError(f"--format {fmt}: choose one of {', '.join(FORMATS)}")
        return fmt
    if output is not None:
        return SUFFIXES.get(output.suffix.lower(), "yaml")
    return "yaml"


def _check(path: Path) -> None:
    from goalgraph.plan.io import check_plan, load_plan

    plan = load_plan(path)
    check_plan(plan, path)
    runnable = len(plan.runnable_steps())
    print(f"{path}: a valid {plan.format} plan for {plan.goal.label}: {len(plan.steps)} steps, {runnable} runnable")


def _schema() -> None:
    from goalgraph.plan.io import schema_text

    sys.stdout.write(schema_text())


def register(app: typer.Typer, handles_errors) -> None:
    """Add `goalgraph plan` to the app."""

    @app.command("plan")
    @handles_errors
    def plan_cmd(
        ctx: typer.Context,
        goal: Annotated[Optional[str], typer.Option("--goal", metavar="NODE", help="The goal: slug, label or IRI "
                                                    "(basic-values, \"Human preferences\", goal/hhh).")] = None,
        theory: Annotated[Optional[str], typer.Option("--theory", metavar="NODE", help="A value theory whose "
                                                      "instruments, benchmarks and dimensions join the plan.")] = None,
        aspect: Annotated[Optional[list[str]], typer.Option("--aspect", metavar="NODE", help="Keep only steps "
                                                            "measuring this aspect or a narrower one (repeatable).")] = None,
        model: Annotated[Optional[str], typer.Option("--model", "-m", metavar="ID", help="Model folder (its "
                                                     "config.json sizes the cost estimates) or hub id.")] = None,
        device: Annotated[Optional[str], typer.Option("--device", metavar="cpu|gpu", help="Device the cost "
                                                      "estimates assume (default cpu).")] = None,
        budget_hours: Annotated[Optional[float], typer.Option("--budget-hours", metavar="H", help="Mark steps "
                                                              "beyond this many estimated hours, in plan order.")] = None,
        language: Annotated[Optional[str], typer.Option("--language", metavar="L", help="Keep steps in this "
                                                        "language, multilingual ones, and those with none.")] = None,
        data: Annotated[Optional[list[str]], typer.Option("--data", "-d", metavar="NODE=PATH", help="Data for a "
                                                          "step's node or evaluator: file, hub id or builtin:NAME "
                                                          "(repeatable).")] = None,
        output: Annotated[Optional[Path], typer.Option("--output", "-o", metavar="FILE", help="Write the plan "
                                                       "here (atomically) and its BibTeX beside it (FILE.bib).")] = None,
        fmt: Annotated[Optional[str], typer.Option("--format", "-f", metavar="yaml|json|md", help="Default: from "
                                                   "the -o suffix, else yaml.")] = None,
        check: Annotated[Optional[Path], typer.Option("--check", metavar="FILE", help="Validate a plan file "
                                                      "instead; exit 2 naming the first bad field.")] = None,
        schema: Annotated[bool, typer.Option("--schema", help="Print the plan file's JSON schema.")] = False,
        graph: GraphOpt = None,
    ) -> None:
        """An evaluation plan for a goal: every benchmark, instrument, classifier and approach the graph says
        measures it, the installed evaluator for each, why (citing papers), data, cost, coverage."""
        from goalgraph.errors import GoalgraphError

        if schema:
            return _schema()
        if check is not None:
            return _check(check)
        if not goal:
            raise GoalgraphError("give --goal NODE (or --check FILE, or --schema)")
        form = _format(fmt, output)
        from goalgraph.cli.app import _load
        from goalgraph.plan.build import build_plan
        from goalgraph.plan.render import render

        g = _load(ctx, graph)
        plan = build_plan(g, goal, theory=theory, aspects=list(aspect or []), model=model, device=device,
                          budget_hours=budget_hours, language=language, data=list(data or []))
        text = render(plan, form)
        if output is None:
            sys.stdout.write(text)
            return
        from goalgraph.plan.bibtex import render_bibtex
        from goalgraph.util.atomic import write_text_atomic

        bib = output.with_suffix(".bib")
        if bib == output:
            raise GoalgraphError(f"-o {output}: the plan and its BibTeX would be the same file")
        write_text_atomic(output, text)
        write_text_atomic(bib, render_bibtex(plan))
        print(f"wrote {output} and {bib} ({len(plan.steps)} steps, {len(plan.coverage.runnable)} runnable)",
              file=sys.stderr)
