"""Finding nodes by name: exact label, alias (skos:altLabel), slug, and fuzzy matches with suggestions."""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

import pyoxigraph as ox

from goalgraph.errors import UnknownNodeError
from goalgraph.graph.namespaces import GG, ID, PREFIXES, compact, split_node_iri

# When a slug or label names several nodes, the first kind in this list wins.
KIND_PRIORITY = [
    "goal", "method", "benchmark", "dataset", "instrument", "theory", "dimension", "approach",
    "classifier", "aspect", "challenge", "paradigm", "learning-line", "learning-level", "taxonomy",
    "prompt-type", "data-source", "principle", "evaluator", "aligner", "paper",
]

_LABEL = ox.NamedNode(PREFIXES["rdfs"] + "label")
_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")

_INDEX_QUERY = """
SELECT ?s ?name ?how ?type WHERE {
  { ?s rdfs:label ?name . BIND("label" AS ?how) }
  UNION { ?s skos:altLabel ?name . BIND("alias" AS ?how) }
  UNION { ?s dcterms:title ?name . BIND("title" AS ?how) }
  OPTIONAL { ?s a ?type . FILTER(STRSTARTS(STR(?type), STR(gg:))) }
}
"""


def normalise(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form used for matching."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@dataclass(frozen=True)
class Entry:
    iri: str
    name: str
    how: str  # label | alias | title | slug
    type: str | None


@dataclass(frozen=True)
class Hit:
    """One search result."""

    iri: str
    label: str
    type: str
    score: float
    matched: str
    how: str

    @property
    def node(self) -> str:
        return compact(self.iri)


def _slug_candidates(ref: str) -> list[str]:
    """Every instance IRI a bare slug could name, in kind priority order."""
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", ref):
        return []
    return [f"{ID}{kind}/{ref}" for kind in KIND_PRIORITY]


def _kind_rank(iri: str) -> int:
    parts = split_node_iri(iri)
    if parts and parts[0] in KIND_PRIORITY:
        return KIND_PRIORITY.index(parts[0])
    return len(KIND_PRIORITY)


class LabelIndex:
    """Names of nodes. Direct lookups (IRI, slug, label of one node) hit the store; the full
    name index, needed for label, alias and fuzzy matching, is built on first use."""

    def __init__(self, store: ox.Store):
        self.store = store
        self._built = False
        self.entries: list[Entry] = []
        self.labels: dict[str, str] = {}
        self.types: dict[str, str] = {}
        self.by_norm: dict[str, list[Entry]] = {}

    def _build(self) -> None:
        if self._built:
            return
        self._built = True
        seen: set[tuple[str, str, str]] = set()
        for sol in self.store.query(_INDEX_QUERY, prefixes=PREFIXES, use_default_graph_as_union=True):
            s = sol["s"]
            if not isinstance(s, ox.NamedNode):
                continue
            iri, name, how = s.value, sol["name"].value, sol["how"].value
            t = sol["type"].value if sol["type"] is not None else None
            if t and (iri not in self.types or self.types[iri] == GG + "Node"):
                self.types[iri] = t
            if how == "label" and iri not in self.labels:
                self.labels[iri] = name
            key = (iri, name, how)
            if key in seen:
                continue
            seen.add(key)
            self._add(Entry(iri, name, how, t))
        for iri in list(self.types):
            parts = split_node_iri(iri)
            if parts:
                self._add(Entry(iri, parts[1], "slug", self.types[iri]))

    def _add(self, entry: Entry) -> None:
        self.entries.append(entry)
        self.by_norm.setdefault(normalise(entry.name), []).append(entry)

    def label(self, iri: str) -> str:
        if iri not in self.labels:
            found = next(iter(self.store.quads_for_pattern(ox.NamedNode(iri), _LABEL, None, None)), None)
            self.labels[iri] = found.object.value if found is not None else compact(iri)
        return self.labels[iri]

    def type_of(self, iri: str) -> str:
        if iri not in self.types:
            types = sorted(q.object.value for q in self.store.quads_for_pattern(ox.NamedNode(iri), _TYPE, None, None)
                           if isinstance(q.object, ox.NamedNode))
            gg_types = [t for t in types if t.startswith(GG) and t != GG + "Node"]
            self.types[iri] = (gg_types or types or [""])[0]
        t = self.types[iri]
        return compact(t) if t else ""

    def known(self, iri: str) -> bool:
        try:
            node = ox.NamedNode(iri)
        except ValueError:
            return False
        return next(iter(self.store.quads_for_pattern(node, None, None, None)), None) is not None

    # -- resolving one reference ---------------------------------------------------------
    def resolve(self, ref: str) -> str:
        """IRI for a full IRI, `kind/slug`, `prefix:name`, a slug, a label or an alias."""
        ref = ref.strip()
        if not ref:
            raise UnknownNodeError("empty node reference")
        candidates: list[str] = []
        if ref.startswith(("http://", "https://", "urn:")):
            candidates.append(ref)
        elif "/" in ref and " " not in ref:
            candidates.append(ID + ref.strip("/"))
        elif re.fullmatch(r"[A-Za-z][\w-]*:[^\s/]+", ref):
            prefix, local = ref.split(":", 1)
            if prefix in PREFIXES:
                candidates.append(PREFIXES[prefix] + local)
        candidates += _slug_candidates(ref)
        for iri in candidates:
            if self.known(iri):
                return iri
        self._build()
        entries = self.by_norm.get(normalise(ref), [])
        if entries:
            # exact label beats alias beats slug, then the kind priority decides.
            order = {"label": 0, "title": 0, "alias": 1, "slug": 2}
            best = min(entries, key=lambda e: (order.get(e.how, 3), _kind_rank(e.iri), e.iri))
            return best.iri
        suggestions = self.suggest(ref)
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        raise UnknownNodeError(f"unknown node {ref!r}{hint}", suggestions)

    def namesakes(self, ref: str, chosen: str) -> list[str]:
        """Other nodes a bare slug also names (`ethics` is a benchmark and a dataset)."""
        return [iri for iri in _slug_candidates(ref.strip()) if iri != chosen and self.known(iri)]

    def suggest(self, ref: str, n: int = 5) -> list[str]:
        """Close names, formatted `label (kind/slug)`; for `kind/slug` or an IRI, the slug is what is matched."""
        if "/" in ref and " " not in ref:
            ref = ref.rstrip("/").rsplit("/", 1)[-1]
        hits = self.search(ref, limit=n, min_score=0.55)
        return [f"{h.label} ({h.node})" for h in hits]

    # -- ranked search -------------------------------------------------------------------
    def search(self, text: str, limit: int = 20, min_score: float = 0.65, kind: str | None = None) -> list[Hit]:
        """Ranked matches: exact > prefix > word > substring > fuzzy; best name per node."""
        q = normalise(text)
        if not q:
            return []
        self._build()
        q_words = set(q.split())
        best: dict[str, Hit] = {}
        for norm, entries in self.by_norm.items():
            score = _score(q, q_words, norm)
            if score < min_score:
                continue
            for e in entries:
                if kind and (split_node_iri(e.iri) or ("",))[0] != kind:
                    continue
                bonus = {"label": 0.02, "alias": 0.01, "title": 0.0, "slug": 0.0}.get(e.how, 0.0)
                s = round(min(score + bonus, 1.0), 3)
                prev = best.get(e.iri)
                if prev is None or s > prev.score:
                    best[e.iri] = Hit(e.iri, self.label(e.iri), self.type_of(e.iri), s, e.name, e.how)
        hits = sorted(best.values(), key=lambda h: (-h.score, _kind_rank(h.iri), h.label.casefold()))
        return hits[:limit]


def _score(q: str, q_words: set[str], norm: str) -> float:
    if norm == q:
        return 1.0
    if norm.startswith(q):
        return 0.9 if len(q) >= 3 else 0.7
    words = norm.split()
    if q_words and q_words.issubset(words):
        return 0.85
    if len(q) >= 3 and q in norm:
        return 0.75
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(q)
    best = 0.0
    # Whole name, then every window of as many words as the query: a typo in one word of a
    # long title ("prefernces" in "human preferences") still finds it.
    # A window match weighs less than the same match on the whole name, so a near miss of a short name
    # ("basic valuez") ranks that name ("Basic values") above longer names that merely contain it.
    n = max(1, len(q.split()))
    windows = [" ".join(words[i:i + n]) for i in range(len(words) - n + 1)] if len(words) > n else []
    for cand, weight in [(norm, 0.8), *((w, 0.74) for w in windows)]:
        matcher.set_seq1(cand)
        if matcher.real_quick_ratio() * weight <= best or matcher.quick_ratio() * weight <= best:
            continue
        best = max(best, matcher.ratio() * weight)
    return best
