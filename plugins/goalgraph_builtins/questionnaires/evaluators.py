"""Questionnaire evaluators: MFQ-30, PVQ-40, PVQ-RR, SVS-57, the SVO slider, and your own questionnaire.

Each item of the user's item file is asked in every variant (presentations x instruction paraphrases); its
answer per variant is read from the option codes' log-probabilities (`mode=logprob`) or parsed from generated
text (`mode=generate`). `aggregate` scores each variant's answer sheet with the instrument's key and reports
every score as its mean over variants with `/spread_sd` and `/spread_range` beside it. See docs/questionnaires.md.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from goalgraph.evaluation.base import EvaluationError, Evaluator, Field
from goalgraph.evaluation.data import check_record, load_records
from goalgraph.values.questionnaire import (
    Instrument,
    Item,
    combine_variants,
    generation_request,
    key_from_items,
    logprob_requests,
    make_variants,
    normalise_item,
    normalise_items,
    parse_response,
    present,
    prompt_fields,
    read_logprobs,
    spread,
)
from goalgraph_builtins.questionnaires import keys, prompts

MODES = ("logprob", "generate")
ANSWERS = ("expected", "argmax")

ITEM_FIELDS = (
    Field("item", "int", help="The item's number as the questionnaire numbers it (the key is by number)."),
    Field("text", "str", required=False, help="The item text, supplied by you (required except for svo-slider)."),
    Field("dimension", "str", required=False, help="Keyed dimension (your own questionnaire; checked against a "
                                                   "published key)."),
    Field("reverse", "bool", required=False, help="Reverse-keyed: scored as min + max - answer."),
    Field("catch", "bool", required=False, help="A catch (attention) item: scored into no dimension."),
    Field("catch_min", "float", required=False, help="Lowest answer a catch item passes with."),
    Field("catch_max", "float", required=False, help="Highest answer a catch item passes with."),
    Field("scale_min", "int", required=False, help="Lowest scale point (default: the instrument's)."),
    Field("scale_max", "int", required=False, help="Highest scale point (default: the instrument's)."),
    Field("labels", "list[str]", required=False, help="One label per scale point, lowest first."),
)


def load_items(path: str | Path, fields: Sequence[Field] = ITEM_FIELDS, who: str = "questionnaire") -> list[dict]:
    """Item-file records from JSON, JSONL, CSV or parquet (through `load_records`) or YAML (a list of records,
    or a mapping with an `items` list), checked against `fields`. (`goalgraph eval --data` reads YAML once
    `goalgraph.evaluation.data` does; until then this is the way in from Python.)"""
    p = Path(path)
    if p.suffix.lower() not in (".yaml", ".yml"):
        return load_records(str(p), fields, who=who)
    try:
        import yaml
    except ImportError:
        raise EvaluationError("reading YAML item files needs PyYAML (pip install pyyaml)") from None
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvaluationError(f"data file not found: {p}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EvaluationError(f"cannot read data file {p}: {exc}") from None
    except yaml.YAMLError as exc:
        raise EvaluationError(f"data file {p}: not YAML ({' '.join(str(exc).split())})") from None
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]
    if not isinstance(data, list):
        raise EvaluationError(f"data file {p}: expected a list of items (or a mapping with an 'items' list)")
    return [check_record(r, fields, i, str(p), who) for i, r in enumerate(data)]


class QuestionnaireEvaluator(Evaluator):
    """Your own rating-scale questionnaire: dimensions, reverse keying and catch items come from the item file."""

    id = "questionnaire"
    instrument: ClassVar[Instrument] = prompts.GENERIC
    fields = ITEM_FIELDS
    default_template = prompts.DEFAULT_TEMPLATE
    options: ClassVar[dict[str, Any]] = {
        "mode": "logprob",            # logprob: option log-probabilities; generate: parse generated text
        "variants": "original,reversed_order,reversed_scale",
        "paraphrases": 2,             # instruction paraphrases per presentation
        "answer": "expected",         # logprob mode: an item's answer is the expected point, or the argmax option
        "target_delimiter": " ",      # between the prompt and each option code
        "max_new_tokens": 32,         # generate mode
        "partial": False,             # score an item file that lacks some of the key's items
        "centre": False,              # your own questionnaire: centre dimensions on the mean rating (MRAT)
    }
    without_spread: ClassVar[tuple[str, ...]] = ()

    def __init__(self, template: Any = None, **options: Any):
        super().__init__(template, **options)
        if self.config["mode"] not in MODES:
            raise EvaluationError(f"{self.id}: option mode={self.config['mode']!r} (use {', '.join(MODES)})")
        if self.config["answer"] not in ANSWERS:
            raise EvaluationError(f"{self.id}: option answer={self.config['answer']!r} (use {', '.join(ANSWERS)})")
        if self.config["max_new_tokens"] < 1:
            raise EvaluationError(f"{self.id}: option max_new_tokens must be at least 1")
        self.variants = make_variants(self.config["variants"], self.config["paraphrases"],
                                      self.instrument.paraphrase_count)
        self.notes: list[str] = []
        self.variant_scores: dict[str, dict[str, float]] = {}

    # -- contract -------------------------------------------------------------------------------------------
    def prepare(self, datasets: Sequence[list[dict]]) -> list[dict]:
        return normalise_items(super().prepare(datasets), self.instrument, partial=self.config["partial"])

    def requests(self, item: dict) -> list:
        it = self._item(item)
        out: list = []
        for variant in self.variants:
            prompt = self._prompt(item, it, variant)
            if self.config["mode"] == "logprob":
                out += logprob_requests(prompt, present(it.scale, variant.presentation),
                                        self.config["target_delimiter"])
            else:
                out.append(generation_request(prompt, self.config["max_new_tokens"]))
        return out

    def score(self, item: dict, answers: list) -> dict:
        it = self._item(item)
        logprob = self.config["mode"] == "logprob"
        per = len(it.scale.points) if logprob else 1
        if len(answers) != per * len(self.variants):
            raise EvaluationError(f"{self.id}: item {it.number}: {len(answers)} answers for "
                                  f"{per * len(self.variants)} requests")
        entries = []
        for j, variant in enumerate(self.variants):
            options = present(it.scale, variant.presentation)
            got = answers[j * per:(j + 1) * per]
            entry: dict[str, Any] = {"variant": variant.name, "paraphrase": variant.paraphrase + 1,
                                     "presentation": variant.presentation, "codes": [o.code for o in options],
                                     "points": [o.point for o in options]}
            if logprob:
                lls = [float(a[0]) for a in got]
                read = read_logprobs(lls, options)
                entry.update(lls=lls, **read, answer=read[self.config["answer"]])
            else:
                parsed = parse_response(got[0], options)
                entry.update(response=got[0], **parsed, answer=parsed["point"])
            entries.append(self.extend_entry(it, entry))
        s = spread(e["answer"] for e in entries if e["answer"] is not None)
        return {"item": it.number, "part": it.part, "dimension": it.dimension, "reverse": it.reverse,
                "catch": it.catch, "catch_range": list(it.catch_range) if it.catch_range else None,
                "scale": [it.scale.min, it.scale.max], "mode": self.config["mode"], "variants": entries,
                "answer_mean": s["mean"], "answer_sd": s["sd"]}

    def aggregate(self, records: list[dict]) -> dict[str, float]:
        key = self.key_for(records)
        scales = {r["item"]: tuple(r["scale"]) for r in records}
        per_variant: dict[str, dict[str, float]] = {}
        for variant in self.variants:
            entries = [(r, e) for r in records for e in r["variants"] if e["variant"] == variant.name]
            sheet = {r["item"]: self.item_value(r, e) for r, e in entries}
            scores = dict(key.score(sheet, scales))
            scores.update(self.extra_scores(scores))
            scores.update(self._rates([e for _, e in entries]))
            per_variant[variant.name] = scores
        self.variant_scores = per_variant
        metrics = combine_variants(per_variant, self.without_spread)
        metrics["n_items"] = float(len(records))
        metrics["n_variants"] = float(len(self.variants))
        self.notes = self.make_notes(metrics, per_variant, key)
        return metrics

    # -- hooks for instruments ------------------------------------------------------------------------------
    def key_for(self, records: list[dict]) -> Any:
        """The scoring key; your own questionnaire's key is read off the per-item records."""
        if self.instrument.key is not None:
            return self.instrument.key
        if not records:
            raise EvaluationError(f"{self.id}: no items to score")
        return key_from_items([{**r, "scale_min": r["scale"][0], "scale_max": r["scale"][1],
                                "catch_min": (r["catch_range"] or [None, None])[0],
                                "catch_max": (r["catch_range"] or [None, None])[1]} for r in records],
                              centre=self.config["centre"])

    def extend_entry(self, item: Item, entry: dict) -> dict:
        return entry

    def extra_scores(self, scores: dict[str, float]) -> dict[str, float]:
        """More scores computed from one variant's key scores; they are summarised with spread like the rest."""
        return {}

    def item_value(self, record: dict, entry: dict) -> Any:
        return entry["answer"]

    def make_notes(self, metrics: dict, per_variant: dict, key: Any) -> list[str]:
        names = [n for n in key.score({}) if not n.startswith("category/")][:6]
        lines = [(f"scores are means over {len(per_variant)} variants ({', '.join(per_variant)}); "
                  "<score>/spread_sd and <score>/spread_range give their spread")]
        for vname, scores in per_variant.items():
            lines.append(f"{vname}: " + ", ".join(f"{n}={scores[n]:.3f}" for n in names))
        return lines

    # -- helpers --------------------------------------------------------------------------------------------
    def _item(self, item: dict) -> Item:
        return Item.from_record(normalise_item(item, self.instrument))

    def _prompt(self, item: dict, it: Item, variant: Any) -> str:
        instruction = self.instrument.part_of(it.number).instructions[variant.paraphrase]
        return self.render(item, **prompt_fields(it, variant, instruction))

    def _rates(self, entries: list[dict]) -> dict[str, float]:
        if not entries:
            return {}
        if self.config["mode"] == "logprob":
            return {"valid_mass": math.fsum(e["valid_mass"] for e in entries) / len(entries)}
        n = len(entries)
        return {"invalid_rate": sum(e["status"] == "invalid" for e in entries) / n,
                "refusal_rate": sum(e["status"] == "refusal" for e in entries) / n}


