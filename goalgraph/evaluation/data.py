"""Loading benchmark data in its native schema: local json/jsonl/csv/parquet/yaml, or a hub id through `datasets`.

Every record is checked against the evaluator's fields; the first missing or mistyped field is named with the
file and the item number in a one-line error. CSV cells are strings, so they are coerced to the declared type.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Iterable, Sequence

from goalgraph.evaluation.base import EvaluationError, Field

LOCAL_SUFFIXES = (".json", ".jsonl", ".csv", ".parquet", ".yaml", ".yml")
WRAPPING_KEYS = ("data", "items", "rows", "examples")   # {"data": [...]} and friends
_SCALARS = {"str": str, "int": int, "float": float, "bool": bool, "list": list, "dict": dict}


def load_records(source: str, fields: Sequence[Field] = (), *, split: str | None = None,
                 name: str | None = None, limit: int | None = None, who: str = "evaluator") -> list[dict]:
    """Records from `source` (a path, or `hub:owner/name` / an id that is not a path), checked against `fields`."""
    path = Path(source)
    if path.suffix.lower() in LOCAL_SUFFIXES or path.exists():
        records = _read_local(path)
    else:
        records = _read_hub(source, split=split, name=name)
    if limit is not None:
        records = records[:limit]
    return [check_record(r, fields, i, source, who) for i, r in enumerate(records)]


def _read_local(path: Path) -> list[dict]:
    if not path.exists():
        raise EvaluationError(f"data file not found: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".jsonl":
            return _jsonl(path)
        if suffix == ".json":
            return _json(path)
        if suffix == ".csv":
            with path.open(newline="", encoding="utf-8") as fh:
                return [dict(row) for row in csv.DictReader(fh)]
        if suffix == ".parquet":
            return _parquet(path)
        if suffix in (".yaml", ".yml"):
            return _yaml(path)
    except EvaluationError:
        raise
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise EvaluationError(f"cannot read data file {path}: {exc}") from None
    raise EvaluationError(f"data file {path}: unknown format {suffix!r} (use {', '.join(LOCAL_SUFFIXES)})")


def _jsonl(path: Path) -> list[dict]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise EvaluationError(f"data file {path}: line {n} is not JSON ({exc.msg})") from None
    return out


def _json(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise EvaluationError(f"data file {path}: not JSON (line {exc.lineno}: {exc.msg})") from None
    return _records(data, path)

def _yaml(path: Path) -> list[dict]:
    try:
        import yaml
    except ImportError:
        raise EvaluationError("reading YAML needs pyyaml (pip install pyyaml)") from None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise EvaluationError(f"data file {path}: not YAML ({str(exc).splitlines()[0]})") from None
    return _records(data, path)


def _records(data: Any, path: Path) -> list[dict]:
    """The records of a parsed JSON/YAML document: a list, a list under a wrapping key, or equal-length columns."""
    if isinstance(data, dict):
        for key in WRAPPING_KEYS:
            if isinstance(data.get(key), list):
                return data[key]
        columns = [v for v in data.values() if isinstance(v, list)]
        if columns and len(columns) == len(data) and len({len(c) for c in columns}) == 1:
            return [dict(zip(data, row)) for row in zip(*data.values())]
        raise EvaluationError(f"data file {path}: expected a list of records (or {{'data': [...]}})")
    if not isinstance(data, list):
        raise EvaluationError(f"data file {path}: expected a list of records")
    return data

def _parquet(path: Path) -> list[dict]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise EvaluationError("reading parquet needs pyarrow (pip install pyarrow)") from None
    try:
        return pq.read_table(path).to_pylist()
    except Exception as exc:  # pyarrow raises its own family for corrupt files
        raise EvaluationError(f"data file {path}: not a readable parquet file ({exc})") from None


def _read_hub(source: str, split: str | None, name: str | None) -> list[dict]:
    hub_id = source.removeprefix("hub:")
    try:
        import datasets
    except ImportError:
        raise EvaluationError(f"{source!r} is not a local file, and loading hub datasets needs "
                              "`pip install datasets`") from None
    try:
        ds = datasets.load_dataset(hub_id, name, split=split)
    except Exception as exc:  # offline, unknown id, missing config: all one line for the user
        raise EvaluationError(f"cannot load dataset {hub_id!r} from the hub: {type(exc).__name__}: {exc}") from None
    if split is None:        # a DatasetDict: the evaluation split lm-eval would take (test, else validation)
        splits = list(ds)
        chosen = next((s for s in ("test", "validation", "train") if s in splits), splits[0])
        ds = ds[chosen]
    return [dict(r) for r in ds]


def check_record(record: Any, fields: Iterable[Field], index: int, source: str, who: str) -> dict:
    """The record with CSV strings coerced; an EvaluationError naming the first bad field otherwise."""
    where = f"{source}: item {index}"
    if not isinstance(record, dict):
        raise EvaluationError(f"{where} is a {type(record).__name__}, expected an object with fields")
    out = dict(record)
    for f in fields:
        if f.name not in out or out[f.name] is None or out[f.name] == "" and f.type != "str":
            if f.required:
                present = ", ".join(sorted(map(str, out))[:12])
                raise EvaluationError(f"{where} has no field {f.name!r} ({f.type}) that {who} needs "
                                      f"(it has: {present})")
            continue
        out[f.name] = _coerce(out[f.name], f, where)
    return out


def _coerce(value: Any, f: Field, where: str) -> Any:
    if f.type == "any":                     # the evaluator checks the value itself (e.g. int, str or list)
        return value
    base, _, inner = f.type.partition("[")
    inner = inner.rstrip("]")
    expected = _SCALARS.get(base)
    if expected is None:
        raise ValueError(f"field {f.name}: unknown type {f.type!r}")
    if isinstance(value, str) and expected is not str:
        value = _from_text(value, expected, f, where)
    if hasattr(value, "tolist"):           # numpy arrays from parquet/datasets
        value = value.tolist()
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if expected is int and isinstance(value, float) and value.is_integer():
        value = int(value)
    if expected is list and isinstance(value, tuple):
        value = list(value)
    ok = isinstance(value, expected) and not (expected in (int, float) and isinstance(value, bool))
    if not ok:
        raise EvaluationError(f"{where}: field {f.name!r} is {type(value).__name__} {_short(value)}, "
                              f"expected {f.type}")
    if inner:
        want = _SCALARS[inner]
        for j, v in enumerate(value):
            if want is float and isinstance(v, int) and not isinstance(v, bool):
                value[j] = v = float(v)
            if not isinstance(v, want) or (want in (int, float) and isinstance(v, bool)):
                raise EvaluationError(f"{where}: field {f.name!r}[{j}] is {type(v).__name__} {_short(v)}, "
                                      f"expected {inner}")
    return value


def _from_text(text: str, expected: type, f: Field, where: str) -> Any:
    try:
        if expected is bool:
            low = text.strip().lower()
            if low in ("true", "1", "yes"):
                return True
            if low in ("false", "0", "no"):
                return False
            raise ValueError(text)
        if expected is int:
            return int(text.strip())
        if expected is float:
            return float(text.strip())
        return json.loads(text)
    except (ValueError, json.JSONDecodeError):
        raise EvaluationError(f"{where}: field {f.name!r} is {_short(text)}, expected {f.type}") from None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
