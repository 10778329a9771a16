"""The resumable request store: every finished answer is appended and flushed as it completes.

One JSONL file per model fingerprint (one per rank in a distributed job: `<fp>.rank-K-of-N.jsonl`, written by
that rank alone; every store of a fingerprint reads all of them, so a restart with another world size, or in
one process, reuses what any rank finished); each line is `{"k": request hash, "a": answer}`. A run killed (even with
SIGKILL) loses at most the batch in flight: on restart the file is read back, a torn last line is ignored, and
only requests without an answer are computed. JSON floats round-trip exactly, so a resumed run ends with the
same numbers as an uninterrupted one.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable

from goalgraph.runtime.requests import Request, request_hash


class RequestStore:
    def __init__(self, path: str | Path, read_also: Iterable[Path] = ()):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._answers: dict[str, Any] = {}
        self.torn_lines = 0
        for other in read_also:                # other writers' files of the same model: read, never written
            if Path(other) != self.path:
                self._load(Path(other))
        self._load(self.path)
        self._fh = None

    @classmethod
    def for_model(cls, directory: str | Path, fingerprint: str, tag: str = "") -> "RequestStore":
        """The store of one model under `directory` (`tag` separates writers, e.g. distributed ranks)."""
        directory, stem = Path(directory), fingerprint[:24]
        siblings = [directory / f"{stem}.jsonl", *sorted(directory.glob(f"{stem}.rank-*.jsonl"))]
        return cls(directory / (stem + (f".{tag}" if tag else "") + ".jsonl"), read_also=siblings)

    def _load(self, path: Path) -> None:
        if not path.exists():
            return
        with path.open("rb") as fh:
            for raw in fh:
                try:
                    row = json.loads(raw)
                    self._answers[row["k"]] = _thaw(row["a"])
                except (ValueError, KeyError, TypeError):
                    self.torn_lines += 1

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, request: Request, default: Any = None) -> Any:
        return self._answers.get(request_hash(request), default)

    def missing(self, requests: Iterable[Request]) -> list[int]:
        """Indices of requests with no stored answer."""
        return [i for i, r in enumerate(requests) if request_hash(r) not in self._answers]

    def put_many(self, requests: Iterable[Request], answers: Iterable[Any]) -> None:
        """Append answers and flush them to the OS, so a killed process keeps them."""
        if self._fh is None:
            self._fh = self.path.open("ab")
            if self.path.stat().st_size and not _ends_with_newline(self.path):
                self._fh.write(b"\n")          # seal a line torn by an earlier kill
        lines = []
        for r, a in zip(requests, answers):
            key = request_hash(r)
            self._answers[key] = a
            lines.append(json.dumps({"k": key, "a": a}, ensure_ascii=False).encode("utf-8") + b"\n")
        self._fh.write(b"".join(lines))
        self._fh.flush()

    def sync(self) -> None:
        if self._fh is not None:
            self._fh.flush()
            os.fsync(self._fh.fileno())

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> "RequestStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _thaw(answer: Any) -> Any:
    """JSON turns tuples into lists; log-likelihood answers are (float, bool) tuples again."""
    if isinstance(answer, list) and len(answer) == 2 and isinstance(answer[1], bool):
        return (float(answer[0]), answer[1])
    return answer


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"
