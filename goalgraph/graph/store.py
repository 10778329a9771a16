"""The triple store: every source file parsed by pyoxigraph into its own named graph.

Queries see the union of all graphs as their default graph, so provenance stays available
(`GRAPH ?g { ... }`) without users having to think about it.
"""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from goalgraph.errors import GraphParseError
from goalgraph.graph.sources import FORMATS, Source


def _rdflib_to_ntriples(path: Path) -> bytes:
    """Fallback for formats pyoxigraph cannot read: let rdflib guess, hand over N-Triples."""
    import rdflib

    g = rdflib.Graph()
    try:
        g.parse(str(path))
    except Exception as exc:  # rdflib raises many unrelated types on bad input
        raise GraphParseError(f"cannot parse {path}: {_one_line(exc)}") from None
    return g.serialize(format="nt", encoding="utf-8")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


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
            raise GraphParseError(f"cannot parse {source.path}: {_one_line(exc)}") from None
        self.sources.append(source)
        return len(self.store) - before

    def __len__(self) -> int:
        """Distinct triples across all graphs (a triple stated in two files counts once)."""
        sol = next(iter(self.store.query(
            "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }",
            use_default_graph_as_union=True,
        )))
        return int(sol["n"].value)

    def triples_of(self, source: Source):
        """Triples loaded from one source file."""
        return self.store.quads_for_pattern(None, None, None, ox.NamedNode(source.graph_name))

    def to_ntriples(self, user_only: bool = False) -> bytes:
        """The union graph (or only user files) as N-Triples, for rdflib-based tools."""
        graphs = [s for s in self.sources if not (user_only and s.bundled)]
        lines: set[str] = set()
        for src in graphs:
            for q in self.triples_of(src):
                lines.add(f"{q.subject} {q.predicate} {q.object} .")
        return ("\n".join(sorted(lines)) + "\n").encode("utf-8")
