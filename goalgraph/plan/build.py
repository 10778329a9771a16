"""graph + request -> Plan: what to measure for a goal, with what, why, and according to which papers.

`build_plan` resolves the request, asks `select` for the nodes and evaluators, and turns each candidate into a
step: reasons (`why`), citations (`cite`), data and status (`data`), cost (`cost`). Steps are then ordered
(runnable, needs-data, needs-plugin, manual; cheaper first; then by node), numbered, checked against the budget,
and summarised as coverage. Nothing reads a clock or draws a random number, and every list is sorted, so the
same graph and request give the same plan.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from goalgraph.errors import GoalgraphError, UnknownNodeError
from goalgraph.plan import cite, why
from goalgraph.plan.cost import estimate, mark_budget, model_info
from goalgraph.plan.data import (check_source, count_items, graph_count, license_of, parse_pairs,
                                 resolve_bindings)
from goalgraph.plan.facts import Facts, gg, graph_digest
from goalgraph.plan.select import Candidate, installed_evaluators, is_manual, select

DEVICES = ("cpu", "gpu")
_PLACEHOLDER = {"reward-model": "REWARD_MODEL_DIR", "causal-lm": "CAUSAL_LM_DIR"}
_KIND_WORDS = {"reward-model": "a reward model (a sequence classifier)", "causal-lm": "a causal language model"}


def _resolve(facts: Facts, ref: str, cls: str, what: str, option: str) -> str:
    try:
        iri = facts.graph.resolve(ref)
    except UnknownNodeError as exc:
        raise UnknownNodeError(f"{option} {ref}: {exc}", exc.suggestions) from None
    if not facts.is_a(iri, cls):
        kinds = ", ".join("gg:" + t.rsplit("#", 1)[-1] for t in facts.types(iri)) or "untyped"
        hint = ""
        if cls == "AlignmentGoal":
            goals = facts.values(iri, gg("evaluatesGoal"))
            if goals:
                hint = "; it evaluates " + ", ".join(f"{facts.label(g)} ({facts.slug(g)})" for g in goals)
        raise GoalgraphError(f"{option} {ref}: {facts.label(iri)} is of type {kinds}, not {what}{hint}")
    return iri


def _dimension_order(facts: Facts, theory: str) -> list[str]:
    """A theory's dimensions around its circle first (gg:circumplexIndex), then the rest by label."""
    def key(d: str) -> tuple:
        index = facts.one(d, gg("circumplexIndex"))
        return (not isinstance(index, int), index if isinstance(index, int) else 0, facts.label(d), d)

    return sorted(facts.values(theory, gg("hasDimension")), key=key)


