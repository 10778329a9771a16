"""Prompt templates: Jinja2 text rendered with an item's fields into the prompt context (lm-eval's doc_to_text).

Undefined names are errors (a template that names a field the data lacks fails on the first item, naming the
field), and the template's SHA-256 is recorded with every result so a number can be traced to its prompt.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from goalgraph.evaluation.base import EvaluationError


class PromptTemplate:
    def __init__(self, source: str, name: str = "inline"):
        import jinja2

        self.source = source
        self.name = name
        self.sha256 = hashlib.sha256(source.encode("utf-8")).hexdigest()
        env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False,  # an editor's final newline is not part of the prompt
                                 autoescape=False)
        try:
            self._template = env.from_string(source)
        except jinja2.TemplateSyntaxError as exc:
            raise EvaluationError(f"template {name}: line {exc.lineno}: {exc.message}") from None

    @classmethod
    def from_file(cls, path: str | Path) -> "PromptTemplate":
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise EvaluationError(f"template file not found: {p}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise EvaluationError(f"cannot read template {p}: {exc}") from None
        return cls(text, name=str(p))

    def render(self, fields: dict[str, Any]) -> str:
        import jinja2

        try:
            return self._template.render(**fields)
        except jinja2.UndefinedError as exc:
            raise EvaluationError(f"template {self.name}: {exc.message} (fields: {', '.join(sorted(fields))})") from None
        except Exception as exc:  # a filter or expression failed on this item
            raise EvaluationError(f"template {self.name}: {type(exc).__name__}: {exc}") from None
