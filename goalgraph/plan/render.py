"""A plan as YAML, JSON or Markdown. All three come from the same `model_dump`, keys in model order, so the
same plan always gives the same bytes; YAML and JSON read back into an equal Plan (`goalgraph plan --check`)."""
from __future__ import annotations

import json

FORMATS = ("yaml", "json", "md")
SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".md": "md", ".markdown": "md"}


def _data(plan) -> dict:
    return plan.model_dump(mode="json")


def render_yaml(plan, fast: bool = True) -> str:
    """YAML through libyaml's emitter when PyYAML has it (about five times faster on a large plan), else the
    pure-Python one; both write the same bytes for a plan (a test compares them)."""
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper) if fast else yaml.SafeDumper
    return yaml.dump(_data(plan), Dumper=dumper, sort_keys=False, allow_unicode=True, width=110,
                     default_flow_style=False)


def render_json(plan) -> str:
    return json.dumps(_data(plan), indent=2, ensure_ascii=False) + "\n"


def _cell(text) -> str:
    return str("" if text is None else text).replace("|", "\\|").replace("\n", " ")


def _cost(step) -> str:
    c = step.cost
    parts = []
    if c.requests is not None:
        parts.append(f"{c.requests:,} req")
    if c.seconds is not None:
        parts.append(f"{c.seconds / 3600:.2f} h" if c.seconds >= 360 else f"{c.seconds:,.0f} s")
    return ", ".join(parts) or "?"


def render_markdown(plan) -> str:
    """Title, the request, the steps in order as a table, one section per step (why, citations, data, cost),
    coverage, and the bibliography; citations appear as [key]."""
    keys = {b.iri: b.key for b in plan.bibliography}

    def cites(iris) -> str:
        return " ".join(f"[{keys.get(i, i)}]" for i in iris)

    r, g = plan.request, plan.graph
    out = [f"# {plan.title}", ""]
    out += ["## Request", ""]
    out.append(f"- goal: {plan.goal.label} (`{plan.goal.iri}`)" + (f", level {plan.goal.level}" if plan.goal.level
                                                                   else "") + f" — as given: `{r.goal}`")
    if len(plan.goals) > 1:
        out.append("- sub-goals: " + ", ".join(x.label for x in plan.goals[1:]))
    if plan.theory:
        out.append(f"- theory: {plan.theory.label} (`{plan.theory.iri}`)")
    for name, value in (("aspects", ", ".join(r.aspects)), ("model", r.model), ("device", r.device),
                        ("budget", f"{r.budget_hours:g} h" if r.budget_hours is not None else None),
                        ("language", r.language),
                        ("data", ", ".join(f"{k}={v}" for k, v in r.data.items()))):
        if value:
            out.append(f"- {name}: {value}")
    out.append(f"- graph: {g.triples} triples, sha256 `{g.digest[:16]}…`, goalgraph {g.goalgraph}, "
               f"{len(g.components)} evaluators installed")
    if plan.estimated_hours is not None:
        out.append(f"- estimated time: {plan.estimated_hours:g} h")
    out += ["", "## Steps", "", "| # | step | measures | evaluator | status | cost | in budget |",
            "|---|---|---|---|---|---|---|"]
    for s in plan.steps:
        out.append(f"| {s.order} | `{s.id}` | {_cell(s.label)} | {_cell(s.evaluator or '—')} | {s.status} | "
                   f"{_cell(_cost(s))} | {'yes' if s.within_budget else 'no'} |")
    for s in plan.steps:
        out += ["", f"### {s.order}. {s.label} (`{s.id}`)", ""]
        out.append(f"`{s.node}` · {s.kind} · {s.status}" + (f" · evaluator `{s.evaluator}` {s.evaluator_version}"
                                                            if s.evaluator else ""))
        out += ["", "Why:", ""]
        for reason in s.why:
            tail = f" {cites(reason.citations)}" if reason.citations else ""
            out.append(f"- *{reason.relation}*: {reason.text or reason.label}{tail}")
        out += ["", f"Citations: {cites(s.citations)}", ""]
        d = s.data
        facts = []
        if d.sources:
            facts.append("sources " + ", ".join(f"`{x}`" for x in d.sources))
        if d.format:
            facts.append(f"format: {d.format}")
        if d.fields:
            facts.append("fields " + ", ".join(f"`{x}`" for x in d.fields))
        if d.items is not None:
            facts.append(f"{d.items:,} items")
        if d.license:
            facts.append(f"licence {d.license}")
        if d.note:
            facts.append(d.note)
        if facts:
            out.append("Data: " + "; ".join(facts) + ".")
        out.append(f"Cost: {_cost(s)} — {s.cost.basis}.")
    out += ["", "## Coverage", ""]
    runnable = ", ".join(f"`{x}`" for x in plan.coverage.runnable) or "nothing yet"
    out += [f"Runnable now: {runnable}.", ""]
    if plan.coverage.gaps:
        out += ["Gaps — what the literature says to measure that nothing installed can run:", "",
                "| node | kind | reason | citations |", "|---|---|---|---|"]
        for gap in plan.coverage.gaps:
            out.append(f"| {_cell(gap.label)} | {gap.kind} | {gap.reason} | {cites(gap.citations)} |")
    else:
        out.append("No gaps: everything the graph lists for this goal has an installed evaluator.")
    out += ["", "## Bibliography", ""]
    for b in plan.bibliography:
        who = ", ".join(b.authors) if b.authors else "unknown authors"
        where = ", ".join(str(x) for x in (b.venue, b.year, f"arXiv:{b.arxiv}" if b.arxiv else None) if x)
        link = f" <{b.url}>" if b.url else ""
        out.append(f"- [{b.key}] {who}. *{b.title}*." + (f" {where}." if where else "") + link)
    return "\n".join(out) + "\n"


def render(plan, fmt: str) -> str:
    if fmt == "yaml":
        return render_yaml(plan)
    if fmt == "json":
        return render_json(plan)
    if fmt == "md":
        return render_markdown(plan)
    from goalgraph.errors import GoalgraphError

    raise GoalgraphError(f"unknown plan format {fmt!r}; choose one of {', '.join(FORMATS)}")
