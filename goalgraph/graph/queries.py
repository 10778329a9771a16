"""Named competency queries: `ontology/queries/*.rq`, each opening with `# question:` comment lines.

The question runs until the first line that is not a comment, or the first empty `#` line: comments after that
are notes for whoever edits the query, not part of the question.

A column made by `GROUP_CONCAT` is a list whose order SPARQL leaves to the store (an in-memory and an on-disk
Oxigraph, or Fuseki, each give their own). `NamedQuery.canonical` sorts the items of such cells, so a competency
query prints the same bytes on every store."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from goalgraph.errors import UnknownNodeError
from goalgraph.graph.sources import queries_dir

if TYPE_CHECKING:
    from goalgraph.graph.sparql import QueryResult

_GROUP_CONCAT = re.compile(r"\bGROUP_CONCAT\s*\(", re.IGNORECASE)
_AS_VARIABLE = re.compile(r"\s*\)\s*AS\s+[?$](\w+)", re.IGNORECASE)
_SEPARATOR = re.compile(r""";\s*SEPARATOR\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""", re.IGNORECASE)


@dataclass(frozen=True)
class NamedQuery:
    name: str
    question: str
    text: str
    path: Path
    lists: tuple[tuple[str, str], ...] = ()  # (GROUP_CONCAT column, its separator)

    def canonical(self, result: "QueryResult") -> "QueryResult":
        """The result with the items of every GROUP_CONCAT cell sorted (in place; returned for chaining)."""
        for row in result.rows:
            for name, sep in self.lists:
                cell = row.get(name)
                if isinstance(cell, str) and sep and sep in cell:
                    row[name] = sep.join(sorted(cell.split(sep)))
        return result


def list_columns(text: str) -> tuple[tuple[str, str], ...]:
    """(variable, separator) for each `GROUP_CONCAT(...) AS ?variable` of a query (default separator: a space)."""
    found = []
    for match in _GROUP_CONCAT.finditer(text):
        depth, i = 1, match.end()
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        alias = _AS_VARIABLE.match(text, i - 1)
        if depth or alias is None:
            continue
        sep = _SEPARATOR.search(text, match.end(), i - 1)
        value = " " if sep is None else (sep.group(1) if sep.group(1) is not None else sep.group(2))
        found.append((alias.group(1), _unescape(value)))
    return tuple(found)


def _unescape(literal: str) -> str:
    """A SPARQL short string's escapes (\\t, \\n, \\", ...) replaced by the characters they stand for."""
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f"}.get(m.group(1), m.group(1)),
                  literal)


def _parse(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    question = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        body = stripped.lstrip("#").strip()
        if question and not body:
            break
        if body.lower().startswith("question:"):
            question.append(body.split(":", 1)[1].strip())
        elif question and body and ":" not in body.split(" ")[0]:
            question.append(body)  # continuation line
    return NamedQuery(path.stem, " ".join(question) or path.stem, text, path, list_columns(text))


def list_queries(directory: Path | None = None) -> list[NamedQuery]:
    d = directory or queries_dir()
    return [_parse(p) for p in sorted(d.glob("*.rq"))]


def get_query(name: str, directory: Path | None = None) -> NamedQuery:
    queries = {q.name: q for q in list_queries(directory)}
    if name in queries:
        return queries[name]
    close = difflib.get_close_matches(name, list(queries), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `goalgraph ask` lists them"
    raise UnknownNodeError(f"unknown competency query {name!r}{hint}", close)
