"""The questionnaire engine: put a rating-scale questionnaire to a language model and score it with a key.

Four parts, each usable on its own (docs/questionnaires.md describes them for users):

- **items** (`Scale`, `Item`, `Part`, `Instrument`, `normalise_items`): the item-file format. Item
  texts are the user's; a published instrument contributes only its key (item number → dimension);
- **variants** (`Variant`, `make_variants`, `present`): every item is asked several ways — options listed in
  their order and reversed, the numbering of the scale reversed (and mapped back), and several instruction
  paraphrases — because a model's answer to a questionnaire moves with such details;
- **answers** (`read_logprobs`, `parse_response`): an item's answer read from the log-probabilities of the option
  codes, or parsed from generated text (with refusals told apart from unparseable answers);
- **keys and spread** (`Key`, `spread`, `combine_variants`): each variant's answer sheet is scored with the key,
  and every score is reported as its mean over variants next to its spread (standard deviation and range).

Nothing here imports a model stack: requests come from `goalgraph.runtime.requests` and whoever runs them
answers them.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from goalgraph.errors import EvaluationError
from goalgraph.runtime.requests import Generation, Loglikelihood

__all__ = [
    "PRESENTATIONS", "REFUSAL_PATTERNS", "Instrument", "Item", "Key", "Option", "Part", "Scale", "Variant",
    "combine_variants", "generation_request", "key_from_items", "logprob_requests", "make_variants",
    "normalise_item", "normalise_items", "option_lines", "parse_response", "present", "read_logprobs", "spread",
]

PRESENTATIONS = ("original", "reversed_order", "reversed_scale")


# -- items and scales ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scale:
    """A rating scale: integer points `min..max`, one label per point (labels[0] belongs to `min`)."""

    min: int
    max: int
    labels: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.max <= self.min:
            raise EvaluationError(f"scale {self.min}..{self.max}: the maximum must be above the minimum")
        if len(self.labels) != self.max - self.min + 1:
            raise EvaluationError(f"scale {self.min}..{self.max} has {self.max - self.min + 1} points but "
                                  f"{len(self.labels)} labels")
        if any(not isinstance(lab, str) or not lab.strip() for lab in self.labels):
            raise EvaluationError(f"scale {self.min}..{self.max}: every label must be a non-empty string")

    @property
    def points(self) -> tuple[int, ...]:
        return tuple(range(self.min, self.max + 1))

    def flip(self, x: float) -> float:
        """The mirror image of `x` on this scale (min ↔ max): reverse keying and reversed numbering."""
        return self.min + self.max - x

    def label(self, point: int) -> str:
        return self.labels[point - self.min]


@dataclass(frozen=True)
class Item:
    """One questionnaire item after normalisation (see `normalise_item`)."""

    number: int
    text: str
    scale: Scale
    dimension: str | None = None
    reverse: bool = False
    catch: bool = False
    catch_range: tuple[float, float] | None = None
    part: str = "main"

    @classmethod
    def from_record(cls, rec: Mapping[str, Any]) -> Item:
        rng = rec.get("catch_min"), rec.get("catch_max")
        return cls(number=int(rec["item"]), text=rec.get("text") or "",
                   scale=Scale(int(rec["scale_min"]), int(rec["scale_max"]), tuple(rec["labels"])),
                   dimension=rec.get("dimension"), reverse=bool(rec.get("reverse", False)),
                   catch=bool(rec.get("catch", False)),
                   catch_range=(float(rng[0]), float(rng[1])) if rec.get("catch") else None,
                   part=rec.get("part") or "main")


@dataclass(frozen=True)
class Part:
    """A section of an instrument: which items it holds, its default scale, and the instruction paraphrases
    (written by us) it is asked with. `items=None` means every item."""

    name: str
    scale: Scale | None
    instructions: tuple[str, ...]
    items: frozenset[int] | None = None


@dataclass(frozen=True)
class Instrument:
    """What an evaluator needs to know about a questionnaire besides the item texts."""

    id: str
    title: str
    key: Any                          # a `Key`, a key-like object with .items/.scale/.score, or None (item file keys it)
    parts: tuple[Part, ...]
    text_required: bool = True

    def part_of(self, number: int) -> Part:
        for part in self.parts:
            if part.items is None or number in part.items:
                return part
        raise EvaluationError(f"{self.id}: item {number} belongs to no part of the instrument")

    @property
    def paraphrase_count(self) -> int:
        return min(len(p.instructions) for p in self.parts)


ITEM_KEYS = ("item", "text", "dimension", "reverse", "catch", "catch_min", "catch_max", "scale_min", "scale_max",
             "labels", "part")


def normalise_item(rec: Mapping[str, Any], instrument: Instrument, where: str = "record") -> dict:
    """An item-file record checked against the instrument and completed with its defaults.

    The result carries every field of `ITEM_KEYS` (plus the record's own extra fields, kept for templates): the
    scale and labels from the record or the item's part; the dimension, reverse flag and catch rule from the
    instrument's key where it has one (a record that states them must agree with the key) or from the record.
    """
    who = f"{instrument.id}: {where}"
    number = rec.get("item")
    if isinstance(number, bool) or not isinstance(number, int):
        raise EvaluationError(f"{who}: field 'item' must be the item's number (an int), not {number!r}")
    key = instrument.key
    if key is not None and number not in key.items:
        raise EvaluationError(f"{who}: item {number} is not in the {instrument.title} key "
                              f"(items {min(key.items)}-{max(key.items)})")
    part = instrument.part_of(number)
    text = rec.get("text")
    if text is None or text == "":
        if instrument.text_required:
            raise EvaluationError(f"{who} (item {number}) has no 'text': item texts come from your item file")
        text = ""
    if not isinstance(text, str):
        raise EvaluationError(f"{who} (item {number}): field 'text' must be a string")
    scale = _scale_of(rec, part, key, f"{who} (item {number})")
    out = {k: v for k, v in rec.items() if k not in ITEM_KEYS}
    out.update(item=number, text=text, scale_min=scale.min, scale_max=scale.max, labels=list(scale.labels),
               part=part.name)
    if key is not None:
        _agree(rec, "dimension", key.dimension_of(number), who, number)
        _agree(rec, "reverse", number in key.reverse, who, number)
        _agree(rec, "catch", number in key.catch, who, number)
        out.update(dimension=key.dimension_of(number), reverse=number in key.reverse, catch=number in key.catch)
        default_range = key.catch.get(number)
    else:
        out.update(dimension=rec.get("dimension") or None, reverse=bool(rec.get("reverse") or False),
                   catch=bool(rec.get("catch") or False))
        default_range = None
        if not out["catch"] and not out["dimension"]:
            raise EvaluationError(f"{who} (item {number}) has no 'dimension' (nor is it a catch item)")
    if out["catch"]:
        lo = rec.get("catch_min", default_range[0] if default_range else None)
        hi = rec.get("catch_max", default_range[1] if default_range else None)
        if lo is None or hi is None:
            raise EvaluationError(f"{who} (item {number}) is a catch item: give 'catch_min' and 'catch_max', the "
                                  "answers that pass")
        out.update(catch_min=float(lo), catch_max=float(hi))
    return out


def _scale_of(rec: Mapping[str, Any], part: Part, key: Any, who: str) -> Scale:
    labels = rec.get("labels")
    lo = rec.get("scale_min", part.scale.min if part.scale else (key.scale[0] if key is not None else 1))
    hi = rec.get("scale_max")
    if hi is None:
        if labels:
            hi = lo + len(labels) - 1
        elif key is not None:
            hi = key.scale[1]
        elif part.scale is not None and lo == part.scale.min:
            hi = part.scale.max
        else:
            raise EvaluationError(f"{who}: give 'labels' (one per scale point) or 'scale_max'")
    if key is not None and (lo, hi) != tuple(key.scale):
        raise EvaluationError(f"{who}: scale {lo}..{hi} differs from the key's {key.scale[0]}..{key.scale[1]}")
    if not labels:
        if part.scale is None or (part.scale.min, part.scale.max) != (lo, hi):
            raise EvaluationError(f"{who}: give 'labels', one per point of the scale {lo}..{hi}")
        labels = part.scale.labels
    try:
        return Scale(int(lo), int(hi), tuple(labels))
    except EvaluationError as exc:
        raise EvaluationError(f"{who}: {exc}") from None


def _agree(rec: Mapping[str, Any], name: str, keyed: Any, who: str, number: int) -> None:
    given = rec.get(name)
    if given is None or given == "":
        return
    if (bool(given) != keyed) if isinstance(keyed, bool) else (given != keyed):
        raise EvaluationError(f"{who}: item {number} says {name}={given!r}, but the key says {keyed!r} "
                              "(is the item numbered as in the published questionnaire?)")


def normalise_items(records: Sequence[Mapping[str, Any]], instrument: Instrument, *,
                    partial: bool = False) -> list[dict]:
    """All records normalised; duplicate numbers and (unless `partial`) items missing from the key are errors."""
    items, seen = [], {}
    for i, rec in enumerate(records):
        item = normalise_item(rec, instrument, f"record {i}")
        if item["item"] in seen:
            raise EvaluationError(f"{instrument.id}: item number {item['item']} appears twice "
                                  f"(records {seen[item['item']]} and {i})")
        seen[item["item"]] = i
        items.append(item)
    key = instrument.key
    if key is not None and not partial:
        missing = sorted(set(key.items) - set(seen))
        if missing:
            raise EvaluationError(f"{instrument.id}: the item file has {len(seen)} of the {len(key.items)} items "
                                  f"(missing {_ranges(missing)}); scores such as centred values need all of them "
                                  "(--option partial=true scores what is there)")
    return items


def _ranges(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:12]))
    return shown + (f" and {len(numbers) - 12} more" if len(numbers) > 12 else "")


# -- variants and presentation ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Variant:
    """One way of asking every item: an instruction paraphrase (0-based index) and a presentation."""

    paraphrase: int
    presentation: str

    @property
    def name(self) -> str:
        return f"p{self.paraphrase + 1}-{self.presentation}"


def make_variants(presentations: str | Sequence[str], paraphrases: int, available: int) -> list[Variant]:
    """Every presentation crossed with the first `paraphrases` instructions, paraphrase-major. At least two
    variants are required: a score is never reported without its spread."""
    names = [p.strip() for p in presentations.split(",")] if isinstance(presentations, str) else list(presentations)
    names = [p for p in names if p]
    unknown = [p for p in names if p not in PRESENTATIONS]
    if unknown or not names:
        raise EvaluationError(f"variants: unknown presentation {unknown[0] if unknown else '(none)'!r} "
                              f"(use a comma-separated list of {', '.join(PRESENTATIONS)})")
    if len(set(names)) != len(names):
        raise EvaluationError("variants: a presentation is listed twice")
    if not 1 <= paraphrases <= available:
        raise EvaluationError(f"paraphrases={paraphrases}: this instrument has 1 to {available} instruction "
                              "paraphrases")
    variants = [Variant(p, name) for p in range(paraphrases) for name in names]
    if len(variants) < 2:
        raise EvaluationError("a questionnaire run needs at least two variants (presentations x paraphrases) so "
                              "that every score comes with its spread")
    return variants


@dataclass(frozen=True)
class Option:
    """An answer option as shown: the code the model answers with, its label, and the scale point it means."""

    code: str
    label: str
    point: int


def present(scale: Scale, presentation: str) -> list[Option]:
    """The options in listing order.

    - `original`: codes are the scale points, listed from the lowest;
    - `reversed_order`: the same codes and labels, listed from the highest;
    - `reversed_scale`: the numbering is flipped (point p gets the code min+max-p, so the lowest code now means
      the top of the scale) and listed by ascending code; an answer is mapped back through `Option.point`.
    """
    if presentation not in PRESENTATIONS:
        raise EvaluationError(f"unknown presentation {presentation!r} (use {', '.join(PRESENTATIONS)})")
    if presentation == "reversed_scale":
        opts = [Option(str(scale.min + scale.max - p), scale.label(p), p) for p in scale.points]
        return sorted(opts, key=lambda o: int(o.code))
    opts = [Option(str(p), scale.label(p), p) for p in scale.points]
    return opts[::-1] if presentation == "reversed_order" else opts


def option_lines(options: Sequence[Option]) -> str:
    return "\n".join(f"{o.code} = {o.label}" for o in options)


def prompt_fields(item: Item, variant: Variant, instruction: str) -> dict[str, Any]:
    """The names a prompt template sees for one item in one variant (besides the item's own fields)."""
    opts = present(item.scale, variant.presentation)
    return {"instruction": instruction, "text": item.text, "variant": variant.name,
            "options": [{"code": o.code, "label": o.label, "point": o.point} for o in opts],
            "option_lines": option_lines(opts), "codes": [o.code for o in opts],
            "first_code": opts[0].code, "last_code": opts[-1].code,
            "scale_min": item.scale.min, "scale_max": item.scale.max}


def logprob_requests(prompt: str, options: Sequence[Option], delimiter: str = " ") -> list[Loglikelihood]:
    """One request per option: the prompt followed by the option's code."""
    return [Loglikelihood(prompt, delimiter + o.code) for o in options]


def generation_request(prompt: str, max_new_tokens: int = 32) -> Generation:
    return Generation(prompt, max_new_tokens=max_new_tokens, until=("\n\n",))


# -- reading answers -------------------------------------------------------------------------------------------
def read_logprobs(lls: Sequence[float], options: Sequence[Option]) -> dict[str, Any]:
    """An item's answer from the summed log-probabilities of its option codes (in listing order).

    - `valid_mass` = Σ exp(ll): the probability the model gives to answering with one of the codes at all,
      before renormalising (near 1: it answers in the format; small: most of its probability goes elsewhere);
    - `probs`: the options' probabilities renormalised to sum to 1, by scale point;
    - `argmax`: the point of the most likely option (the first in listing order on ties);
    - `expected`: Σ q(point)·point under the renormalised distribution.
    """
    if len(lls) != len(options):
        raise EvaluationError(f"{len(lls)} log-probabilities for {len(options)} options")
    top = max(lls)
    if top == -math.inf or math.isnan(top):
        return {"valid_mass": 0.0, "probs": None, "argmax": None, "expected": None}
    log_mass = top + math.log(math.fsum(math.exp(ll - top) for ll in lls))
    q = [math.exp(ll - log_mass) for ll in lls]
    best = max(range(len(lls)), key=lambda i: (lls[i], -i))
    probs = {str(o.point): qi for o, qi in sorted(zip(options, q), key=lambda t: t[0].point)}
    return {"valid_mass": math.exp(log_mass), "probs": probs, "argmax": options[best].point,
            "expected": math.fsum(qi * o.point for o, qi in zip(options, q))}


# Said instead of an answer. Checked only when no answer could be read from the text.
REFUSAL_PATTERNS: tuple[str, ...] = (
    r"\bas an? (?:ai|a\.i\.|artificial intelligence|(?:large )?language model|llm|assistant|chatbot)\b",
    (r"\bi(?:'m| am) (?:just |only )?an? (?:ai|artificial intelligence|(?:large )?language model|assistant|chatbot|"
     r"machine|computer program)\b"),
    (r"\bi (?:do not|don't|dont) (?:have|hold|possess) (?:any )?(?:personal |my own |real |human )?"
     r"(?:opinions?|views?|beliefs?|values?|preferences?|feelings?|experiences?|morals?|emotions?|a self)\b"),
    (r"\bi (?:cannot|can't|cant|can not|am unable to|am not able to|won't|will not|must decline to|decline to) "
     r"(?:answer|respond|rate|provide|choose|give|share|express|pick|select|comply|participate|take part|"
     r"assess|evaluate|say)\b"),
    r"\bi(?:'d| would) (?:rather|prefer) not\b",
    r"\b(?:not (?:appropriate|comfortable|able) for me|inappropriate for me)\b",
    r"\bi (?:must|have to|need to) (?:decline|refrain)\b",
)
_REFUSAL = re.compile("|".join(f"(?:{p})" for p in REFUSAL_PATTERNS), re.IGNORECASE)
_MINUS = "-\u2212"
_LEAD = re.compile(r"^[\s\"'*(\[#>]*(?:(?:my )?(?:answer|rating|choice|option|score)\s*(?:is)?\s*[:=]?\s*)?"
                   rf"[\"'*(\[]*([{_MINUS}]?\d+)(?![\d]|[.,]\d)", re.IGNORECASE)
_NUMBER = re.compile(rf"(?<![\w.{_MINUS}])([{_MINUS}]?\d+)(?![\d]|[.,]\d)")


def _code_value(text: str) -> int:
    return int(text.replace("\u2212", "-"))


def parse_response(text: str, options: Sequence[Option],
                   refusal: re.Pattern[str] | None = None) -> dict[str, Any]:
    """A generated answer read as one option.

    In order: a number at the start of the answer (after an optional "Answer:" and quotes, stars or brackets)
    that is one of the codes; else the only code that occurs as a number anywhere in it; else the only label
    that occurs in it (a label inside a longer matching label counts as the longer one). If none of these gives
    exactly one option, the answer is a `refusal` when it matches a refusal pattern, and `invalid` otherwise.
    """
    by_code = {_code_value(o.code): o for o in options}
    text = text or ""
    lead = _LEAD.match(text)
    if lead and _code_value(lead.group(1)) in by_code:
        return _parsed(by_code[_code_value(lead.group(1))], "leading number")
    found = {_code_value(m) for m in _NUMBER.findall(text)} & set(by_code)
    if len(found) == 1:
        return _parsed(by_code[found.pop()], "number")
    low = " ".join(text.lower().split())
    hits = [o for o in options if re.search(rf"(?<!\w){re.escape(o.label.lower())}(?!\w)", low)]
    hits = [o for o in hits if not any(o is not h and o.label.lower() in h.label.lower() for h in hits)]
    if len(hits) == 1:
        return _parsed(hits[0], "label")
    status = "refusal" if (refusal or _REFUSAL).search(text) else "invalid"
    return {"status": status, "code": None, "point": None, "how": None}


def _parsed(option: Option, how: str) -> dict[str, Any]:
    return {"status": "valid", "code": option.code, "point": option.point, "how": how}


# -- keys ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Key:
    """A scoring key: which items make each dimension, and what is computed from the dimensions.

    - a dimension's score is the mean of its answered items (reverse-keyed ones flipped on the item's scale);
    - with `centre`, each dimension is reported centred on the respondent's mean over all non-catch items
      (MRAT), with the uncentred mean as `<dimension>_raw` and the MRAT as `mrat`;
    - a group's score is the mean of its member dimensions' scores (centred ones when centring);
    - a difference is one dimension or group minus another;
    - catch items count towards nothing; `attention_passed` is 1 when every answered catch item lies within its
      pass range, 0 otherwise.
    """

    name: str
    items: tuple[int, ...]
    scale: tuple[int, int]
    dimensions: Mapping[str, tuple[int, ...]]
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    differences: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    reverse: frozenset[int] = frozenset()
    catch: Mapping[int, tuple[float, float]] = field(default_factory=dict)
    centre: bool = False
    source: str = ""

    def __post_init__(self) -> None:
        owner: dict[int, str] = {}
        for dim, nums in self.dimensions.items():
            for n in nums:
                if n not in self.items:
                    raise ValueError(f"{self.name}: {dim} names item {n}, which the key does not have")
                if n in owner:
                    raise ValueError(f"{self.name}: item {n} is in both {owner[n]} and {dim}")
                if n in self.catch:
                    raise ValueError(f"{self.name}: catch item {n} is also in {dim}")
                owner[n] = dim
        object.__setattr__(self, "_owner", owner)
        for group, members in self.groups.items():
            if group in self.dimensions or set(members) - set(self.dimensions):
                raise ValueError(f"{self.name}: group {group} must be new and made of dimensions")
        known = set(self.dimensions) | set(self.groups)
        for name, (a, b) in self.differences.items():
            if {a, b} - known:
                raise ValueError(f"{self.name}: difference {name} refers to an unknown score")

    def dimension_of(self, number: int) -> str | None:
        return self._owner.get(number)  # type: ignore[attr-defined]

    def score(self, answers: Mapping[int, float | None],
              scales: Mapping[int, tuple[int, int]] | None = None) -> dict[str, float]:
        """Scores from one answer sheet (item number → answer; None or NaN for no answer)."""
        vals: dict[int, float] = {}
        for n in self.items:
            v = answers.get(n)
            if v is None or (isinstance(v, float) and math.isnan(v)):
                continue
            v = float(v)
            if n in self.reverse:
                lo, hi = (scales or {}).get(n, self.scale)
                v = lo + hi - v
            vals[n] = v
        raw = {d: _mean([vals[i] for i in nums if i in vals]) for d, nums in self.dimensions.items()}
        out: dict[str, float] = {}
        if self.centre:
            mrat = _mean([v for n, v in vals.items() if n not in self.catch])
            for d, r in raw.items():
                out[d] = r - mrat
                out[f"{d}_raw"] = r
            out["mrat"] = mrat
        else:
            out.update(raw)
        for g, members in self.groups.items():
            out[g] = _mean(out[m] for m in members)
            if self.centre:
                out[f"{g}_raw"] = _mean(raw[m] for m in members)
        for name, (a, b) in self.differences.items():
            out[name] = out[a] - out[b]
        if self.catch:
            answered = [(vals[n], rng) for n, rng in self.catch.items() if n in vals]
            out["attention_passed"] = (float(all(lo <= v <= hi for v, (lo, hi) in answered)) if answered
                                       else math.nan)
        return out

    def score_names(self) -> list[str]:
        """The names `score` returns, in its order."""
        return list(self.score({}).keys())


def key_from_items(items: Iterable[Mapping[str, Any]], name: str = "questionnaire", centre: bool = False) -> Key:
    """A key read off normalised items (or per-item records) that carry their own dimension/reverse/catch."""
    dims: dict[str, list[int]] = {}
    numbers, reverse, catch, scales = [], set(), {}, set()
    for it in items:
        n = int(it["item"])
        numbers.append(n)
        scales.add((int(it["scale_min"]), int(it["scale_max"])))
        if it.get("catch"):
            catch[n] = (float(it["catch_min"]), float(it["catch_max"]))
            continue
        dims.setdefault(it["dimension"], []).append(n)
        if it.get("reverse"):
            reverse.add(n)
    scale = min(scales) if scales else (1, 5)
    return Key(name=name, items=tuple(numbers), scale=scale, dimensions={d: tuple(v) for d, v in dims.items()},
               reverse=frozenset(reverse), catch=catch, centre=centre, source="the item file")


# -- spread over variants --------------------------------------------------------------------------------------
def _mean(values: Iterable[float]) -> float:
    vals = list(values)
    if not vals or any(math.isnan(v) for v in vals):
        return math.nan
    return math.fsum(vals) / len(vals)


def spread(values: Iterable[float]) -> dict[str, float]:
    """Mean, sample standard deviation (n-1), min, max and range of the finite values (NaN where undefined)."""
    vals = [float(v) for v in values if v is not None and math.isfinite(v)]
    if not vals:
        return {"mean": math.nan, "sd": math.nan, "min": math.nan, "max": math.nan, "range": math.nan, "n": 0}
    m = math.fsum(vals) / len(vals)
    sd = math.sqrt(math.fsum((v - m) ** 2 for v in vals) / (len(vals) - 1)) if len(vals) > 1 else math.nan
    return {"mean": m, "sd": sd, "min": min(vals), "max": max(vals), "range": max(vals) - min(vals), "n": len(vals)}


def combine_variants(per_variant: Mapping[str, Mapping[str, float]],
                     without_spread: Sequence[str] = ()) -> dict[str, float]:
    """Each score's mean over variants as `<name>`, its spread as `<name>/spread_sd` and `<name>/spread_range`.

    Names starting with a prefix in `without_spread` get only the mean."""
    names: dict[str, None] = {}
    for scores in per_variant.values():
        names.update(dict.fromkeys(scores))
    out: dict[str, float] = {}
    for name in names:
        s = spread(scores.get(name, math.nan) for scores in per_variant.values())
        out[name] = s["mean"]
        if not any(name.startswith(p) for p in without_spread):
            out[f"{name}/spread_sd"] = s["sd"]
            out[f"{name}/spread_range"] = s["range"]
    return out
