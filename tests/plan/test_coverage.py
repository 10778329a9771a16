"""Coverage on a fixture graph: a sub-goal whose benchmark nothing installed reads, a theory it is based on, and
a theory nothing measures."""
from __future__ import annotations

import pytest
from conftest import ID
from plan.helpers import FIXTURE, fake_plugin

from goalgraph.plan.build import build_plan

BENCH = ID + "benchmark/fixture-civic-bench"
DUTY, LIBERTY = ID + "dimension/fixture-civic-duty", ID + "dimension/fixture-civic-liberty"


@pytest.fixture(scope="module")
def fixture_graph():
    import goalgraph

    return goalgraph.load(str(FIXTURE), include_env=False)        # SHACL-checked on load


def _gaps(plan):
    return {g.node: g for g in plan.coverage.gaps}


def test_new_sub_goal_benchmark_without_evaluator_is_a_needs_plugin_gap(fixture_graph):
    plan = build_plan(fixture_graph, "basic-values")
    assert ID + "goal/fixture-civic-values" in {g.iri for g in plan.goals}
    step = plan.step(BENCH)
    assert step.status == "needs-plugin" and step.goals == [ID + "goal/fixture-civic-values"]
    assert step.levels == [4] and step.data.items == 120
    gap = _gaps(plan)[BENCH]
    assert gap.reason == "needs-plugin" and gap.kind == "benchmark"
    # no paper of its own and no seed: it cites the survey behind its goal's level
    assert step.citations == [ID + "paper/yao-2024-instructions"] == gap.citations
    assert step.id not in plan.coverage.runnable


def test_theory_dimensions_nothing_installed_measures_are_gaps(fixture_graph):
    plan = build_plan(fixture_graph, "basic-values", theory="fixture-civic-theory")
    assert plan.step(BENCH).dimensions == [DUTY, LIBERTY]
    gaps = _gaps(plan)
    assert gaps[DUTY].reason == gaps[LIBERTY].reason == "needs-plugin"     # a resource exists, no evaluator
    assert gaps[DUTY].kind == "dimension" and gaps[DUTY].citations


def test_a_theory_without_any_resource_has_no_resource_gaps(fixture_graph):
    plan = build_plan(fixture_graph, "basic-values", theory="fixture-lonely-theory")
    gap = _gaps(plan)[ID + "dimension/fixture-lonely-solitude"]
    assert gap.reason == "no-resource" and gap.citations


def test_an_installed_evaluator_closes_the_gaps(fixture_graph):
    plugins = [fake_plugin("civic-eval", [BENCH])]
    plan = build_plan(fixture_graph, "basic-values", theory="fixture-civic-theory", plugins=plugins)
    step = plan.step(BENCH)
    assert (step.evaluator, step.status) == ("civic-eval", "needs-data")
    assert step.cost.requests == 240                                     # 120 items x 2 requests per item
    gaps = _gaps(plan)
    assert BENCH not in gaps and DUTY not in gaps and LIBERTY not in gaps
    assert plan.graph.components == ["civic-eval@9.9.9"]


def test_language_filter_on_the_fixture(fixture_graph):
    assert BENCH in {s.node for s in build_plan(fixture_graph, "fixture-civic-values", language="DE").steps}
    assert not build_plan(fixture_graph, "fixture-civic-values", language="en").steps
