"""Errors a user can cause. The CLI turns each into one line on stderr and exit code 2."""
from __future__ import annotations


def one_line(exc: BaseException, with_type: bool = False) -> str:
    """An exception's message folded onto one line (third-party messages often span several)."""
    text = " ".join(str(exc).split())
    if with_type:
        return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text or type(exc).__name__


class GoalgraphError(Exception):
    """Base class: bad input, never a bug. `str(err)` is the one line shown to the user."""


class GraphParseError(GoalgraphError):
    """A graph file could not be read or parsed."""


class ShapeViolationError(GoalgraphError):
    """Merged data breaks a SHACL shape. `violations` holds every finding."""

    def __init__(self, message: str, violations: list | None = None):
        super().__init__(message)
        self.violations = violations or []


class UnknownNodeError(GoalgraphError):
    """A node reference matched nothing. `suggestions` lists close labels."""

    def __init__(self, message: str, suggestions: list[str] | None = None):
        super().__init__(message)
        self.suggestions = suggestions or []


class QueryError(GoalgraphError):
    """A SPARQL query is malformed, or tries to change the graph."""


class EvaluationError(GoalgraphError):
    """An evaluation could not run: bad data, bad option, bad template, a model that cannot be loaded."""
