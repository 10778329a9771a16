"""A tiny document model (headings, paragraphs, tables, lists, figures) that the report sections are built
from and that Markdown and HTML each render. Text stays plain here; each renderer escapes for its format."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Union


@dataclass(frozen=True)
class Code:
    """An identifier (step id, evaluator id, IRI) shown in monospace."""
    text: str


Inline = Union[str, Code, list]                  # a list mixes str and Code runs


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Para:
    content: Inline


@dataclass
class Table:
    header: list[str]
    rows: list[list[Inline]]
    numeric: set[int] = field(default_factory=set)   # column indexes aligned right


@dataclass
class Bullets:
    items: list[Inline]


@dataclass
class Figure:
    png: str                                      # relative to the report file
    svg: str
    caption: str


Block = Union[Heading, Para, Table, Bullets, Figure]


def runs(content: Inline) -> list[str | Code]:
    """An inline value as a flat list of runs."""
    if isinstance(content, list):
        return [r for part in content for r in runs(part)]
    return [content]


def num(value: Any) -> str:
    """A metric for reading: integers as integers, other numbers to four decimals without trailing zeros."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "" if value is None else str(value)
    if isinstance(value, int):
        return str(value)
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-4):
        return f"{value:.4g}"
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def signed(value: float | None) -> str:
    """A difference with its sign (+0.05, -0.1, 0)."""
    if value is None:
        return ""
    text = num(value)
    return text if text.startswith("-") or text == "0" else f"+{text}"
