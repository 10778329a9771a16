"""Finding provenance for `--with-results DIR`: a run directory (`goalgraph run`), an aligned model directory
(`goalgraph align` writes one beside `alignment.json`), or a folder holding any of them.

Only pathlib here: `goalgraph query/ask/show --with-results` must stay as light as the graph path.
"""
from __future__ import annotations

from pathlib import Path

from goalgraph.errors import GoalgraphError

PROVENANCE = "provenance.ttl"


def provenance_files(dirs: list[str | Path]) -> list[Path]:
    """Every `provenance.ttl` under the given directories (a run or aligned model directory gives its own), in
    a stable order; a directory with none is an error naming it."""
    out: list[Path] = []
    for raw in dirs:
        root = Path(raw).expanduser()
        if root.is_file() and root.name == PROVENANCE:
            found = [root]
        elif not root.is_dir():
            raise GoalgraphError(f"--with-results {raw}: no such run directory or aligned model directory")
        elif (root / PROVENANCE).is_file():
            found = [root / PROVENANCE]
        else:
            found = sorted(root.rglob(PROVENANCE))
        if not found:
            raise GoalgraphError(f"--with-results {raw}: no {PROVENANCE} in it or below it (is it a `goalgraph run` "
                                 f"output directory or a model directory written by `goalgraph align`?)")
        out.extend(p for p in found if p not in out)
    return out
