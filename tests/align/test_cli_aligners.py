"""`goalgraph align` for the aligners beyond sft and dpo, through the real CLI: what each takes (data,
principles, a target), the one-line errors when an input is missing or unwanted, a spec model evaluated by
`goalgraph eval`, and a training run killed with SIGKILL and resumed by running the same command again."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import one_error_line

from .conftest import write_jsonl
from .helpers import weights
from .test_cli import ONE_THREAD, align

ID = "https://w3id.org/goalgraph/id/"
TARGET = "tests/fixtures/values/schwartz-target.json"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def mine(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text("Be kind to every person you talk to.\nSay so when you do not know.\n")
    return path


@pytest.fixture
def prompts(tmp_path):
    return write_jsonl(tmp_path / "prompts.jsonl", [{"prompt": "Q: Where is the river?\nA:"},
                                                    {"prompt": "Q: Is the town far?\nA:"}])


def test_principles_icl_makes_a_model_goalgraph_eval_accepts(cli, base_model, mine, tmp_path):
    spec = tmp_path / "icl"
    r = align(cli, "principles-icl", "--model", base_model, "--principles", mine, "--output", spec)
    assert r.code == 0, r.err
    assert "method method/in-context-principle-alignment" in r.out and "use it as --model" in r.out
    record = json.loads((spec / "alignment.json").read_text())
    assert record["hyperparameters"]["principles"] == ["user/1", "user/2"] and record["data"] is None

    items = write_jsonl(tmp_path / "mc.jsonl", [{"question": "Which is wet?", "choices": ["river", "sky"],
                                                 "answer": 0}])
    results = {}
    for name, model in (("base", base_model), ("spec", spec)):
        out = tmp_path / f"eval-{name}.json"
        e = cli("eval", "mc-generic", "--model", str(model), "--data", str(items), "--output", str(out),
                env=ONE_THREAD)
        assert e.code == 0, e.err
        results[name] = json.loads(out.read_text())
    assert results["spec"]["model"]["fingerprint"] != results["base"]["model"]["fingerprint"]
    # the system prompt is read before every question, so the choices' log-likelihoods move
    per_item = {name: [json.loads(line) for line in (tmp_path / f"eval-{name}.samples.jsonl").read_text()
                       .splitlines()] for name in results}
    assert per_item["spec"][0] != per_item["base"][0]


def test_output_defaults_to_aligned_model_aligner(cli, base_model, mine, tmp_path):
    r = cli("align", "principles-icl", "--model", str(base_model), "--principles", str(mine), cwd=tmp_path,
            env=ONE_THREAD)
    assert r.code == 0, r.err
    out = tmp_path / "aligned" / f"{base_model.name}-principles-icl"
    assert (out / "goalgraph-model.json").is_file() and f"wrote aligned/{out.name}" in r.out


def test_value_best_of_n_through_the_cli(cli, base_model, prompts, tmp_path):
    out = tmp_path / "bon"
    r = align(cli, "value-best-of-n", "--model", base_model, "--data", prompts, "--target", TARGET,
              "--output", out, "--option", "n=2", "--option", "max_new_tokens=4")
    assert r.code == 0, r.err
    assert [line for line in r.err.splitlines() if line.startswith("prompt ")] == ["prompt 1: done",
                                                                                 "prompt 2: done"]
    record = json.loads((out / "alignment.json").read_text())
    assert record["method"] == ID + "method/best-of-n" and record["hyperparameters"]["n"] == 2
    assert len((out / "best_of_n.jsonl").read_text().splitlines()) == 2


@pytest.mark.parametrize("args,needle", [
    (["principles-icl", "--data", "{prompts}"], "principles-icl reads no data; drop --data"),
    (["value-best-of-n"], "value-best-of-n needs --target"),
    (["value-filter-sft", "--target", TARGET], "value-filter-sft needs --data"),
    (["critique-revise"], "critique-revise needs --data"),
    (["sft", "--data", "{prompts}", "--principles", "goal/hhh"], "sft takes no principles"),
    (["dpo", "--data", "{prompts}", "--target", TARGET], "dpo takes no target profile"),
    (["principles-icl", "--option", "rounds=2"], "unknown option 'rounds' for principles-icl"),
    (["principles-icl", "--principles", "goal/no-such-goal"], "--principles goal/no-such-goal"),
    (["value-best-of-n", "--target", "{missing}"], "target file not found"),
])
def test_inputs_an_aligner_lacks_or_does_not_take_are_one_line(cli, base_model, prompts, tmp_path, args, needle):
    args = [a.format(prompts=prompts, missing=tmp_path / "missing.json") for a in args]
    line = one_error_line(align(cli, *args[:1], "--model", base_model, "--output", tmp_path / "o", *args[1:]))
    assert needle in line
    assert not (tmp_path / "o").exists()


def test_a_killed_align_command_resumes_when_run_again(cli, base_model, sft_file, tmp_path):
    """SIGKILL `goalgraph align sft` after its first checkpoint; the same command again resumes from the last
    checkpoint and ends with the weights of a run that was never stopped."""
    options = ["--option", "max_steps=200", "--option", "save_steps=20", "--option", "batch_size=2",
               "--option", "learning_rate=3e-3", "--option", "seed=4"]
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "goalgraph", "align", "sft", "--model", str(base_model), "--data",
               str(sft_file), "--output", str(out), *options]
    env = {**os.environ, **ONE_THREAD, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (out / "checkpoints" / "step-20" / "state.json").exists():
        assert proc.poll() is None, f"the run ended before it could be killed: {proc.stderr.read()}"
        assert time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    done = sorted(int(p.name.split("-")[1]) for p in (out / "checkpoints").glob("step-*"))
    assert done and done[-1] < 200 and not (out / "alignment.json").exists()

    again = align(cli, "sft", "--model", base_model, "--data", sft_file, "--output", out, *options)
    assert again.code == 0, again.err
    record = json.loads((out / "alignment.json").read_text())
    assert record["resumed_from_step"] == done[-1] and record["steps"] == 200
    first_logged = int(again.err.split("step ", 1)[1].split(":", 1)[0])
    assert first_logged == done[-1] + 1                     # nothing before the checkpoint was trained again

    straight = tmp_path / "straight"
    assert align(cli, "sft", "--model", base_model, "--data", sft_file, "--output", straight, *options).code == 0
    a, b = weights(out), weights(straight)
    assert max(float((a[k] - b[k]).abs().max()) for k in a) == 0.0


def test_the_principle_aligners_default_to_the_graphs_hhh_principles(cli, base_model, prompts, tmp_path):
    spec = tmp_path / "hhh"
    assert align(cli, "principles-icl", "--model", base_model, "--output", spec).code == 0
    ids = json.loads((spec / "alignment.json").read_text())["hyperparameters"]["principles"]
    assert len(ids) >= 9 and all(i.startswith("principle/") for i in ids)
    system = json.loads((spec / "goalgraph-model.json").read_text())["system_prompt"]
    assert system.count("\n") == len(ids)                  # the preamble, then one numbered line each

    out = tmp_path / "cai"
    r = align(cli, "critique-revise", "--model", base_model, "--data", prompts, "--principles",
              "goal/harmlessness", "--output", out, "--option", "rounds=2", "--option", "max_new_tokens=3")
    assert r.code == 0, r.err
    assert "SFT rows in" in r.out
    record = json.loads((out / "alignment.json").read_text())
    assert record["method"] == ID + "method/constitutional-ai" and record["rounds"] == 2
    harmless = set(record["principles"])
    assert harmless and harmless < set(ids)                # the harmlessness principles are among HHH's
    for line in (out / "critiques.jsonl").read_text().splitlines():
        row = json.loads(line)
        assert [r["round"] for r in row["rounds"]] == [1, 2]
        assert all(r["principle"]["id"] in harmless for r in row["rounds"])
