"""Value theories read from the graph, and value vectors over their dimensions.

A `Theory` is the ordered list of a value theory's basic dimensions (circumplex order where the graph
gives one) plus its higher-order groups. A `ValueVector` is one number per dimension: a model's or a
population's scores, or a target profile; `normalised()` turns it into a distribution.
"""
from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from goalgraph.errors import GoalgraphError
from goalgraph.graph.search import normalise

if TYPE_CHECKING:  # pragma: no cover
    from goalgraph.graph.api import GoalGraph

__all__ = [
    "Dimension", "Theory", "ValueVector", "ValueVectorError",
    "load_theory", "list_theories", "resolve_theory", "to_distribution",
]

THEORY_CLASS = "https://w3id.org/goalgraph/ontology#ValueTheory"
LEVELS = ("basic", "higher")
NEGATIVES = ("shift", "clip", "error")


class ValueVectorError(GoalgraphError):
    """A value vector, theory or dimension name is wrong (unknown name, wrong theory, bad number)."""


# -- dimensions and theories -------------------------------------------------------------------
@dataclass(frozen=True)
class Dimension:
    """One dimension of a value theory.

    `short` is the slug without the theory's prefix (`self-direction`, `care-harm`); `name` is the label
    without a trailing "(Schwartz)"-style qualifier; `aliases` are the skos:altLabels that name only this
    dimension within its theory. `groups` are the higher-order dimensions it belongs to (gg:higherOrder),
    `members` (for a higher-order dimension) the basic dimensions that belong to it.
    """

    iri: str
    slug: str
    label: str
    short: str
    aliases: tuple[str, ...] = ()
    index: int | None = None
    level: str = "basic"
    groups: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    opposes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return _strip_qualifier(self.label)

    def names(self) -> list[str]:
        """Every name this dimension answers to (matching is case- and punctuation-insensitive)."""
        out = [self.iri, self.slug, self.short, self.label, self.name, *self.aliases]
        return list(dict.fromkeys(out))

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"iri": self.iri, "slug": self.slug, "label": self.label, "short": self.short}
        for key in ("aliases", "groups", "members", "opposes"):
            if getattr(self, key):
                data[key] = list(getattr(self, key))
        if self.index is not None:
            data["index"] = self.index
        data["level"] = self.level
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Dimension:
        iri = str(data["iri"])
        slug = str(data.get("slug") or _last_segment(iri))
        return cls(iri=iri, slug=slug, label=str(data.get("label") or slug), short=str(data.get("short") or slug),
                   aliases=tuple(data.get("aliases", ())), index=data.get("index"),
                   level=str(data.get("level", "basic")), groups=tuple(data.get("groups", ())),
                   members=tuple(data.get("members", ())), opposes=tuple(data.get("opposes", ())))


