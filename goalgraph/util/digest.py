"""Content digests of files: what results record about their data and what decides whether work can be reused."""
from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: str | Path) -> str | None:
    """SHA-256 of a file's bytes, read in 1 MiB blocks; None when `path` is not a file (a hub id, a builtin name)."""
    p = Path(path)
    if not p.is_file():
        return None
    h = hashlib.sha256()
    with p.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
