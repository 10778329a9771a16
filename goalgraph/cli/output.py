"""Rendering rows as a rich table, JSON or CSV: one place so every command formats alike."""
from __future__ import annotations

import csv
import io
import json
import os
import sys
from enum import Enum
from typing import Any, Iterable


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


def _display(value: Any) -> str:
    from goalgraph.graph.sparql import display

    return display(value)


def emit_rows(rows: Iterable[dict[str, Any]], columns: list[str], fmt: Format, title: str | None = None) -> None:
    """Rows out: `table` compacts IRIs for reading; `json` and `csv` keep full values."""
    rows = list(rows)
    if fmt is Format.json:
        emit_json(rows)
    elif fmt is Format.csv:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in columns})
        sys.stdout.write(buf.getvalue())
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, show_lines=False, header_style="bold")
        for col in columns:
            table.add_column(col, overflow="fold")
        for row in rows:
            table.add_row(*(_display(row.get(c)) for c in columns))
        # Piped output (make demo, logs) gets a wide table instead of rich's 80-column default.
        width = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "160"))
        console = Console(soft_wrap=False, width=width)
        console.print(table)
        console.print(f"[dim]{len(rows)} row{'s' if len(rows) != 1 else ''}[/dim]")


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def error(message: str) -> None:
    """The one line a user sees for bad input."""
    sys.stderr.write(f"goalgraph: error: {message}\n")
