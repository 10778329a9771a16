"""Data for the steps: `--data NODE=PATH` bindings, bundled defaults, item counts, and each step's status.

A binding's key is a node reference (`truthfulqa`, `benchmark/bbq`, an IRI) or an evaluator id (`mfq30`); a
value is a local file, a hub dataset id, or a `builtin:NAME` source the evaluator ships. Item counts come from
the bound file when counting is cheap, else from the plugin's bundled data, else from the graph.
"""
from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from goalgraph.errors import GoalgraphError, UnknownNodeError
from goalgraph.plan.facts import Facts, gg

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_DATA_SUFFIXES = (".json", ".jsonl", ".ndjson", ".csv", ".tsv", ".parquet", ".yaml", ".yml", ".txt")
_MAX_COUNT_BYTES = 64 * 2**20      # files larger than this are not opened just to count them
COUNTS = (("itemCount", "items"), ("instructionCount", "instructions"), ("taskCount", "tasks"))


@dataclass
class Bindings:
    """`--data` as given, resolved: per node IRI and per evaluator id, the sources in the order given."""

    by_node: dict[str, list[str]] = field(default_factory=dict)
    by_evaluator: dict[str, list[str]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)        # resolved key -> the reference as given
    used: set[str] = field(default_factory=set)

    def sources(self, node: str, evaluator: str | None) -> list[str]:
        if evaluator and evaluator in self.by_evaluator:
            self.used.add(evaluator)
            return self.by_evaluator[evaluator]
        if node in self.by_node:
            self.used.add(node)
            return self.by_node[node]
        return []

    def unused(self) -> list[str]:
        return sorted(self.keys[k] for k in self.keys if k not in self.used)


def parse_pairs(pairs: Iterable[str]) -> dict[str, list[str]]:
    """`NODE=PATH` strings (the CLI's repeated --data) as a mapping; a repeated NODE collects its paths."""
    out: dict[str, list[str]] = {}
    for pair in pairs:
        ref, sep, source = pair.partition("=")
        if not sep or not ref.strip() or not source.strip():
            raise GoalgraphError(f"--data {pair!r}: write NODE=PATH (for example truthfulqa=tqa_mc.parquet)")
        out.setdefault(ref.strip(), []).append(source.strip())
    return out


def resolve_bindings(facts: Facts, data: Mapping[str, Any], evaluator_ids: set[str]) -> Bindings:
    b = Bindings()
    for ref in sorted(data):
        raw = data[ref]
        sources = [raw] if isinstance(raw, str) else list(raw)
        if not sources or not all(isinstance(s, str) and s.strip() for s in sources):
            raise GoalgraphError(f"--data {ref}: give a file, a hub id or builtin:NAME")
        if ref in evaluator_ids:
            b.by_evaluator[ref] = sources
            b.keys[ref] = ref
            continue
        try:
            iri = facts.graph.resolve(ref)
        except UnknownNodeError as exc:
            raise UnknownNodeError(f"--data {ref}: {exc}", exc.suggestions) from None
        b.by_node.setdefault(iri, []).extend(sources)
        b.keys[iri] = ref
    return b


def check_source(source: str, ref: str, bundled: list[str]) -> str:
    """'file', 'hub' or 'builtin' for a usable source; GoalgraphError otherwise."""
    if source.startswith("builtin:"):
        if source in bundled:
            return "builtin"
        ships = f"it ships {', '.join(bundled)}" if bundled else "its evaluator ships no data"
        raise GoalgraphError(f"--data {ref}={source}: {ships}")
    path = Path(source)
    if path.is_file():
        return "file"
    if path.exists():
        raise GoalgraphError(f"--data {ref}={source}: not a file")
    if _HUB_ID.match(source) and not source.lower().endswith(_DATA_SUFFIXES):
        return "hub"
    raise GoalgraphError(f"--data {ref}={source}: no such file (and not a hub dataset id like owner/name)")


def count_items(path: Path) -> int | None:
    """Items in a local data file when that is cheap to tell: JSONL lines, CSV/TSV rows, a JSON list."""
    try:
        if path.stat().st_size > _MAX_COUNT_BYTES:
            return None
        suffix = path.suffix.lower()
        if suffix in (".jsonl", ".ndjson"):
            with path.open(encoding="utf-8") as fh:
                return sum(1 for line in fh if line.strip())
        if suffix in (".csv", ".tsv"):
            with path.open(encoding="utf-8", newline="") as fh:
                rows = sum(1 for row in csv.reader(fh, delimiter="\t" if suffix == ".tsv" else ",") if row)
            return max(rows - 1, 0)
        if suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                data = next((v for k, v in sorted(data.items()) if isinstance(v, list)), None)
            return len(data) if isinstance(data, list) else None
    except (OSError, ValueError, UnicodeDecodeError, csv.Error):
        return None
    return None


def graph_count(facts: Facts, node: str) -> tuple[int | None, str]:
    """The graph's count for a node and what it counts."""
    for prop, what in COUNTS:
        n = facts.one(node, gg(prop))
        if isinstance(n, int):
            return n, what
    return None, ""


def license_of(facts: Facts, node: str) -> str | None:
    """dcterms:license as an SPDX id when it is an SPDX IRI, else as stated."""
    from goalgraph.plan.facts import LICENSE

    values = facts.values(node, LICENSE)
    if not values:
        return None
    return ", ".join(str(v).rsplit("/", 1)[-1] if str(v).startswith("https://spdx.org/licenses/") else str(v)
                     for v in values)
