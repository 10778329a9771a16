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


SCHEMA_FILE = Path(__file__).with_name("plan.schema.json")


def schema_text() -> str:
    """The plan schema as `plan.schema.json` holds it: the model's JSON schema, indented, one final newline."""
    from goalgraph.plan.model import plan_json_schema

    return json.dumps(plan_json_schema(), indent=2, ensure_ascii=False) + "\n"


def check_plan(plan, path: str | Path = "plan") -> None:
    """What the schema cannot say: unique step ids, orders 1..n, coverage and citations that point at the
    plan's own steps and bibliography. PlanError naming the first bad field otherwise."""
    seen: dict[str, int] = {}
    for i, step in enumerate(plan.steps):
        if step.id in seen:
            raise PlanError(f"{path}: steps.{i}.id: {step.id!r} is already the id of steps.{seen[step.id]}")
        seen[step.id] = i
    orders = sorted(s.order for s in plan.steps)
    if orders != list(range(1, len(plan.steps) + 1)):
        bad = next(i for i, s in enumerate(plan.steps) if orders.count(s.order) > 1 or s.order > len(plan.steps))
        raise PlanError(f"{path}: steps.{bad}.order: orders must number the steps 1..{len(plan.steps)} once each")
    by_id = {s.id: s for s in plan.steps}
    for i, sid in enumerate(plan.coverage.runnable):
        if sid not in by_id or by_id[sid].status != "runnable":
            raise PlanError(f"{path}: coverage.runnable.{i}: {sid!r} is not a runnable step of this plan")
    known = {b.iri for b in plan.bibliography}
    for i, step in enumerate(plan.steps):
        for j, paper in enumerate(step.citations):
            if paper not in known:
                raise PlanError(f"{path}: steps.{i}.citations.{j}: {paper} is not in the bibliography")
