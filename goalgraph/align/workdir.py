"""An aligner run's directories: checking the base model, claiming the output for one run, and the append-only
journals that make the aligners which generate text (best-of-n, critique–revision) resumable after a kill.

A run is known by the hash of everything that decides its result (`record.config_hash`). The directory holds
this run's finished record (nothing to do), this run's partial work (resume it: a marker file says whose it
is), or anything else (refused unless `overwrite`, which clears it).

A journal is a JSONL file with one row per finished item, rows numbered from 0 in `index`; each row is written
whole, flushed and synced before the next item starts, so after a kill every row but perhaps a torn last one
is intact. Reading drops the torn line (and cuts it from the file) and keeps the rows before it.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import IO, Any

from goalgraph.align.errors import AlignmentError

RUN_MARKER = ".goalgraph-align-run.json"


def check_base(model_path: str | Path) -> str:
    """The base model as given, once it is known to be a model directory (or a spec over one) or a hub id."""
    from goalgraph.errors import GoalgraphError
    from goalgraph.runtime.loading import check_model_source
    from goalgraph.runtime.model_spec import weights_source

    try:
        check_model_source(weights_source(str(model_path)))
    except GoalgraphError as exc:
        raise AlignmentError(str(exc)) from None
    return str(model_path)


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from `path`, or None when it is missing, unreadable or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def claim_output(output: Path, run_hash: str, overwrite: bool) -> dict[str, Any] | None:
    """The finished record when this very run is done (and not `overwrite`); else None, with `output` holding
    nothing or this run's partial work, and the run's marker written. Anything else is refused unless
    `overwrite`, which clears it first."""
    from goalgraph.run.results import ALIGNMENT_RECORD
    from goalgraph.util.atomic import write_text_atomic

    if output.exists() and not output.is_dir():
        raise AlignmentError(f"the output {output} exists and is not a directory")
    if output.is_dir() and any(output.iterdir()):
        record = read_json(output / ALIGNMENT_RECORD)
        marker = read_json(output / RUN_MARKER)
        same = (record or marker or {}).get("config_sha256") == run_hash
        if same and record is not None and not overwrite:
            return record
        if overwrite:
            shutil.rmtree(output)
        elif not same:
            raise AlignmentError(f"the output directory {output} holds something else (pass overwrite "
                                 f"(--overwrite) to replace it)")
    output.mkdir(parents=True, exist_ok=True)
    write_text_atomic(output / RUN_MARKER, json.dumps({"config_sha256": run_hash}) + "\n")
    return None


def read_journal(path: Path) -> list[dict[str, Any]]:
    """The rows of an earlier, perhaps interrupted run, numbered 0, 1, ...; a torn or out-of-order tail is
    dropped from the list and cut from the file, so appending goes on after the last good row."""
    if not path.is_file():
        return []
    rows: list[dict[str, Any]] = []
    good = 0
    raw = path.read_bytes()
    for line in raw.splitlines(keepends=True):
        try:
            row = json.loads(line)
        except ValueError:
            break
        if not line.endswith(b"\n") or not isinstance(row, dict) or row.get("index") != len(rows):
            break
        rows.append(row)
        good += len(line)
    if good != len(raw):
        with path.open("r+b") as fh:
            fh.truncate(good)
    return rows


def append_row(fh: IO[str], row: dict[str, Any]) -> None:
    """Write one journal row and make it durable before the caller moves on."""
    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    fh.flush()
    os.fsync(fh.fileno())
