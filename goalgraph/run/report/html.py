"""HTML rendering of a report document: one page, no scripts, every text escaped with `html.escape`.
Figures are `<img>` elements pointing at the PNGs in the plots folder beside the page (relative links),
so the page and its `<stem>_plots/` folder travel together."""
from __future__ import annotations

from html import escape

from goalgraph.run.report.document import Block, Bullets, Code, Figure, Heading, Inline, Para, Table, runs

STYLE = """body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:0.5rem 0 1rem}th,td{border:1px solid #ccc;padding:0.25rem 0.5rem;
text-align:left;vertical-align:top}td.num{text-align:right;font-variant-numeric:tabular-nums}
code{background:#f4f4f4;padding:0 0.2rem}figure{margin:1rem 0}img{max-width:36rem;height:auto}"""


def inline(content: Inline) -> str:
    return "".join(f"<code>{escape(r.text)}</code>" if isinstance(r, Code) else escape(r) for r in runs(content))


def render(blocks: list[Block], title: str) -> str:
    body: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            level = min(max(b.level, 1), 6)
            body.append(f"<h{level}>{escape(b.text)}</h{level}>")
        elif isinstance(b, Para):
            body.append(f"<p>{inline(b.content)}</p>")
        elif isinstance(b, Bullets):
            items = "".join(f"<li>{inline(i)}</li>" for i in b.items)
            body.append(f"<ul>{items}</ul>")
        elif isinstance(b, Table):
            head = "".join(f"<th>{escape(h)}</th>" for h in b.header)
            rows = []
            for row in b.rows:
                cells = "".join(f'<td class="num">{inline(c)}</td>' if i in b.numeric else f"<td>{inline(c)}</td>"
                                for i, c in enumerate(row))
                rows.append(f"<tr>{cells}</tr>")
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
        elif isinstance(b, Figure):
            png, svg = escape(b.png, quote=True), escape(b.svg, quote=True)
            cap = escape(b.caption)
            body.append(f'<figure><img src="{png}" alt="{escape(b.caption, quote=True)}">'
                        f'<figcaption>{cap} (<a href="{svg}">SVG</a>)</figcaption></figure>')
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


