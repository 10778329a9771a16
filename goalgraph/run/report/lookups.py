"""What a report asks of the graph: goal-level names, node labels and paper titles. Queried in batches with
VALUES so a report costs a few SPARQL calls, and never a fuzzy lookup: an IRI a run names that the graph
does not know stays an IRI instead of turning into a guess."""
from __future__ import annotations

import re
from typing import Iterable

FOUR_LEVEL = "https://w3id.org/goalgraph/id/taxonomy/four-level"
_SAFE_IRI = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")

_LEVELS_QUERY = """
SELECT ?goal ?level ?label WHERE {
  ?goal gg:level ?level ; skos:inScheme <%s> ; rdfs:label ?label .
} ORDER BY ?level ?goal""" % FOUR_LEVEL


def level_names(graph) -> dict[int, str]:
    """Goal level number -> the label of its goal in the survey's four-level taxonomy."""
    names: dict[int, str] = {}
    for row in graph.query(_LEVELS_QUERY):
        try:
            level = int(row["level"])
        except (TypeError, ValueError):
            continue
        names.setdefault(level, str(row["label"]))
    return names


def _values_clause(iris: Iterable[str]) -> str | None:
    safe = sorted({i for i in iris if isinstance(i, str) and _SAFE_IRI.match(i)})
    return " ".join(f"<{i}>" for i in safe) if safe else None


def labels(graph, iris: Iterable[str]) -> dict[str, str]:
    """IRI -> rdfs:label for the IRIs the graph knows (others are left out)."""
    clause = _values_clause(iris)
    if clause is None:
        return {}
    out: dict[str, str] = {}
    for row in graph.query(f"SELECT ?n ?l WHERE {{ VALUES ?n {{ {clause} }} ?n rdfs:label ?l }} ORDER BY ?n ?l"):
        out.setdefault(row["n"], str(row["l"]))
    return out


def papers(graph, iris: Iterable[str]) -> dict[str, dict[str, object]]:
    """Paper IRI -> {"title", "year"} for the papers the graph knows (title from dcterms:title, else the label)."""
    clause = _values_clause(iris)
    if clause is None:
        return {}
    query = f"""SELECT ?p ?t ?l ?y WHERE {{ VALUES ?p {{ {clause} }}
      OPTIONAL {{ ?p dcterms:title ?t }} OPTIONAL {{ ?p rdfs:label ?l }} OPTIONAL {{ ?p gg:year ?y }}
      FILTER(BOUND(?t) || BOUND(?l)) }} ORDER BY ?p ?t ?l"""
    out: dict[str, dict[str, object]] = {}
    for row in graph.query(query):
        if row["p"] in out:
            continue
        year = row.get("y")
        try:
            year = int(year) if year is not None else None
        except (TypeError, ValueError):
            year = None
        out[row["p"]] = {"title": str(row.get("t") or row.get("l")), "year": year}
    return out
