"""Which nodes a plan measures, and with which installed evaluators.

The literature's side: every benchmark, instrument, classifier and evaluation approach with `gg:evaluatesGoal`
into the goal set, and, for a theory, the instruments that operationalise it and the benchmarks and classifiers
based on it. The plugins' side: evaluators attached to those nodes, and evaluators attached directly to a goal
of the set or to the theory (those become steps of their own, measured "at" the goal or theory).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from goalgraph.graph.namespaces import GG, ID
from goalgraph.plan.facts import Facts, gg

KINDS = {"Benchmark": "benchmark", "Instrument": "instrument", "Classifier": "classifier",
         "EvaluationApproach": "approach"}
# The generic benchmark approach: its concrete benchmarks are the steps, so it is not one itself.
GENERIC_BENCHMARK = ID + "approach/benchmark"
HUMAN_EVALUATION = ID + "approach/human-evaluation"

_CANDIDATES = """
SELECT DISTINCT ?node ?class ?goal WHERE {
  VALUES ?class { gg:Benchmark gg:Instrument gg:Classifier gg:EvaluationApproach }
  ?node a ?class ; gg:evaluatesGoal ?goal .
}"""

_THEORY_NODES = """
SELECT DISTINCT ?node ?class ?rel WHERE {
  { ?node a gg:Instrument ; gg:operationalises ?theory . BIND(gg:Instrument AS ?class) BIND("operationalises" AS ?rel) }
  UNION
  { VALUES ?class { gg:Benchmark gg:Classifier gg:Instrument } ?node a ?class ; gg:basedOnTheory ?theory .
    BIND("based-on" AS ?rel) }
}"""


@dataclass
class Candidate:
    """One future step: a node and (at most) one evaluator for it."""

    node: str
    kind: str                                   # benchmark, instrument, classifier, approach, theory, goal
    evaluator: dict[str, Any] | None = None
    goals: list[str] = field(default_factory=list)
    theory_relation: str | None = None          # operationalises, based-on, attached (theory steps)
    several: bool = False                        # the node has more than one evaluator


def installed_evaluators(plugins: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Accepted evaluator components of loaded plugins that run on a model, sorted by id."""
    comps = [c for p in plugins if p.get("status") == "loaded" for c in p.get("components", [])
             if c.get("status") == "ok" and c.get("kind") == "evaluator" and c.get("model_kind") != "none"]
    return sorted(comps, key=lambda c: c["id"])


def _by_node(components: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for c in components:
        for iri in c.get("attaches_to", []):
            out.setdefault(iri, []).append(c)
    return out


def select(facts: Facts, goal_set: list[str], theory: str | None,
           components: list[dict[str, Any]]) -> list[Candidate]:
    """Candidates in no particular order (the builder orders steps)."""
    goals = set(goal_set)
    nodes: dict[str, dict[str, Any]] = {}
    for row in facts.graph.query(_CANDIDATES):
        if row["goal"] in goals and row["node"] != GENERIC_BENCHMARK:
            entry = nodes.setdefault(row["node"], {"kind": KINDS[row["class"][len(GG):]], "goals": set(),
                                                   "rel": None})
            entry["goals"].add(row["goal"])
    if theory:
        for row in facts.graph.query(_THEORY_NODES, theory=theory):
            entry = nodes.setdefault(row["node"], {"kind": KINDS[row["class"][len(GG):]], "goals": set(),
                                                   "rel": None})
            if entry["rel"] != "operationalises":
                entry["rel"] = row["rel"]

    attached = _by_node(components)
    out: list[Candidate] = []
    used: set[str] = set()
    for node in sorted(nodes):
        info = nodes[node]
        ordered_goals = [g for g in goal_set if g in info["goals"]]
        evaluators = attached.get(node, [])
        if not evaluators:
            out.append(Candidate(node, info["kind"], None, ordered_goals, info["rel"]))
        for comp in evaluators:
            used.add(comp["id"])
            out.append(Candidate(node, info["kind"], comp, ordered_goals, info["rel"], several=len(evaluators) > 1))

    # evaluators attached to a goal of the set or to the theory itself, and to no node above
    for comp in components:
        if comp["id"] in used:
            continue
        on_goals = [g for g in goal_set if g in comp.get("attaches_to", [])]
        on_theory = theory is not None and theory in comp.get("attaches_to", [])
        if on_theory:
            out.append(Candidate(theory, "theory", comp, on_goals, "attached"))
        elif on_goals:
            out.append(Candidate(on_goals[0], "goal", comp, on_goals, None))
    # a goal or theory with several such evaluators gets one step per evaluator, told apart by id
    counts: dict[str, int] = {}
    for c in out:
        if c.kind in ("theory", "goal"):
            counts[c.node] = counts.get(c.node, 0) + 1
    for c in out:
        if c.kind in ("theory", "goal") and counts[c.node] > 1:
            c.several = True
    return out


def is_manual(facts: Facts, cand: Candidate) -> bool:
    """Done by people: human evaluation itself, or a node whose only approach is human evaluation and which
    no installed evaluator runs."""
    if cand.node == HUMAN_EVALUATION:
        return True
    approaches = facts.values(cand.node, gg("approach"))
    return cand.evaluator is None and bool(approaches) and set(approaches) == {HUMAN_EVALUATION}
