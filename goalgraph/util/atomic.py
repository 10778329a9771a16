"""Write files so a crash never leaves half of one behind: temp file in the same folder, then rename."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from goalgraph.errors import GoalgraphError


def write_text_atomic(path: Path | str, text: str, encoding: str = "utf-8") -> None:
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise GoalgraphError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding=encoding) as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise GoalgraphError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise
