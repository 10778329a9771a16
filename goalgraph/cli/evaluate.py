"""`goalgraph eval`: run one evaluator component on one model. torch is imported only when it runs."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer


class _Progress:
    """requests done / total with requests per second, on one stderr line (a final line when not a TTY)."""

    def __init__(self, total: int):
        self.total, self.done, self.start = total, 0, time.perf_counter()
        self.tty = sys.stderr.isatty()
        self._last = 0.0

    def __call__(self, n: int) -> None:
        self.done += n
        now = time.perf_counter()
        if self.tty and (now - self._last > 0.1 or self.done >= self.total):
            self._last = now
            rate = self.done / max(now - self.start, 1e-9)
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            bar = "#" * filled + "-" * (width - filled)
            sys.stderr.write(f"\r[{bar}] {self.done}/{self.total} requests  {rate:,.1f} req/s")
            sys.stderr.flush()
            if self.done >= self.total:
                sys.stderr.write("\n")


def register(app: typer.Typer, handles_errors) -> None:
    from goalgraph.cli.ranks import rank_command

    @app.command("eval")
    @handles_errors
    @rank_command
    def eval_cmd(
        evaluator: Annotated[str, typer.Argument(help="Evaluator id, e.g. truthfulqa-mc (`goalgraph plugins list`).")],
        model: Annotated[str, typer.Option("--model", "-m", help="Model directory or hub id.")],
        data: Annotated[list[str], typer.Option("--data", "-d", help="Data file (json/jsonl/csv/parquet) or hub "
                                                "dataset id; repeat for evaluators that take several.")],
        template: Annotated[Optional[Path], typer.Option("--template", "-t", help="Jinja2 prompt template "
                                                         "rendered with each item's fields.")] = None,
        limit: Annotated[Optional[int], typer.Option("--limit", "-n", min=1, help="Only the first N items.")] = None,
        batch_size: Annotated[str, typer.Option("--batch-size", "-b", help="Rows per forward pass, or auto.")] = "auto",
        device: Annotated[str, typer.Option(help="auto, cpu, cuda or mps.")] = "auto",
        dtype: Annotated[str, typer.Option(help="auto, float32, bfloat16 or float16.")] = "auto",
        output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the result JSON here "
                                                       "(per-item JSONL beside it).")] = None,
        option: Annotated[Optional[list[str]], typer.Option("--option", "-O", help="Evaluator option key=value "
                                                            "(repeatable).")] = None,
        split: Annotated[Optional[str], typer.Option(help="Hub datasets: the split.")] = None,
        subset: Annotated[Optional[str], typer.Option(help="Hub datasets: the configuration name.")] = None,
        revision: Annotated[Optional[str], typer.Option(help="Hub models: branch, tag or commit.")] = None,
        trust_remote_code: Annotated[bool, typer.Option("--trust-remote-code", help="Run code shipped with "
                                                        "the model (off by default).")] = False,
        chat_template: Annotated[bool, typer.Option("--chat-template", help="Wrap each prompt in the model's "
                                                    "chat template as a user turn.")] = False,
        system_prompt: Annotated[Optional[str], typer.Option(help="System turn for --chat-template.")] = None,
        no_prefix_sharing: Annotated[bool, typer.Option("--no-prefix-sharing", help="Score every request on its "
                                                        "own (slower; same numbers).")] = False,
        cache_dir: Annotated[Optional[Path], typer.Option(help="Where the resumable request store lives.")] = None,
        no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write the request store.")] = False,
        target: Annotated[Optional[Path], typer.Option("--target", help="Value profile (JSON/YAML/CSV) to measure "
                                                       "the model's value vector against.")] = None,
        plot: Annotated[Optional[Path], typer.Option("--plot", help="Write the radar chart of the model's value "
                                                     "vector (against --target) as PATH.png and PATH.svg.")] = None,
    ) -> None:
        """Evaluate a model with one evaluator; prints the metrics (JSON when no --output is given)."""
        from goalgraph.evaluation.runner import EvalSpec, run, split_options

        options = split_options(option or [])
        spec = EvalSpec(evaluator=evaluator, model=model, data=list(data), template=str(template) if template else None,
                        limit=limit, batch_size=batch_size, device=device, dtype=dtype, options=options,
                        output=str(output) if output else None, split=split, subset=subset, revision=revision,
                        trust_remote_code=trust_remote_code, chat_template=chat_template, system_prompt=system_prompt,
                        share_prefix=not no_prefix_sharing, cache_dir=str(cache_dir) if cache_dir else None,
                        use_cache=not no_cache, target=str(target) if target else None)
        if plot is not None:
            _check_plottable(spec)
        _quiet_transformers()
        result = run(spec, progress_factory=_Progress)
        from goalgraph.runtime.distributed import is_main

        if not is_main():                 # rank 0 reports the whole job
            return
        req, timing = result["requests"], result["timing"]
        print(f"{result['evaluator']['id']}: {result['items']} items, {req['unique']} unique requests "
              f"({req['from_store']} from the store), {timing['total_s']:.2f} s", file=sys.stderr)
        if output:
            width = max((len(k) for k in result["metrics"]), default=0)
            for k, v in result["metrics"].items():
                print(f"{k:<{width}}  {v:.6g}" if isinstance(v, float) else f"{k:<{width}}  {v}")
            print(f"wrote {output}", file=sys.stderr)
        else:
            print(json.dumps(result, indent=2, default=str))
        if plot is not None:
            png, svg = _write_plot(result, plot, spec)
            print(f"wrote {png} and {svg}", file=sys.stderr)


def _check_plottable(spec) -> None:
    """Refuse --plot before any model work when the evaluator measures no value theory (nothing to draw)."""
    from goalgraph.errors import EvaluationError
    from goalgraph.evaluation.runner import load_evaluator
    from goalgraph.evaluation.value_link import theory_ref

    evaluator, comp = load_evaluator(spec)
    if theory_ref(evaluator, comp) is None:
        raise EvaluationError(f"--plot: evaluator {comp['id']!r} measures no value theory, so there is no value "
                              "vector to plot")


def _write_plot(result: dict, stem: Path, spec) -> tuple[Path, Path]:
    """The radar chart of the result's value vector, over the target's shared dimensions when --target is given.

    Called after the result is written, so a chart that cannot be drawn loses no model work."""
    import goalgraph
    from goalgraph.errors import EvaluationError
    from goalgraph.values import ValueVector, load_target, load_theory, radar

    values = result.get("values")
    if not values:
        raise EvaluationError(f"--plot: {result['evaluator']['id']!r} reported no scores on a value theory's "
                              "dimensions, so there is no value vector to plot")
    graph = goalgraph.load(plugins=False)
    theory = load_theory(graph, values["theory"])
    model = ValueVector(theory, {row["node"]: row["score"] for row in values["dimensions"]})
    target = label = None
    if spec.target:
        loaded = load_target(spec.target, theory, graph=graph, allow_partial=True)
        shared = [d for d in model.dimensions if d in loaded.vector.dimensions]
        model, target = model.subset(shared), loaded.vector.subset(shared)
        label = loaded.culture or loaded.name or Path(spec.target).stem
    title = f"{result['evaluator']['id']}: {Path(spec.model).name or spec.model}"
    return radar(model, target, stem, title=title, model_label="model", target_label=label or "target")


def _quiet_transformers() -> None:
    import os

    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
