"""Model specs: a directory that names a base model and how to wrap it, loadable wherever a model is.

Inference-time aligners change how a model is asked, not its weights, so what they produce is a small
directory with `goalgraph-model.json` (and the alignment record) instead of a copy of the weights:

    {"format": "goalgraph-model/1", "kind": "prompted", "base": "/abs/base",
     "system_prompt": "...", "prompt_style": "chat" | "prefix"}
    {"format": "goalgraph-model/1", "kind": "best-of-n", "base": "...", "n": 4, "temperature": 0.8,
     "target": {...}, "metric": "l2"}

`base` may itself be a spec directory (best-of-n over a principle-prompted model). Every command that takes
`--model` (eval, run, align) accepts such a directory; `goalgraph.runtime.causal_lm.CausalLM.load` unwraps
it. Only json and pathlib here: reading a spec must stay as light as checking a model path.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from goalgraph.errors import EvaluationError

SPEC_FILE = "goalgraph-model.json"
FORMAT = "goalgraph-model/1"
KINDS = ("prompted", "best-of-n")
PROMPT_STYLES = ("chat", "prefix")


@dataclass
class ModelSpec:
    kind: str
    base: str
    path: Path                                   # the spec directory itself
    settings: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "kind": self.kind, "base": self.base, **self.settings}


def is_spec_dir(source: str | Path) -> bool:
    return (Path(source).expanduser() / SPEC_FILE).is_file()


def read_spec(source: str | Path) -> ModelSpec:
    """The spec in `source`; a malformed one is one EvaluationError line naming the file and the fault."""
    root = Path(source).expanduser()
    path = root / SPEC_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvaluationError(f"{path}: unreadable model spec: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise EvaluationError(f"{path}: not a model spec (expected \"format\": \"{FORMAT}\")")
    kind, base = data.get("kind"), data.get("base")
    if kind not in KINDS:
        raise EvaluationError(f"{path}: unknown kind {kind!r} (known: {', '.join(KINDS)})")
    if not isinstance(base, str) or not base:
        raise EvaluationError(f"{path}: \"base\" must name the base model")
    base_path = Path(base).expanduser()
    if not base_path.is_absolute() and (root / base_path).exists():
        base = str(root / base_path)              # relative to the spec directory, so the pair can move
    settings = {k: v for k, v in data.items() if k not in ("format", "kind", "base")}
    spec = ModelSpec(kind, base, root, settings)
    _check(spec, path)
    return spec


def _check(spec: ModelSpec, path: Path) -> None:
    s = spec.settings
    if spec.kind == "prompted":
        if not isinstance(s.get("system_prompt"), str) or not s["system_prompt"].strip():
            raise EvaluationError(f"{path}: a prompted model needs a non-empty \"system_prompt\"")
        if s.get("prompt_style", "prefix") not in PROMPT_STYLES:
            raise EvaluationError(f"{path}: prompt_style must be one of {', '.join(PROMPT_STYLES)}")
    else:
        n = s.get("n")
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise EvaluationError(f"{path}: best-of-n needs \"n\", a whole number of at least 1")
        t = s.get("temperature", 1.0)
        if not isinstance(t, (int, float)) or not t > 0:
            raise EvaluationError(f"{path}: best-of-n needs a positive \"temperature\"")
        if not isinstance(s.get("target"), dict):
            raise EvaluationError(f"{path}: best-of-n needs the \"target\" value profile")


def write_spec(spec: ModelSpec) -> Path:
    """Write `spec` into its directory atomically."""
    from goalgraph.util.atomic import write_text_atomic

    spec.path.mkdir(parents=True, exist_ok=True)
    target = spec.path / SPEC_FILE
    write_text_atomic(target, json.dumps(spec.to_json(), indent=2, sort_keys=True) + "\n")
    return target


def base_chain(source: str | Path) -> list[ModelSpec]:
    """The specs from `source` down to the weights (outermost first); a spec naming itself is refused."""
    chain: list[ModelSpec] = []
    seen: set[str] = set()
    current = str(source)
    while is_spec_dir(current):
        key = str(Path(current).expanduser().resolve())
        if key in seen:
            raise EvaluationError(f"{current}: model spec refers back to itself")
        seen.add(key)
        spec = read_spec(current)
        chain.append(spec)
        current = spec.base
    return chain


def weights_source(source: str | Path) -> str:
    """The model directory or hub id at the bottom of a spec chain (`source` itself when it is no spec)."""
    chain = base_chain(source)
    return chain[-1].base if chain else str(source)