def _keyed_options() -> dict[str, Any]:
    return {k: v for k, v in QuestionnaireEvaluator.options.items() if k != "centre"}


class MFQ30(QuestionnaireEvaluator):
    """Moral Foundations Questionnaire, 30 items plus two catch items."""

    id = "mfq30"
    instrument = prompts.MFQ30
    options = _keyed_options()


class PVQ40(QuestionnaireEvaluator):
    """Portrait Values Questionnaire, 40 items: ten values centred on MRAT, four higher-order values."""

    id = "pvq40"
    instrument = prompts.PVQ40
    options = _keyed_options()


class PVQRR(QuestionnaireEvaluator):
    """Revised Portrait Values Questionnaire, 57 items: 19 values, ten broad values, four higher-order values."""

    id = "pvq-rr"
    instrument = prompts.PVQRR
    options = _keyed_options()


class SVS57(QuestionnaireEvaluator):
    """Schwartz Value Survey, 57 items rated -1..7: ten value indices centred on MRAT, four higher-order values."""

    id = "svs57"
    instrument = prompts.SVS57
    options = _keyed_options()


class SVOSlider(QuestionnaireEvaluator):
    """SVO slider measure, six primary items: the SVO angle and its category."""

    id = "svo-slider"
    instrument = prompts.SVO_SLIDER
    options = _keyed_options()
    without_spread = ("category/",)

    def extend_entry(self, item: Item, entry: dict) -> dict:
        allocs = keys.svo_allocations(item.number)
        if self.config["mode"] == "logprob" and self.config["answer"] == "expected" and entry["probs"] is not None:
            q = entry["probs"]
            entry["self"] = math.fsum(q[str(p)] * allocs[p - 1][0] for p in item.scale.points)
            entry["other"] = math.fsum(q[str(p)] * allocs[p - 1][1] for p in item.scale.points)
        elif entry["answer"] is not None:
            entry["self"], entry["other"] = allocs[int(entry["answer"]) - 1]
        else:
            entry["self"] = entry["other"] = None
        return entry

    def item_value(self, record: dict, entry: dict) -> Any:
        return None if entry["self"] is None else (entry["self"], entry["other"])

    def extra_scores(self, scores: dict[str, float]) -> dict[str, float]:
        """Each orientation as a score of its own (1 when this variant's angle falls in it): over variants it is
        the share of variants in the orientation, with its spread, under the name of the graph's SVO dimension,
        so the result links to dimension/svo-<name> and `--target` can compare with a population's shares.
        (`category/<name>` is the same share, kept without spread.)"""
        return {name: scores[f"category/{name}"] for name in keys.SVO_CATEGORIES}

    def make_notes(self, metrics: dict, per_variant: dict, key: Any) -> list[str]:
        lines = [(f"angle is the mean over {len(per_variant)} variants; category of the mean angle: "
                  f"{keys.svo_category(metrics['angle'])}; category/<name> is the share of variants in it")]
        for vname, scores in per_variant.items():
            lines.append(f"{vname}: angle={scores['angle']:.2f} ({keys.svo_category(scores['angle'])}), "
                         f"mean_self={scores['mean_self']:.2f}, mean_other={scores['mean_other']:.2f}")
        return lines
