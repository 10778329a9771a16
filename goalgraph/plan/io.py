"""Reading plan files: YAML or JSON, validated against the Plan model, one-line errors naming the bad field."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from goalgraph.errors import GoalgraphError


class PlanError(GoalgraphError):
    """A plan file is missing, unreadable, or does not match the plan schema."""


def _parse(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlanError(f"cannot read plan {path}: {exc.strerror or exc}") from None
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except ValueError as exc:
            raise PlanError(f"{path}: not valid JSON: {exc}") from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise PlanError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from None


def load_plan(path: str | Path):
    """The Plan in `path`; PlanError with the path of the first bad field (`steps.2.status: ...`) otherwise."""
    from pydantic import ValidationError

    from goalgraph.plan.model import Plan

    path = Path(path)
    data = _parse(path)
    if not isinstance(data, dict):
        raise PlanError(f"{path}: a plan is a mapping with format, goal, steps ...; got {type(data).__name__}")
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ())) or "plan"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise PlanError(f"{path}: {where}: {first.get('msg')}{more}") from None
