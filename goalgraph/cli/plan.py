"""`goalgraph plan` (being written)."""
from __future__ import annotations

import typer


def register(app: typer.Typer, handles_errors) -> None:
    """Add the command to the app (nothing yet)."""
