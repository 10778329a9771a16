"""What `build_plan` selects, and how it decides status, order, budget and filters, on the bundled graph."""
from __future__ import annotations

import copy

import pytest
from conftest import ID
from plan.helpers import TRUTHFULQA_DATA, model_dir

from goalgraph.errors import GoalgraphError, UnknownNodeError
from goalgraph.plan.build import build_plan
from goalgraph.plan.model import STATUS_ORDER


def _by_id(plan):
    return {s.id: s for s in plan.steps}


@pytest.fixture(scope="module")
def basic(graph):
    return build_plan(graph, "basic-values", theory="schwartz-basic-values")


@pytest.fixture(scope="module")
def prefs(graph):
    return build_plan(graph, "human-preferences")


def test_truthfulqa_needs_data_without_data_and_runs_with_it(graph, prefs):
    step = prefs.step(ID + "benchmark/truthfulqa")
    assert (step.evaluator, step.status) == ("truthfulqa-mc", "needs-data")
    assert "--data truthfulqa=FILE" in step.data.note
    bound = build_plan(graph, "human-preferences", data={"truthfulqa": str(TRUTHFULQA_DATA)})
    step = bound.step(ID + "benchmark/truthfulqa")
    assert step.status == "runnable"
    assert step.data.sources == [str(TRUTHFULQA_DATA)]
    lines = sum(1 for line in TRUTHFULQA_DATA.read_text().splitlines() if line.strip())
    assert step.data.items == lines
    assert step.cost.requests == lines * 12          # the manifest's requests_per_item
    assert step.id in bound.coverage.runnable


def test_human_evaluation_is_manual_and_a_gap(prefs):
    step = prefs.step(ID + "approach/human-evaluation")
    assert step.status == "manual" and step.evaluator is None
    assert step.cost.seconds is None
    gap = next(g for g in prefs.coverage.gaps if g.node == step.node)
    assert gap.reason == "manual" and gap.citations


def test_value_profile_is_runnable_on_basic_values_with_its_bundled_scenarios(graph, basic):
    plain = build_plan(graph, "basic-values")
    step = next(s for s in plain.steps if s.evaluator == "value-profile")
    assert (step.kind, step.node, step.status) == ("goal", ID + "goal/basic-values", "runnable")
    assert step.data.sources == ["builtin:scenarios"]
    # with the theory, the same evaluator is measured at the theory, with the theory's dimensions
    step = next(s for s in basic.steps if s.evaluator == "value-profile")
    assert (step.kind, step.node, step.status) == ("theory", ID + "theory/schwartz-basic-values", "runnable")
    assert ID + "dimension/schwartz-benevolence" in step.dimensions
    assert {r.relation for r in step.why} >= {"evaluates-goal", "based-on-theory", "measures-dimension"}


def test_goal_set_includes_sub_goals_and_generic_benchmark_approach_is_skipped(basic, prefs):
    assert [g.iri for g in basic.goals][:1] == [ID + "goal/basic-values"]
    assert ID + "goal/basic-value-theory" in {g.iri for g in basic.goals}
    assert ID + "goal/human-feedback" in {g.iri for g in prefs.goals}
    for plan in (basic, prefs):
        assert ID + "approach/benchmark" not in {s.node for s in plan.steps}


def test_theory_brings_instruments_that_operationalise_it(basic):
    svs = basic.step(ID + "instrument/svs")
    assert svs.evaluator == "svs57"
    assert any(r.relation == "operationalises-theory" and r.node == ID + "theory/schwartz-basic-values"
               for r in svs.why)
    assert svs.dimensions


def test_a_node_with_two_evaluators_gets_two_steps_with_distinct_ids(graph):
    from goalgraph.registry.snapshot import current_plugins

    plugins = copy.deepcopy(current_plugins())
    comps = plugins[0]["components"]
    twin = {**copy.deepcopy(next(c for c in comps if c["id"] == "mfq30")), "id": "mfq30-twin"}
    comps.append(twin)
    plan = build_plan(graph, "basic-values", theory="schwartz-basic-values", plugins=plugins)
    mfq = [s for s in plan.steps if s.node == ID + "instrument/mfq"]
    assert sorted(s.evaluator for s in mfq) == ["mfq30", "mfq30-twin"]
    assert sorted(s.id for s in mfq) == ["instrument-mfq-mfq30", "instrument-mfq-mfq30-twin"]
    ids = [s.id for s in plan.steps]
    assert len(ids) == len(set(ids))


