"""Which plan steps a run executes, with which data, and the digest that says a finished step can be reused.

Kept apart from the runner so the choice is checked before any model is touched: a `--data` override that
names no step, or names a step nothing installed can run, is bad input (exit 2), not a failed step.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from goalgraph.errors import GoalgraphError
from goalgraph.graph.namespaces import ID
from goalgraph.util.digest import file_sha256


class RunInputError(GoalgraphError):
    """A `goalgraph run` argument that cannot work with this plan (caught before anything runs)."""


@dataclass
class Selected:
    """A plan step as this run will treat it: run it (with these sources) or skip it (for this reason)."""

    step: Any                       # goalgraph.plan.model.Step
    sources: list[str] = field(default_factory=list)
    run: bool = False
    reason: str | None = None       # why a step is skipped


def _names(step: Any) -> set[str]:
    names = {step.id, step.node}
    if step.node.startswith(ID):
        short = step.node[len(ID):]
        names |= {short, short.rsplit("/", 1)[-1]}
    return names


def select_steps(plan: Any, overrides: dict[str, list[str]] | None = None) -> list[Selected]:
    """Every plan step in plan order, marked run or skipped; `overrides` bind data to steps by id or node."""
    overrides = dict(overrides or {})
    steps = sorted(plan.steps, key=lambda s: s.order)
    bound: dict[str, list[str]] = {}
    for ref, paths in overrides.items():
        hits = [s for s in steps if ref in _names(s)]
        if not hits:
            known = ", ".join(s.id for s in steps) or "none"
            raise RunInputError(f"--data {ref}=...: no step of the plan is {ref!r} (steps: {known})")
        for s in hits:
            if s.status in ("needs-plugin", "manual") or not s.evaluator:
                raise RunInputError(f"--data {ref}=...: step {s.id} is {s.status}; data alone cannot make it run")
            bound.setdefault(s.id, []).extend(paths)
    runnable = {s.id for s in plan.runnable_steps()}
    out = []
    for s in steps:
        sources = bound.get(s.id, list(s.data.sources))
        if s.id in runnable or (s.id in bound and s.status == "needs-data" and s.within_budget):
            out.append(Selected(s, sources, run=True))
        elif not s.within_budget:
            out.append(Selected(s, sources, reason="over the plan's budget"))
        elif s.status == "needs-data":
            out.append(Selected(s, sources, reason=f"needs data: give --data {s.id}=PATH"))
        else:
            out.append(Selected(s, sources, reason=s.status))
    return out


def spec_sha256(*, evaluator: str, version: str | None, options: dict[str, Any], sources: list[str],
                model_key: str, template: str | None, limit: int | None, dtype: str) -> str:
    """Digest of everything that decides a step's numbers: evaluator id and version, options, each data file's
    bytes (a hub id by name), the model (its files and answer-changing settings), template and item limit."""
    doc = {
        "evaluator": evaluator, "version": version, "options": {k: options[k] for k in sorted(options)},
        "data": [file_sha256(s) or f"source:{s}" for s in sources], "model": model_key,
        "template": file_sha256(template) if template else None, "limit": limit, "dtype": dtype,
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()
