"""Read-only SPARQL 1.1 (SELECT, ASK, CONSTRUCT, DESCRIBE) over the store, results as plain Python."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator

import pyoxigraph as ox

from goalgraph.errors import QueryError
from goalgraph.graph.namespaces import PREFIXES, compact

_XSD = PREFIXES["xsd"]
_INTEGER_TYPES = {_XSD + t for t in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
_FLOAT_TYPES = {_XSD + t for t in ("decimal", "double", "float")}
_UPDATE_WORDS = re.compile(r"^\s*(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.IGNORECASE)
_PROLOGUE = re.compile(r"^\s*(?:(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*", re.IGNORECASE)
_COMMENT = re.compile(r"(?m)^\s*#.*$")


def to_python(term: Any) -> Any:
    """An RDF term as the Python value a user expects: IRIs as str, typed literals as numbers or bools."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        try:
            if dt in _INTEGER_TYPES:
                return int(term.value)
            if dt in _FLOAT_TYPES:
                return float(term.value)
        except ValueError:
            return term.value
        if dt == _XSD + "boolean":
            return term.value in ("true", "1")
        return term.value
    return str(term)


def display(value: Any) -> str:
    """Short text for tables: IRIs compacted (`method/dpo`, `gg:level`)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return compact(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass
class QueryResult:
    """What a query returned. Iterating a SELECT result yields one dict per row."""

    kind: str  # "select" | "ask" | "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple[str, str, Any]] = field(default_factory=list)
    _raw_triples: list[Any] = field(default_factory=list, repr=False)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if self.kind == "graph":
            return iter({"subject": s, "predicate": p, "object": o} for s, p, o in self.triples)
        if self.kind == "ask":
            return iter([{"answer": self.boolean}])
        return iter(self.rows)

    def __len__(self) -> int:
        return len(list(iter(self)))

    def __bool__(self) -> bool:
        return bool(self.boolean) if self.kind == "ask" else len(self) > 0

    @property
    def columns(self) -> list[str]:
        if self.kind == "graph":
            return ["subject", "predicate", "object"]
        if self.kind == "ask":
            return ["answer"]
        return self.variables

    def column(self, name: str) -> list[Any]:
        return [row.get(name) for row in self]

    def df(self):
        """The rows as a pandas DataFrame (needs pandas: `pip install goalgraph[pandas]`)."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("QueryResult.df() needs pandas: pip install 'goalgraph[pandas]'") from exc
        return pd.DataFrame(list(self), columns=self.columns)

    def to_turtle(self) -> str:
        """A CONSTRUCT/DESCRIBE result as Turtle."""
        data = ox.serialize(self._raw_triples, format=ox.RdfFormat.TURTLE,
                            prefixes={k: v for k, v in PREFIXES.items() if k != "sh"})
        return data.decode("utf-8") if data else ""

    def _repr_html_(self) -> str:
        """A table in Jupyter, IRIs compacted as in the CLI."""
        from html import escape

        head = "".join(f"<th>{escape(c)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td>{escape(display(row.get(c)))}</td>" for c in self.columns) + "</tr>"
                       for row in self)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def __repr__(self) -> str:
        if self.kind == "ask":
            return f"<QueryResult ASK {self.boolean}>"
        head = ", ".join(self.columns)
        return f"<QueryResult {self.kind.upper()} {len(self)} rows: {head}>"


def is_update(text: str) -> bool:
    """True when the text is (or starts like) a SPARQL Update rather than a query."""
    body = _PROLOGUE.sub("", _COMMENT.sub("", text), count=1)
    return bool(_UPDATE_WORDS.match(body))


def run(store: ox.Store, text: str, bindings: dict[str, Any] | None = None) -> QueryResult:
    """Run one read-only query. Standard prefixes (gg:, skos:, ...) need not be declared."""
    if not text or not text.strip():
        raise QueryError("empty SPARQL query")
    if is_update(text):
        raise QueryError("SPARQL updates are refused: goalgraph queries are read-only")
    if bindings:
        text = bind_values(text, bindings)
    try:
        result = store.query(
            text,
            prefixes={k: v for k, v in PREFIXES.items()},
            use_default_graph_as_union=True,
        )
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {' '.join(str(exc).split())}") from None
    except (OSError, ValueError, RuntimeError) as exc:
        raise QueryError(f"SPARQL evaluation failed: {' '.join(str(exc).split())}") from None
    if isinstance(result, bool) or type(result).__name__ == "QueryBoolean":
        return QueryResult(kind="ask", boolean=bool(result))
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        rows = [{n: to_python(sol[n]) for n in names} for sol in result]
        return QueryResult(kind="select", variables=names, rows=rows)
    raw = list(result)
    triples = [(to_python(t.subject), to_python(t.predicate), to_python(t.object)) for t in raw]
    return QueryResult(kind="graph", triples=triples, _raw_triples=raw)


_WHERE_BRACE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_FORM_BRACE = re.compile(r"\b(ASK|SELECT|DESCRIBE)\b[^{]*\{", re.IGNORECASE)


def bind_values(text: str, bindings: dict[str, Any]) -> str:
    """Pre-bind variables by opening the WHERE group with an inline VALUES row.

    Unlike substitution, this keeps bound variables usable in the projection.
    """
    match = _WHERE_BRACE.search(text) or _FORM_BRACE.search(text)
    if match is None:
        raise QueryError("cannot pre-bind variables: the query has no WHERE group")
    names = " ".join(f"?{k}" for k in bindings)
    values = " ".join(str(_to_term(v)) for v in bindings.values())
    inline = f" VALUES ({names}) {{ ({values}) }} "
    return text[: match.end()] + inline + text[match.end():]


def _to_term(value: Any) -> Any:
    if isinstance(value, (ox.NamedNode, ox.Literal, ox.BlankNode)):
        return value
    if isinstance(value, str) and value.startswith(("http://", "https://", "urn:")):
        return ox.NamedNode(value)
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode(_XSD + "boolean"))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(_XSD + "integer"))
    return ox.Literal(str(value))
