"""`goalgraph run PLAN --model PATH`: execute a plan's runnable steps. torch is imported only when it runs."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer


def register(app: typer.Typer, handles_errors) -> None:
    """Add `goalgraph run` to the app."""

    from goalgraph.cli.ranks import rank_command

    @app.command("run")
    @handles_errors
    @rank_command
    def run_cmd(
        plan: Annotated[Path, typer.Argument(help="Plan file (YAML or JSON) written by `goalgraph plan`.")],
        model: Annotated[str, typer.Option("--model", "-m", help="Model directory or hub id.")],
        device: Annotated[str, typer.Option(help="auto, cpu, cuda or mps (auto: CUDA when present).")] = "auto",
        output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Run directory (default: "
                                                       "runs/<plan-stem>-<model-name>); re-running resumes it.")] = None,
        data: Annotated[Optional[list[str]], typer.Option("--data", "-d", metavar="NODE=PATH", help="Data for a "
                                                          "step (step id, kind/slug or node IRI); repeatable.")] = None,
        batch_size: Annotated[str, typer.Option("--batch-size", "-b", help="Rows per forward pass, or auto.")] = "auto",
        dtype: Annotated[str, typer.Option(help="auto, float32, bfloat16 or float16.")] = "auto",
        limit: Annotated[Optional[int], typer.Option("--limit", "-n", min=1, help="Only the first N items of every "
                                                     "step (smoke runs).")] = None,
    ) -> None:
        """Run every runnable step of a plan on one model; writes results.json, provenance.ttl and each step's
        result into the run directory. Exit 0: all done; 3: some step failed (the rest ran); 2: bad input."""
        from goalgraph.cli.evaluate import _Progress, _quiet_transformers
        from goalgraph.run.runner import EXIT_STEP_FAILED, run_plan

        _quiet_transformers()
        results = run_plan(plan, model, device=device, output_dir=output, data_overrides=list(data or []),
                           batch_size=batch_size, dtype=dtype, limit=limit,
                           progress_factory=_Progress if sys.stderr.isatty() else None)
        from goalgraph.runtime.distributed import is_main

        if not is_main():                 # rank 0 wrote the run directory and reports it
            if results.summary.get("failed"):
                raise typer.Exit(EXIT_STEP_FAILED)
            return
        out_dir = output or _default(plan, model)
        _print_summary(results)
        print(f"wrote {out_dir}")
        sys.stdout.flush()
        _fast_exit()
        if results.summary.get("failed"):
            raise typer.Exit(EXIT_STEP_FAILED)


def _fast_exit() -> None:
    """Everything is written; spare the interpreter's final garbage collection over torch's and transformers'
    objects (about a second after a model has run: measured by benchmarks/bench_run.py as run overhead)."""
    import gc

    gc.freeze()


def _default(plan: Path, model: str) -> Path:
    from goalgraph.run.runner import default_output

    return default_output(plan, model)


def _print_summary(results) -> None:
    """One row per step: state, the evaluator's seconds, its first metrics (or why it failed or was skipped)."""
    rows = []
    for s in results.steps:
        if s.state == "done":
            shown = [f"{k}={v:.4g}" for k, v in s.metrics.items() if isinstance(v, (int, float))
                     and not isinstance(v, bool) and "/" not in k][:4]
            detail = " ".join(shown)
        else:
            detail = s.error or s.reason or ""
        secs = f"{s.seconds:.1f}" if s.seconds is not None and s.state == "done" else "-"
        rows.append((s.id, s.evaluator or "-", s.state, secs, detail))
    widths = [max(len(r[i]) for r in rows + [("step", "evaluator", "state", "s", "")]) for i in range(4)]
    print(f"{'step':<{widths[0]}}  {'evaluator':<{widths[1]}}  {'state':<{widths[2]}}  {'s':>{widths[3]}}  result")
    for r in rows:
        print(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]:>{widths[3]}}  {r[4]}")
    counts = ", ".join(f"{n} {state}" for state, n in results.summary.items() if n)
    print(f"run {results.run.id}: {counts} (attempt {results.run.attempts})")