def _components(graph, plugins: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Installed evaluators: from `plugins`, the graph's plugin records, or the snapshot. A snapshot written
    before manifests carried `data` is refreshed once, so plans never see half a manifest."""
    if plugins is None:
        plugins = graph.plugins
        if not plugins:
            from goalgraph.registry.snapshot import current_plugins

            plugins = current_plugins()
        comps = installed_evaluators(plugins)
        if any("data" not in c for c in comps):
            from goalgraph.registry.snapshot import refresh

            plugins = refresh(graph).to_dicts()
    return installed_evaluators(plugins)


def _evaluator_paper(facts: Facts, comp: dict[str, Any] | None) -> str | None:
    if not comp:
        return None
    ref = comp.get("implements_iri") or comp.get("implements")
    if not ref:
        return None
    try:
        iri = facts.graph.resolve(ref)
    except UnknownNodeError:
        return None
    return iri if facts.is_paper(iri) else None


class _Builder:
    def __init__(self, graph, goal, theory, aspects, model, device, budget_hours, language, data, plugins):
        self.facts = facts = Facts(graph)
        if device is not None and device not in DEVICES:
            raise GoalgraphError(f"--device {device}: choose cpu or gpu")
        if budget_hours is not None and not budget_hours > 0:
            raise GoalgraphError(f"--budget-hours {budget_hours:g}: give a positive number of hours")
        self.request = {"goal": goal, "theory": theory, "aspects": list(aspects), "model": model, "device": device,
                        "budget_hours": budget_hours, "language": language}
        self.goal = _resolve(facts, goal, "AlignmentGoal", "a goal (gg:AlignmentGoal)", "--goal")
        self.theory = _resolve(facts, theory, "ValueTheory", "a value theory (gg:ValueTheory)", "--theory") \
            if theory else None
        self.aspects = sorted({_resolve(facts, a, "Aspect", "an aspect (gg:Aspect)", "--aspect") for a in aspects})
        self.language = language.strip() if language else None
        self.budget_hours, self.device = budget_hours, device
        self.goal_set = [self.goal, *facts.sub_goals(self.goal)]
        self.components = _components(graph, plugins)
        pairs = parse_pairs(data) if isinstance(data, (list, tuple)) else dict(data or {})
        self.request["data"] = {k: v if isinstance(v, str) else ", ".join(v) for k, v in sorted(pairs.items())}
        self.bindings = resolve_bindings(facts, pairs, {c["id"] for c in self.components})
        self.model = model_info(model)
        self.dimensions = _dimension_order(facts, self.theory) if self.theory else []

    # -- one step ------------------------------------------------------------------------------
    def step(self, cand: Candidate) -> dict[str, Any] | None:
        f = self.facts
        aspects = list(f.values(cand.node, gg("measures")))
        reasons_extra: list[dict] = []
        if self.aspects:
            matched = [(a, f.narrower_or_same(a, set(self.aspects))) for a in aspects]
            matched = [(a, r) for a, r in matched if r]
            if not matched:
                return None
            reasons_extra += [why.aspect_filter_reason(f, a, r) for a, r in matched]
        if self.language:
            stated = [str(x) for x in f.values(cand.node, gg("language"))]
            wanted = self.language.lower()
            if stated and not any(s.lower() in (wanted, "multilingual") for s in stated):
                return None
            reasons_extra.append(why.language_reason(self.language, stated))

        comp = cand.evaluator
        paper = _evaluator_paper(f, comp)
        reasons = why.goal_reasons(f, cand.goals) + why.aspect_reasons(f, aspects)
        theory_dims: list[str] = []
        if self.theory and (cand.theory_relation or cand.node == self.theory):
            theory_dims = self.dimensions
            reasons += why.theory_reasons(f, self.theory, cand.theory_relation or "based-on",
                                          comp.get("title") if comp else None, theory_dims)
        if cand.kind == "goal" and comp:
            for t in comp.get("attaches_to", []):
                if f.is_a(t, "ValueTheory") and t != self.theory:
                    reasons += why.theory_reasons(f, t, "attached", comp.get("title"), [])
        if comp and paper:
            reasons.append(why.implements_reason(f, comp, paper))
        reasons += reasons_extra
        if not reasons:
            reasons.append(why.reason("evaluates-goal", self.goal, f.label(self.goal),
                                       f'Selected for "{f.label(self.goal)}".'))
        citations = cite.step_citations(f, cand.node, paper, [p for r in reasons for p in r["citations"]])
        levels = sorted({lv for g in cand.goals if (lv := f.level(g)) is not None})
        status, data, cost = self.status_data_cost(cand)
        return {
            "node": cand.node, "label": f.label(cand.node), "kind": cand.kind,
            "evaluator": comp["id"] if comp else None, "evaluator_version": comp.get("version") if comp else None,
            "status": status, "goals": cand.goals, "levels": levels, "aspects": aspects,
            "dimensions": theory_dims, "why": reasons, "citations": citations, "data": data, "cost": cost,
            "_slug": f.slug(cand.node), "_several": cand.several,
        }

    def status_data_cost(self, cand: Candidate) -> tuple[str, dict, dict]:
        f, comp = self.facts, cand.evaluator
        count, what = graph_count(f, cand.node)
        data: dict[str, Any] = {"license": license_of(f, cand.node), "items": count}
        counted = f"the graph counts {count} {what}" if count is not None else "the graph gives no item count"
        if is_manual(f, cand):
            data["note"] = "done by people: raters read and compare the model's outputs"
            return "manual", data, {"basis": "human raters' time, not the machine's"}
        if comp is None:
            data["note"] = ("no installed evaluator reads this; install or write one (`goalgraph plugins new`) "
                            "that attaches to " + f.slug(cand.node))
            return "needs-plugin", data, {"basis": f"{counted}; no evaluator, so no requests to count"}
        spec = comp.get("data") or {}
        bundled = list(spec.get("bundled") or [])
        data["format"] = spec.get("format", "")
        data["fields"] = list(spec.get("fields") or [])
        ref = comp["id"] if cand.several else f.slug(cand.node)
        sources = self.bindings.sources(cand.node, comp["id"])
        kinds = [check_source(s, self.bindings.keys.get(comp["id"]) or self.bindings.keys.get(cand.node, ref),
                              bundled) for s in sources]
        notes: list[str] = []
        items, items_basis = count, counted
        if not sources and bundled:
            sources, kinds = bundled[:1], ["builtin"]
            notes.append(f"uses the plugin's bundled {bundled[0]}; bind your own with --data {ref}=FILE")
        if sources and all(k == "file" for k in kinds):
            counts = [count_items(Path(s)) for s in sources]
            if all(c is not None for c in counts):
                items = sum(counts)
                items_basis = f"{items} items counted in {', '.join(sources)}"
        elif kinds == ["builtin"] and spec.get("bundled_items") is not None:
            items = spec["bundled_items"]
            items_basis = f"{items} items in {sources[0]}"
        elif "hub" in kinds:
            notes.append("a hub dataset is read when the step runs (network needed)")
        data["sources"] = list(sources)
        if items is not None:
            data["items"] = items
        needs_model = bool(comp.get("needs")) or comp.get("model_kind") == "reward-model"
        want = comp.get("model_kind") or "causal-lm"
        if needs_model and want != self.model.kind:
            status = "needs-data"
            notes.append(f"it runs on {_KIND_WORDS[want]}, and this plan's model is {_KIND_WORDS[self.model.kind]}; "
                         f"run it on its own (`goalgraph eval {comp['id']} --model {_PLACEHOLDER[want]}`)")
        elif not sources:
            status = "needs-data"
            notes.append(f"supply the items with --data {ref}=FILE")
        elif len(sources) < int(spec.get("min_files") or 1):
            status = "needs-data"
            notes.append(f"needs at least {spec['min_files']} data files: give --data {ref}=FILE once per file")
        else:
            status = "runnable"
        data["note"] = "; ".join(notes)
        cost = estimate(items, items_basis, spec, self.model, self.device, needs_model)
        return status, data, cost

    # -- the whole plan ------------------------------------------------------------------------
    def build(self):
        from goalgraph import __version__
        from goalgraph.plan.model import STATUS_ORDER, Plan

        f = self.facts
        raw = [s for c in select(f, self.goal_set, self.theory, self.components) if (s := self.step(c))]
        unused = self.bindings.unused()
        if unused:
            raise GoalgraphError(f"--data {unused[0]}: no step of this plan measures it (bind the node or "
                                 "evaluator of a step)")

        def cost_key(s: dict) -> tuple:
            c = s["cost"]
            value = next((c[k] for k in ("seconds", "tokens", "requests") if c.get(k) is not None), None)
            return (STATUS_ORDER[s["status"]], value is None, value or 0, s["node"], s["evaluator"] or "")

        raw.sort(key=cost_key)
        used_ids: set[str] = set()
        for i, s in enumerate(raw, 1):
            base = f"{s['kind']}-{s.pop('_slug')}" + (f"-{s['evaluator']}" if s.pop("_several") else "")
            sid, n = base, 2
            while sid in used_ids:
                sid, n = f"{base}-{n}", n + 1
            used_ids.add(sid)
            s.update(id=sid, order=i)
        plan_steps = [dict(s) for s in raw]
        draft = Plan.model_validate({
            "title": self.title(), "goal": self.node_ref(self.goal),
            "goals": [self.node_ref(g) for g in self.goal_set],
            "theory": self.node_ref(self.theory) if self.theory else None,
            "request": self.request, "graph": self.graph_info(__version__), "steps": plan_steps,
            "coverage": {}, "bibliography": [],
        })
        draft.estimated_hours = mark_budget(draft.steps, self.budget_hours)
        draft.coverage = self.coverage(draft.steps)
        papers = {p for s in draft.steps for p in s.citations} | {p for g in draft.coverage.gaps for p in g.citations}
        entries = sorted((cite.bib_entry(f, p) for p in papers), key=lambda e: (e["key"], e["iri"]))
        return Plan.model_validate({**draft.model_dump(), "bibliography": entries})

    def coverage(self, steps):
        from goalgraph.plan.model import Coverage, CoverageGap

        f = self.facts
        gaps = [CoverageGap(node=s.node, label=s.label, kind=s.kind, reason=s.status, citations=s.citations)
                for s in steps if s.status in ("needs-plugin", "manual")]
        if self.theory:
            measured = {d for s in steps if s.evaluator for d in s.dimensions}
            promised = {d for s in steps if s.status == "needs-plugin" for d in s.dimensions}
            theory_papers = f.papers_of(self.theory)
            for d in self.dimensions:
                if d not in measured:
                    gaps.append(CoverageGap(node=d, label=f.label(d), kind="dimension",
                                            reason="needs-plugin" if d in promised else "no-resource",
                                            citations=cite.fallback_citations(f, d, theory_papers)))
        return Coverage(runnable=[s.id for s in steps if s.status == "runnable"], gaps=gaps)

    def title(self) -> str:
        f = self.facts
        under = f" under {f.label(self.theory)}" if self.theory else ""
        return f"Evaluation plan: {f.label(self.goal)}{under}"

    def node_ref(self, iri: str) -> dict:
        level = self.facts.level(iri) if self.facts.is_a(iri, "AlignmentGoal") else None
        return {"iri": iri, "label": self.facts.label(iri), "level": level}

    def graph_info(self, version: str) -> dict:
        digest, triples = graph_digest(self.facts.store)
        comps = sorted(f"{c['id']}@{c.get('version', '')}" for c in self.components)
        return {"digest": digest, "triples": triples, "goalgraph": version, "components": comps}


def build_plan(graph, goal: str, theory: str | None = None, aspects: Sequence[str] = (), model: str | None = None,
               device: str | None = None, budget_hours: float | None = None, language: str | None = None,
               data: Mapping[str, str | Sequence[str]] | Sequence[str] | None = None, *,
               plugins: list[dict[str, Any]] | None = None):
    """The evaluation plan for `goal` (a slug, label or IRI) in `graph` (a loaded GoalGraph).

    `data` maps node references or evaluator ids to sources (or is a list of `NODE=PATH` strings);
    `plugins` replaces the installed plugin records (tests use it). Bad input raises GoalgraphError."""
    return _Builder(graph, goal, theory, aspects, model, device, budget_hours, language, data, plugins).build()
