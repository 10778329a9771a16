"""`DIR/provenance.ttl`: the run told in PROV-O, ML-Schema and DQV, linked to the graph nodes it measured.

    run (gg:EvaluationRun)  --gg:followsPlan-->  plan (gg:EvaluationPlan)
        |  --gg:evaluatedModel-->  model (gg:EvaluatedModel)  --gg:alignedWith-->  method node
        ^ gg:partOfRun
    step run (gg:StepRun)  --mls:executes-->  evaluator component node
        ^ prov:wasGeneratedBy
    measurement (gg:Measurement)  --mls:specifiedBy-->  metric (gg:Metric)
        --gg:measuredNode--> benchmark / instrument;  --gg:onGoal--> goals;  --gg:ofDimension--> value dimension

The file is written from `RunResults` alone, with every subject, predicate and object sorted, so the same
results always give the same bytes. Literals are escaped by hand (Turtle's short-string rules) rather than
through an RDF library, which keeps rdflib and pyoxigraph out of the run's critical path.
"""
from __future__ import annotations

import hashlib
import math
import re
from typing import Any

from goalgraph.graph.namespaces import ID, PREFIXES, node_iri

_PREFIXES = ("gg", "rdf", "rdfs", "xsd", "dcterms", "prov", "mls", "dqv")
_IRI_OK = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|\\^`]*$')
_SLUG_OK = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def safe_slug(text: str) -> str:
    """`text` when it already is a slug; otherwise a slug of it plus a short digest, so names differing only
    in punctuation (`acc_norm`, `acc-norm`) never share an IRI."""
    if _SLUG_OK.match(text):
        return text
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"
    return f"{base}-{hashlib.sha256(text.encode()).hexdigest()[:6]}"


def _iri(value: str) -> str:
    if not _IRI_OK.match(value):
        raise ValueError(f"not an IRI: {value!r}")
    for prefix in _PREFIXES:
        ns = PREFIXES[prefix]
        local = value[len(ns):]
        if value.startswith(ns) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", local or "-"):
            return f"{prefix}:{local}"
    return f"<{value}>"


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _string(text: str) -> str:
    out = []
    for ch in str(text):
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _typed(value: Any, datatype: str) -> str:
    return f"{_string(value)}^^xsd:{datatype}"


def _double(value: float) -> str:
    return _typed(repr(float(value)), "double")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


class _Triples:
    """Subject → predicate → set of objects (already written as Turtle terms)."""

    def __init__(self) -> None:
        self.data: dict[str, dict[str, set[str]]] = {}

    def add(self, s: str, p: str, o: str | None) -> None:
        if o is not None:
            self.data.setdefault(_iri(s), {}).setdefault(p, set()).add(o)

    def link(self, s: str, p: str, target: str | None) -> None:
        if target and _IRI_OK.match(target):
            self.add(s, p, _iri(target))

    def turtle(self) -> str:
        lines = [f"@prefix {p}: <{PREFIXES[p]}> ." for p in _PREFIXES]
        lines.append("")
        for s in sorted(self.data):
            preds = self.data[s]
            order = sorted(preds, key=lambda p: (p != "a", p))
            body = [f"    {p} {', '.join(sorted(preds[p]))}" for p in order]
            lines.append(s + "\n" + " ;\n".join(body) + " .\n")
        return "\n".join(lines)


def _method_iri(ref: str) -> str | None:
    if not ref:
        return None
    if ref.startswith(("http://", "https://")):
        return ref
    return ID + (ref if "/" in ref else f"method/{ref}")


def _component_iri(kind: str, component_id: str | None) -> str | None:
    return node_iri(kind, component_id) if component_id and _SLUG_OK.match(component_id) else None


def to_turtle(results: Any) -> str:
    """The Turtle text of a run's provenance (RunResults in, deterministic text out)."""
    t = _Triples()
    run, plan, model = results.run, results.plan, results.model
    model_label = model.name or model.path.rstrip("/").rsplit("/", 1)[-1] or model.path
    plan_iri = node_iri("plan", plan.sha256[:16])

    t.add(run.iri, "a", "gg:EvaluationRun")
    t.add(run.iri, "rdfs:label", _string(f"{plan.title} on {model_label} (run {run.id})"))
    t.add(run.iri, "gg:runId", _string(run.id))
    for target in (plan_iri, model.iri):
        t.link(run.iri, "prov:used", target)
    t.link(run.iri, "gg:followsPlan", plan_iri)
    t.link(run.iri, "gg:evaluatedModel", model.iri)
    t.link(run.iri, "mls:hasInput", model.iri)
    t.add(run.iri, "prov:startedAtTime", _typed(run.started, "dateTime"))
    if run.ended:
        t.add(run.iri, "prov:endedAtTime", _typed(run.ended, "dateTime"))
    t.add(run.iri, "gg:attempts", _typed(run.attempts, "integer"))
    t.add(run.iri, "gg:goalgraphVersion", _string(run.goalgraph))
    if run.device:
        t.add(run.iri, "gg:device", _string(run.device))

    t.add(plan_iri, "a", "gg:EvaluationPlan")
    t.add(plan_iri, "rdfs:label", _string(plan.title))
    t.add(plan_iri, "gg:sha256", _string(plan.sha256))
    t.link(plan_iri, "gg:planGoal", (plan.goal or {}).get("iri"))

    t.add(model.iri, "a", "gg:EvaluatedModel")
    t.add(model.iri, "rdfs:label", _string(model_label))
    t.add(model.iri, "gg:fingerprint", _string(model.fingerprint))
    t.add(model.iri, "gg:modelPath", _string(model.path))
    params = (model.describe or {}).get("parameters")
    if isinstance(params, int) and not isinstance(params, bool):
        t.add(model.iri, "gg:parameters", _typed(params, "integer"))
    record = model.alignment or {}
    t.link(model.iri, "gg:alignedWith", _method_iri(str(record.get("method") or "")))
    t.link(model.iri, "gg:alignedBy", _component_iri("aligner", record.get("aligner")))

    for step in results.steps:
        if step.state in ("done", "failed"):
            _step(t, results, step, model_label)
    return t.turtle()


def _step(t: _Triples, results: Any, step: Any, model_label: str) -> None:
    run, model = results.run, results.model
    step_slug = safe_slug(step.id)
    sr = node_iri("step-run", f"{run.id}-{step_slug}")
    evaluator_iri = getattr(step, "evaluator_iri", None) or _component_iri("evaluator", step.evaluator)
    t.add(sr, "a", "gg:StepRun")
    t.add(sr, "rdfs:label", _string(f"{step.label} ({step.id}) in run {run.id}"))
    t.link(sr, "gg:partOfRun", run.iri)
    t.link(sr, "prov:used", model.iri)
    t.link(sr, "mls:hasInput", model.iri)
    t.link(sr, "mls:executes", evaluator_iri)
    if step.evaluator_version:
        t.add(sr, "gg:evaluatorVersion", _string(step.evaluator_version))
    t.link(sr, "gg:measuredNode", step.node)
    for goal in step.goals:
        t.link(sr, "gg:onGoal", goal)
    for level in step.levels:
        t.add(sr, "gg:goalLevel", _typed(int(level), "integer"))
    for paper in step.citations:
        t.link(sr, "dcterms:references", paper)
    t.add(sr, "gg:stepState", _string(step.state))
    if step.error:
        t.add(sr, "gg:stepError", _string(step.error))
    if step.spec_sha256:
        t.add(sr, "gg:specSha256", _string(step.spec_sha256))
    if step.seconds is not None:
        t.add(sr, "gg:seconds", _double(step.seconds))
    if getattr(step, "ended", None):
        t.add(sr, "prov:endedAtTime", _typed(step.ended, "dateTime"))
    if step.state != "done":
        return
    dimension_of = {row.get("metric"): row.get("node") for row in ((step.values or {}).get("dimensions") or [])
                    if isinstance(row, dict)}
    directions = getattr(step, "metric_directions", None) or {}
    for name in sorted(step.metrics):
        value = _number(step.metrics[name])
        if value is None:
            continue
        metric = node_iri("metric", f"{safe_slug(step.evaluator or 'evaluator')}-{safe_slug(name)}")
        t.add(metric, "a", "gg:Metric")
        t.add(metric, "rdfs:label", _string(f"{name} ({step.evaluator})"))
        t.add(metric, "gg:metricName", _string(name))
        t.link(metric, "gg:metricOf", evaluator_iri)
        direction = directions.get(name)
        if isinstance(direction, bool):
            t.add(metric, "gg:higherIsBetter", _typed("true" if direction else "false", "boolean"))

        m = node_iri("measurement", f"{run.id}-{step_slug}-{safe_slug(name)}")
        t.add(m, "a", "gg:Measurement")
        t.add(m, "rdfs:label", _string(f"{name} of {model_label} on {step.label}"))
        t.add(m, "mls:hasValue", _double(value))
        t.add(m, "dqv:value", _double(value))
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
