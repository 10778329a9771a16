"""Citations and the bibliography: which papers a step rests on, and each paper as a BibEntry.

A step cites the papers that introduced or studied its node, the paper its evaluator implements, and the papers
its reasons rest on (the survey behind a goal level, the paper behind a theory). A node with no paper of its own
falls back to the survey its facts came from (its `gg:seed`); the goals survey is the last resort.
"""
from __future__ import annotations

from typing import Iterable

from goalgraph.errors import GoalgraphError
from goalgraph.plan.facts import CREATOR, GOALS_SURVEY, TITLE, Facts, gg


def _add(out: list[str], papers: Iterable[str]) -> None:
    for p in papers:
        if p not in out:
            out.append(p)


def goal_papers(facts: Facts, goal: str) -> list[str]:
    """The goal's own papers, else those of its level (the survey that defined the level)."""
    own = facts.papers_of(goal)
    if own:
        return own
    level = facts.level_node(goal)
    return facts.papers_of(level) if level and level != goal else []


def step_citations(facts: Facts, node: str, evaluator_paper: str | None, reason_papers: Iterable[str]) -> list[str]:
    out: list[str] = []
    node_papers = facts.papers_of(node)
    _add(out, node_papers)
    if evaluator_paper:
        _add(out, [evaluator_paper])
    _add(out, reason_papers)
    if not node_papers:
        _add(out, facts.seed_papers(node))
    if not out and facts.is_paper(GOALS_SURVEY):
        out.append(GOALS_SURVEY)
    if not out:
        raise GoalgraphError(f"cannot cite {facts.label(node)}: neither it nor its goals, theory or seed "
                             "documents point at a gg:Paper in this graph")
    return out


def fallback_citations(facts: Facts, node: str, extra: Iterable[str] = ()) -> list[str]:
    """For coverage gaps: the node's papers, the extra ones given, else its seed surveys, else the goals survey."""
    out: list[str] = []
    _add(out, facts.papers_of(node))
    _add(out, extra)
    if not out:
        _add(out, facts.seed_papers(node))
    if not out and facts.is_paper(GOALS_SURVEY):
        out.append(GOALS_SURVEY)
    return out


def authors(facts: Facts, paper: str) -> list[str]:
    listed = facts.one(paper, gg("authorList"))
    if isinstance(listed, str) and listed.strip():
        return [a.strip() for a in listed.split("; ") if a.strip()]
    return [str(a) for a in facts.values(paper, CREATOR)]


def bib_key(facts: Facts, paper: str) -> str:
    """The paper's slug: already `author-year-word`, unique, and stable across runs."""
    return facts.slug(paper)


def bib_entry(facts: Facts, paper: str) -> dict:
    arxiv = facts.one(paper, gg("arxivId"))
    links = [str(v) for v in facts.values(paper, gg("availableLink")) if str(v).startswith(("http://", "https://"))]
    url = links[0] if links else (f"https://arxiv.org/abs/{arxiv}" if arxiv else None)
    year = facts.one(paper, gg("year"))
    venue = facts.one(paper, gg("venue"))
    return {
        "iri": paper, "key": bib_key(facts, paper),
        "title": str(facts.one(paper, TITLE) or facts.label(paper)),
        "authors": authors(facts, paper),
        "year": year if isinstance(year, int) else None,
        "venue": str(venue) if venue else None,
        "arxiv": str(arxiv) if arxiv else None,
        "url": url,
    }


def short_ref(facts: Facts, paper: str) -> str:
    """`Lin et al., 2022`: for sentences."""
    given = facts.one(paper, gg("authorsAsGiven"))
    names = authors(facts, paper)
    who = str(given) if given else (f"{names[0]} et al." if len(names) > 2 else " and ".join(names))
    year = facts.one(paper, gg("year"))
    return ", ".join(x for x in (who, str(year) if year else "") if x)
