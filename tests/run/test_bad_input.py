"""Bad input to `goalgraph run` is one line on stderr and exit 2, before anything runs or is written."""
from __future__ import annotations

import json

from conftest import one_error_line
from run.conftest import TINY_PLAN, write_plan


def test_missing_plan(cli, tiny_lm_dir, tmp_path):
    line = one_error_line(cli("run", str(tmp_path / "nope.json"), "--model", str(tiny_lm_dir),
                              "--output", str(tmp_path / "out")))
    assert "cannot read plan" in line and not (tmp_path / "out").exists()


def test_invalid_plans(cli, tiny_lm_dir, tmp_path):
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json")
    assert "not valid JSON" in one_error_line(cli("run", str(bad_json), "--model", str(tiny_lm_dir)))
    plan = json.loads(TINY_PLAN.read_text())
    plan["steps"][1]["status"] = "ready"
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(plan))
    line = one_error_line(cli("run", str(wrong), "--model", str(tiny_lm_dir), "--output", str(tmp_path / "out")))
    assert "steps.1.status" in line and not (tmp_path / "out").exists()


def test_missing_model(cli, tmp_path):
    line = one_error_line(cli("run", str(TINY_PLAN), "--model", str(tmp_path / "no-model"),
                              "--output", str(tmp_path / "out")))
    assert "model directory not found" in line and not (tmp_path / "out").exists()


def test_data_override_for_no_step(cli, tiny_lm_dir, tmp_path):
    line = one_error_line(cli("run", str(TINY_PLAN), "--model", str(tiny_lm_dir), "--output", str(tmp_path / "out"),
                              "--data", "benchmark/bbq=x.jsonl"))
    assert "no step of the plan" in line and not (tmp_path / "out").exists()
    line = one_error_line(cli("run", str(TINY_PLAN), "--model", str(tiny_lm_dir), "--data", "oops"))
    assert "NODE=PATH" in line


def test_data_override_cannot_rescue_a_plugin_gap(cli, tiny_lm_dir, tmp_path):
    plan = write_plan(tmp_path / "plan.json", [{"id": "gap", "status": "needs-plugin", "evaluator": None}])
    line = one_error_line(cli("run", str(plan), "--model", str(tiny_lm_dir), "--data", "gap=x.jsonl"))
    assert "needs-plugin" in line


def test_another_models_directory_is_refused(cli, finished_run, tiny_lm_dir_2):
    out, _ = finished_run
    before = (out / "results.json").read_bytes()
    line = one_error_line(cli("run", str(TINY_PLAN), "--model", str(tiny_lm_dir_2), "--output", str(out)))
    assert "another model" in line and (out / "results.json").read_bytes() == before