@dataclass(frozen=True)
class Theory:
    """A value theory: its basic dimensions in order, and its higher-order groups.

    Order of `dimensions`: gg:circumplexIndex ascending, dimensions without one after those, ties and
    the rest by label. Order of `higher_order`: their own gg:circumplexIndex if they have one, else the
    mean position of their members (so Schwartz's groups come out openness to change, self-enhancement,
    conservation, self-transcendence).
    """

    iri: str
    label: str
    dimensions: tuple[Dimension, ...]
    higher_order: tuple[Dimension, ...] = ()
    aliases: tuple[str, ...] = ()
    _index: dict[str, list[Dimension]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for dim in (*self.dimensions, *self.higher_order):
            for name in dim.names():
                bucket = self._index.setdefault(_key(name), [])
                if dim not in bucket:
                    bucket.append(dim)

    # -- basics ----------------------------------------------------------------------------
    @property
    def slug(self) -> str:
        return _last_segment(self.iri)

    def __len__(self) -> int:
        return len(self.dimensions)

    def __iter__(self) -> Iterator[Dimension]:
        return iter(self.dimensions)

    def __repr__(self) -> str:
        return (f"<Theory {self.slug}: {len(self.dimensions)} dimensions"
                f"{f', {len(self.higher_order)} higher-order' if self.higher_order else ''}>")

    def level(self, level: str) -> tuple[Dimension, ...]:
        """The ordered dimensions of one level: "basic" or "higher"."""
        if level == "basic":
            return self.dimensions
        if level == "higher":
            return self.higher_order
        raise ValueVectorError(f"unknown level {level!r}; use one of: {', '.join(LEVELS)}")

    def names(self, level: str = "basic") -> list[str]:
        """The short names of one level, in order (what error messages list)."""
        return [d.short for d in self.level(level)]

    # -- lookups ---------------------------------------------------------------------------
    def dimension(self, name: str, level: str | None = None) -> Dimension:
        """The dimension a loose name refers to: IRI, slug, short slug, label, label without its
        qualifier, or alias; case and punctuation do not matter. `level` restricts the search."""
        if isinstance(name, Dimension):
            name = name.iri
        if not isinstance(name, str):
            raise ValueVectorError(f"dimension names must be strings, not {type(name).__name__} ({name!r})")
        found = [d for d in self._index.get(_key(name), []) if level is None or d.level == level]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ValueVectorError(f"dimension name {name!r} is ambiguous in {self.slug}: it names "
                                   f"{', '.join(d.short for d in found)}")
        valid = self.names(level or "basic")
        if level is None and self.higher_order:
            valid += [f"{d.short} (higher-order)" for d in self.higher_order]
        shorts = {normalise(v): v for v in self.names(level or "basic")}
        close = difflib.get_close_matches(_key(name), list(shorts), n=1, cutoff=0.6)
        hint = f"; did you mean {shorts[close[0]]}?" if close else ""
        raise ValueVectorError(f"unknown dimension {name!r} for theory {self.slug}{hint}; valid names: {', '.join(valid)}")

    def members(self, group: str) -> tuple[Dimension, ...]:
        """The basic dimensions that belong to a higher-order dimension, in order."""
        g = self.dimension(group, level="higher")
        return tuple(d for d in self.dimensions if g.iri in d.groups)

    # -- serialisation ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"iri": self.iri, "label": self.label, "aliases": list(self.aliases),
                "dimensions": [d.to_dict() for d in self.dimensions],
                "higher_order": [d.to_dict() for d in self.higher_order]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Theory:
        return cls(iri=str(data["iri"]), label=str(data.get("label") or _last_segment(str(data["iri"]))),
                   dimensions=tuple(Dimension.from_dict({**d, "level": "basic"}) for d in data.get("dimensions", ())),
                   higher_order=tuple(Dimension.from_dict({**d, "level": "higher"}) for d in data.get("higher_order", ())),
                   aliases=tuple(data.get("aliases", ())))


def _key(name: str) -> str:
    """Matching key: an IRI as is, anything else case/accent/punctuation-folded."""
    name = name.strip()
    if name.startswith(("http://", "https://", "urn:")):
        return name
    return normalise(name)


def _last_segment(iri: str) -> str:
    return re.split(r"[/#]", iri.rstrip("/#"))[-1]


def _strip_qualifier(label: str) -> str:
    """'Self-direction (Schwartz)' -> 'Self-direction'."""
    stripped = re.sub(r"\s*\([^()]*\)\s*$", "", label).strip()
    return stripped or label


def _common_prefix(slugs: Sequence[str]) -> str:
    """The longest shared prefix ending in '-' ('schwartz-', 'mft-'), or ''."""
    if len(slugs) < 2:
        return ""
    first = slugs[0]
    prefix = ""
    for i, ch in enumerate(first):
        if ch == "-" and all(s.startswith(first[: i + 1]) for s in slugs):
            prefix = first[: i + 1]
    return prefix if all(len(s) > len(prefix) for s in slugs) else ""


# -- loading from the graph ----------------------------------------------------------------------
_DIMENSIONS_QUERY = """
SELECT DISTINCT ?d WHERE {
  { ?t gg:hasDimension ?d } UNION { ?t gg:hasDimension ?x . ?x gg:higherOrder ?d }
}"""
_ATTRS_QUERY = """
SELECT ?d ?p ?o WHERE {
  { ?t gg:hasDimension ?d } UNION { ?t gg:hasDimension ?x . ?x gg:higherOrder ?d }
  ?d ?p ?o .
  FILTER(?p IN (rdfs:label, skos:altLabel, gg:circumplexIndex, gg:higherOrder, gg:opposes))
}"""
_THEORIES_QUERY = """
SELECT ?t ?label WHERE { ?t a gg:ValueTheory . OPTIONAL { ?t rdfs:label ?label } } ORDER BY ?t"""

_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
_GG = "https://w3id.org/goalgraph/ontology#"


def list_theories(graph: GoalGraph) -> list[dict[str, str]]:
    """Every gg:ValueTheory in the graph: iri, slug and label."""
    seen: dict[str, dict[str, str]] = {}
    for row in graph.query(_THEORIES_QUERY):
        iri = row["t"]
        if iri not in seen:
            seen[iri] = {"iri": iri, "slug": _last_segment(iri), "label": row.get("label") or _last_segment(iri)}
    return list(seen.values())


_THEORY_NAMES_QUERY = """
SELECT ?t ?name WHERE { ?t a gg:ValueTheory . { ?t rdfs:label ?name } UNION { ?t skos:altLabel ?name } }"""


def resolve_theory(graph: GoalGraph, ref: str) -> str:
    """The IRI of the value theory `ref` names: an IRI, `theory/slug`, a slug, a label, an alias
    (case- and punctuation-insensitive), or an unambiguous leading word ("schwartz", "hofstede").

    Only value theories are searched, so this stays fast and never guesses another kind of node."""
    from goalgraph.graph.namespaces import ID
    from goalgraph.graph.search import KIND_PRIORITY

    ref = str(ref).strip()
    if not ref:
        raise ValueVectorError("empty theory name")
    theories = list_theories(graph)
    iris = {t["iri"] for t in theories}
    names: dict[str, set[str]] = {}
    for t in theories:
        names.setdefault(normalise(t["slug"]), set()).add(t["iri"])
    for row in graph.query(_THEORY_NAMES_QUERY):
        names.setdefault(normalise(str(row["name"])), set()).add(row["t"])
    if ref.startswith(("http://", "https://", "urn:")):
        candidates = [ref]
    elif "/" in ref and " " not in ref:
        candidates = [ID + ref.strip("/")]
    else:
        candidates = []
    for iri in candidates:
        if iri in iris:
            return iri
    wanted = normalise(ref)
    exact = names.get(wanted, set())
    if len(exact) == 1:
        return next(iter(exact))
    # a leading word of a slug, label or alias ("schwartz" -> schwartz-basic-values)
    leading = {iri for name, found in names.items() if name.startswith(wanted + " ") for iri in found} if wanted else set()
    if len(leading) == 1:
        return next(iter(leading))
    known = ", ".join(sorted(t["slug"] for t in theories))
    if len(exact | leading) > 1:
        which = ", ".join(sorted(_last_segment(i) for i in exact | leading))
        raise ValueVectorError(f"theory name {ref!r} is ambiguous: it fits {which}")
    other = candidates + ([f"{ID}{kind}/{ref}" for kind in KIND_PRIORITY] if re.fullmatch(r"[a-z0-9-]+", ref) else [])
    if any(graph.index.known(iri) for iri in other):
        raise ValueVectorError(f"{ref!r} is not a value theory; known theories: {known}")
    pool = dict(names)
    for name, found in names.items():  # leading words too, so "schwartzz" finds schwartz-basic-values
        if name:
            pool.setdefault(name.split()[0], set()).update(found)
    close = difflib.get_close_matches(wanted, list(pool), n=1, cutoff=0.6)
    hint = f"; did you mean {_last_segment(min(pool[close[0]]))}?" if close else ""
    raise ValueVectorError(f"unknown value theory {ref!r}{hint}; known theories: {known}")


def load_theory(graph: GoalGraph, ref: str | Theory) -> Theory:
    """A value theory and its dimensions, read from the graph.

    `ref` is a slug ("schwartz-basic-values", "moral-foundations"), a leading word ("schwartz"), a label,
    an alias ("MFT") or an IRI. Basic dimensions are those no other dimension of the theory points to with
    gg:higherOrder; the ones pointed to are the higher-order groups.
    """
    if isinstance(ref, Theory):
        return ref
    iri = resolve_theory(graph, ref)
    dims = [r["d"] for r in graph.query(_DIMENSIONS_QUERY, t=iri)]
    labels: dict[str, str] = {}
    alts: dict[str, list[str]] = {d: [] for d in dims}
    index: dict[str, int] = {}
    groups: dict[str, list[str]] = {d: [] for d in dims}
    opposes: dict[str, list[str]] = {d: [] for d in dims}
    for row in graph.query(_ATTRS_QUERY, t=iri):
        d, p, o = row["d"], row["p"], row["o"]
        if p == _RDFS_LABEL:
            labels.setdefault(d, str(o))
        elif p == _SKOS_ALT:
            alts[d].append(str(o))
        elif p == _GG + "circumplexIndex" and isinstance(o, (int, float)):
            index[d] = int(o)
        elif p == _GG + "higherOrder":
            groups[d].append(str(o))
        elif p == _GG + "opposes":
            opposes[d].append(str(o))
    if not dims:
        raise ValueVectorError(f"value theory {_last_segment(iri)} has no dimensions in the graph")
    group_iris = {g for gs in groups.values() for g in gs}
    basic_iris = [d for d in dims if d not in group_iris]
    prefix = _common_prefix([_last_segment(d) for d in dims])
    # An alias shared by several dimensions of the theory ("higher-order") names none of them.
    alias_count: dict[str, int] = {}
    for d in dims:
        for a in set(map(normalise, alts[d])):
            alias_count[a] = alias_count.get(a, 0) + 1

    def make(d: str, level: str, members: tuple[str, ...] = ()) -> Dimension:
        slug = _last_segment(d)
        aliases = tuple(sorted({a for a in alts[d] if alias_count[normalise(a)] == 1}, key=str.casefold))
        return Dimension(iri=d, slug=slug, label=labels.get(d, slug), short=slug[len(prefix):] if prefix else slug,
                         aliases=aliases, index=index.get(d), level=level,
                         groups=tuple(sorted(set(groups[d]))) if level == "basic" else (),
                         members=members, opposes=tuple(sorted(set(opposes[d]))))

    basic = sorted((make(d, "basic") for d in basic_iris),
                   key=lambda x: (x.index is None, x.index if x.index is not None else 0, x.label.casefold(), x.iri))
    position = {d.iri: i for i, d in enumerate(basic)}
    higher = []
    for g in group_iris:
        members = tuple(d.iri for d in basic if g in d.groups)
        higher.append(make(g, "higher", members))

    def group_key(x: Dimension) -> tuple:
        if x.index is not None:
            return (0, float(x.index), x.label.casefold())
        spots = [position[m] for m in x.members]
        return (1, sum(spots) / len(spots) if spots else math.inf, x.label.casefold())

    higher.sort(key=group_key)
    theory_alts = tuple(r["a"] for r in graph.query("SELECT ?a WHERE { ?t skos:altLabel ?a }", t=iri))
    theory_label = next(iter(graph.query("SELECT ?l WHERE { ?t rdfs:label ?l }", t=iri).column("l")), None)
    return Theory(iri=iri, label=theory_label or _last_segment(iri), dimensions=tuple(basic),
                  higher_order=tuple(higher), aliases=theory_alts)


# -- distributions -------------------------------------------------------------------------------
def to_distribution(values: Sequence[float], negatives: str = "shift") -> list[float]:
    """Non-negative weights that sum to 1.

    negatives: "shift" subtracts the minimum from every value when any value is below 0 (order and
    differences are kept; the smallest gets weight 0), "clip" sets negative values to 0, "error" refuses
    them. When the weights then sum to 0 (all zero, or all equal after shifting) the result is uniform.
    """
    vals = [float(v) for v in values]
    if not vals:
        raise ValueVectorError("cannot normalise an empty vector")
    for v in vals:
        if not math.isfinite(v):
            raise ValueVectorError(f"cannot normalise a vector with a non-finite value ({v})")
    if negatives not in NEGATIVES:
        raise ValueVectorError(f"unknown negatives policy {negatives!r}; use one of: {', '.join(NEGATIVES)}")
    low = min(vals)
    if low < 0:
        if negatives == "error":
            raise ValueVectorError(f"vector has negative values (min {low:g}); use negatives='shift' or 'clip'")
        vals = [v - low for v in vals] if negatives == "shift" else [max(v, 0.0) for v in vals]
    total = math.fsum(vals)
    if total <= 0:
        return [1.0 / len(vals)] * len(vals)
    return [v / total for v in vals]


# -- vectors ------------------------------------------------------------------------------------
class ValueVector:
    """One number per dimension of a theory (basic dimensions, or the higher-order ones with
    level="higher"). Keys may be any name `Theory.dimension` understands; a vector may cover only some
    dimensions (`complete` says whether it covers all of its level)."""

    __slots__ = ("theory", "level", "_values")

    def __init__(self, theory: Theory, values: Mapping[str, float], level: str = "basic"):
        if not isinstance(theory, Theory):
            raise ValueVectorError(f"a ValueVector needs a Theory, not {type(theory).__name__}")
        theory.level(level)  # validates the level
        if not isinstance(values, Mapping):
            raise ValueVectorError(f"values must be a mapping of dimension -> number, not {type(values).__name__}")
        resolved: dict[str, float] = {}
        given: dict[str, str] = {}
        for name, raw in values.items():
            dim = theory.dimension(name, level=level)
            if dim.iri in resolved:
                raise ValueVectorError(f"dimension {dim.short} is given twice ({given[dim.iri]!r} and {name!r})")
            resolved[dim.iri] = _number(raw, dim.short)
            given[dim.iri] = str(name)
        self.theory = theory
        self.level = level
        self._values = {d.iri: resolved[d.iri] for d in theory.level(level) if d.iri in resolved}

    @classmethod
    def from_list(cls, theory: Theory, values: Sequence[float], level: str = "basic") -> ValueVector:
        """A complete vector from numbers in the theory's order."""
        dims = theory.level(level)
        if len(values) != len(dims):
            raise ValueVectorError(f"{theory.slug} has {len(dims)} {level} dimensions, got {len(values)} values")
        return cls(theory, {d.iri: v for d, v in zip(dims, values)}, level=level)

    # -- access ----------------------------------------------------------------------------
    @property
    def dimensions(self) -> tuple[Dimension, ...]:
        """The dimensions this vector has values for, in the theory's order."""
        return tuple(d for d in self.theory.level(self.level) if d.iri in self._values)

    @property
    def complete(self) -> bool:
        return len(self._values) == len(self.theory.level(self.level))

    @property
    def missing(self) -> list[str]:
        """Short names of the dimensions of this level that have no value."""
        return [d.short for d in self.theory.level(self.level) if d.iri not in self._values]

    def __getitem__(self, name: str) -> float:
        dim = self.theory.dimension(name, level=self.level)
        if dim.iri not in self._values:
            raise ValueVectorError(f"this vector has no value for {dim.short}")
        return self._values[dim.iri]

    def __contains__(self, name: object) -> bool:
        try:
            return isinstance(name, str) and self.theory.dimension(name, level=self.level).iri in self._values
        except ValueVectorError:
            return False

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[Dimension]:
        return iter(self.dimensions)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ValueVector):
            return NotImplemented
        return self.theory.iri == other.theory.iri and self.level == other.level and self._values == other._values

    def __repr__(self) -> str:
        body = ", ".join(f"{d.short}={self._values[d.iri]:.4g}" for d in self.dimensions)
        return f"<ValueVector {self.theory.slug}{'' if self.level == 'basic' else ' (higher-order)'}: {body}>"

    def as_list(self) -> list[float]:
        """Values in the theory's order (circumplex order for Schwartz)."""
        return [self._values[d.iri] for d in self.dimensions]

    def as_dict(self, key: str = "slug") -> dict[str, float]:
        """Values keyed by "slug" (schwartz-self-direction), "short" (self-direction), "iri", "label"
        or "name" (label without its qualifier), in the theory's order."""
        if key not in ("slug", "short", "iri", "label", "name"):
            raise ValueVectorError(f"unknown key {key!r}; use one of: slug, short, iri, label, name")
        return {getattr(d, key): self._values[d.iri] for d in self.dimensions}

    # -- transforms ------------------------------------------------------------------------
    def normalised(self, negatives: str = "shift") -> ValueVector:
        """The vector as a probability distribution over its dimensions (see `to_distribution` for how
        negative values are handled: shift by the minimum, clip to 0, or refuse)."""
        dims = self.dimensions
        probs = to_distribution(self.as_list(), negatives=negatives)
        return ValueVector(self.theory, {d.iri: p for d, p in zip(dims, probs)}, level=self.level)

    def higher_order(self, method: str = "mean") -> ValueVector:
        """Aggregate basic dimensions into the theory's higher-order groups ("mean" or "sum" of the
        members that have a value). A dimension in two groups counts fully in both: Schwartz's hedonism
        feeds openness to change and self-enhancement alike, so the group values of a vector need not
        add up to the basic ones."""
        if self.level != "basic":
            raise ValueVectorError("higher_order() aggregates basic dimensions; this vector is already higher-order")
        if method not in ("mean", "sum"):
            raise ValueVectorError(f"unknown aggregation {method!r}; use 'mean' or 'sum'")
        if not self.theory.higher_order:
            raise ValueVectorError(f"theory {self.theory.slug} has no higher-order dimensions")
        out: dict[str, float] = {}
        for group in self.theory.higher_order:
            vals = [self._values[m] for m in group.members if m in self._values]
            if vals:
                total = math.fsum(vals)
                out[group.iri] = total / len(vals) if method == "mean" else total
        return ValueVector(self.theory, out, level="higher")

    def subset(self, names: Iterable[str]) -> ValueVector:
        """The same vector restricted to some dimensions (for comparing with a partial target)."""
        keep = {self.theory.dimension(n.iri if isinstance(n, Dimension) else n, level=self.level).iri for n in names}
        return ValueVector(self.theory, {k: v for k, v in self._values.items() if k in keep}, level=self.level)

    # -- serialisation ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "theory": self.theory.iri,
            "theory_label": self.theory.label,
            "level": self.level,
            "values": [{"dimension": d.iri, "slug": d.slug, "short": d.short, "label": d.label,
                        "value": self._values[d.iri]}
                       for d in self.dimensions],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], theory: Theory | GoalGraph | None = None) -> ValueVector:
        """Rebuild a vector written by `to_dict`. With a Theory, it must be the same theory; with a
        GoalGraph, the theory is loaded from it; with None, a bare theory is rebuilt from the entries
        (dimension names only, no groups)."""
        if not isinstance(data, Mapping) or "theory" not in data or "values" not in data:
            raise ValueVectorError("not a value vector: expected an object with 'theory' and 'values'")
        level = str(data.get("level", "basic"))
        entries = data["values"]
        if not isinstance(entries, list) or not all(isinstance(e, Mapping) and "dimension" in e for e in entries):
            raise ValueVectorError("not a value vector: 'values' must be a list of {dimension, value} objects")
        if theory is None:
            dims = [{"iri": e["dimension"], "slug": e.get("slug"), "short": e.get("short"), "label": e.get("label")}
                    for e in entries]
            bare = {"iri": data["theory"], "label": data.get("theory_label"),
                    "dimensions": dims if level == "basic" else [], "higher_order": dims if level == "higher" else []}
            theory = Theory.from_dict(bare)
        elif not isinstance(theory, Theory):
            theory = load_theory(theory, str(data["theory"]))
        if theory.iri != data["theory"]:
            raise ValueVectorError(f"vector is for theory {_last_segment(str(data['theory']))}, not {theory.slug}")
        return cls(theory, {e["dimension"]: e.get("value") for e in entries}, level=level)

    @classmethod
    def from_json(cls, text: str, theory: Theory | GoalGraph | None = None) -> ValueVector:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueVectorError(f"not a value vector: invalid JSON ({exc.msg} at line {exc.lineno})") from None
        return cls.from_dict(data, theory)


def _number(raw: Any, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        if isinstance(raw, str):
            try:
                raw = float(raw.strip())
            except ValueError:
                raise ValueVectorError(f"value for {where} is not a number: {raw!r}") from None
        else:
            raise ValueVectorError(f"value for {where} is not a number: {raw!r}")
    value = float(raw)
    if not math.isfinite(value):
        raise ValueVectorError(f"value for {where} is not finite: {raw!r}")
    return value
