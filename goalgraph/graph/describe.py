"""A node's page: what it is, what it says, every link in and out grouped by relation, and its papers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from goalgraph.graph.namespaces import DESCRIPTION, GG, PREFIXES, RDF_TYPE, RDFS_LABEL, SKOS_ALT, compact
from goalgraph.graph.search import LabelIndex
from goalgraph.graph.sparql import to_python

PAPER_LINKS = {GG + "introducedIn", GG + "studiedIn"}
_SKIP_OUT = {RDF_TYPE, RDFS_LABEL, SKOS_ALT, DESCRIPTION}


@dataclass
class Link:
    """One edge as seen from the node being shown."""

    predicate: str
    predicate_label: str
    target: str
    label: str
    type: str

    def to_dict(self) -> dict[str, str]:
        return {"predicate": self.predicate, "relation": self.predicate_label, "node": self.target,
                "label": self.label, "type": self.type}


@dataclass
class NodeView:
    iri: str
    label: str
    types: list[str]
    description: str | None
    aliases: list[str] = field(default_factory=list)
    attributes: dict[str, list[Any]] = field(default_factory=dict)  # literal-valued properties
    outgoing: dict[str, list[Link]] = field(default_factory=dict)  # keyed by relation label
    incoming: dict[str, list[Link]] = field(default_factory=dict)
    papers: list[Link] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    namesakes: list[str] = field(default_factory=list)  # other nodes the same slug names

    @property
    def node(self) -> str:
        return compact(self.iri)

    def to_dict(self) -> dict[str, Any]:
        return {
            "iri": self.iri,
            "node": self.node,
            "label": self.label,
            "types": self.types,
            "description": self.description,
            "aliases": self.aliases,
            "attributes": self.attributes,
            "outgoing": {k: [link.to_dict() for link in v] for k, v in self.outgoing.items()},
            "incoming": {k: [link.to_dict() for link in v] for k, v in self.incoming.items()},
            "papers": [link.to_dict() for link in self.papers],
            "sources": self.sources,
            "namesakes": self.namesakes,
        }

    def __str__(self) -> str:
        lines = [f"{self.label}  <{self.iri}>", f"  type: {', '.join(compact(t) for t in self.types)}"]
        if self.aliases:
            lines.append(f"  also: {', '.join(self.aliases)}")
        if self.description:
            lines.append(f"  {self.description}")
        for key, values in self.attributes.items():
            lines.append(f"  {key}: {'; '.join(str(v) for v in values)}")
        for title, groups in (("links out", self.outgoing), ("links in", self.incoming)):
            if groups:
                lines.append(f"  {title}:")
                for rel, links in groups.items():
                    lines.append(f"    {rel}: {', '.join(link.label for link in links)}")
        if self.papers:
            lines.append("  papers:")
            lines.extend(f"    [{link.predicate_label}] {link.label}" for link in self.papers)
        return "\n".join(lines)


def _predicate_labels(store: ox.Store) -> dict[str, str]:
    q = "SELECT ?p ?l WHERE { ?p rdfs:label ?l . FILTER(STRSTARTS(STR(?p), STR(gg:))) }"
    return {s["p"].value: s["l"].value for s in store.query(q, prefixes=PREFIXES, use_default_graph_as_union=True)}


def describe(store: ox.Store, index: LabelIndex, iri: str) -> NodeView:
    """Everything the graph says about one node (resolve the reference first with LabelIndex)."""
    node = ox.NamedNode(iri)
    plabels = _predicate_labels(store)

    def rel(p: str) -> str:
        return plabels.get(p) or compact(p)

    types: list[str] = []
    aliases: list[str] = []
    description = None
    attributes: dict[str, list[Any]] = {}
    outgoing: dict[str, list[Link]] = {}
    papers: list[Link] = []
    seen: set[tuple[str, str]] = set()
    for q in store.quads_for_pattern(node, None, None, None):
        p, o = q.predicate.value, q.object
        key = (p, str(o))
        if key in seen:
            continue
        seen.add(key)
        if p == RDF_TYPE:
            types.append(o.value)
        elif p == SKOS_ALT:
            aliases.append(o.value)
        elif p == DESCRIPTION:
            description = o.value if description is None else min(description, o.value)
        elif p == RDFS_LABEL:
            continue
        elif isinstance(o, ox.Literal):
            attributes.setdefault(rel(p), []).append(to_python(o))
        else:
            target = to_python(o)
            link = Link(p, rel(p), target, index.label(target), index.type_of(target))
            if p in PAPER_LINKS:
                papers.append(link)
            else:
                outgoing.setdefault(link.predicate_label, []).append(link)

    incoming: dict[str, list[Link]] = {}
    seen.clear()
    for q in store.quads_for_pattern(None, None, node, None):
        s, p = q.subject, q.predicate.value
        if not isinstance(s, ox.NamedNode) or (p, s.value) in seen:
            continue
        seen.add((p, s.value))
        link = Link(p, rel(p), s.value, index.label(s.value), index.type_of(s.value))
        incoming.setdefault(link.predicate_label, []).append(link)

    sources = sorted({q.graph_name.value for q in store.quads_for_pattern(node, None, None, None)
                      if isinstance(q.graph_name, ox.NamedNode)})
    # every list sorted, ties included, so that a view prints the same whatever order the store yields triples in
    for links in (*outgoing.values(), *incoming.values()):
        links.sort(key=lambda link: (link.label.casefold(), link.target))
    papers.sort(key=lambda link: (link.predicate_label, link.label.casefold(), link.target))
    attributes = {k: sorted(v, key=lambda x: (type(x).__name__, x)) for k, v in sorted(attributes.items())}
    return NodeView(iri=iri, label=index.label(iri), types=sorted(types), description=description,
                    aliases=sorted(set(aliases)), attributes=attributes, outgoing=dict(sorted(outgoing.items())),
                    incoming=dict(sorted(incoming.items())), papers=papers, sources=sources)
