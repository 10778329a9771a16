"""What every model adapter does before and around transformers: check the source, report failures in one line."""
from __future__ import annotations

from pathlib import Path

from goalgraph.errors import EvaluationError


def check_model_source(source: str, what: str = "model") -> None:
    """A path that looks local must be a model directory; anything else is left for the hub to resolve. (A caller
    that accepts model specs checks `model_spec.weights_source(source)`, the weights at the bottom of the spec.)"""
    p = Path(source).expanduser()
    looks_local = source.startswith((".", "/", "~")) or p.exists() or source.count("/") > 1
    if looks_local and not p.is_dir():
        raise EvaluationError(f"{what} directory not found: {source}")
    if p.is_dir() and not (p / "config.json").is_file():
        raise EvaluationError(f"{source} has no config.json: not a transformers model directory")


def first_line(exc: BaseException) -> str:
    """transformers' errors run to paragraphs; the user gets the type and the first line."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"
