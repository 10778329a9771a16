"""Write files so a crash never leaves half of one behind: temp file in the same folder, then rename."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from goalgraph.errors import GoalgraphError


@contextmanager
def atomic_path(path: Path | str) -> Iterator[str]:
    """Yield a temporary path beside `path`; when the block succeeds it is renamed onto `path`, otherwise removed.
    For writers that want a file name (matplotlib's savefig, pyarrow); OS errors become one-line GoalgraphErrors."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise GoalgraphError(f"cannot write {path}: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())   # mkstemp makes 0600 files; the result should read like any other file
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise GoalgraphError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(path: Path | str, text: str, encoding: str = "utf-8") -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding=encoding) as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
