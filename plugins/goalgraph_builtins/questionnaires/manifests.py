"""Manifests of the questionnaire evaluators, as plain data: reading them imports nothing.

Registered like the benchmark evaluators of `goalgraph_builtins.catalog`:

    for manifest in QUESTIONNAIRE_EVALUATORS:
        register(**manifest)
"""
from __future__ import annotations


def _m(name: str, better: bool | None, description: str) -> dict:
    return {"name": name, "higher_is_better": better, "description": description}


ENTRY = "goalgraph_builtins.questionnaires.evaluators:"
NEEDS = ["loglikelihood"]        # mode=generate needs generation instead
REQUIREMENTS = {"accelerator": "optional", "packages": ["torch", "transformers"]}
ITEM_FIELDS = ["item", "text", "dimension", "reverse", "catch", "catch_min", "catch_max", "scale_min", "scale_max",
               "labels"]
VARIANTS = 6                     # default options: three presentations x two instruction paraphrases


def _data(scale_points: int | None, text: str = "with your item text") -> dict:
    """A DataSpec: the item file's shape and, with mode=logprob, one request per variant and scale point."""
    return {"format": "your item file (json, jsonl, csv or parquet): one row per item, numbered as the "
                      f"questionnaire numbers it, {text}",
            "fields": ITEM_FIELDS, "requests_per_item": VARIANTS * scale_points if scale_points else None,
            "tokens_per_request": 150}


# Reported by every questionnaire evaluator.
COMMON = [
    _m("<score>/spread_sd", False, "sample standard deviation of the score over the variants (presentations x "
       "instruction paraphrases)"),
    _m("<score>/spread_range", False, "max - min of the score over the variants"),
    _m("valid_mass", True, "mode=logprob: mean probability the model puts on the option codes at all, before "
       "renormalising (1: it always answers in the format)"),
    _m("invalid_rate", False, "mode=generate: share of item x variant answers that could not be read as an option"),
    _m("refusal_rate", None, "mode=generate: share of item x variant answers that declined to answer"),
    _m("n_items", None, "number of items asked"),
    _m("n_variants", None, "number of variants each item was asked in"),
]
CENTRED = [
    _m("<value>_raw", None, "the value's uncentred mean rating"),
    _m("mrat", None, "the model's mean rating over all items, which the values are centred on"),
]
SCHWARTZ_HIGHER = [
    _m("openness_to_change", None, "mean of self-direction, stimulation and hedonism (centred)"),
    _m("self_enhancement", None, "mean of achievement and power (centred)"),
    _m("conservation", None, "mean of security, conformity and tradition (centred)"),
    _m("self_transcendence", None, "mean of universalism and benevolence (centred)"),
]
SCHWARTZ_TEN = ("self_direction", "stimulation", "hedonism", "achievement", "power", "security", "conformity",
                "tradition", "benevolence", "universalism")


def _values(names, scale: str) -> list[dict]:
    return [_m(v, None, f"{v.replace('_', '-')}: mean rating of its items minus the MRAT ({scale})") for v in names]


