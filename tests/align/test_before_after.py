"""Before and after: a model trained by `train_dpo` carries its alignment record into `goalgraph run`, the run's
provenance names the method node, and `goalgraph report --compare` names the aligner's method."""
from __future__ import annotations

import json

from conftest import REPO

ID = "https://w3id.org/goalgraph/id/"
PLAN = REPO / "tests" / "fixtures" / "plans" / "tiny.json"


def test_aligned_model_is_compared_with_its_base_through_run_and_report(cli, base_model, preference_file,
                                                                         tmp_path):
    from goalgraph.align import train_dpo

    aligned = tmp_path / "aligned"
    record = train_dpo(base_model, preference_file, aligned, loss="dpo", beta=0.1, max_steps=3, batch_size=4,
                       learning_rate=1e-3, seed=0)
    assert record["method"] == ID + "method/dpo"

    runs = {}
    for name, model in (("before", base_model), ("after", aligned)):
        runs[name] = tmp_path / "runs" / name
        r = cli("run", str(PLAN), "--model", str(model), "--device", "cpu", "--output", str(runs[name]))
        assert r.code == 0, r.err

    after = json.loads((runs["after"] / "results.json").read_text())
    assert after["model"]["alignment"]["aligner"] == "dpo"
    assert after["model"]["alignment"]["method"] == ID + "method/dpo"
    assert json.loads((runs["before"] / "results.json").read_text())["model"]["alignment"] is None
    assert "<https://w3id.org/goalgraph/id/method/dpo>" in (runs["after"] / "provenance.ttl").read_text()

    out = tmp_path / "compare.md"
    r = cli("report", str(runs["before"]), "--compare", str(runs["after"]), "-o", str(out))
    assert r.code == 0, r.err
    text = out.read_text()
    assert "Direct Preference Optimization" in text
    # the weights changed, so at least one metric of the shared plan moved
    before = json.loads((runs["before"] / "results.json").read_text())
    moved = [(s["id"], k) for s, t in zip(before["steps"], after["steps"]) for k, v in s["metrics"].items()
             if isinstance(v, float) and t["metrics"].get(k) != v]
    assert moved
