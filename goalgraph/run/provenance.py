"""`DIR/provenance.ttl`: the run told in PROV-O, ML-Schema and DQV, linked to the graph nodes it measured.

    run (gg:EvaluationRun)  --gg:followsPlan-->  plan (gg:EvaluationPlan)
        |  --gg:evaluatedModel-->  model (gg:EvaluatedModel)  --gg:alignedWith-->  method node
        ^ gg:partOfRun
    step run (gg:StepRun)  --mls:executes-->  evaluator component node
        ^ prov:wasGeneratedBy
    measurement (gg:Measurement)  --mls:specifiedBy-->  metric (gg:Metric)
        --gg:measuredNode--> benchmark / instrument;  --gg:onGoal--> goals;  --gg:ofDimension--> value dimension

The file is written from `RunResults` alone, with every subject, predicate and object sorted, so the same
results always give the same bytes. The Turtle is written by hand (`goalgraph/util/turtle_writer.py`) rather
than through an RDF library, which keeps rdflib and pyoxigraph out of the run's critical path.
"""
from __future__ import annotations

from typing import Any

from goalgraph.graph.namespaces import node_iri
from goalgraph.util.turtle_writer import (Triples, component_iri, double_literal, finite_number, method_node_iri,
                                          safe_slug, string_literal, typed_literal)


def to_turtle(results: Any) -> str:
    """The Turtle text of a run's provenance (RunResults in, deterministic text out)."""
    t = Triples()
    run, plan, model = results.run, results.plan, results.model
    model_label = model.name or model.path.rstrip("/").rsplit("/", 1)[-1] or model.path
    plan_iri = node_iri("plan", plan.sha256[:16])

    t.add(run.iri, "a", "gg:EvaluationRun")
    t.add(run.iri, "rdfs:label", string_literal(f"{plan.title} on {model_label} (run {run.id})"))
    t.add(run.iri, "gg:runId", string_literal(run.id))
    for target in (plan_iri, model.iri):
        t.link(run.iri, "prov:used", target)
    t.link(run.iri, "gg:followsPlan", plan_iri)
    t.link(run.iri, "gg:evaluatedModel", model.iri)
    t.link(run.iri, "mls:hasInput", model.iri)
    t.add(run.iri, "prov:startedAtTime", typed_literal(run.started, "dateTime"))
    if run.ended:
        t.add(run.iri, "prov:endedAtTime", typed_literal(run.ended, "dateTime"))
    t.add(run.iri, "gg:attempts", typed_literal(run.attempts, "integer"))
    t.add(run.iri, "gg:goalgraphVersion", string_literal(run.goalgraph))
    if run.device:
        t.add(run.iri, "gg:device", string_literal(run.device))

    t.add(plan_iri, "a", "gg:EvaluationPlan")
    t.add(plan_iri, "rdfs:label", string_literal(plan.title))
    t.add(plan_iri, "gg:sha256", string_literal(plan.sha256))
    t.link(plan_iri, "gg:planGoal", (plan.goal or {}).get("iri"))

    t.add(model.iri, "a", "gg:EvaluatedModel")
    t.add(model.iri, "rdfs:label", string_literal(model_label))
    t.add(model.iri, "gg:fingerprint", string_literal(model.fingerprint))
    t.add(model.iri, "gg:modelPath", string_literal(model.path))
    params = (model.describe or {}).get("parameters")
    if isinstance(params, int) and not isinstance(params, bool):
        t.add(model.iri, "gg:parameters", typed_literal(params, "integer"))
    record = model.alignment or {}
    t.link(model.iri, "gg:alignedWith", method_node_iri(str(record.get("method") or "")))
    t.link(model.iri, "gg:alignedBy", component_iri("aligner", record.get("aligner")))

    for step in results.steps:
        if step.state in ("done", "failed"):
            _step(t, results, step, model_label)
    return t.turtle()


def _step(t: Triples, results: Any, step: Any, model_label: str) -> None:
    run, model = results.run, results.model
    step_slug = safe_slug(step.id)
    sr = node_iri("step-run", f"{run.id}-{step_slug}")
    evaluator_iri = getattr(step, "evaluator_iri", None) or component_iri("evaluator", step.evaluator)
    t.add(sr, "a", "gg:StepRun")
    t.add(sr, "rdfs:label", string_literal(f"{step.label} ({step.id}) in run {run.id}"))
    t.link(sr, "gg:partOfRun", run.iri)
    t.link(sr, "prov:used", model.iri)
    t.link(sr, "mls:hasInput", model.iri)
    t.link(sr, "mls:executes", evaluator_iri)
    if step.evaluator_version:
        t.add(sr, "gg:evaluatorVersion", string_literal(step.evaluator_version))
    t.link(sr, "gg:measuredNode", step.node)
    for goal in step.goals:
        t.link(sr, "gg:onGoal", goal)
    for level in step.levels:
        t.add(sr, "gg:goalLevel", typed_literal(int(level), "integer"))
    for paper in step.citations:
        t.link(sr, "dcterms:references", paper)
    t.add(sr, "gg:stepState", string_literal(step.state))
    if step.error:
        t.add(sr, "gg:stepError", string_literal(step.error))
    if step.spec_sha256:
        t.add(sr, "gg:specSha256", string_literal(step.spec_sha256))
    if step.seconds is not None:
        t.add(sr, "gg:seconds", double_literal(step.seconds))
    if getattr(step, "ended", None):
        t.add(sr, "prov:endedAtTime", typed_literal(step.ended, "dateTime"))
    if step.state != "done":
        return
    dimension_of = {row.get("metric"): row.get("node") for row in ((step.values or {}).get("dimensions") or [])
                    if isinstance(row, dict)}
    directions = getattr(step, "metric_directions", None) or {}
    for name in sorted(step.metrics):
        value = finite_number(step.metrics[name])
        if value is None:
            continue
        metric = node_iri("metric", f"{safe_slug(step.evaluator or 'evaluator')}-{safe_slug(name)}")
        t.add(metric, "a", "gg:Metric")
        t.add(metric, "rdfs:label", string_literal(f"{name} ({step.evaluator})"))
        t.add(metric, "gg:metricName", string_literal(name))
        t.link(metric, "gg:metricOf", evaluator_iri)
        direction = directions.get(name)
        if isinstance(direction, bool):
            t.add(metric, "gg:higherIsBetter", typed_literal("true" if direction else "false", "boolean"))

        m = node_iri("measurement", f"{run.id}-{step_slug}-{safe_slug(name)}")
        t.add(m, "a", "gg:Measurement")
        t.add(m, "rdfs:label", string_literal(f"{name} of {model_label} on {step.label}"))
        t.add(m, "mls:hasValue", double_literal(value))
        t.add(m, "dqv:value", double_literal(value))
        t.link(m, "mls:specifiedBy", metric)
        t.link(m, "dqv:isMeasurementOf", metric)
        t.link(m, "prov:wasGeneratedBy", sr)
        t.link(sr, "mls:hasOutput", m)
        t.link(m, "dqv:computedOn", model.iri)
        t.link(m, "gg:measuredNode", step.node)
        for goal in step.goals:
            t.link(m, "gg:onGoal", goal)
        t.link(m, "gg:ofDimension", dimension_of.get(name))


__all__ = ["to_turtle", "safe_slug"]
