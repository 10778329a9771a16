"""Why a step is in the plan: one reason per graph relation behind it, worded from the graph's own labels and
descriptions (goal levels, their limitations, aspects, theories, dimensions, the evaluator's paper).

Each reason carries the papers it rests on, so a reader can check it, and the step cites them.
"""
from __future__ import annotations

from goalgraph.plan.cite import goal_papers, short_ref
from goalgraph.plan.facts import IN_SCHEME, TITLE, Facts, gg


def reason(relation: str, node: str | None, label: str, text: str, citations: list[str] | None = None) -> dict:
    return {"relation": relation, "node": node, "label": label, "text": text, "citations": list(citations or [])}


def goal_reasons(facts: Facts, goals: list[str]) -> list[dict]:
    """evaluates-goal for each goal, then the limitations of each level reached (once per level)."""
    out, limits, levels_seen = [], [], []
    for goal in goals:
        level_node, level = facts.level_node(goal), facts.level(goal)
        papers = goal_papers(facts, goal)
        label = facts.label(goal)
        if level_node == goal:
            scheme = facts.one(goal, IN_SCHEME)
            where = f' of "{facts.label(scheme)}"' if scheme else ""
            text = f'Evaluates "{label}", level {level}{where}: {facts.first_sentence(goal)}'
        elif level_node:
            text = f'Evaluates "{label}", a sub-goal of "{facts.label(level_node)}" (level {level}): ' \
                   f'{facts.first_sentence(goal)}'
        else:
            text = f'Evaluates "{label}": {facts.first_sentence(goal)}'
        out.append(reason("evaluates-goal", goal, label, text, papers))
        if level_node and level_node not in levels_seen:
            levels_seen.append(level_node)
            for limitation in facts.values(level_node, gg("limitation")):
                limits.append(reason("level-limitation", level_node, facts.label(level_node),
                                      f'A limitation of "{facts.label(level_node)}" (level {level}) it can '
                                      f"expose: {limitation}", facts.papers_of(level_node)))
    return out + limits


def aspect_reasons(facts: Facts, aspects: list[str]) -> list[dict]:
    return [reason("measures-aspect", a, facts.label(a), f'Measures "{facts.label(a)}": {facts.description(a)}')
            for a in aspects]


def theory_reasons(facts: Facts, theory: str, relation: str, evaluator_title: str | None,
                   dimensions: list[str]) -> list[dict]:
    """operationalises-theory / based-on-theory, then measures-dimension over the theory's dimensions."""
    label, papers = facts.label(theory), facts.papers_of(theory)[:1]
    first = facts.first_sentence(theory)
    if relation == "operationalises":
        out = [reason("operationalises-theory", theory, label, f'Operationalises "{label}": {first}', papers)]
    elif relation == "attached":
        out = [reason("based-on-theory", theory, label,
                       f'The "{evaluator_title}" evaluator scores "{label}" directly: {first}', papers)]
    else:
        out = [reason("based-on-theory", theory, label, f'Based on "{label}": {first}', papers)]
    if dimensions:
        names = ", ".join(facts.label(d) for d in dimensions)
        out.append(reason("measures-dimension", theory, label,
                           f"Covers the {len(dimensions)} dimensions of the theory: {names}.", papers))
    return out


def implements_reason(facts: Facts, evaluator: dict, paper: str) -> dict:
    title = str(facts.one(paper, TITLE) or facts.label(paper))
    return reason("evaluator-implements", paper, title,
                   f'The "{evaluator.get("title") or evaluator["id"]}" evaluator follows the procedure of '
                   f'"{title}" ({short_ref(facts, paper)}).', [paper])


def aspect_filter_reason(facts: Facts, measured: str, requested: str) -> dict:
    if measured == requested:
        text = f'Kept by --aspect: it measures "{facts.label(requested)}".'
    else:
        text = f'Kept by --aspect: it measures "{facts.label(measured)}", which falls under ' \
               f'"{facts.label(requested)}".'
    return reason("requested-aspect", requested, facts.label(requested), text)


def language_reason(language: str, stated: list[str]) -> dict:
    if not stated:
        text = f"The graph records no language for it, so it is kept for --language {language}."
    elif any(s.lower() == language.lower() for s in stated):
        text = f"Its language is {language}, as --language asks."
    else:
        text = f"It is multilingual, so it covers --language {language}."
    return reason("language", None, language, text)
