"""Two runs side by side, "before" (DIR) and "after" (--compare DIR2): steps matched by id, else by node and
evaluator; each main metric's before, after and delta, judged better or worse by the direction the
evaluator's manifest declares; value-dimension deltas; and whether the model moved closer to its target."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from goalgraph.graph.namespaces import compact
from goalgraph.run.report.collect import RunView, StepView, alignment_line
from goalgraph.run.report.document import Block, Bullets, Code, Figure, Heading, Para, Table, num, signed
from goalgraph.run.report.sections import citations, counts_text


@dataclass
class Pair:
    before: StepView
    after: StepView
    matched_by: str                               # "id" or "node+evaluator"


@dataclass
class MetricChange:
    step: str
    name: str
    before: float | None
    after: float | None
    higher_is_better: bool | None
    delta: float | None = None
    change: str = ""                              # better, worse, neutral; "" when one side is missing

    def __post_init__(self) -> None:
        if self.before is None or self.after is None:
            return
        self.delta = self.after - self.before
        if self.higher_is_better is None or self.delta == 0:
            self.change = "neutral"
        else:
            self.change = "better" if (self.delta > 0) == self.higher_is_better else "worse"


@dataclass
class Change:
    """A before/after pair of one number (a dimension score or a distance)."""
    key: str
    label: str
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        return None if self.before is None or self.after is None else self.after - self.before


@dataclass
class ValueChange:
    pair: Pair
    theory: str
    theory_label: str
    dimensions: list[Change]
    distances: list[Change]
    target_note: str
    notes: list[str] = field(default_factory=list)


@dataclass
class Comparison:
    before: RunView
    after: RunView
    pairs: list[Pair]
    only_before: list[StepView]
    only_after: list[StepView]
    metrics: list[MetricChange]
    values: list[ValueChange]

    def tally(self) -> dict[str, int]:
        out = {"better": 0, "worse": 0, "neutral": 0}
        for m in self.metrics:
            if m.change in out:
                out[m.change] += 1
        return out


# -- matching --------------------------------------------------------------------------------------
def match(before: list[StepView], after: list[StepView]) -> tuple[list[Pair], list[StepView], list[StepView]]:
    """Pairs in the after run's order; a node+evaluator match only where it is unambiguous on both sides."""
    by_id = {s.id: s for s in before}
    pairs: dict[str, Pair] = {}
    for s in after:
        if s.id in by_id:
            pairs[s.id] = Pair(by_id[s.id], s, "id")
    used = {p.before.id for p in pairs.values()}
    rest_b = [s for s in before if s.id not in used]
    rest_a = [s for s in after if s.id not in pairs]
    key = lambda s: (s.node, s.evaluator)  # noqa: E731
    for s in rest_a:
        cands = [b for b in rest_b if key(b) == key(s)]
        if len(cands) == 1 and sum(1 for a in rest_a if key(a) == key(s)) == 1:
            pairs[s.id] = Pair(cands[0], s, "node+evaluator")
    used = {p.before.id for p in pairs.values()}
    ordered = [pairs[s.id] for s in after if s.id in pairs]
    return ordered, [s for s in before if s.id not in used], [s for s in after if s.id not in pairs]


# -- directions ------------------------------------------------------------------------------------
def manifest_directions() -> dict[str, list[tuple[str, bool | None]]]:
    """evaluator id -> [(metric name or pattern, higher_is_better)] from the installed plugins' manifests
    (for runs whose steps did not record `metric_directions`).
    Without plugins (or if reading them fails) every direction is unknown and every change neutral."""
    try:
        from goalgraph.registry.snapshot import current_plugins

        plugins = current_plugins()
    except Exception:  # a broken plugin environment must not stop a report; directions become unknown
        return {}
    out: dict[str, list[tuple[str, bool | None]]] = {}
    for p in plugins:
        for c in p.get("components") or []:
            if c.get("kind") in (None, "evaluator") and c.get("id"):
                out.setdefault(c["id"], []).extend((str(m.get("name")), m.get("higher_is_better"))
                                                   for m in c.get("metrics") or [] if m.get("name"))
    return out


