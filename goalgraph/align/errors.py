"""The aligners' user errors: subclasses of GoalgraphError, so the CLI prints them as one line (exit code 2)."""
from __future__ import annotations

from goalgraph.errors import GoalgraphError


class AlignmentError(GoalgraphError):
    """An alignment run cannot start or go on: a bad option, a missing package, a clashing output directory."""


class AlignmentDataError(AlignmentError):
    """A training file or one of its rows is unusable; the message names the file and the row ("item N", from 0)."""
