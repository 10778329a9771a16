"""Where graph files come from: the bundled ontology, `--graph` files and `GOALGRAPH_GRAPH` (or, with `--store` /
`GOALGRAPH_STORE`, a SPARQL server instead)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from goalgraph.errors import GraphParseError

ENV_VAR = "GOALGRAPH_GRAPH"
STORE_ENV_VAR = "GOALGRAPH_STORE"

# File suffix -> pyoxigraph format name. Anything else is handed to rdflib's guesser.
FORMATS = {
    ".ttl": "TURTLE",
    ".turtle": "TURTLE",
    ".nt": "N_TRIPLES",
    ".ntriples": "N_TRIPLES",
    ".nq": "N_QUADS",
    ".trig": "TRIG",
    ".rdf": "RDF_XML",
    ".owl": "RDF_XML",
    ".xml": "RDF_XML",
    ".jsonld": "JSON_LD",
    ".json": "JSON_LD",
}


@dataclass(frozen=True)
class Source:
    """One graph file and whether it ships with goalgraph."""

    path: Path
    bundled: bool

    @property
    def graph_name(self) -> str:
        """Named graph the file's triples are loaded into (keeps provenance queryable)."""
        if self.bundled:
            rel = self.path.relative_to(ontology_dir()).as_posix()
            return f"https://w3id.org/goalgraph/graph/bundled/{rel}"
        return self.path.resolve().as_uri()


def ontology_dir() -> Path:
    """The ontology folder: inside the installed wheel, or at the repository root in a checkout."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_ontology", here.parent / "ontology"):
        if (candidate / "goalgraph.ttl").is_file():
            return candidate
    raise GraphParseError("the bundled ontology is missing: reinstall goalgraph")


def tbox_path() -> Path:
    return ontology_dir() / "goalgraph.ttl"


def shapes_path() -> Path:
    return ontology_dir() / "shapes.ttl"


def queries_dir() -> Path:
    return ontology_dir() / "queries"


def bundled_sources() -> list[Source]:
    """TBox first, then every knowledge-base file in name order (deterministic loads)."""
    root = ontology_dir()
    files = [root / "goalgraph.ttl", *sorted((root / "kb").glob("*.ttl"))]
    return [Source(p, bundled=True) for p in files]


def env_paths() -> list[str]:
    """Paths listed in GOALGRAPH_GRAPH, separated like PATH (os.pathsep)."""
    raw = os.environ.get(ENV_VAR, "")
    return [p for p in raw.split(os.pathsep) if p.strip()]


def store_url(explicit: str | None = None) -> str | None:
    """`--store URL`, else GOALGRAPH_STORE, else None (the embedded store)."""
    return explicit or os.environ.get(STORE_ENV_VAR) or None


def user_sources(paths: list[str] | tuple[str, ...]) -> list[Source]:
    """Resolve user paths; a directory contributes every RDF file inside it."""
    out: list[Source] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix.lower() in FORMATS)
            out.extend(Source(p, bundled=False) for p in files)
        elif path.is_file():
            out.append(Source(path, bundled=False))
        else:
            raise GraphParseError(f"graph file not found: {raw}")
    return out
