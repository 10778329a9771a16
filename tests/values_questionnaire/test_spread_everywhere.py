"""No questionnaire score without its spread: every questionnaire evaluator, run in memory on its fixture with a
fake model that answers unevenly, reports `<score>/spread_sd` and `<score>/spread_range` beside every score, in
log-prob and in generate mode, and the spread numbers are those of the per-variant scores."""
from __future__ import annotations

import math
import zlib
from pathlib import Path

import pytest
from goalgraph_builtins.questionnaires.evaluators import (
    MFQ30,
    PVQ40,
    PVQRR,
    SVS57,
    QuestionnaireEvaluator,
    SVOSlider,
    load_items,
)
from goalgraph_builtins.questionnaires.manifests import ENTRY, QUESTIONNAIRE_EVALUATORS

from goalgraph.evaluation.base import run_items

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "questionnaires"
COUNTS = {"n_items", "n_variants"}          # counts, not scores
SPREAD = ("/spread_sd", "/spread_range")

CASES = [
    (MFQ30, "mfq30_items.jsonl", {}),
    (PVQ40, "pvq40_items.csv", {}),
    (PVQRR, "pvq_rr_items.json", {}),
    (SVS57, "svs57_items.yaml", {}),
    (SVOSlider, "svo_slider_items.jsonl", {}),
    (QuestionnaireEvaluator, "custom_items.yaml", {}),
    (QuestionnaireEvaluator, "custom_items.yaml", {"centre": True}),
]
IDS = [f"{cls.id}{'-centred' if opts else ''}" for cls, _, opts in CASES]


def _h(*parts: str) -> int:
    return zlib.crc32("\x00".join(parts).encode())


class UnevenLM:
    """Log-probabilities and replies that depend on the whole prompt, so variants (and items) disagree.
    Replies mix codes, labels, refusals and nonsense, so some answers in generate mode are missing."""

    def loglikelihood(self, requests):
        return [(-(_h(r.context, r.continuation) % 4000) / 1000.0, False) for r in requests]

    def generate(self, requests):
        out = []
        for r in requests:
            codes = [line.split(" = ")[0] for line in r.prompt.splitlines() if " = " in line]
            pick = _h(r.prompt)
            kind = pick % 10
            if kind == 0:
                out.append("As an AI, I don't have personal values.")
            elif kind == 1:
                out.append("hmm, hard to say")
            else:
                out.append(f"{codes[pick % len(codes)]}")
        return out


def _score_names(metrics: dict) -> list[str]:
    return [m for m in metrics if m not in COUNTS and not m.endswith(SPREAD)]


def _check_spread(ev, metrics: dict, finite: bool) -> None:
    per_variant = ev.variant_scores
    assert len(per_variant) == len(ev.variants) >= 2
    names = _score_names(metrics)
    assert names, metrics
    for name in names:
        if name.startswith("category/"):
            # SVO: the share of variants in an orientation; the same share, with its spread, is `<orientation>`
            bare = name.split("/", 1)[1]
            assert metrics[bare] == pytest.approx(metrics[name], nan_ok=True)
            assert f"{bare}/spread_sd" in metrics and f"{bare}/spread_range" in metrics
            continue
        assert f"{name}/spread_sd" in metrics and f"{name}/spread_range" in metrics, name
        vals = [s[name] for s in per_variant.values() if name in s and math.isfinite(s[name])]
        if finite:
            assert len(vals) == len(per_variant), name            # every variant scored it
        if len(vals) >= 2:                                        # the spread is the per-variant scores' spread
            m = sum(vals) / len(vals)
            sd = math.sqrt(sum((v - m) ** 2 for v in vals) / (len(vals) - 1))
            assert metrics[name] == pytest.approx(m)
            assert metrics[f"{name}/spread_sd"] == pytest.approx(sd, abs=1e-12)
            assert metrics[f"{name}/spread_range"] == pytest.approx(max(vals) - min(vals), abs=1e-12)
    # and no spread is orphaned: each belongs to a reported score
    for name in metrics:
        if name.endswith(SPREAD):
            assert name.rsplit("/", 1)[0] in metrics, name


def test_every_questionnaire_evaluator_is_covered():
    covered = {cls.__name__ for cls, _, _ in CASES}
    registered = {m["entry"].removeprefix(ENTRY) for m in QUESTIONNAIRE_EVALUATORS}
    assert registered == covered


@pytest.mark.parametrize("cls, fixture, opts", CASES, ids=IDS)
def test_logprob_mode_every_score_has_its_spread(cls, fixture, opts):
    ev = cls(**opts)                                               # the default six variants
    items = ev.prepare([load_items(FIX / fixture, cls.fields)])
    metrics, _ = run_items(ev, items, UnevenLM())
    _check_spread(ev, metrics, finite=True)
    # the fake model really does answer differently across variants: some score has a nonzero spread
    assert any(metrics[f"{n}/spread_sd"] > 0 for n in _score_names(metrics) if f"{n}/spread_sd" in metrics)


@pytest.mark.parametrize("cls, fixture, opts", CASES, ids=IDS)
def test_generate_mode_every_score_has_its_spread(cls, fixture, opts):
    ev = cls(mode="generate", variants="original,reversed_scale", paraphrases=1, **opts)   # the minimum: two
    items = ev.prepare([load_items(FIX / fixture, cls.fields)])
    metrics, records = run_items(ev, items, UnevenLM())
    statuses = {e["status"] for r in records for e in r["variants"]}
    assert "valid" in statuses and statuses & {"refusal", "invalid"}      # some answers are missing
    assert "refusal_rate/spread_sd" in metrics and "invalid_rate/spread_range" in metrics
    _check_spread(ev, metrics, finite=False)
