"""`goalgraph align`: the two built-in aligners end to end through the CLI (a subprocess, real exit codes), the
bad-input contract, and the aligner components in the plugin registry."""
from __future__ import annotations

import json

import pytest

from conftest import one_error_line

from .conftest import SFT_ROWS, write_jsonl

ID = "https://w3id.org/goalgraph/id/"
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}   # see conftest.py: thread hand-offs dominate
FAST = ["--option", "max_steps=2", "--option", "batch_size=4", "--option", "save_steps=0"]


def align(cli, *args: str):
    return cli("align", *map(str, args), env=ONE_THREAD)


def test_dpo_writes_a_loadable_model_and_its_record(cli, base_model, preference_file, tmp_path):
    from transformers import AutoModelForCausalLM

    out = tmp_path / "dpo"
    r = align(cli, "dpo", "--model", base_model, "--data", preference_file, "--output", out,
              "--option", "max_steps=2", "--option", "batch_size=4")
    assert r.code == 0, r.err
    steps = [line for line in r.err.splitlines() if line.startswith("step ")]
    assert [s.split(":")[0] for s in steps] == ["step 1", "step 2"] and "loss=" in steps[0]
    assert "method method/dpo" in r.out and f"wrote {out}" in r.out
    record = json.loads((out / "alignment.json").read_text())
    assert record["aligner"] == "dpo" and record["method"] == ID + "method/dpo"
    assert record["steps"] == 2 and record["hyperparameters"]["batch_size"] == 4
    assert f"final loss {record['final_loss']:.4g}" in r.out
    AutoModelForCausalLM.from_pretrained(out)

    again = align(cli, "dpo", "--model", base_model, "--data", preference_file, "--output", out,
                  "--option", "max_steps=2", "--option", "batch_size=4")
    assert again.code == 0, again.err                       # the same run is already done: its record, no steps
    assert not [line for line in again.err.splitlines() if line.startswith("step ")]
    assert json.loads((out / "alignment.json").read_text())["created"] == record["created"]


def test_loss_and_beta_flags(cli, base_model, preference_file, tmp_path):
    out = tmp_path / "ipo"
    r = align(cli, "dpo", "--model", base_model, "--data", preference_file, "--output", out, "--loss", "ipo",
              "--beta", "0.3", *FAST)
    assert r.code == 0, r.err
    record = json.loads((out / "alignment.json").read_text())
    assert record["method"] == ID + "method/ipo"
    assert record["hyperparameters"]["loss"] == "ipo" and record["hyperparameters"]["beta"] == 0.3


def test_sft_with_typed_options(cli, base_model, sft_file, tmp_path):
    out = tmp_path / "sft"
    r = align(cli, "sft", "--model", base_model, "--data", sft_file, "--output", out, *FAST,
              "--option", "learning_rate=1e-3", "--option", "disable_dropout=true", "--option", "max_length=none")
    assert r.code == 0, r.err
    record = json.loads((out / "alignment.json").read_text())
    assert record["method"] == ID + "method/instruction-tuning"
    hyper = record["hyperparameters"]
    assert hyper["learning_rate"] == 1e-3 and hyper["disable_dropout"] is True and "beta" not in hyper
    assert "method method/instruction-tuning" in r.out


BAD = [
    (["dpx"], "no aligner named 'dpx'; did you mean dpo?"),
    (["dpo", "--option", "bogus=1"], "unknown hyper-parameter 'bogus'"),
    (["dpo", "--option", "max_steps=two"], "max_steps='two': expected int"),
    (["dpo", "--option", "max_steps"], "--option takes key=value"),
    (["dpo", "--loss", "nope"], "unknown preference loss 'nope'"),
    (["dpo", "--loss", "ipo", "--option", "loss=dpo"], "--loss and --option loss=... both given"),
    (["sft", "--beta", "0.2"], "--beta is a preference-loss option; sft does not take it"),
    (["sft", "--option", "beta=0.2"], "'beta' is a preference-loss option; sft does not take it"),
]


@pytest.mark.parametrize("args,message", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_options_are_one_line(cli, base_model, preference_file, tmp_path, args, message):
    line = one_error_line(align(cli, *args, "--model", base_model, "--data", preference_file,
                                "--output", tmp_path / "out"))
    assert message in line
    assert not (tmp_path / "out").exists()


def test_bad_paths_are_one_line(cli, base_model, preference_file, tmp_path):
    sft = write_jsonl(tmp_path / "sft.jsonl", SFT_ROWS)
    line = one_error_line(align(cli, "dpo", "--model", tmp_path / "no-model", "--data", preference_file,
                                "--output", tmp_path / "a"))
    assert "no-model" in line
    line = one_error_line(align(cli, "dpo", "--model", base_model, "--data", sft, "--output", tmp_path / "b"))
    assert "item 0" in line and "'chosen'" in line
    line = one_error_line(align(cli, "dpo", "--model", base_model, "--data", tmp_path / "missing.jsonl",
                                "--output", tmp_path / "c"))
    assert "missing.jsonl" in line
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine\n")
    line = one_error_line(align(cli, "dpo", "--model", base_model, "--data", preference_file, "--output", busy))
    assert "not empty" in line and "--overwrite" in line and "overwrite=True" not in line


def test_aligners_in_the_registry(cli):
    r = cli("plugins", "list", "--json")
    assert r.code == 0, r.err
    comps = {c["id"]: c for p in json.loads(r.out) if p["name"] == "builtins" for c in p["components"]}
    assert comps["sft"]["kind"] == comps["dpo"]["kind"] == "aligner"
    assert comps["sft"]["status"] == comps["dpo"]["status"] == "ok"
    assert comps["sft"]["attaches_to"] == [ID + "method/instruction-tuning"]
    assert set(comps["dpo"]["attaches_to"]) == {ID + "method/dpo", ID + "method/ipo", ID + "method/slic-hf"}
    assert comps["dpo"]["implements"] == "paper/rafailov-2023-direct"
    show = cli("show", "ipo")
    assert show.code == 0 and "aligner/dpo" in show.out
