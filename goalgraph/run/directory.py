"""The run directory on disk: where each file goes, reading back an earlier attempt, writing atomically.

Every write goes through `goalgraph.util.atomic`, so a run killed at any moment leaves each file either as it
was or complete: `results.json` always describes the steps that finished.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from goalgraph.errors import GoalgraphError

RESULTS = "results.json"
PLAN_COPY = "plan.json"
PROVENANCE = "provenance.ttl"
STEPS = "steps"
REQUESTS = "requests"


class RunDirectory:
    """Paths inside one run directory (`goalgraph run --output DIR`)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    @property
    def results(self) -> Path:
        return self.root / RESULTS

    @property
    def plan(self) -> Path:
        return self.root / PLAN_COPY

    @property
    def provenance(self) -> Path:
        return self.root / PROVENANCE

    @property
    def requests(self) -> Path:
        return self.root / REQUESTS

    def step_result(self, step_id: str) -> Path:
        return self.root / STEPS / f"{step_id}.json"

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def previous(self) -> Any:
        """The RunResults of an earlier attempt in this directory, or None when there is none."""
        from pydantic import ValidationError

        from goalgraph.run.results import RunResults

        if not self.results.is_file():
            return None
        try:
            return RunResults.model_validate(json.loads(self.results.read_text(encoding="utf-8")))
        except (OSError, ValueError, ValidationError) as exc:
            raise GoalgraphError(f"{self.results}: not a goalgraph results file ({type(exc).__name__}); "
                                 f"choose another --output or remove it") from None

    def write_json(self, path: Path, doc: Any) -> None:
        from goalgraph.util.atomic import write_text_atomic

        write_text_atomic(path, json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")

    def write_results(self, results: Any) -> None:
        self.write_json(self.results, results.model_dump(mode="json"))

    def write_text(self, path: Path, text: str) -> None:
        from goalgraph.util.atomic import write_text_atomic

        write_text_atomic(path, text)
