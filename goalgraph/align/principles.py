"""Principles an aligner holds a model to: statements from the graph's principle nodes, or the user's own.

`principles-icl` assembles them into a system prompt; `critique-revise` samples one per critique. A
`Principle` is just an id (the node id, or `user/N` for a line of the user's file) and its statement.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple, Sequence


class Principle(NamedTuple):
    id: str      # a graph node id (principle/avoid-harm) or user/N
    text: str    # the statement, one or two sentences addressed to the assistant


DEFAULT = ("goal/hhh",)
"""What `principles-icl` and `critique-revise` use when no `--principles` is given: the HHH principles."""

_OF_GOAL = """
SELECT ?p ?text WHERE {
  ?p a gg:Principle ; gg:statement ?text ; gg:principleOf ?g .
  ?g skos:broader* ?goal .
} ORDER BY ?p
"""


def load_principles(refs: Sequence[str] | None = None, graph: Any = None) -> list[Principle]:
    """Principles named by `refs`, in order and without repeats. A ref is a file of the user's own principles
    (one per line, `#` comments; or a JSON/YAML list of strings or {id, text}), a principle node (its
    statement), or any goal node (every principle of it or of a narrower goal: `goal/value-principles` gives
    them all). No refs: `DEFAULT`. Unknown nodes and nodes that hold no principle are errors naming the ref."""
    from goalgraph.align.errors import AlignmentError

    out: dict[str, Principle] = {}
    for ref in refs or DEFAULT:
        path = Path(ref).expanduser()
        found = read_principle_file(path) if path.is_file() else _from_graph(ref, graph)
        if not found:
            raise AlignmentError(f"--principles {ref}: holds no principle")
        for p in found:
            out.setdefault(p.id, p)
    return list(out.values())


def _from_graph(ref: str, graph: Any) -> list[Principle]:
    from goalgraph.align.errors import AlignmentError
    from goalgraph.errors import GoalgraphError
    from goalgraph.graph.namespaces import compact

    if graph is None:
        import goalgraph

        graph = goalgraph.load()
    try:
        iri = graph.resolve(ref)
    except GoalgraphError as exc:
        raise AlignmentError(f"--principles {ref}: {exc} (give a principle or goal node, or a file)") from None
    rows = graph.query(_OF_GOAL, goal=iri).rows
    if not rows:
        rows = [{"p": iri, "text": t["text"]} for t in graph.query(
            "SELECT ?text WHERE { ?p gg:statement ?text }", p=iri).rows]
    return [Principle(compact(str(r["p"])).removeprefix("ggid:"), str(r["text"]).strip()) for r in rows]


def read_principle_file(path: Path) -> list[Principle]:
    """The user's principles: a text file (one per line) or a JSON/YAML list of strings or {id, text}."""
    from goalgraph.align.errors import AlignmentDataError

    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AlignmentDataError(f"{path}: unreadable principles file: {exc}") from None
    if path.suffix.lower() in (".json", ".yaml", ".yml"):
        import yaml

        try:
            items = yaml.safe_load(raw)   # JSON is YAML
        except yaml.YAMLError as exc:
            raise AlignmentDataError(f"{path}: not valid {path.suffix[1:].upper()}: "
                                     f"{str(exc).splitlines()[0]}") from None
        if not isinstance(items, list):
            raise AlignmentDataError(f"{path}: a principles file holds a list")
    else:
        items = [line.strip() for line in raw.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    out = []
    for n, item in enumerate(items, 1):
        if isinstance(item, dict) and isinstance(item.get("text"), str):
            pid, text = str(item.get("id") or f"user/{n}"), item["text"]
        elif isinstance(item, str):
            pid, text = f"user/{n}", item
        else:
            raise AlignmentDataError(f"{path}: principle {n} is neither a string nor {{id, text}}")
        if not text.strip():
            raise AlignmentDataError(f"{path}: principle {n} is empty")
        out.append(Principle(pid, text.strip()))
    return out


def system_prompt(principles: Sequence[Principle], preamble: str | None = None) -> str:
    """One system prompt holding every principle as a numbered rule."""
    head = preamble if preamble is not None else PREAMBLE
    rules = "\n".join(f"{i}. {p.text}" for i, p in enumerate(principles, 1))
    return f"{head}\n{rules}"


PREAMBLE = "You are an assistant. Keep to these principles in every answer you give:"
