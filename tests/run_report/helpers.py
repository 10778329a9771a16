"""Reading reports back in tests: Markdown table rows by their first cell, and a strict HTML tag checker."""
from __future__ import annotations

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def md_rows(text: str, first: str) -> list[list[str]]:
    """Cells of every Markdown table row whose first cell is `first` (backticks kept)."""
    rows = []
    for line in text.splitlines():
        if line.startswith("| "):
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            if cells and cells[0] == first:
                rows.append(cells)
    return rows


def md_row(text: str, first: str, second: str | None = None) -> list[str]:
    rows = [r for r in md_rows(text, first) if second is None or r[1] == second]
    assert len(rows) == 1, (first, second, rows)
    return rows[0]


class TagChecker(HTMLParser):
    """Records problems: a closing tag that does not close the innermost open one, or tags left open."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.images: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []
        self.saw_doctype = False

    def handle_decl(self, decl: str) -> None:
        self.saw_doctype = decl.lower() == "doctype html"

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a.get("src", ""))
            if not a.get("alt"):
                self.problems.append("img without alt")
        if tag == "a":
            self.links.append(a.get("href", ""))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            self.problems.append(f"end tag for void element {tag}")
        elif not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def check_html(text: str) -> TagChecker:
    checker = TagChecker()
    checker.feed(text)
    checker.close()
    if checker.stack:
        checker.problems.append(f"left open: {checker.stack}")
    return checker