def _pattern(name: str) -> re.Pattern:
    parts = re.split(r"(<[^<>]*>)", name)
    return re.compile("^" + "".join(".+" if p.startswith("<") else re.escape(p) for p in parts if p) + "$")


def direction(metric: str, declared: list[tuple[str, bool | None]]) -> bool | None:
    """higher_is_better for `metric`: its exact manifest entry, else the first `x/<...>`-style pattern it fits."""
    for name, hib in declared:
        if name == metric:
            return hib
    for name, hib in declared:
        if "<" in name and _pattern(name).match(metric):
            return hib
    return None


# -- building ----------------------------------------------------------------------------------------
def _number(x: Any) -> float | None:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def compare(before: RunView, after: RunView, directions: dict[str, list] | None = None) -> Comparison:
    """`directions` (evaluator id -> declared metrics) defaults to the installed manifests, read only when a
    step did not record its metrics' directions itself."""
    pairs, only_b, only_a = match(before.steps, after.steps)
    metrics = []
    for p in pairs:
        declared = [*p.after.directions, *p.before.directions]
        if not declared:
            if directions is None:
                directions = manifest_directions()
            declared = directions.get(p.after.evaluator or "", []) or directions.get(p.before.evaluator or "", [])
        b = {m.name: _number(m.value) for m in p.before.metrics}
        a = {m.name: _number(m.value) for m in p.after.metrics}
        for name in list(dict.fromkeys([*b, *a])):
            if b.get(name) is None and a.get(name) is None:
                continue
            metrics.append(MetricChange(p.after.id, name, b.get(name), a.get(name), direction(name, declared)))
    values = [vc for p in pairs if (vc := value_change(p)) is not None]
    return Comparison(before, after, pairs, only_b, only_a, metrics, values)


def value_change(p: Pair) -> ValueChange | None:
    vb, va = p.before.values, p.after.values
    if vb is None or va is None or vb.theory != va.theory:
        return None
    b, a = vb.scores(), va.scores()
    labels = {d.node: d.label for d in [*vb.dimensions, *va.dimensions]}
    dims = [Change(node, labels[node], b.get(node), a.get(node)) for node in dict.fromkeys([*b, *a])]
    tb, ta = vb.target, va.target
    dist: list[Change] = []
    if tb is not None or ta is not None:
        db, da = (tb.distances if tb else {}), (ta.distances if ta else {})
        dist = [Change(k, k, db.get(k), da.get(k)) for k in sorted({*db, *da})]
    if tb is None and ta is None:
        note = "Neither run measured a distance to a target for this theory (give one with --target FILE)."
    elif tb is None or ta is None:
        note = f"Only the {'after' if tb is None else 'before'} run measured a distance to a target."
    elif (tb.name, tb.path) != (ta.name, ta.path):
        note = (f"The runs used different targets ({tb.name or tb.path} before, {ta.name or ta.path} after); "
                f"the distances are not comparable as they stand.")
    else:
        note = f"Both distances are to target {ta.name or ta.path or 'unnamed'}" + \
               (" (given with --target)." if ta.origin == "--target" else ".") + " Lower is closer."
    return ValueChange(p, va.theory, va.theory_label, dims, dist, note)


# -- document --------------------------------------------------------------------------------------
def _closer(c: Change) -> str:
    d = c.delta
    if d is None:
        return ""
    return "closer" if d < 0 else "further" if d > 0 else "unchanged"


