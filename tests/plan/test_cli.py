"""`goalgraph plan` end to end: byte-identical output, files written with their BibTeX, --check, --schema,
and one-line errors for bad input."""
from __future__ import annotations

import json

import pytest
from conftest import one_error_line
from plan.helpers import FIXTURE, TRUTHFULQA_DATA

import yaml


@pytest.mark.parametrize("fmt", ["yaml", "json", "md"])
def test_plan_is_byte_identical_across_runs(cli, fmt, tmp_path):
    args = ["plan", "--goal", "basic-values", "--theory", "schwartz-basic-values", "--format", fmt]
    first, second = cli(*args), cli(*args)
    assert first.code == 0, first.err
    assert first.out == second.out and first.out.strip()
    a, b = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
    for out in (a, b):
        r = cli("plan", "--goal", "human-preferences", "--data", f"truthfulqa={TRUTHFULQA_DATA}", "-o", str(out))
        assert r.code == 0, r.err
    assert a.read_bytes() == b.read_bytes()
    assert a.with_suffix(".bib").read_bytes() == b.with_suffix(".bib").read_bytes()


def test_output_suffix_picks_the_format_and_writes_bibtex(cli, tmp_path):
    for name, check in (("p.json", json.loads), ("p.yaml", yaml.safe_load), ("p.md", str)):
        out = tmp_path / name
        r = cli("plan", "--goal", "hhh", "-o", str(out))
        assert r.code == 0, r.err
        assert "wrote" in r.err and r.out == ""
        parsed = check(out.read_text())
        if name == "p.md":
            assert parsed.startswith("# Evaluation plan: Helpful, honest and harmless")
        else:
            assert parsed["format"] == "goalgraph-plan/1"
        assert out.with_suffix(".bib").read_text().startswith("@")
    assert not list(tmp_path.glob(".*.tmp"))          # atomic writes leave nothing behind


def test_json_steps_carry_node_evaluator_status_citations(cli):
    r = cli("plan", "--goal", "human-preferences", "--format", "json")
    steps = json.loads(r.out)["steps"]
    assert isinstance(steps, list) and steps
    for s in steps:
        assert {"node", "evaluator", "status", "citations"} <= set(s)


def test_check_accepts_what_plan_writes(cli, tmp_path):
    for name in ("p.yaml", "p.json"):
        out = tmp_path / name
        assert cli("plan", "--goal", "basic-values", "-o", str(out)).code == 0
        r = cli("plan", "--check", str(out))
        assert r.code == 0, r.err
        assert "valid goalgraph-plan/1" in r.out


def test_check_rejects_a_bad_field_with_its_path(cli, tmp_path):
    out = tmp_path / "p.yaml"
    assert cli("plan", "--goal", "basic-values", "-o", str(out)).code == 0
    data = yaml.safe_load(out.read_text())
    data["steps"][0]["status"] = "maybe"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, sort_keys=False))
    line = one_error_line(cli("plan", "--check", str(bad)))
    assert "steps.0.status" in line
    data["steps"][0]["status"] = "runnable"
    data["steps"][1]["id"] = data["steps"][0]["id"]
    bad.write_text(yaml.safe_dump(data, sort_keys=False))
    assert "steps.1.id" in one_error_line(cli("plan", "--check", str(bad)))


def test_schema_option_prints_the_shipped_schema(cli):
    from goalgraph.plan.io import SCHEMA_FILE

    r = cli("plan", "--schema")
    assert r.code == 0
    assert r.out == SCHEMA_FILE.read_text()


def test_user_graph_is_merged(cli):
    r = cli("--graph", str(FIXTURE), "plan", "--goal", "fixture-civic-values", "--format", "json")
    assert r.code == 0, r.err
    assert [s["id"] for s in json.loads(r.out)["steps"]] == ["benchmark-fixture-civic-bench"]


@pytest.mark.parametrize("args, needle", [
    (["plan"], "--goal"),
    (["plan", "--goal", "truthfulqa"], "not a goal"),
    (["plan", "--goal", "basic-valuez"], "did you mean"),
    (["plan", "--goal", "basic-values", "--theory", "dpo"], "not a value theory"),
    (["plan", "--goal", "basic-values", "--format", "pdf"], "--format"),
    (["plan", "--goal", "basic-values", "--device", "tpu"], "--device"),
    (["plan", "--goal", "human-preferences", "--data", "truthfulqa"], "NODE=PATH"),
    (["plan", "--goal", "human-preferences", "--data", "truthfulqa=/no/such.jsonl"], "no such file"),
    (["plan", "--check", "/no/such/plan.yaml"], "cannot read plan"),
])
def test_bad_input_is_one_line_and_exit_2(cli, args, needle):
    assert needle in one_error_line(cli(*args))
