"""Reading a run directory for a report: `results.json` validated against the `RunResults` contract, and a
step's own result document when results.json lacks something. Every way a directory can be unusable
becomes one `ReportError` line, because a report is often run on directories copied from elsewhere."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from goalgraph.errors import GoalgraphError
from goalgraph.run.results import RunResults


class ReportError(GoalgraphError):
    """A run directory, target file or option the report cannot use."""


@dataclass
class Run:
    """One run directory: where it is, its validated results, and step documents read so far."""

    directory: Path
    results: RunResults
    _docs: dict[str, dict[str, Any] | None] = field(default_factory=dict, repr=False)

    def step_document(self, step_id: str) -> dict[str, Any] | None:
        """`steps/<id>.json` (or the step's `result_file`) as a dict; None when the run has none.
        A file that is there but unreadable is an error: it means the directory is damaged."""
        if step_id in self._docs:
            return self._docs[step_id]
        step = next((s for s in self.results.steps if s.id == step_id), None)
        rel = (step.result_file if step is not None and step.result_file else f"steps/{step_id}.json")
        path = self.directory / rel
        doc: dict[str, Any] | None = None
        if path.is_file():
            data = _read_json(path)
            if not isinstance(data, dict):
                raise ReportError(f"{path}: a step result must be a JSON object")
            doc = data
        self._docs[step_id] = doc
        return doc


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def load_run(directory: str | Path) -> Run:
    """The run in `directory`; a ReportError naming the problem when it is not a usable run directory."""
    from pydantic import ValidationError

    d = Path(directory)
    if not d.exists():
        raise ReportError(f"run directory not found: {d}")
    if not d.is_dir():
        raise ReportError(f"not a directory: {d} (give the run directory, not a file in it)")
    path = d / "results.json"
    if not path.is_file():
        raise ReportError(f"{d}: no results.json here; is it a goalgraph run directory?")
    data = _read_json(path)
    try:
        results = RunResults.model_validate(data)
    except ValidationError as exc:
        raise ReportError(f"{path}: does not follow the goalgraph-results/1 layout: {_first_problem(exc)}") from None
    return Run(d, results)


def _first_problem(exc) -> str:
    errors = exc.errors()
    first = errors[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "(top level)"
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return f"{where}: {first.get('msg', 'invalid')}{more}"
