"""`goalgraph publish`: the bundled graph, the plugins' nodes and run results, uploaded to a SPARQL 1.1 server.

One named graph per source — `graph/core` (ontology + knowledge base), `graph/plugin/<name>` per plugin,
`graph/run/<id>` per run or aligned-model directory — and only those are replaced. Every graph is first
uploaded (Graph Store protocol PUT) into a staging graph unique to this publish; then ONE SPARQL Update request
moves all of them onto their targets, which Oxigraph (and Fuseki) run as one transaction. A publish that fails
part-way drops its staging graphs and leaves the targets as they were; two concurrent publishes each land whole.
"""
from __future__ import annotations

import urllib.parse
import uuid
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from goalgraph.errors import GoalgraphError

GRAPH = "https://w3id.org/goalgraph/graph/"
CORE = GRAPH + "core"
STAGING = GRAPH + "staging/"


@dataclass(frozen=True)
class Part:
    """One named graph to publish."""

    iri: str
    source: str
    ntriples: bytes
    triples: int

    def to_dict(self) -> dict[str, object]:
        return {"graph": self.iri, "source": self.source, "triples": self.triples}


def _part(iri: str, source: str, lines: set[str]) -> Part:
    text = "".join(f"{line}\n" for line in sorted(lines))
    return Part(iri, source, text.encode("utf-8"), len(lines))


def _lines(store: ox.Store, graph_names: list[str]) -> set[str]:
    return {f"{q.subject} {q.predicate} {q.object} ."
            for g in graph_names for q in store.quads_for_pattern(None, None, None, ox.NamedNode(g))}


def run_id(provenance: Path) -> str:
    """A run's id in its graph IRI: the name of the directory holding its provenance.ttl."""
    return urllib.parse.quote(provenance.resolve().parent.name, safe="-._~")


def collect(results: list[str | Path] = (), validate: bool = True) -> list[Part]:
    """What a publish uploads, built exactly as the embedded graph is: bundled files, every plugin's graphs
    and components, and the provenance of the given run directories (SHACL-checked like `--with-results`)."""
    from goalgraph.graph.api import GoalGraph
    from goalgraph.registry.attach import PLUGIN_GRAPH, build_registry, component_triples
    from goalgraph.run.locate import provenance_files

    prov = provenance_files(list(results)) if results else []
    graph = GoalGraph.load(*(str(p) for p in prov), validate=validate, include_env=False)
    registry, _ = build_registry(graph)
    store = graph.store
    named = {g.value for g in store.named_graphs()}
    parts = [_part(CORE, "bundled ontology and knowledge base",
                   _lines(store, [s.graph_name for s in graph.sources if s.bundled]))]
    for rec in registry.plugins:
        lines = _lines(store, sorted(g for g in named if g.startswith(f"{PLUGIN_GRAPH}/{rec.name}/")))
        if rec.status == "loaded":
            lines |= {line for comp in rec.components if comp.status == "ok" for line in component_triples(comp, rec)}
        if lines:
            parts.append(_part(f"{GRAPH}plugin/{urllib.parse.quote(rec.name, safe='-._~')}", f"plugin {rec.name}",
                               lines))
    by_source = {str(s.path.resolve()): s for s in graph.sources if not s.bundled}
    for path in prov:
        iri = f"{GRAPH}run/{run_id(path)}"
        if any(p.iri == iri for p in parts):
            raise GoalgraphError(f"--with-results: two run directories are named {run_id(path)!r}; "
                                 f"publish them separately or rename one")
        parts.append(_part(iri, str(path.parent), _lines(store, [by_source[str(path.resolve())].graph_name])))
    return parts


def publish(remote, parts: list[Part]) -> None:
    """Upload `parts` to `remote` (a graph.remote.RemoteStore) all-or-nothing, as the module docstring says."""
    token = uuid.uuid4().hex
    staged: list[str] = []
    steps: list[str] = []
    try:
        for i, part in enumerate(parts):
            if not part.triples:
                steps.append(f"DROP SILENT GRAPH <{part.iri}>")
                continue
            staging = f"{STAGING}{token}/{i}"
            staged.append(staging)  # before the upload: a half-written staging graph is dropped too
            remote.put_graph(staging, part.ntriples)
            steps.append(f"MOVE GRAPH <{staging}> TO GRAPH <{part.iri}>")
        remote.update(" ;\n".join(steps))
    except BaseException:
        drop_graphs(remote, staged)
        raise


def drop_graphs(remote, graphs: list[str]) -> None:
    """Best effort: the first error is already on its way to the user."""
    if not graphs:
        return
    try:
        remote.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs))
    except GoalgraphError:
        pass
