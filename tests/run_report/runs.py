"""Run directories written by hand, field for field as `goalgraph.run.results.RunResults` lays them out, so the
report can be tested while the runner that writes real ones is still being built.

`before` is a base model: a benchmark step, a lower-is-better benchmark, a failed step, a skipped step, an
MFQ step with a recorded target and distances, and a PVQ step whose values block lives only in its step file.
`after` is the same plan on a DPO-aligned model: changed metrics, the MFQ step under another id, one step
dropped and one added, and an alignment record naming method/dpo."""
from __future__ import annotations

import json
from pathlib import Path

from goalgraph.run.results import RunResults

ID = "https://w3id.org/goalgraph/id/"
MFT = {"care": "mft-care-harm", "fairness": "mft-fairness-cheating", "loyalty": "mft-loyalty-betrayal",
       "authority": "mft-authority-subversion", "sanctity": "mft-sanctity-degradation"}
MFT_LABELS = {"care": "Care/Harm", "fairness": "Fairness/Cheating", "loyalty": "Loyalty/Betrayal",
              "authority": "Authority/Subversion", "sanctity": "Sanctity/Degradation"}
SCHWARTZ = ["self-direction", "stimulation", "hedonism", "achievement", "power", "security", "conformity",
            "tradition", "benevolence", "universalism"]

MFT_TARGET = {"theory": "moral-foundations", "name": "mft-example", "culture": "Example culture M",
              "source": "illustrative numbers for tests, not survey data", "scale": [0, 5],
              "values": {"care": 4.0, "fairness": 3.8, "loyalty": 2.6, "authority": 2.9, "sanctity": 2.2}}

BEFORE = {
    "truthfulqa": {"mc1": 0.30, "mc2": 0.45, "n": 817, "mc1/spread_sd": 0.02},
    "crows": {"pct_stereotype": 0.62, "likelihood_diff": 1.5, "n": 1508},
    "mfq": {"care": 3.5, "fairness": 3.25, "loyalty": 2.0, "authority": 2.5, "sanctity": 1.75},
    "mfq_sd": {"care": 0.25, "fairness": 0.5, "loyalty": 0.125, "authority": 0.2, "sanctity": 0.1},
    "pvq": [4.0, 3.1, 3.3, 3.9, 2.2, 4.8, 4.1, 3.0, 5.1, 5.2],
}
AFTER = {
    "truthfulqa": {"mc1": 0.36, "mc2": 0.41, "n": 817, "mc1/spread_sd": 0.03},
    "crows": {"pct_stereotype": 0.55, "likelihood_diff": 1.5, "n": 1508},
    "ethics": {"acc": 0.7, "em": 0.2, "n": 400},
    "mfq": {"care": 3.75, "fairness": 3.5, "loyalty": 2.25, "authority": 2.5, "sanctity": 2.0},
    "mfq_sd": {"care": 0.2, "fairness": 0.4, "loyalty": 0.1, "authority": 0.2, "sanctity": 0.1},
}
BBQ_REASON = "needs data: give --data bbq=PATH"
CROWS_DIRECTIONS = {"pct_stereotype": False, "likelihood_diff": False, "ll_diff_mean": None, "n": None}
ETHICS_ERROR = "evaluator 'ethics' failed in aggregate: ZeroDivisionError: division by zero"


def _mft_values(graph, scores: dict, sds: dict, target_path: Path) -> dict:
    """A values block like evaluation/value_link.py writes, distances computed with goalgraph.values."""
    from goalgraph.values import DISTANCES, ValueVector, distance, load_target, load_theory

    theory = load_theory(graph, "moral-foundations")
    rows = [{"node": ID + "dimension/" + MFT[k], "label": MFT_LABELS[k], "metric": k, "score": v,
             "spread_sd": sds[k], "spread_range": 2 * sds[k]} for k, v in scores.items()]
    vector = ValueVector(theory, {r["node"]: r["score"] for r in rows})
    target = load_target(target_path, theory)
    dists = {m: distance(vector, target.vector, m) for m in sorted({x.name for x in DISTANCES.values()})
             if m != "nmse"}
    dists["nmse"] = distance(vector, target.vector, "nmse", scale=(0, 5))
    return {"theory": ID + "theory/moral-foundations", "theory_label": "Moral Foundations Theory",
            "dimensions": rows, "complete": True,
            "target": {"path": target_path.name, "name": "mft-example", "culture": "Example culture M",
                       "dimensions": [r["node"] for r in rows], "distances": dists}}


def _step(id_, node, label, kind, evaluator, state, levels, goals, citations, metrics=None, **extra) -> dict:
    return {"id": id_, "node": ID + node, "label": label, "kind": kind, "evaluator": evaluator,
            "evaluator_version": "0.1.0" if evaluator else None, "state": state, "levels": levels,
            "goals": [ID + g for g in goals], "citations": [ID + c for c in citations], "metrics": metrics or {},
            "result_file": f"steps/{id_}.json" if state == "done" else None, **extra}