def test_a_scorer_that_runs_on_no_model_is_not_a_step(basic):
    # mfq30-scoring scores answer sheets handed to it (model_kind none); mfq30 puts the questionnaire to a model
    assert [s.evaluator for s in basic.steps if s.node == ID + "instrument/mfq"] == ["mfq30"]
    assert basic.step(ID + "instrument/mfq").id == "instrument-mfq"


def test_reward_model_evaluator_is_not_run_on_a_causal_lm(graph, tmp_path):
    prefs = tmp_path / "prefs.jsonl"
    prefs.write_text('{"prompt": "p", "chosen": "a", "rejected": "b"}\n')
    plan = build_plan(graph, "human-preferences", data={"reward-model": str(prefs)}, model=str(model_dir(tmp_path)))
    step = plan.step("approach-reward-model")
    assert step.status == "needs-data" and "reward model" in step.data.note
    rm = model_dir(tmp_path, {"architectures": ["LlamaForSequenceClassification"], "model_type": "llama",
                              "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
                              "vocab_size": 1000}, name="rm")
    plan = build_plan(graph, "human-preferences", data={"reward-model": str(prefs)}, model=str(rm))
    assert plan.step("approach-reward-model").status == "runnable"


def test_ordering_rule(graph, tmp_path):
    plan = build_plan(graph, "human-preferences", data={"truthfulqa": str(TRUTHFULQA_DATA)},
                      model=str(model_dir(tmp_path)), device="gpu")
    assert [s.order for s in plan.steps] == list(range(1, len(plan.steps) + 1))

    def key(s):
        value = next((v for v in (s.cost.seconds, s.cost.tokens, s.cost.requests) if v is not None), None)
        return (STATUS_ORDER[s.status], value is None, value or 0, s.node, s.evaluator or "")

    assert [key(s) for s in plan.steps] == sorted(key(s) for s in plan.steps)
    statuses = [s.status for s in plan.steps]
    assert statuses.index("runnable") < statuses.index("needs-data") < statuses.index("needs-plugin") \
        < statuses.index("manual")


def test_budget_marks_the_steps_past_it(graph, tmp_path):
    model = str(model_dir(tmp_path))
    data = {"truthfulqa": str(TRUTHFULQA_DATA), "bbq": str(TRUTHFULQA_DATA.with_name("bbq.jsonl"))}
    free = build_plan(graph, "human-preferences", data=data, model=model, device="cpu")
    costed = [s for s in free.steps if s.cost.seconds]
    assert len(costed) >= 2 and all(s.within_budget for s in free.steps)
    assert free.estimated_hours == pytest.approx(sum(s.cost.seconds for s in costed) / 3600, abs=1e-4)
    first = costed[0].cost.seconds
    budget = (first + costed[1].cost.seconds / 2) / 3600        # room for the first costed step only
    plan = build_plan(graph, "human-preferences", data=data, model=model, device="cpu", budget_hours=budget)
    by_id = _by_id(plan)
    assert by_id[costed[0].id].within_budget
    assert not by_id[costed[1].id].within_budget
    after = [s for s in plan.steps if s.order > by_id[costed[1].id].order and s.status != "manual"]
    assert after and not any(s.within_budget for s in after)
    assert all(s.within_budget for s in plan.steps if s.status == "manual")
    assert [s.id for s in plan.runnable_steps()] == [costed[0].id]


def test_gpu_is_faster_than_cpu(graph, tmp_path):
    model = str(model_dir(tmp_path))
    cpu = build_plan(graph, "basic-values", model=model, device="cpu")
    gpu = build_plan(graph, "basic-values", model=model, device="gpu")
    a, b = (next(s for s in p.steps if s.evaluator == "value-profile") for p in (cpu, gpu))
    assert a.cost.tokens == b.cost.tokens and a.cost.seconds > b.cost.seconds > 0


def test_hub_model_id_gives_no_seconds_and_says_why(graph):
    plan = build_plan(graph, "basic-values", model="someorg/some-model")
    step = next(s for s in plan.steps if s.evaluator == "value-profile")
    assert step.cost.seconds is None and "hub id" in step.cost.basis
    assert plan.estimated_hours is None


