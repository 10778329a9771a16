"""Every built-in evaluator's manifest declares its data (the fields its class reads, its bundled sources, its
model kind), so a plan can say what to supply without importing the component."""
from __future__ import annotations

import json

import pytest

from goalgraph.registry.loader import import_entry
from goalgraph.registry.manifest import DataSpec, Manifest
from goalgraph_builtins.catalog import BENCHMARK_EVALUATORS
from goalgraph_builtins.questionnaires.manifests import QUESTIONNAIRE_EVALUATORS

MANIFESTS = [*BENCHMARK_EVALUATORS, *QUESTIONNAIRE_EVALUATORS]


def _class_fields(cls) -> list[str]:
    if cls.__name__ == "Ethics":                       # fields are per subset: the union, in order
        from goalgraph_builtins.evaluators.ethics import _SPECS

        names: list[str] = []
        for spec in _SPECS.values():
            names += [f.name for f in spec.fields if f.name not in names]
        return names
    return [f.name for f in cls.fields]


@pytest.mark.parametrize("raw", MANIFESTS, ids=[m["id"] for m in MANIFESTS])
def test_manifest_data_matches_the_component(raw):
    m = Manifest(kind="evaluator", version="0", **raw)
    assert isinstance(m.data, DataSpec) and m.data.format
    cls = import_entry(m.entry, m.id)
    assert m.model_kind == getattr(cls, "model_kind", "causal-lm")
    declared = _class_fields(cls)
    assert set(declared) <= set(m.data.fields), (declared, m.data.fields)
    assert m.data.min_files == max(1, getattr(cls, "data_files", 1))
    builtin = getattr(cls, "builtin_data", {}) or {}
    assert sorted(m.data.bundled) == sorted(builtin)
    if m.data.bundled:
        with open(builtin[m.data.bundled[0]], encoding="utf-8") as fh:
            assert m.data.bundled_items == sum(1 for line in fh if line.strip())


def test_manifest_data_reaches_the_plugin_snapshot(graph):
    comps = {c["id"]: c for p in graph.plugins for c in p["components"]}
    assert comps["value-profile"]["data"]["bundled"] == ["builtin:scenarios"]
    assert comps["reward-model"]["model_kind"] == "reward-model"
    json.dumps(comps)                                 # the snapshot is JSON


def test_bundled_sources_are_named_builtin():
    with pytest.raises(ValueError):
        DataSpec(bundled=["scenarios.jsonl"])
