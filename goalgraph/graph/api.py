"""`GoalGraph`: the notebook-friendly facade over store, search, node views, SPARQL and paths."""
from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

from goalgraph.errors import GoalgraphError, ShapeViolationError, UnknownNodeError
from goalgraph.graph import sparql
from goalgraph.graph.describe import NodeView, describe
from goalgraph.graph.namespaces import GG, ID, compact
from goalgraph.graph.queries import NamedQuery, get_query, list_queries
from goalgraph.graph.search import Hit, LabelIndex
from goalgraph.graph.sources import Source, bundled_sources, env_paths, user_sources
from goalgraph.graph.store import GraphStore


class GoalGraph:
    """The bundled alignment graph merged with any user files.

    >>> g = goalgraph.load()
    >>> g.show("dpo").label
    'Direct Preference Optimization'
    >>> g.query("SELECT ?m WHERE { ?m gg:paradigm ggid:paradigm/rl-based }")  # doctest: +SKIP
    """

    def __init__(self, store: GraphStore):  # or a graph.remote.RemoteGraphStore
        self._graph_store = store
        self.plugins: list[dict[str, Any]] = []   # plugin records, filled by goalgraph.load()
        self.plugin_registry = None                # the live registry when plugins were (re)loaded

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def load(cls, *paths: str, validate: bool = True, include_env: bool = True,
             bundled: bool = True) -> "GoalGraph":
        """Bundled files, then GOALGRAPH_GRAPH entries, then `paths`; user data is SHACL-checked."""
        store = GraphStore()
        if bundled:
            for src in bundled_sources():
                store.add(src)
        users = user_sources([*(env_paths() if include_env else []), *paths])
        for src in users:
            store.add(src)
        graph = cls(store)
        if validate and users:
            graph._validate_user_sources(users)
        return graph

    @classmethod
    def remote(cls, url: str, timeout: float | None = None) -> "GoalGraph":
        """The graph held by a SPARQL 1.1 server (see `goalgraph publish`); read-only, nothing loaded locally."""
        from goalgraph.graph.remote import RemoteGraphStore

        return cls(RemoteGraphStore(url, timeout))

    def _validate_user_sources(self, users: list[Source]) -> None:
        from goalgraph.graph import validate as shacl

        digest = shacl.fingerprint([s.path for s in users])
        if shacl.already_valid(digest):
            return
        errors = self._violations_of(self._user_subjects(users))
        if errors:
            origin = self._origin(errors[0].focus, users)
            raise _shape_error(origin, errors, hint="; `goalgraph validate` lists all")
        shacl.remember_valid(digest)

    def _violations_of(self, focus: list[str]) -> list:
        """SHACL violations (not warnings) of the given nodes, checked against the whole merged graph."""
        from goalgraph.graph import validate as shacl

        found = shacl.validate_ntriples(self._graph_store.to_ntriples(), focus_nodes=focus)
        return [v for v in found if v.severity == "Violation"]

    def _user_subjects(self, users: list[Source]) -> list[str]:
        return sorted({s for src in users for s in self._graph_store.graph_subjects(src.graph_name)})

    def _origin(self, iri: str, users: list[Source]) -> str:
        import pyoxigraph as ox

        for src in users:
            if any(True for _ in self._graph_store.store.quads_for_pattern(
                    ox.NamedNode(iri), None, None, ox.NamedNode(src.graph_name))):
                return str(src.path)
        return str(users[0].path)

    def merge_data(self, data: bytes | str, graph_name: str, label: str, fmt: str = "TURTLE",
                   validate: bool = True) -> int:
        """Merge in-memory RDF (a plugin's graph, generated component nodes) into its own named graph.

        With `validate`, the nodes it states are SHACL-checked first; on a violation nothing is kept
        and ShapeViolationError names the node and the shape.
        """
        raw = data.encode("utf-8") if isinstance(data, str) else data
        added = self._graph_store.add_data(raw, graph_name, fmt=fmt, label=label)
        if validate:
            errors = self._violations_of(self._graph_store.graph_subjects(graph_name))
            if errors:
                self._graph_store.drop_graph(graph_name)
                raise _shape_error(label, errors)
        self._forget_views()
        return added

    def _forget_views(self) -> None:
        """Drop caches built from the store (name index, networkx view) after it changed."""
        for attr in ("index", "nx"):
            self.__dict__.pop(attr, None)

    # -- basics ---------------------------------------------------------------------------
    @property
    def store(self):
        """The underlying pyoxigraph.Store (every file in its own named graph)."""
        return self._graph_store.store

    @property
    def sources(self) -> list[Source]:
        return list(self._graph_store.sources)

    def __len__(self) -> int:
        return len(self._graph_store)

    def __repr__(self) -> str:
        return f"<GoalGraph {len(self)} triples from {len(self.sources)} files>"

    @cached_property
    def index(self) -> LabelIndex:
        return LabelIndex(self.store)

    # -- lookups --------------------------------------------------------------------------
    def resolve(self, ref: str) -> str:
        """Full IRI for an IRI, `kind/slug`, slug, label or alias; UnknownNodeError with suggestions."""
        return self.index.resolve(ref)

    def label(self, ref: str) -> str:
        return self.index.label(self.resolve(ref))

    def show(self, ref: str) -> NodeView:
        """Type, description, attributes, every link in and out grouped by relation, and papers."""
        iri = self.resolve(ref)
        view = describe(self.store, self.index, iri)
        view.namesakes = self.index.namesakes(ref, iri)
        return view

    def search(self, text: str, limit: int = 20, kind: str | None = None) -> list[Hit]:
        """Ranked label/alias/slug matches, fuzzy when nothing matches exactly."""
        return self.index.search(text, limit=limit, kind=kind)

    # -- SPARQL ---------------------------------------------------------------------------
    def query(self, text: str, **bindings: Any) -> sparql.QueryResult:
        """Read-only SPARQL; `gg:`, `ggid:`, `skos:` ... are predeclared; keyword args pre-bind variables."""
        return sparql.run(self.store, text, bindings or None)

    def queries(self) -> list[NamedQuery]:
        """The named competency queries shipped with the ontology."""
        return list_queries()

    def ask(self, name: str) -> sparql.QueryResult:
        """Run a named competency query; list cells (GROUP_CONCAT) come sorted, the same on every store."""
        named = get_query(name)
        return named.canonical(self.query(named.text))

    # -- structure ------------------------------------------------------------------------
    @cached_property
    def nx(self):
        """networkx.MultiDiGraph of node-to-node links (built on first use)."""
        from goalgraph.graph.netview import to_networkx

        g = to_networkx(self.store)
        for n in g.nodes:
            g.nodes[n]["label"] = self.index.label(n)
        return g

    def path(self, a: str, b: str) -> list[dict[str, Any]]:
        """Shortest chain of links between two nodes (edges followed either way)."""
        from goalgraph.graph.netview import shortest_path

        ia, ib = self.resolve(a), self.resolve(b)
        for iri, ref in ((ia, a), (ib, b)):
            if iri not in self.nx:
                raise UnknownNodeError(f"node {ref!r} has no links to other nodes")
        steps = shortest_path(self.nx, ia, ib)
        if steps is None:
            raise GoalgraphError(f"no path between {compact(ia)} and {compact(ib)}")
        return [{"from": s.source, "from_label": self.index.label(s.source), "relation": s.predicate,
                 "direction": "->" if s.forward else "<-", "to": s.target,
                 "to_label": self.index.label(s.target)} for s in steps]

    def neighbourhood(self, ref: str, depth: int = 1):
        from goalgraph.graph.netview import neighbourhood

        return neighbourhood(self.nx, self.resolve(ref), depth)

    def stats(self) -> dict[str, Any]:
        """Triples, files, and instance counts per class."""
        rows = self.query(
            "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class . "
            "FILTER(STRSTARTS(STR(?s), STR(ggid:)) && STRSTARTS(STR(?class), STR(gg:))) } "
            "GROUP BY ?class ORDER BY DESC(?n) ?class")
        per_class = {compact(r["class"]): r["n"] for r in rows}
        nodes = self.query("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c . FILTER(STRSTARTS(STR(?s), STR(ggid:))) }")
        links = self.query("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o . "
                           "FILTER(isIRI(?o) && STRSTARTS(STR(?s), STR(ggid:)) && STRSTARTS(STR(?o), STR(ggid:))) } }")
        return {
            "triples": len(self),
            "files": len(self.sources),
            "user_files": sum(1 for s in self.sources if not s.bundled),
            "nodes": nodes.rows[0]["n"],
            "links": links.rows[0]["n"],
            "classes": per_class,
        }

    # -- checking and writing -------------------------------------------------------------
    def validate(self, files: list[str] | None = None) -> list:
        """SHACL violations of the whole merged graph, or of the nodes stated in `files`."""
        from goalgraph.graph import validate as shacl

        focus = None
        if files:
            wanted = {str(Path(f).resolve()) for f in files}
            users = [s for s in self.sources if str(s.path.resolve()) in wanted]
            focus = self._user_subjects(users)
        return shacl.validate_ntriples(self._graph_store.to_ntriples(), focus_nodes=focus)

    def export(self, fmt: str = "ttl", around: str | None = None, depth: int = 1) -> str:
        """The merged graph as ttl, jsonld, nt, graphml or mermaid (`around` limits the last two)."""
        from goalgraph.graph.export import export

        graph = None
        if fmt in ("graphml", "mermaid"):
            graph = self.neighbourhood(around, depth) if around else self.nx
        return export(self.store, fmt, graph)


def _shape_error(origin: str, errors: list, hint: str = "") -> ShapeViolationError:
    """One line naming where, the first node and shape, and how many more there are."""
    more = f" (and {len(errors) - 1} more{hint})" if len(errors) > 1 else ""
    return ShapeViolationError(f"{origin}: {errors[0].line()}{more}", errors)


__all__ = ["GoalGraph", "GG", "ID"]
