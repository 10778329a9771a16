"""The human-readable page `goalgraph show` prints.

Plain text with ANSI bold/dim on a terminal: rich tables cost ~90 ms here, a third of the
start-up budget of the most common command.
"""
from __future__ import annotations

import os
import shutil
import sys
import textwrap

from goalgraph.graph.describe import Link, NodeView
from goalgraph.graph.namespaces import compact


def _style(enabled: bool):
    def bold(s: str) -> str:
        return f"\x1b[1m{s}\x1b[0m" if enabled else s

    def dim(s: str) -> str:
        return f"\x1b[2m{s}\x1b[0m" if enabled else s

    return bold, dim


def node_page(view: NodeView, color: bool = False, width: int = 100) -> str:
    bold, dim = _style(color)
    wrap = textwrap.TextWrapper(width=width, initial_indent="  ", subsequent_indent="  ")
    out = [f"{bold(view.label)}  {dim(view.iri)}",
           f"  type: {', '.join(compact(t) for t in view.types) or '(untyped)'}"]
    if view.aliases:
        out.append(f"  also known as: {', '.join(view.aliases)}")
    if view.description:
        out += ["", wrap.fill(view.description)]
    if view.attributes:
        out.append("")
        for key, values in view.attributes.items():
            texts = sorted(str(v) for v in values)
            if key == "dcterms:creator" and "author list" in view.attributes:
                continue  # the ordered author list says the same, in order
            # Short values share a line ("seed document: 001, 002"); long ones get one each.
            chunks = [", ".join(texts)] if all(len(t) <= 40 for t in texts) else texts
            for chunk in chunks:
                out.append(textwrap.fill(f"{key}: {chunk}", width=width, initial_indent="  ",
                                         subsequent_indent="      "))
    for title, groups, arrow in (("links out", view.outgoing, "->"), ("links in", view.incoming, "<-")):
        if groups:
            out += ["", bold(title)]
            out += _link_lines(groups, arrow, dim)
    if view.papers:
        out += ["", bold("papers")]
        for link in view.papers:
            out.append(f"  [{link.predicate_label}] {link.label} {dim('(' + compact(link.target) + ')')}")
    if view.sources:
        out += ["", dim(f"stated in: {', '.join(s.rsplit('/', 1)[-1] for s in view.sources)}")]
    if view.namesakes:
        out.append(f"the same name also means: {', '.join(compact(n) for n in view.namesakes)}")
    return "\n".join(out) + "\n"


def _link_lines(groups: dict[str, list[Link]], arrow: str, dim) -> list[str]:
    width = max(len(rel) for rel in groups) + 3
    lines = []
    for rel, links in groups.items():
        for i, link in enumerate(links):
            head = f"{arrow} {rel}" if i == 0 else ""
            lines.append(f"  {head:<{width}} {link.label} {dim('(' + compact(link.target) + ')')}")
    return lines


def print_node(view: NodeView) -> None:
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    width = min(shutil.get_terminal_size((100, 24)).columns, 120)
    sys.stdout.write(node_page(view, color=color, width=width))
