"""A networkx view of the graph's node-to-node links, for paths and neighbourhoods."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox

from goalgraph.graph.namespaces import GG, ID, RDF_TYPE, compact

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

# Edges that only restate the schema; they would make every node two hops from every other.
_SKIP = {RDF_TYPE}


def to_networkx(store: ox.Store, include_papers: bool = True) -> "nx.MultiDiGraph":
    """Instances (IRIs under the id/ namespace) as nodes, object properties as keyed edges."""
    import networkx as nx

    g = nx.MultiDiGraph()
    seen: set[tuple[str, str, str]] = set()
    for q in store.quads_for_pattern(None, None, None, None):
        s, p, o = q.subject, q.predicate, q.object
        if not (isinstance(s, ox.NamedNode) and isinstance(o, ox.NamedNode)):
            continue
        if p.value in _SKIP or not s.value.startswith(ID) or not o.value.startswith(ID):
            continue
        if not include_papers and ("/paper/" in s.value or "/paper/" in o.value):
            continue
        key = (s.value, p.value, o.value)
        if key in seen:
            continue
        seen.add(key)
        g.add_edge(s.value, o.value, key=p.value, predicate=compact(p.value))
    for q in store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), None, None):
        if q.subject.value in g and isinstance(q.object, ox.NamedNode) and q.object.value.startswith(GG):
            g.nodes[q.subject.value]["type"] = compact(q.object.value)
    return g


@dataclass(frozen=True)
class Step:
    """One hop of a path: from `source` along `predicate` to `target`; `forward` is the edge direction."""

    source: str
    predicate: str
    target: str
    forward: bool


def shortest_path(graph: "nx.MultiDiGraph", a: str, b: str) -> list[Step] | None:
    """Shortest chain of links between two nodes, following edges either way. None if unconnected."""
    import networkx as nx

    if a == b:
        return []
    undirected = graph.to_undirected(as_view=True)
    try:
        nodes = nx.shortest_path(undirected, a, b)
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return None
    steps = []
    for u, v in zip(nodes, nodes[1:]):
        if graph.has_edge(u, v):
            pred = sorted(graph[u][v])[0]
            steps.append(Step(u, compact(pred), v, True))
        else:
            pred = sorted(graph[v][u])[0]
            steps.append(Step(u, compact(pred), v, False))
    return steps


def neighbourhood(graph: "nx.MultiDiGraph", centre: str, depth: int = 1) -> "nx.MultiDiGraph":
    """The subgraph within `depth` hops of `centre`, in either direction."""
    import networkx as nx

    lengths = nx.single_source_shortest_path_length(graph.to_undirected(as_view=True), centre, cutoff=depth)
    return graph.subgraph(lengths).copy()
