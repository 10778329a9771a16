"""`goalgraph plugins new NAME`: a plugin distribution that installs, loads and passes its own test."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from goalgraph.errors import GoalgraphError

_PYPROJECT = '''[build-system]
requires = ["hatchling>=1.25"]
build-backend = "hatchling.build"

[project]
name = "{name}"
version = "0.1.0"
description = "A goalgraph plugin."
requires-python = ">=3.10"
dependencies = ["goalgraph>={goalgraph_version}"]

[project.optional-dependencies]
test = ["pytest>=8"]

# This entry point is how goalgraph finds the plugin.
[project.entry-points.goalgraph]
{name} = "{package}"

[tool.hatch.build.targets.wheel]
packages = ["{package}"]
'''

_INIT = '''"""{name}: hook implementations. Keep this module light: it is imported whenever plugins load."""
from goalgraph.registry import hookimpl


@hookimpl
def register_evaluators(register):
    register(
        id="{name}-exact-match",
        title="Exact-match accuracy",
        description="Share of predictions equal to their reference after trimming and lower-casing.",
        entry="{package}.evaluator:ExactMatch",
        attaches_to=["approach/benchmark"],
        needs=["generation"],
        metrics=[{{"name": "exact_match", "higher_is_better": True}}],
    )
'''

_EVALUATOR = '''"""The component itself: imported only when it is used."""
from __future__ import annotations


class ExactMatch:
    def score(self, predictions: list[str], references: list[str]) -> dict[str, float]:
        if len(predictions) != len(references) or not references:
            raise ValueError("need as many predictions as references, and at least one")
        hits = sum(p.strip().lower() == r.strip().lower() for p, r in zip(predictions, references))
        return {{"exact_match": hits / len(references)}}
'''

_TEST = '''"""Loads the plugin the way goalgraph does and runs its component."""
import {package}
from goalgraph.graph.api import GoalGraph
from goalgraph.registry.attach import build_registry
from goalgraph.registry.loader import PluginSource


def test_plugin_loads_and_scores():
    graph = GoalGraph.load(include_env=False)
    source = PluginSource("{name}", "0.1.0", "{package}", lambda: {package})
    registry, _ = build_registry(graph, [source])
    record = registry.plugin("{name}")
    assert record.status == "loaded", record.error
    component = registry.component("{name}-exact-match")
    assert graph.query("ASK {{ ?e gg:attachesTo ?n }}", e=component.iri,
                       n="https://w3id.org/goalgraph/id/approach/benchmark").boolean
    scorer = component.load()()
    assert scorer.score(["Paris", "4"], ["paris", "5"]) == {{"exact_match": 0.5}}
'''

_README = '''# {name}

A goalgraph plugin. Install it into goalgraph's environment with

    goalgraph plugins install -e .

then `goalgraph plugins list` shows it and `goalgraph show approach/benchmark` lists its evaluator.
Run its test with `pytest`. See goalgraph's docs/plugins.md for every hook.
'''


def scaffold(name: str, where: Path) -> Path:
    """Write the plugin distribution into `where/name`; refuses to touch an existing folder."""
    from goalgraph import __version__

    if not re.fullmatch(r"[a-z][a-z0-9-]*[a-z0-9]", name):
        raise GoalgraphError(f"plugin name {name!r}: use lower-case letters, digits and hyphens, e.g. goalgraph-toxicity")
    target = Path(where) / name
    if target.exists():
        raise GoalgraphError(f"{target} already exists")
    package = name.replace("-", "_")
    values = {"name": name, "package": package, "goalgraph_version": __version__}
    files = {
        "pyproject.toml": _PYPROJECT,
        f"{package}/__init__.py": _INIT,
        f"{package}/evaluator.py": _EVALUATOR,
        "tests/test_plugin.py": _TEST,
        "README.md": _README,
    }
    Path(where).mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=where))
    try:
        for rel, template in files.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(template.format(**values), encoding="utf-8")
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