def blocks(cmp: Comparison, figures: dict[tuple[str, str], Figure]) -> list[Block]:
    b, a = cmp.before, cmp.after
    out: list[Block] = [Heading(1, f"Comparison: {b.run_id} → {a.run_id}")]
    out.append(Para(["Before: run ", Code(b.run_id), f" of plan {b.title}. After: run ", Code(a.run_id),
                     f" of plan {a.title}."]))
    rows = [["plan", b.title, a.title], ["goal", b.goal[1], a.goal[1]],
            ["model", Code(b.model_path), Code(a.model_path)], ["fingerprint", Code(b.fingerprint), Code(a.fingerprint)],
            ["run", Code(b.run_id), Code(a.run_id)], ["started", b.started, a.started],
            ["ended", b.ended or "not finished", a.ended or "not finished"],
            ["steps", counts_text(b), counts_text(a)]]
    out.append(Table(["field", "before", "after"], rows))
    out.append(Para(alignment_line(a)))

    out.append(Heading(2, "Metric changes"))
    t = cmp.tally()
    out.append(Para(f"{len(cmp.pairs)} step{'s' if len(cmp.pairs) != 1 else ''} in both runs; "
                    f"{t['better']} better, {t['worse']} worse, {t['neutral']} neutral (direction from the "
                    f"evaluator's manifest; neutral where it declares none or nothing changed)."))
    if cmp.metrics:
        hib = {True: "higher", False: "lower", None: "unknown"}
        out.append(Table(["step", "metric", "before", "after", "delta", "better when", "change"],
                         [[Code(m.step), m.name, num(m.before), num(m.after), signed(m.delta), hib[m.higher_is_better],
                           m.change or "only one run"] for m in cmp.metrics], numeric={2, 3, 4}))
    matched = {p.after.id: p.matched_by for p in cmp.pairs}
    by_node = [sid for sid, how in matched.items() if how != "id"]
    if by_node:
        out.append(Para(["Matched by node and evaluator (the step ids differ): ",
                         *[x for i, sid in enumerate(by_node) for x in ([", "] if i else []) + [Code(sid)]], "."]))
    failed = [(p.after.id, "after", p.after.error) for p in cmp.pairs if p.after.state == "failed"] + \
             [(p.before.id, "before", p.before.error) for p in cmp.pairs if p.before.state == "failed"]
    if failed:
        out.append(Bullets([[Code(sid), f" failed in the {side} run: {err or 'no error recorded'}"]
                            for sid, side, err in failed]))
    for p in cmp.pairs:
        fig = figures.get(("metrics", p.after.id))
        if fig is not None:
            out.append(fig)

    out.append(Heading(2, "Value dimension changes"))
    if not cmp.values:
        out.append(Para("No step measured the same value theory in both runs."))
    for vc in cmp.values:
        out.append(Heading(3, f"{vc.theory_label}: {vc.pair.after.label}"))
        out.append(Table(["dimension", "node", "before", "after", "delta"],
                         [[c.label, Code(compact(c.key)), num(c.before), num(c.after), signed(c.delta)]
                          for c in vc.dimensions], numeric={2, 3, 4}))
        out.append(Para(vc.target_note))
        if vc.distances:
            out.append(Table(["distance", "before", "after", "delta", "change"],
                             [[Code(c.key), num(c.before), num(c.after), signed(c.delta), _closer(c)]
                              for c in vc.distances], numeric={1, 2, 3}))
        if vc.notes:
            out.append(Bullets(vc.notes))
        fig = figures.get(("values", vc.pair.after.id))
        if fig is not None:
            out.append(fig)

    out.append(Heading(2, "Steps in only one run"))
    singles = [[Code(s.id), f" ({s.label}): only in the before run"] for s in cmp.only_before] + \
              [[Code(s.id), f" ({s.label}): only in the after run"] for s in cmp.only_after]
    out.append(Bullets(singles) if singles else Para("None: every step is in both runs."))
    out += citations(_merged_citations(cmp))
    return out


def _merged_citations(cmp: Comparison) -> RunView:
    """A stand-in view whose steps carry the citations of both runs, for the shared citations section."""
    from dataclasses import replace

    steps = list(cmp.after.steps) + [s for s in cmp.before.steps if s.id not in {x.id for x in cmp.after.steps}]
    return replace(cmp.after, steps=steps, papers={**cmp.before.papers, **cmp.after.papers})


def summary(cmp: Comparison) -> str:
    t = cmp.tally()
    return (f"compared {cmp.before.run_id} -> {cmp.after.run_id}: {len(cmp.pairs)} steps in both, "
            f"{t['better']} better, {t['worse']} worse, {t['neutral']} neutral; "
            f"{len(cmp.only_before)} only before, {len(cmp.only_after)} only after")

