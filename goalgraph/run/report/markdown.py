"""Markdown rendering of a report document (GitHub-flavoured tables; figures as linked PNGs)."""
from __future__ import annotations

from goalgraph.run.report.document import Block, Bullets, Code, Figure, Heading, Inline, Para, Table, runs


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def inline(content: Inline, cell: bool = False) -> str:
    out = "".join(_code(r.text) if isinstance(r, Code) else r for r in runs(content))
    out = " ".join(out.split()) if cell else out
    return out.replace("|", "\\|") if cell else out


def render(blocks: list[Block]) -> str:
    parts: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            parts.append(f"{'#' * b.level} {b.text}")
        elif isinstance(b, Para):
            parts.append(inline(b.content))
        elif isinstance(b, Bullets):
            parts.append("\n".join(f"- {' '.join(inline(i).split())}" for i in b.items))
        elif isinstance(b, Table):
            head = "| " + " | ".join(inline(h, cell=True) for h in b.header) + " |"
            rule = "|" + "|".join("---:" if i in b.numeric else "---" for i in range(len(b.header))) + "|"
            body = ["| " + " | ".join(inline(c, cell=True) for c in row) + " |" for row in b.rows]
            parts.append("\n".join([head, rule, *body]))
        elif isinstance(b, Figure):
            alt = b.caption.replace("[", "(").replace("]", ")")
            parts.append(f"![{alt}]({_url(b.png)})\n\n{alt} ([SVG]({_url(b.svg)}))")
    return "\n\n".join(parts) + "\n"


def _url(path: str) -> str:
    return path.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