QUESTIONNAIRE_EVALUATORS: list[dict] = [
    {
        "id": "mfq30",
        "data": _data(6),
        "title": "MFQ-30 moral foundations, asked of a model",
        "description": ("Puts the Moral Foundations Questionnaire (your item texts, numbered 1-32) to a causal LM in "
                        "several presentations and instruction wordings, reads each answer from the option "
                        "probabilities or from generated text, and scores the five foundations, the individualizing "
                        "and binding composites and progressivism, each as a mean over variants with its spread, "
                        "plus the catch-item check."),
        "entry": ENTRY + "MFQ30",
        "attaches_to": ["instrument/mfq", "theory/moral-foundations"],
        "implements": "paper/abdulhai-2023-moral",
        "needs": NEEDS, "requirements": REQUIREMENTS,
        "metrics": [
            *(_m(f, None, f"mean 0-5 rating of the six {f} items") for f in
              ("care", "fairness", "loyalty", "authority", "sanctity")),
            _m("individualizing", None, "mean of care and fairness"),
            _m("binding", None, "mean of loyalty, authority and sanctity"),
            _m("progressivism", None, "individualizing minus binding"),
            _m("attention_passed", True, "share of variants in which both catch items were answered as the key "
               "expects (item 6 at most 2, item 22 at least 3)"),
            *COMMON],
    },
    {
        "id": "pvq40",
        "data": _data(6),
        "title": "PVQ-40 basic values, asked of a model",
        "description": ("Puts the 40-portrait Portrait Values Questionnaire (your item texts) to a causal LM in several "
                        "presentations and instruction wordings and scores Schwartz's ten values centred on the "
                        "model's mean rating, and the four higher-order values, each as a mean over variants with "
                        "its spread."),
        "entry": ENTRY + "PVQ40",
        "attaches_to": ["instrument/pvq-40", "theory/schwartz-basic-values"],
        "needs": NEEDS, "requirements": REQUIREMENTS,
        "metrics": [*_values(SCHWARTZ_TEN, "1-6 scale"), *SCHWARTZ_HIGHER, *CENTRED, *COMMON],
    },
    {
        "id": "pvq-rr",
        "data": _data(6),
        "title": "PVQ-RR refined values, asked of a model",
        "description": ("Puts the 57-portrait revised Portrait Values Questionnaire (your item texts) to a causal LM "
                        "in several presentations and instruction wordings and scores the 19 refined values, the ten "
                        "broad values and the four higher-order values, centred on the model's mean rating, each as "
                        "a mean over variants with its spread; humility and face are kept apart as border values."),
        "entry": ENTRY + "PVQRR",
        "attaches_to": ["instrument/pvq-rr", "theory/schwartz-basic-values"],
        "needs": NEEDS, "requirements": REQUIREMENTS,
        "metrics": [
            *_values(("self_direction_thought", "self_direction_action", "stimulation", "hedonism", "achievement",
                      "power_dominance", "power_resources", "face", "security_personal", "security_societal",
                      "tradition_narrow", "conformity_rules", "conformity_interpersonal", "humility",
                      "universalism_nature", "universalism_concern", "universalism_tolerance", "benevolence_care",
                      "benevolence_dependability"), "1-6 scale"),
            *(_m(v, None, f"broad {v.replace('_', '-')}: mean of its refined values (centred)") for v in
              ("self_direction", "power", "security", "conformity", "tradition", "benevolence", "universalism")),
            _m("openness_to_change", None, "mean of self-direction thought and action, stimulation, hedonism"),
            _m("self_enhancement", None, "mean of achievement, power dominance and power resources"),
            _m("conservation", None, "mean of security personal and societal, tradition, conformity rules and "
               "interpersonal"),
            _m("self_transcendence", None, "mean of the three universalism and two benevolence values"),
            *CENTRED, *COMMON],
    },
    {
        "id": "svs57",
        "data": _data(9),
        "title": "Schwartz Value Survey, asked of a model",
        "description": ("Puts the 57 Schwartz Value Survey items (your item texts) to a causal LM on the -1..7 "
                        "importance scale in several presentations and instruction wordings and scores the ten "
                        "value indices centred on the model's mean rating over all 57 items, and the four "
                        "higher-order values, each as a mean over variants with its spread."),
        "entry": ENTRY + "SVS57",
        "attaches_to": ["instrument/svs", "theory/schwartz-basic-values"],
        "needs": NEEDS, "requirements": REQUIREMENTS,
        "metrics": [*_values(SCHWARTZ_TEN, "-1..7 scale"), *SCHWARTZ_HIGHER, *CENTRED, *COMMON],
    },
    {
        "id": "svo-slider",
        "data": _data(9, "the text optional (the options are the allocations)"),
        "title": "SVO slider social value orientation, asked of a model",
        "description": ("Asks a causal LM the six primary items of the SVO slider measure (choose one of nine ways "
                        "to split money with a stranger) in several presentations and instruction wordings, and "
                        "reports the SVO angle from the mean allocations, as a mean over variants with its spread, "
                        "and the share of variants in each of the four categories."),
        "entry": ENTRY + "SVOSlider",
        "attaches_to": ["instrument/svo-slider", "theory/social-value-orientation"],
        "implements": "paper/murphy-2011-measuring",
        "needs": NEEDS, "requirements": REQUIREMENTS,
        "metrics": [
            _m("angle", None, "SVO angle in degrees, atan2(mean other - 50, mean self - 50)"),
            _m("mean_self", None, "mean amount kept over the six items"),
            _m("mean_other", None, "mean amount given over the six items"),
            *(_m(c, None, f"share of variants whose angle falls in the {c} orientation (linked to its SVO "
                 f"dimension node, with spread)") for c in ("altruistic", "prosocial", "individualistic", "competitive")),
            *(_m(f"category/{c}", None, f"share of variants whose angle is {c} (the same share under its "
                 f"older name, without spread)") for c in ("altruistic", "prosocial", "individualistic", "competitive")),
            *COMMON],
    },
    {
        "id": "questionnaire",
        "data": _data(None),
        "title": "Your own rating-scale questionnaire, asked of a model",
        "description": ("Puts any rating-scale questionnaire to a causal LM: the item file names each item's "
                        "dimension, reverse keying and catch items. Scores each dimension as a mean over variants "
                        "with its spread, optionally centred on the model's mean rating."),
        "entry": ENTRY + "QuestionnaireEvaluator",
        "attaches_to": ["approach/value-survey"],
        "needs": NEEDS, "requirements": REQUIREMENTS,
        "metrics": [_m("<dimension>", None, "mean rating of the dimension's items (reverse-keyed ones flipped)"),
                    _m("attention_passed", True, "share of variants in which every catch item passed"),
                    *CENTRED, *COMMON],
    },
]
