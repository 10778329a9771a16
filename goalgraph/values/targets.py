"""Target value profiles read from files: what a model's values should look like, e.g. for one culture.

Three formats, chosen by the file's suffix (see docs/values.md):

- JSON or YAML, structured: ``{"theory": "schwartz", "name": ..., "culture": ..., "source": ...,
  "values": {"self-direction": 4.6, ...}}``
- JSON or YAML, flat: ``{"self-direction": 4.6, "stimulation": 3.1, ...}``; the metadata keys below may
  sit beside the dimensions
- CSV with a header row ``dimension,value`` (``weight`` or ``score`` are accepted for ``value``);
  metadata as leading comment lines ``# culture: ...``

Dimension names are matched loosely (short slug, label, alias, IRI). Unknown names and, unless
`allow_partial`, missing dimensions are errors.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from goalgraph.errors import GoalgraphError
from goalgraph.values.vectors import Theory, ValueVector, ValueVectorError, load_theory

if TYPE_CHECKING:  # pragma: no cover
    from goalgraph.graph.api import GoalGraph

__all__ = ["Target", "TargetError", "load_target", "parse_target", "META_KEYS"]

#: Metadata keys a target file may carry besides its values.
META_KEYS = ("theory", "name", "culture", "source", "scale", "description")
_VALUE_COLUMNS = ("value", "weight", "score")
_SUFFIXES = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".csv": "csv"}


class TargetError(ValueVectorError):
    """A target file is missing, unreadable or does not fit its theory."""


@dataclass(frozen=True)
class Target:
    """A target value vector and what the file said about it."""

    vector: ValueVector
    name: str | None = None
    culture: str | None = None
    source: str | None = None
    scale: tuple[float, float] | None = None
    description: str | None = None
    path: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def theory(self) -> Theory:
        return self.vector.theory

    @property
    def title(self) -> str:
        """A short name for legends and reports: name, else culture, else the file stem."""
        return self.name or self.culture or (Path(self.path).stem if self.path else "target")

    def to_dict(self) -> dict[str, Any]:
        """The structured file format (round-trips through `parse_target`)."""
        data: dict[str, Any] = {"theory": self.vector.theory.slug}
        for key in ("name", "culture", "source", "description"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.scale is not None:
            data["scale"] = list(self.scale)
        data.update(self.extra)
        data["values"] = self.vector.as_dict("short")
        return data


def load_target(path: str | Path, theory: Theory | GoalGraph | str, graph: GoalGraph | None = None, *,
                allow_partial: bool = False) -> Target:
    """Read a target profile from a JSON, YAML or CSV file and check it against `theory`.

    `theory` is a Theory; or a GoalGraph, in which case the file must name its theory; or a theory name
    together with `graph`. If the file names a theory too, the two must agree.
    """
    p = Path(path)
    kind = _SUFFIXES.get(p.suffix.lower())
    if kind is None:
        raise TargetError(f"{p}: unknown target file type {p.suffix or '(none)'!r}; use .json, .yaml, .yml or .csv")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise TargetError(f"target file not found: {p}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetError(f"cannot read target file {p}: {getattr(exc, 'strerror', None) or exc}") from None
    return parse_target(text, kind, theory, graph, allow_partial=allow_partial, origin=str(p))


def parse_target(text: str, fmt: str, theory: Theory | GoalGraph | str, graph: GoalGraph | None = None, *,
                 allow_partial: bool = False, origin: str = "<target>") -> Target:
    """Parse target text in format "json", "yaml" or "csv" (what `load_target` does after reading)."""
    try:
        if fmt == "json":
            data = _parse_json(text)
        elif fmt == "yaml":
            data = _parse_yaml(text)
        elif fmt == "csv":
            data = _parse_csv(text)
        else:
            raise TargetError(f"unknown target format {fmt!r}; use json, yaml or csv")
        meta, values = _split(data)
        resolved = _theory_for(theory, graph, meta.get("theory"))
        vector = ValueVector(resolved, values)
        if not vector.complete and not allow_partial:
            raise TargetError(f"target has no value for {', '.join(vector.missing)} "
                              f"(theory {resolved.slug}); give every dimension or pass allow_partial=True")
        if len(vector) == 0:
            raise TargetError("target has no values")
        return Target(vector=vector, name=_text(meta, "name"), culture=_text(meta, "culture"),
                      source=_text(meta, "source"), scale=_scale(meta.get("scale")),
                      description=_text(meta, "description"), path=None if origin == "<target>" else origin,
                      extra={k: v for k, v in meta.items() if k not in META_KEYS})
    except GoalgraphError as exc:
        raise TargetError(f"{origin}: {exc}") from None


# -- formats ---------------------------------------------------------------------------------------
def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TargetError(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def _parse_yaml(text: str) -> Any:
    try:
        import yaml
    except ImportError:  # pragma: no cover - depends on the environment
        raise TargetError("reading YAML targets needs PyYAML: pip install pyyaml (or use JSON or CSV)") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise TargetError(f"invalid YAML{where}: {problem}") from None


def _parse_csv(text: str) -> dict[str, Any]:
    """`# key: value` comment lines (metadata), then a header with `dimension` and `value` columns."""
    meta: dict[str, Any] = {}
    lines = text.splitlines()
    body_start = 0
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            key, sep, value = stripped.lstrip("#").partition(":")
            if sep and key.strip():
                meta[key.strip().lower()] = value.strip()
            continue
        body_start = i
        break
    else:
        raise TargetError("CSV has no header row (expected columns: dimension,value)")
    reader = csv.reader(io.StringIO("\n".join(lines[body_start:])))
    header = [h.strip().lower() for h in next(reader)]
    if "dimension" not in header:
        raise TargetError(f"CSV header must have a 'dimension' column, got: {','.join(header)}")
    value_col = next((c for c in _VALUE_COLUMNS if c in header), None)
    if value_col is None:
        raise TargetError(f"CSV header must have a 'value' column, got: {','.join(header)}")
    di, vi = header.index("dimension"), header.index(value_col)
    values: dict[str, Any] = {}
    for n, row in enumerate(reader, start=body_start + 2):
        if not row or all(not c.strip() for c in row) or row[0].lstrip().startswith("#"):
            continue
        if len(row) <= max(di, vi):
            raise TargetError(f"CSV line {n}: expected {len(header)} columns, got {len(row)}")
        name, raw = row[di].strip(), row[vi].strip()
        if name in values:
            raise TargetError(f"CSV line {n}: dimension {name!r} is listed twice")
        try:
            values[name] = float(raw)
        except ValueError:
            raise TargetError(f"CSV line {n}: value for {name!r} is not a number: {raw!r}") from None
    return {**meta, "values": values}


def _split(data: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(metadata, values) from a structured or flat mapping."""
    if not isinstance(data, Mapping):
        raise TargetError(f"a target must be a mapping of dimension -> value, not {type(data).__name__}")
    data = {str(k): v for k, v in data.items()}
    if "values" in data:
        values = data.pop("values")
        if not isinstance(values, Mapping):
            raise TargetError("'values' must be a mapping of dimension -> value")
        return data, {str(k): v for k, v in values.items()}
    meta = {k: data.pop(k) for k in list(data) if k in META_KEYS}
    return meta, data


