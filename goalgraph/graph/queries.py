"""Named competency queries: `ontology/queries/*.rq`, each opening with `# question:` comment lines."""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from goalgraph.errors import UnknownNodeError
from goalgraph.graph.sources import queries_dir


@dataclass(frozen=True)
class NamedQuery:
    name: str
    question: str
    text: str
    path: Path


def _parse(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    question = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        body = stripped.lstrip("#").strip()
        if body.lower().startswith("question:"):
            question.append(body.split(":", 1)[1].strip())
        elif question and body and ":" not in body.split(" ")[0]:
            question.append(body)  # continuation line
    return NamedQuery(path.stem, " ".join(question) or path.stem, text, path)


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