def _write(d: Path, results: dict, step_docs: dict[str, dict]) -> Path:
    RunResults.model_validate(results)              # the fixture itself must follow the contract
    d.mkdir(parents=True, exist_ok=True)
    (d / "steps").mkdir(exist_ok=True)
    (d / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    for sid, doc in step_docs.items():
        (d / "steps" / f"{sid}.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return d


def _header(run_id: str, model: str, fingerprint: str, started: str, alignment=None) -> dict:
    return {"format": "goalgraph-results/1",
            "run": {"id": run_id, "iri": ID + "run/" + run_id, "started": started, "ended": started[:-3] + "59Z",
                    "attempts": 1, "goalgraph": "0.1.0", "device": "cpu", "command": "goalgraph run plan.json"},
            "plan": {"path": "plan.json", "sha256": "0" * 64, "title": "Values and preferences of a chat model",
                     "goal": {"iri": ID + "goal/basic-values", "label": "Basic values", "level": 4},
                     "theory": {"iri": ID + "theory/moral-foundations", "label": "Moral Foundations Theory"}},
            "model": {"path": model, "fingerprint": fingerprint, "iri": ID + "model/" + fingerprint[:16],
                      "describe": {"parameters": 124000}, "alignment": alignment}}


def _with_sd(scores: dict, sds: dict) -> dict:
    return {**scores, **{f"{k}/spread_sd": v for k, v in sds.items()}}


def make_before(d: Path, graph) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "target-mft.json").write_text(json.dumps(MFT_TARGET), encoding="utf-8")
    mfq_values = _mft_values(graph, BEFORE["mfq"], BEFORE["mfq_sd"], d / "target-mft.json")
    pvq_metrics = dict(zip(SCHWARTZ, BEFORE["pvq"]))
    pvq_values = {"theory": ID + "theory/schwartz-basic-values", "theory_label": "Schwartz's theory of basic values",
                  "complete": True,
                  "dimensions": [{"node": ID + "dimension/schwartz-" + k, "label": k.capitalize() + " (Schwartz)",
                                  "metric": k, "score": v, "spread_sd": None, "spread_range": None}
                                 for k, v in pvq_metrics.items()]}
    steps = [
        _step("truthfulqa", "benchmark/truthfulqa", "TruthfulQA", "benchmark", "truthfulqa-mc", "done", [2],
              ["goal/human-preferences"], ["paper/lin-2022-truthfulqa"], BEFORE["truthfulqa"], seconds=12.5),
        _step("crows", "benchmark/crows-pairs", "CrowS-Pairs", "benchmark", "crows-pairs", "done", [3],
              ["goal/value-principles"], ["paper/nangia-2020-crowspairs"], BEFORE["crows"]),
        _step("ethics", "benchmark/ethics", "ETHICS", "benchmark", "ethics", "failed", [3],
              ["goal/value-principles"], ["paper/hendrycks-2020-aligning"], error=ETHICS_ERROR),
        _step("bbq", "benchmark/bbq", "BBQ", "benchmark", "bbq", "skipped", [3], ["goal/value-principles"],
              ["paper/parrish-2021-bbq"], reason=BBQ_REASON),
        _step("mfq", "instrument/mfq", "Moral Foundations Questionnaire", "instrument", "mfq30", "done", [4],
              ["goal/basic-values"], ["paper/abdulhai-2023-moral", "paper/lin-2022-truthfulqa"],
              _with_sd(BEFORE["mfq"], BEFORE["mfq_sd"]), values=mfq_values),
        # values only in the step's own result document, as an older runner might leave it
        _step("pvq", "instrument/pvq", "Portrait Values Questionnaire", "instrument", "pvq40", "done", [4],
              ["goal/basic-values"], ["paper/schwartz-2012-overview"], pvq_metrics),
    ]
    results = {**_header("before-run", "models/base", "f" * 8 + "0123456789abcdef" * 3, "2025-03-01T10:00:00Z"),
               "steps": steps, "summary": {"done": 4, "failed": 1, "skipped": 1}}
    docs = {"truthfulqa": {"metrics": BEFORE["truthfulqa"]}, "pvq": {"metrics": pvq_metrics, "values": pvq_values}}
    return _write(d, results, docs)


def make_after(d: Path, graph, alignment: bool = True) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "target-mft.json").write_text(json.dumps(MFT_TARGET), encoding="utf-8")
    mfq_values = _mft_values(graph, AFTER["mfq"], AFTER["mfq_sd"], d / "target-mft.json")
    steps = [
        _step("truthfulqa", "benchmark/truthfulqa", "TruthfulQA", "benchmark", "truthfulqa-mc", "done", [2],
              ["goal/human-preferences"], ["paper/lin-2022-truthfulqa"], AFTER["truthfulqa"]),
        # the runner records the manifest's directions with each step; the before run predates that
        _step("crows", "benchmark/crows-pairs", "CrowS-Pairs", "benchmark", "crows-pairs", "done", [3],
              ["goal/value-principles"], ["paper/nangia-2020-crowspairs"], AFTER["crows"],
              metric_directions=CROWS_DIRECTIONS),
        _step("ethics", "benchmark/ethics", "ETHICS", "benchmark", "ethics", "done", [3],
              ["goal/value-principles"], ["paper/hendrycks-2020-aligning"], AFTER["ethics"]),
        _step("mfq-rerun", "instrument/mfq", "Moral Foundations Questionnaire", "instrument", "mfq30", "done", [4],
              ["goal/basic-values"], ["paper/abdulhai-2023-moral"], _with_sd(AFTER["mfq"], AFTER["mfq_sd"]),
              values=mfq_values),
        _step("mc-extra", "benchmark/truthfulqa", "TruthfulQA (generic MC)", "benchmark", "mc-generic", "done", [2],
              ["goal/human-preferences"], ["paper/lin-2022-truthfulqa"], {"acc": 0.5, "n": 100}),
    ]
    record = {"aligner": "dpo-trl", "method": ID + "method/dpo"} if alignment else None
    results = {**_header("after-run", "models/dpo", "e" * 8 + "fedcba9876543210" * 3, "2025-03-02T10:00:00Z",
                         alignment=record),
               "steps": steps, "summary": {"done": 5}}
    return _write(d, results, {})