def _theory_for(theory: Theory | GoalGraph | str, graph: GoalGraph | None, declared: Any) -> Theory:
    if isinstance(theory, Theory):
        resolved = theory
    elif isinstance(theory, str):
        if graph is None:
            raise TargetError("a theory given by name needs the graph: load_target(path, 'schwartz', graph)")
        resolved = load_theory(graph, theory)
    elif hasattr(theory, "query"):  # a GoalGraph
        graph = theory
        if declared is None:
            raise TargetError("target does not say which theory it is for (add a 'theory' field) "
                              "and none was given")
        resolved = load_theory(graph, str(declared))
    else:
        raise TargetError(f"theory must be a Theory, a GoalGraph or a theory name, not {type(theory).__name__}")
    if declared is not None and not _names_theory(resolved, str(declared), graph):
        raise TargetError(f"target is for theory {declared!r}, not {resolved.slug}")
    return resolved


def _names_theory(theory: Theory, declared: str, graph: GoalGraph | None) -> bool:
    from goalgraph.graph.search import normalise

    wanted = normalise(declared)
    names = {normalise(n) for n in (theory.iri, theory.slug, theory.label, *theory.aliases)}
    if wanted in names or theory.iri == declared.strip() or normalise(theory.slug).startswith(wanted + " "):
        return True
    if graph is not None:
        try:
            return load_theory(graph, declared).iri == theory.iri
        except GoalgraphError:
            return False
    return False


def _text(meta: Mapping[str, Any], key: str) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise TargetError(f"'{key}' must be text, not {type(value).__name__}")
    return str(value)


def _scale(raw: Any) -> tuple[float, float] | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = raw.strip().strip("[]()").replace(",", " ").split()
    if not isinstance(raw, (list, tuple)) or len(raw) != 2:
        raise TargetError(f"'scale' must be two numbers [low, high], got {raw!r}")
    try:
        low, high = float(raw[0]), float(raw[1])
    except (TypeError, ValueError):
        raise TargetError(f"'scale' must be two numbers [low, high], got {raw!r}") from None
    if not low < high:
        raise TargetError(f"'scale' must have low < high, got {raw!r}")
    return (low, high)
