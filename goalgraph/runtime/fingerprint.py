"""Model fingerprints: what identifies a model's answers, so stored answers are reused only for the same model.

A local directory is fingerprinted from its config, tokenizer files and weight files (name, size, and the
first and last MiB of each: hashing 100 GB of weights on every run would cost minutes, and a changed
checkpoint changes its header and size). A hub model is its id plus the commit it resolved to. Settings that
change answers (dtype, chat template, system prompt) are mixed in by the caller.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

_TEXT_FILES = ("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
               "special_tokens_map.json", "vocab.json", "merges.txt", "tokenizer.model", "chat_template.jinja")
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".gguf")
_EDGE = 1 << 20


def directory_fingerprint(path: str | Path) -> str:
    root = Path(path)
    from goalgraph.runtime.model_spec import is_spec_dir

    if is_spec_dir(root):
        return _spec_fingerprint(root)
    h = hashlib.sha256()
    for name in _TEXT_FILES:
        f = root / name
        if f.is_file():
            h.update(name.encode() + b"\0" + hashlib.sha256(f.read_bytes()).digest())
    for f in sorted(root.iterdir()):
        if f.is_file() and f.suffix in _WEIGHT_SUFFIXES:
            size = f.stat().st_size
            h.update(f"{f.name}\0{size}\0".encode())
            with f.open("rb") as fh:
                h.update(fh.read(_EDGE))
                if size > 2 * _EDGE:
                    fh.seek(size - _EDGE)
                    h.update(fh.read(_EDGE))
    return h.hexdigest()


def model_fingerprint(source: str, revision: str | None = None, **settings: object) -> str:
    """The fingerprint of a model directory or hub id, with the answer-changing settings mixed in."""
    p = Path(source)
    base = directory_fingerprint(p) if p.is_dir() else f"hub:{source}@{revision or 'main'}"
    extra = json.dumps({k: settings[k] for k in sorted(settings)}, default=str)
    return hashlib.sha256(f"{base}\0{extra}".encode()).hexdigest()


def _spec_fingerprint(root: Path) -> str:
    """A model spec is its wrapping settings plus its base's fingerprint (not the base's path: moving the
    pair keeps it)."""
    from goalgraph.runtime.model_spec import read_spec

    spec = read_spec(root)
    body = json.dumps({"kind": spec.kind, "settings": spec.settings}, sort_keys=True, default=str)
    return hashlib.sha256(f"spec\0{body}\0{model_fingerprint(spec.base)}".encode()).hexdigest()
