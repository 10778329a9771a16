"""A hand-made embedder for tests whose arithmetic is checked by hand."""
from __future__ import annotations


class FakeEmbedder:
    """Texts → fixed unit vectors from a table (unknown text: KeyError), for arithmetic checked by hand."""

    name = "fake"
    fingerprint = "fake-fingerprint"

    def __init__(self, table: dict[str, list[float]]):
        import numpy as np

        self.table = {k: np.asarray(v, dtype=np.float32) / np.linalg.norm(v) for k, v in table.items()}
        self.dim = len(next(iter(table.values())))
        self.calls: list[list[str]] = []

    def encode_array(self, texts):
        import numpy as np

        self.calls.append(list(texts))
        return np.stack([self.table[t] for t in texts]) if texts else np.zeros((0, self.dim), dtype=np.float32)

    def describe(self):
        return {"name": self.name, "fingerprint": self.fingerprint}
