"""`goalgraph align ALIGNER --model PATH --data PATH --output DIR`: train a model with an aligner component
(the built-ins: sft and dpo) and write it with its alignment record. torch is imported only when it runs."""
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
        aligner: Annotated[str, typer.Argument(help="Aligner component id (sft, dpo; see `goalgraph plugins list`).")],
        model: Annotated[str, typer.Option("--model", "-m", help="Base model directory or hub id.")],
        data: Annotated[Path, typer.Option("--data", "-d", help="Training file: SFT rows (prompt/completion or "
                                           "messages) or preference rows (prompt, chosen, rejected); JSON/JSONL.")],
        output: Annotated[Path, typer.Option("--output", "-o", help="Directory for the aligned model and "
                                             "alignment.json; re-running the same command resumes it.")],
        loss: Annotated[Optional[str], typer.Option(help="Preference loss: dpo, ipo or hinge (dpo only).")] = None,
        beta: Annotated[Optional[float], typer.Option(help="Preference loss temperature (dpo only; default 0.1).")]
        = None,
        option: Annotated[Optional[list[str]], typer.Option("--option", "-O", metavar="KEY=VALUE",
                                                            help="A hyper-parameter, e.g. max_steps=100 "
                                                            "(repeatable; see docs/aligning.md).")] = None,
        overwrite: Annotated[bool, typer.Option(help="Replace what --output holds instead of refusing.")] = False,
    ) -> None:
        """Fine-tune a causal LM with an aligner and record what was done (OUTPUT/alignment.json), for
        `goalgraph run` and `goalgraph report --compare`. Exit 0: done; 2: bad input."""
        from goalgraph.align.errors import AlignmentError
        from goalgraph.cli.evaluate import _quiet_transformers
        from goalgraph.registry.loader import import_entry
        from goalgraph.registry.snapshot import find_component

        comp = find_component(aligner, kind="aligner")
        cls = import_entry(comp["entry"], f"aligner {comp['id']!r}")
        options = _options(list(option or []), dict(getattr(cls, "options", {})))
        for name, value in (("loss", loss), ("beta", beta)):
            if value is None:
                continue
            if name not in getattr(cls, "options", {}):
                raise AlignmentError(f"--{name} is a preference-loss option; {comp['id']} does not take it")
            if name in options:
                raise AlignmentError(f"--{name} and --option {name}=... both given; use one")
            options[name] = value

        _quiet_transformers()
        component = cls()
        try:
            record = component.align(model, str(data), str(output), overwrite=overwrite, on_step=_print_step,
                                     **options)
        except AlignmentError as exc:
            raise type(exc)(_cli_words(str(exc))) from None
        _print_summary(output, record)


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


def _cli_words(message: str) -> str:
    """The library names its keyword arguments; on the command line they are flags and options."""
    return (message.replace("pass overwrite=True", "pass --overwrite")
                   .replace("lora=True needs", "--option lora=true needs"))


def _print_step(step: int, metrics: dict[str, Any]) -> None:
    shown = [f"{k}={v:.4g}" for k, v in metrics.items()
             if k not in ("step", "tokens") and isinstance(v, (int, float)) and not isinstance(v, bool)]
    print(f"step {step}: {' '.join(shown)}", file=sys.stderr, flush=True)


def _print_summary(output: Path, record: dict[str, Any]) -> None:
    method = str(record.get("method", "")).rsplit("/id/", 1)[-1]
    final = record.get("final_loss")
    loss = f"{final:.4g}" if isinstance(final, (int, float)) else "-"
    print(f"{record.get('aligner', '?')}: method {method}, {record.get('steps', '?')} steps, final loss {loss}")
    print(f"wrote {output}")
