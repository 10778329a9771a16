"""Turtle written by hand for provenance files (runs, alignments): terms escaped by Turtle's short-string rules
and triples sorted, so the same facts always give the same bytes, without an RDF library on the critical path."""
from __future__ import annotations

import hashlib
import math
import re
from typing import Any

from goalgraph.graph.namespaces import ID, PREFIXES, node_iri

_PREFIXES = ("gg", "rdf", "rdfs", "xsd", "dcterms", "prov", "mls", "dqv")
_IRI_OK = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|\\^`]*$')
_SLUG_OK = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def safe_slug(text: str) -> str:
    """`text` when it already is a slug; otherwise a slug of it plus a short digest, so names differing only
    in punctuation (`acc_norm`, `acc-norm`) never share an IRI."""
    if _SLUG_OK.match(text):
        return text
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"
    return f"{base}-{hashlib.sha256(text.encode()).hexdigest()[:6]}"


def iri_term(value: str) -> str:
    """An IRI as a Turtle term: `gg:Thing` where a known prefix fits, `<...>` otherwise; ValueError if not an IRI."""
    if not _IRI_OK.match(value):
        raise ValueError(f"not an IRI: {value!r}")
    for prefix in _PREFIXES:
        ns = PREFIXES[prefix]
        local = value[len(ns):]
        if value.startswith(ns) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", local or "-"):
            return f"{prefix}:{local}"
    return f"<{value}>"


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def string_literal(text: str) -> str:
    """A Turtle short string, with every character Turtle cannot hold raw escaped."""
    out = []
    for ch in str(text):
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def typed_literal(value: Any, datatype: str) -> str:
    """`"value"^^xsd:datatype`."""
    return f"{string_literal(value)}^^xsd:{datatype}"


def double_literal(value: float) -> str:
    """An xsd:double that reads back as the same float (repr)."""
    return typed_literal(repr(float(value)), "double")


def finite_number(value: Any) -> float | None:
    """A finite int or float as float; None for anything else (bools, NaN, infinities, text)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


class Triples:
    """Subject → predicate → set of objects (already written as Turtle terms)."""

    def __init__(self) -> None:
        self.data: dict[str, dict[str, set[str]]] = {}

    def add(self, s: str, p: str, o: str | None) -> None:
        if o is not None:
            self.data.setdefault(iri_term(s), {}).setdefault(p, set()).add(o)

    def link(self, s: str, p: str, target: str | None) -> None:
        if target and _IRI_OK.match(target):
            self.add(s, p, iri_term(target))

    def turtle(self) -> str:
        lines = [f"@prefix {p}: <{PREFIXES[p]}> ." for p in _PREFIXES]
        lines.append("")
        for s in sorted(self.data):
            preds = self.data[s]
            order = sorted(preds, key=lambda p: (p != "a", p))
            body = [f"    {p} {', '.join(sorted(preds[p]))}" for p in order]
            lines.append(s + "\n" + " ;\n".join(body) + " .\n")
        return "\n".join(lines)


def method_node_iri(ref: str) -> str | None:
    """A method reference (`dpo`, `method/dpo` or an IRI) as the node's IRI."""
    if not ref:
        return None
    if ref.startswith(("http://", "https://")):
        return ref
    return ID + (ref if "/" in ref else f"method/{ref}")


def component_iri(kind: str, component_id: str | None) -> str | None:
    """The IRI of a registered evaluator or aligner node; None when the id cannot be a slug."""
    return node_iri(kind, component_id) if component_id and _SLUG_OK.match(component_id) else None
