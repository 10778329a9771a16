"""IRIs of the vocabulary contract, and the prefixes goalgraph writes and accepts."""
from __future__ import annotations

import re

GG = "https://w3id.org/goalgraph/ontology#"
ID = "https://w3id.org/goalgraph/id/"

# Every namespace a bundled or user file may use. A test checks the bundled graph against it.
PREFIXES: dict[str, str] = {
    "gg": GG,
    "ggid": ID,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "mls": "http://www.w3.org/ns/mls#",
    "dqv": "http://www.w3.org/ns/dqv#",
    "schema": "https://schema.org/",
    "fabio": "http://purl.org/spar/fabio/",
    "cito": "http://purl.org/spar/cito/",
    "sh": "http://www.w3.org/ns/shacl#",
    "spdx": "https://spdx.org/licenses/",     # licence identifiers, objects of dcterms:license
}

RDF_TYPE = PREFIXES["rdf"] + "type"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
SKOS_ALT = PREFIXES["skos"] + "altLabel"
DESCRIPTION = PREFIXES["dcterms"] + "description"
TITLE = PREFIXES["dcterms"] + "title"

_SLUG = re.compile(r"^https://w3id\.org/goalgraph/id/([a-z-]+)/([a-z0-9]+(?:-[a-z0-9]+)*)$")


def node_iri(kind: str, slug: str) -> str:
    """The IRI of an instance: `.../id/{kind}/{slug}`."""
    return f"{ID}{kind}/{slug}"


def model_iri(fingerprint: str) -> str:
    """The node of a model, named by its weights' fingerprint: runs and alignment records share it, so a model
    aligned by one and measured by another is one node."""
    return node_iri("model", fingerprint[:16])


def split_node_iri(iri: str) -> tuple[str, str] | None:
    """(kind, slug) of an instance IRI, or None for IRIs outside the instance namespace."""
    m = _SLUG.match(iri)
    return (m.group(1), m.group(2)) if m else None


def compact(iri: str) -> str:
    """Shortest readable form: `method/dpo` for instances, `gg:level` for terms, else the IRI."""
    if iri.startswith(ID):
        return iri[len(ID):]
    best = None
    for prefix, ns in PREFIXES.items():
        if prefix != "ggid" and iri.startswith(ns) and (best is None or len(ns) > len(best[1])):
            best = (prefix, ns)
    if best:
        return f"{best[0]}:{iri[len(best[1]):]}"
    return iri


def sparql_prologue() -> str:
    """PREFIX lines for every known prefix, for queries written without them."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
