"""Reading the graph for a plan: node properties, labels, goal levels and the graph's digest.

Everything a plan says comes through here, and every list comes back sorted, so the plan does not depend on
the order pyoxigraph happens to return triples in.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache

import pyoxigraph as ox

from goalgraph.graph.namespaces import GG, ID, PREFIXES, split_node_iri

RDF_TYPE = PREFIXES["rdf"] + "type"
LABEL = PREFIXES["rdfs"] + "label"
DESCRIPTION = PREFIXES["dcterms"] + "description"
TITLE = PREFIXES["dcterms"] + "title"
CREATOR = PREFIXES["dcterms"] + "creator"
LICENSE = PREFIXES["dcterms"] + "license"
BROADER = PREFIXES["skos"] + "broader"
IN_SCHEME = PREFIXES["skos"] + "inScheme"

# The survey each seed document is (or belongs to): where a node with no paper of its own came from.
SEED_SURVEYS = {
    "000": ID + "paper/yao-2023-instructions",
    "001": ID + "paper/yao-2024-instructions",
    "002": ID + "paper/yao-2024-instructions",
    "003": ID + "paper/wang-2024-essence",
    "004": ID + "paper/yao-2024-instructions",
}
GOALS_SURVEY = ID + "paper/yao-2024-instructions"


def gg(term: str) -> str:
    return GG + term


class Facts:
    """Sorted, cached lookups on one graph's store."""

    def __init__(self, graph):
        self.graph = graph
        self.store: ox.Store = graph.store
        self.values = lru_cache(maxsize=None)(self._values)

    def _values(self, iri: str, predicate: str) -> tuple:
        """Distinct objects of (iri, predicate): IRIs and literal values as str, ints as int, sorted."""
        out = set()
        for q in self.store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(predicate), None, None):
            o = q.object
            if isinstance(o, ox.Literal) and o.datatype.value.endswith(("#integer", "#int", "#nonNegativeInteger")):
                try:
                    out.add(int(o.value))
                    continue
                except ValueError:
                    pass
            out.add(o.value)
        return tuple(sorted(out, key=lambda v: (isinstance(v, str), v)))

    def subjects(self, predicate: str, obj: str) -> list[str]:
        """Distinct IRIs s with (s, predicate, obj), sorted."""
        return sorted({q.subject.value for q in self.store.quads_for_pattern(None, ox.NamedNode(predicate),
                                                                             ox.NamedNode(obj), None)
                       if isinstance(q.subject, ox.NamedNode)})

    def one(self, iri: str, predicate: str):
        vals = self.values(iri, predicate)
        return vals[0] if vals else None

    def types(self, iri: str) -> tuple:
        return self.values(iri, RDF_TYPE)

    def is_a(self, iri: str, cls: str) -> bool:
        return gg(cls) in self.types(iri)

    def label(self, iri: str) -> str:
        return self.graph.index.label(iri)

    def description(self, iri: str) -> str:
        return str(self.one(iri, DESCRIPTION) or "")

    def slug(self, iri: str) -> str:
        parts = split_node_iri(iri)
        if parts:
            return parts[1]
        tail = iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1].lower()
        return "".join(c if c.isalnum() else "-" for c in tail).strip("-") or "node"

    # -- goals --------------------------------------------------------------------------------
    def level_node(self, goal: str) -> str | None:
        """The goal level (a goal with gg:level) a goal is, or sits under through skos:broader."""
        seen, todo = set(), [goal]
        while todo:
            g = todo.pop(0)
            if g in seen:
                continue
            seen.add(g)
            if self.one(g, gg("level")) is not None:
                return g
            todo.extend(self.values(g, BROADER))
        return None

    def level(self, goal: str) -> int | None:
        node = self.level_node(goal)
        return self.one(node, gg("level")) if node else None

    def sub_goals(self, goal: str) -> list[str]:
        """Every goal under `goal` (skos:broader, transitively), sorted by IRI."""
        found: set[str] = set()
        todo = [goal]
        while todo:
            for child in self.subjects(BROADER, todo.pop()):
                if child not in found and child != goal and self.is_a(child, "AlignmentGoal"):
                    found.add(child)
                    todo.append(child)
        return sorted(found)

    def narrower_or_same(self, concept: str, wanted: set[str]) -> str | None:
        """The member of `wanted` that `concept` is, or is under via skos:broader; None when neither."""
        seen, todo = set(), [concept]
        while todo:
            c = todo.pop(0)
            if c in wanted:
                return c
            if c not in seen:
                seen.add(c)
                todo.extend(self.values(c, BROADER))
        return None

    # -- papers -------------------------------------------------------------------------------
    def is_paper(self, iri: str) -> bool:
        return self.is_a(iri, "Paper")

    def papers_of(self, iri: str) -> list[str]:
        """introducedIn first, then studiedIn; only nodes that are gg:Paper."""
        out: list[str] = []
        for pred in ("introducedIn", "studiedIn"):
            out += [p for p in self.values(iri, gg(pred)) if p not in out and self.is_paper(p)]
        return out

    def seed_papers(self, iri: str) -> list[str]:
        """The surveys the node's seed documents stand for (the fallback citation)."""
        out: list[str] = []
        for seed in self.values(iri, gg("seed")):
            paper = SEED_SURVEYS.get(str(seed))
            if paper and paper not in out and self.is_paper(paper):
                out.append(paper)
        return out

    def first_sentence(self, iri: str) -> str:
        text = self.description(iri)
        cut = text.find(". ")
        return text if cut < 0 else text[:cut + 1]


def graph_digest(store: ox.Store) -> tuple[str, int]:
    """sha256 of the merged graph's distinct triples as sorted N-Triples lines, and their number.

    Blank nodes are written as `_:b` so that their random labels cannot change the digest."""
    lines = set()
    for q in store.quads_for_pattern(None, None, None, None):
        s = "_:b" if isinstance(q.subject, ox.BlankNode) else str(q.subject)
        o = "_:b" if isinstance(q.object, ox.BlankNode) else str(q.object)
        lines.add(f"{s} {q.predicate} {o} .")
    text = "\n".join(sorted(lines)) + "\n"
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), len(lines)
