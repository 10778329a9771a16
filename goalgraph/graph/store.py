"""The triple store: every source file parsed by pyoxigraph into its own named graph.

Queries see the union of all graphs as their default graph, so provenance stays available
(`GRAPH ?g { ... }`) without users having to think about it.
"""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from goalgraph.errors import GraphParseError, one_line
from goalgraph.graph.sources import FORMATS, Source


def _rdflib_to_ntriples(path: Path) -> bytes:
    """Fallback for formats pyoxigraph cannot read: let rdflib guess, hand over N-Triples."""
    import rdflib

    g = rdflib.Graph()
    try:
        g.parse(str(path))
    except Exception as exc:  # rdflib raises many unrelated types on bad input
        raise GraphParseError(f"cannot parse {path}: {one_line(exc)}") from None
    return g.serialize(format="nt", encoding="utf-8")


class GraphStore:
    """A pyoxigraph store plus the list of files it was built from."""

    def __init__(self) -> None:
        self.store = ox.Store()
        self.sources: list[Source] = []

    def add(self, source: Source) -> int:
        """Parse one file into its named graph; returns the number of triples it added."""
        graph = ox.NamedNode(source.graph_name)
        before = len(self.store)
        fmt_name = FORMATS.get(source.path.suffix.lower())
        try:
            if fmt_name is None:
                data = _rdflib_to_ntriples(source.path)
                self.store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
            else:
                fmt = getattr(ox.RdfFormat, fmt_name)
                kwargs = {} if fmt.supports_datasets else {"to_graph": graph}
                self.store.load(path=str(source.path), format=fmt, base_iri=source.path.resolve().as_uri(), **kwargs)
        except GraphParseError:
            raise
        except (SyntaxError, ValueError, OSError) as exc:
            raise GraphParseError(f"cannot parse {source.path}: {one_line(exc)}") from None
        self.sources.append(source)
        return len(self.store) - before

    def add_data(self, data: bytes, graph_name: str, fmt: str = "TURTLE", label: str = "data") -> int:
        """Parse RDF handed over in memory (plugin graphs) into `graph_name`; returns triples added."""
        before = len(self.store)
        try:
            self.store.load(data, format=getattr(ox.RdfFormat, fmt), to_graph=ox.NamedNode(graph_name))
        except (SyntaxError, ValueError) as exc:
            raise GraphParseError(f"cannot parse {label}: {one_line(exc)}") from None
        return len(self.store) - before

    def drop_graph(self, graph_name: str) -> None:
        """Forget everything loaded into one named graph (a rejected plugin graph)."""
        self.store.remove_graph(ox.NamedNode(graph_name))

    def graph_subjects(self, graph_name: str) -> list[str]:
        return sorted({q.subject.value for q in self.store.quads_for_pattern(None, None, None, ox.NamedNode(graph_name))
                       if isinstance(q.subject, ox.NamedNode)})

    def __len__(self) -> int:
        """Distinct triples across all graphs (a triple stated in two files counts once)."""
        sol = next(iter(self.store.query(
            "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }",
            use_default_graph_as_union=True,
        )))
        return int(sol["n"].value)

    def to_ntriples(self) -> bytes:
        """Every graph's triples (files and in-memory data) as N-Triples, for rdflib-based tools."""
        lines: set[str] = set()
        for q in self.store.quads_for_pattern(None, None, None, None):
            lines.add(f"{q.subject} {q.predicate} {q.object} .")
        return ("\n".join(sorted(lines)) + "\n").encode("utf-8")