def test_aspect_filter_keeps_only_steps_measuring_it_or_narrower(graph, prefs):
    plan = build_plan(graph, "human-preferences", aspects=["social-bias"])
    assert plan.steps
    nodes = {s.node for s in plan.steps}
    assert {ID + "benchmark/bbq", ID + "benchmark/crows-pairs"} <= nodes
    assert ID + "benchmark/truthfulqa" not in nodes
    assert ID + "benchmark/winogender" in nodes                       # gender bias is under social bias
    for s in plan.steps:
        assert any(r.relation == "requested-aspect" for r in s.why)
    assert len(plan.steps) < len(prefs.steps)


def test_language_filter(graph):
    plan = build_plan(graph, "human-instructions", language="zh")
    kept = {s.node: s for s in plan.steps}
    assert ID + "benchmark/mgsm" in kept                              # multilingual
    assert ID + "benchmark/mmlu" not in kept                          # en
    for s in plan.steps:
        reason = next(r for r in s.why if r.relation == "language")
        assert reason.label == "zh" and reason.text
    unstated = [s for s in plan.steps if "no language" in next(r for r in s.why if r.relation == "language").text]
    assert unstated, "nodes without gg:language are kept and say so"


def test_every_step_cites_a_paper_of_the_graph(graph, basic, prefs):
    plan3 = build_plan(graph, "value-principles")
    plan1 = build_plan(graph, "human-instructions")
    for plan in (basic, prefs, plan3, plan1):
        bib = {b.iri for b in plan.bibliography}
        for step in plan.steps:
            assert step.citations, step.id
            for paper in step.citations:
                assert graph.query("ASK { ?p a gg:Paper }", p=paper).boolean, paper
                assert paper in bib
        cited = {p for s in plan.steps for p in s.citations} | {p for g in plan.coverage.gaps for p in g.citations}
        assert cited == bib
        assert len({b.key for b in plan.bibliography}) == len(plan.bibliography)


def test_reasons_come_from_graph_text(graph, prefs):
    step = prefs.step(ID + "benchmark/truthfulqa")
    limitations = graph.query("SELECT ?l WHERE { ?g gg:limitation ?l }", g=ID + "goal/human-preferences").column("l")
    texts = [r.text for r in step.why if r.relation == "level-limitation"]
    assert len(texts) == len(limitations) and all(any(lim in t for t in texts) for lim in limitations)
    aspect = next(r for r in step.why if r.relation == "measures-aspect")
    assert aspect.node == ID + "aspect/truthfulness" and graph.show("aspect/truthfulness").description in aspect.text
    impl = next(r for r in step.why if r.relation == "evaluator-implements")
    assert impl.node == ID + "paper/lin-2022-truthfulqa"
    assert step.data.license == "Apache-2.0"


@pytest.mark.parametrize("kwargs, message", [
    ({"goal": "truthfulqa"}, "not a goal"),
    ({"goal": "basic-values", "theory": "basic-values"}, "not a value theory"),
    ({"goal": "human-preferences", "aspects": ["dpo"]}, "not an aspect"),
    ({"goal": "human-preferences", "device": "tpu"}, "--device"),
    ({"goal": "human-preferences", "budget_hours": -1}, "--budget-hours"),
    ({"goal": "human-preferences", "data": {"truthfulqa": "/nonexistent/file.jsonl"}}, "no such file"),
    ({"goal": "human-preferences", "data": {"mmlu": "x.jsonl"}}, "no step"),
    ({"goal": "basic-values", "data": {"value-profile": "builtin:nothing"}}, "ships builtin:scenarios"),
])
def test_bad_requests_are_goalgraph_errors(graph, kwargs, message, tmp_path):
    if "mmlu" in kwargs.get("data", {}):
        (tmp_path / "x.jsonl").write_text("{}\n")
        kwargs = {**kwargs, "data": {"mmlu": str(tmp_path / "x.jsonl")}}
    with pytest.raises(GoalgraphError, match=message):
        build_plan(graph, **kwargs)


def test_unknown_goal_suggests(graph):
    with pytest.raises(UnknownNodeError) as err:
        build_plan(graph, "basic-valuez")
    assert "Basic values" in str(err.value)
