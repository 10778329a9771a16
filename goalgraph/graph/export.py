"""Writing the merged graph out: Turtle, JSON-LD, N-Triples (pyoxigraph), GraphML and Mermaid (networkx view)."""
from __future__ import annotations

import io
import re

import pyoxigraph as ox

from goalgraph.errors import GoalgraphError
from goalgraph.graph.namespaces import PREFIXES, compact

FORMATS = ("ttl", "jsonld", "nt", "graphml", "mermaid")
_RDF_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD, "nt": ox.RdfFormat.N_TRIPLES}


def _union_triples(store: ox.Store) -> list[ox.Triple]:
    seen: set[ox.Triple] = set()
    for q in store.quads_for_pattern(None, None, None, None):
        seen.add(ox.Triple(q.subject, q.predicate, q.object))
    return sorted(seen, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def export(store: ox.Store, fmt: str, graph=None) -> str:
    """The whole merged graph (or, for graphml/mermaid, the given networkx view) as text."""
    if fmt not in FORMATS:
        raise GoalgraphError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt in _RDF_FORMATS:
        kwargs = {}
        if fmt == "ttl":
            kwargs["prefixes"] = {k: v for k, v in PREFIXES.items() if k != "sh"}
        data = ox.serialize(_union_triples(store), format=_RDF_FORMATS[fmt], **kwargs)
        return data.decode("utf-8")
    if graph is None:
        from goalgraph.graph.netview import to_networkx

        graph = to_networkx(store)
    if fmt == "graphml":
        return _graphml(graph)
    return mermaid(graph)


def _graphml(graph) -> str:
    import networkx as nx

    simple = nx.MultiDiGraph()
    for n, data in graph.nodes(data=True):
        simple.add_node(n, type=data.get("type", ""), label=data.get("label", compact(n)))
    for u, v, data in graph.edges(data=True):
        simple.add_edge(u, v, predicate=data.get("predicate", ""))
    buf = io.BytesIO()
    nx.write_graphml(simple, buf)
    return buf.getvalue().decode("utf-8")


def _mermaid_id(iri: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", compact(iri))


def _mermaid_text(text: str) -> str:
    return text.replace('"', "'").replace("\n", " ")


def mermaid(graph) -> str:
    """A Mermaid flowchart: one box per node (label and kind), one labelled arrow per link."""
    lines = ["flowchart LR"]
    for n, data in sorted(graph.nodes(data=True)):
        label = _mermaid_text(data.get("label") or compact(n))
        lines.append(f'  {_mermaid_id(n)}["{label}"]')
    for u, v, data in sorted(graph.edges(data=True), key=lambda e: (e[0], e[1], e[2].get("predicate", ""))):
        pred = data.get("predicate", "").split(":")[-1]
        lines.append(f"  {_mermaid_id(u)} -->|{pred}| {_mermaid_id(v)}")
    return "\n".join(lines) + "\n"
