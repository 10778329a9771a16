"""`goalgraph align ALIGNER --model PATH [--data PATH] [--principles REF ...] [--target FILE] [--output DIR]`:
align a model with an aligner component and write the result with its alignment record. What an aligner takes
besides the model (data, principles, a target profile) is read from its component class, so a missing or
unwanted input is one line before anything loads. torch is imported only when it runs."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

# Optional hyper-parameters: `--option KEY=none` sets them back to None (their resolved default).
_NONE = ("none", "null")


def register(app: typer.Typer, handles_errors) -> None:
    """Add `goalgraph align` to the app."""

    @app.command("align")
    @handles_errors
    def align_cmd(
        aligner: Annotated[str, typer.Argument(help="Aligner component id: sft, dpo, value-filter-sft, "
                                              "principles-icl, value-best-of-n, critique-revise, or a plugin's "
                                              "(`goalgraph plugins list`).")],
        model: Annotated[str, typer.Option("--model", "-m", help="Base model directory or hub id.")],
        output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Directory for the aligned model "
                                                       "and alignment.json (default: aligned/MODEL-ALIGNER); "
                                                       "re-running the same command resumes it.")] = None,
        data: Annotated[Optional[Path], typer.Option("--data", "-d", help="Data file (JSON/JSONL): SFT rows "
                                                     "(prompt/completion or messages), preference rows (prompt, "
                                                     "chosen, rejected) or prompts, as the aligner reads.")] = None,
        principles: Annotated[Optional[list[str]], typer.Option(
            "--principles", "-p", help="Principle or goal node (all its principles), or a file of your own "
            "(one per line); repeatable. Default: goal/hhh.")] = None,
        target: Annotated[Optional[Path], typer.Option("--target", "-t", help="Target value profile (JSON, YAML "
                                                       "or CSV; see docs/values.md) for the value aligners.")]
        = None,
        loss: Annotated[Optional[str], typer.Option(help="Preference loss: dpo, ipo or hinge (dpo only).")] = None,
        beta: Annotated[Optional[float], typer.Option(help="Preference loss temperature (dpo only; default 0.1).")]
        = None,
        option: Annotated[Optional[list[str]], typer.Option("--option", "-O", metavar="KEY=VALUE",
                                                            help="A hyper-parameter, e.g. max_steps=100 "
                                                            "(repeatable; see docs/aligning.md).")] = None,
        overwrite: Annotated[bool, typer.Option(help="Replace what --output holds instead of refusing.")] = False,
    ) -> None:
        """Align a causal LM with an aligner and record what was done (OUTPUT/alignment.json), for
        `goalgraph run` and `goalgraph report --compare`. Exit 0: done; 2: bad input."""
        from goalgraph.align.errors import AlignmentError
        from goalgraph.cli.evaluate import _quiet_transformers
        from goalgraph.registry.loader import import_entry
        from goalgraph.registry.snapshot import find_component

        comp = find_component(aligner, kind="aligner")
        cls = import_entry(comp["entry"], f"aligner {comp['id']!r}")
        inputs = _inputs(comp["id"], cls, data=data, principles=principles, target=target)
        options = _options(list(option or []), dict(getattr(cls, "options", {})))
        for name, value in (("loss", loss), ("beta", beta)):
            if value is None:
                continue
            if name not in getattr(cls, "options", {}):
                raise AlignmentError(f"--{name} is a preference-loss option; {comp['id']} does not take it")
            if name in options:
                raise AlignmentError(f"--{name} and --option {name}=... both given; use one")
            options[name] = value

        if output is None:
            output = default_output(model, comp["id"])
        _quiet_transformers()
        record = cls().align(model, str(data) if data is not None else None, str(output), overwrite=overwrite,
                             on_step=_print_progress, **inputs, **options)
        _print_summary(output, record)


def default_output(model: str, aligner: str) -> Path:
    """aligned/<model directory name>-<aligner> in the working directory (`--output` left out)."""
    name = Path(model.rstrip("/")).name or "model"
    return Path("aligned") / f"{name}-{aligner}"


def _inputs(aligner: str, cls: Any, *, data: Path | None, principles: list[str] | None,
            target: Path | None) -> dict[str, Any]:
    """The keyword inputs `cls.align` takes; an input it needs but lacks, or does not take, is one line."""
    from goalgraph.align.errors import AlignmentError

    wants = getattr(cls, "data", "required")
    if wants == "required" and data is None:
        raise AlignmentError(f"{aligner} needs --data")
    if wants == "none" and data is not None:
        raise AlignmentError(f"{aligner} reads no data; drop --data")
    out: dict[str, Any] = {}
    if principles:
        if not getattr(cls, "principles", False):
            raise AlignmentError(f"{aligner} takes no principles; drop --principles")
        out["principles"] = list(principles)
    if getattr(cls, "target", False):
        if target is None:
            raise AlignmentError(f"{aligner} needs --target, a target value profile file")
        out["target"] = str(target)
    elif target is not None:
        raise AlignmentError(f"{aligner} takes no target profile; drop --target")
    return out


def _options(pairs: list[str], defaults: dict[str, Any]) -> dict[str, Any]:
    """`--option` strings typed like the hyper-parameters' defaults; unknown keys are the aligner's to refuse."""
    from goalgraph.evaluation.runner import split_options, typed_options

    raw: dict[str, Any] = split_options(pairs)
    for key, value in raw.items():
        if key in defaults and value.strip().lower() in _NONE:
            raw[key] = None
        elif isinstance(defaults.get(key), list):
            raw[key] = [v.strip() for v in value.split(",") if v.strip()]
    return typed_options(raw, defaults)


def _print_progress(step: int, metrics: dict[str, Any]) -> None:
    """One stderr line per optimizer step (its numbers) or per finished prompt (its index)."""
    if "rewards" in metrics or "rounds" in metrics:
        print(f"prompt {step + 1}: done", file=sys.stderr, flush=True)
        return
    shown = [f"{k}={v:.4g}" for k, v in metrics.items()
             if k not in ("step", "tokens") and isinstance(v, (int, float)) and not isinstance(v, bool)]
    print(f"step {step}: {' '.join(shown)}", file=sys.stderr, flush=True)


def _print_summary(output: Path, record: dict[str, Any]) -> None:
    method = str(record.get("method", "")).rsplit("/id/", 1)[-1]
    head = f"{record.get('aligner', '?')}: method {method}"
    produces = record.get("produces")
    if produces == "model-spec":
        print(f"{head}, a model spec over {record.get('base_model', {}).get('path')} (use it as --model)")
    elif produces == "sft-dataset":
        print(f"{head}, {record.get('rows_written', '?')} SFT rows in {output / str(record.get('sft_data'))}")
    else:
        final = record.get("final_loss")
        loss = f"{final:.4g}" if isinstance(final, (int, float)) else "-"
        print(f"{head}, {record.get('steps', '?')} steps, final loss {loss}")
    print(f"wrote {output}")
