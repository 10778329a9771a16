"""SHACL validation of merged data with pyshacl (imported only here: it pulls in rdflib)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from goalgraph.graph.namespaces import compact
from goalgraph.graph.sources import shapes_path, tbox_path

SH = "http://www.w3.org/ns/shacl#"


@dataclass(frozen=True)
class Violation:
    """One SHACL result, in the terms a user needs to fix it."""

    focus: str
    shape: str
    path: str | None
    message: str
    severity: str
    value: str | None = None

    def line(self) -> str:
        where = f" ({self.path})" if self.path else ""
        return f"node {compact(self.focus)} violates {self.shape}{where}: {self.message}"

    def to_dict(self) -> dict[str, str | None]:
        return {"node": self.focus, "shape": self.shape, "path": self.path, "message": self.message,
                "severity": self.severity, "value": self.value}


def validate_ntriples(data: bytes, focus_nodes: list[str] | None = None) -> list[Violation]:
    """Validate N-Triples data (plus the TBox, so class hierarchies are known) against shapes.ttl."""
    import pyshacl
    import rdflib

    g = rdflib.Graph()
    g.parse(data=data.decode("utf-8"), format="nt")
    g.parse(str(tbox_path()), format="turtle")
    shapes = rdflib.Graph().parse(str(shapes_path()), format="turtle")
    kwargs = {}
    if focus_nodes is not None:
        if not focus_nodes:
            return []
        kwargs["focus_nodes"] = [rdflib.URIRef(n) for n in focus_nodes]
    _conforms, report, _text = pyshacl.validate(
        g, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True, **kwargs)
    return sorted(_violations(report, shapes), key=lambda v: (v.focus, v.shape, v.path or ""))


def _violations(report, shapes) -> list[Violation]:
    import rdflib

    ns = rdflib.Namespace(SH)
    out = []
    for r in report.subjects(rdflib.RDF.type, ns.ValidationResult):
        def one(p):
            v = report.value(r, p)
            return None if v is None else str(v)

        shape_node = report.value(r, ns.sourceShape)
        if not isinstance(shape_node, rdflib.URIRef):
            # A property shape is a blank node: name the node shape that holds it.
            parent = shapes.value(None, ns.property, shape_node)
            shape_node = parent if parent is not None else shape_node
        shape = compact(str(shape_node)) if isinstance(shape_node, rdflib.URIRef) else _constraint_name(report, r, ns)
        path = one(ns.resultPath)
        out.append(Violation(
            focus=one(ns.focusNode) or "",
            shape=shape,
            path=compact(path) if path else None,
            message=" ".join((one(ns.resultMessage) or "constraint not met").split()),
            severity=compact(one(ns.resultSeverity) or SH + "Violation").replace("sh:", ""),
            value=one(ns.value),
        ))
    return out


def _constraint_name(report, result, ns) -> str:
    comp = report.value(result, ns.sourceConstraintComponent)
    return compact(str(comp)) if comp is not None else "a shape"


# ---- cache: user files that already passed are not validated again ------------------------
def _cache_file() -> Path:
    from goalgraph.util.paths import cache_dir

    return cache_dir() / "validated.txt"


def fingerprint(user_files: list[Path]) -> str:
    """Digest of the shapes, the TBox, the bundled version and every user file's bytes."""
    from goalgraph import __version__

    h = hashlib.sha256(__version__.encode())
    for p in (shapes_path(), tbox_path(), *user_files):
        h.update(str(p).encode())
        h.update(Path(p).read_bytes())
    return h.hexdigest()


def already_valid(digest: str) -> bool:
    try:
        return digest in _cache_file().read_text().split()
    except OSError:
        return False


def remember_valid(digest: str) -> None:
    from goalgraph.errors import GoalgraphError
    from goalgraph.util.atomic import write_text_atomic

    path = _cache_file()
    try:
        known = path.read_text().split() if path.exists() else []
        write_text_atomic(path, "\n".join((known + [digest])[-200:]) + "\n")
    except (OSError, GoalgraphError):
        pass  # a read-only home only costs a re-validation next time
