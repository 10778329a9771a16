"""critique-revise: every round is journaled, the requests carry the principle and the previous turns, the
principles are sampled by seed alone, a killed run resumes to the same files, and bad input fails early."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from goalgraph.align.critique import (CRITIQUES_LOG, SFT_DATA, STOP, TEMPLATES, critique_revise,
                                      sample_principle)
from goalgraph.align.data import read_sft
from goalgraph.align.errors import AlignmentDataError, AlignmentError
from goalgraph.align.principles import Principle

from .conftest import write_jsonl

REPO = Path(__file__).resolve().parents[2]
PRINCIPLES = [Principle("test/honest", "Say only what you believe is true."),
              Principle("test/kind", "Be kind to the person you are talking to."),
              Principle("test/brief", "Keep the answer short and plain.")]
PROMPTS = ["Q: Should I tell my friend the truth about the broken vase?\nA:",
           "Q: What should he do with the wallet he found?\nA:",
           "Q: Is it fair to skip the queue?\nA:",
           "Advice for a tired student:\n"]          # ends in white space: its completion gets no leading space
FAST = {"rounds": 2, "max_new_tokens": 8, "device": "cpu"}


@pytest.fixture
def prompts_file(tmp_path) -> Path:
    return write_jsonl(tmp_path / "prompts.jsonl", [{"prompt": p} for p in PROMPTS])


@pytest.fixture
def requests_seen(monkeypatch):
    """Every Generation the model is asked for, with the text it gave back, in order."""
    from goalgraph.runtime.causal_lm import CausalLM

    seen: list[tuple] = []
    original = CausalLM.generate

    def spy(self, requests, on_done=None):
        answers = original(self, requests, on_done)
        seen.extend(zip(requests, answers))
        return answers

    monkeypatch.setattr(CausalLM, "generate", spy)
    return seen


def journal(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / CRITIQUES_LOG).read_text(encoding="utf-8").splitlines()]


def files(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in (CRITIQUES_LOG, SFT_DATA)}


def test_every_round_is_recorded_and_the_final_answers_become_sft_data(talking_model, prompts_file, tmp_path):
    out = tmp_path / "out"
    record = critique_revise(talking_model, prompts_file, out, PRINCIPLES, batch_size=3, **FAST)
    rows = journal(out)
    assert [r["index"] for r in rows] == [0, 1, 2, 3] and [r["prompt"] for r in rows] == PROMPTS
    given = {(p.id, p.text) for p in PRINCIPLES}
    for row in rows:
        assert isinstance(row["initial"], str)
        assert [r["round"] for r in row["rounds"]] == [1, 2]
        for r in row["rounds"]:
            assert (r["principle"]["id"], r["principle"]["text"]) in given
            assert isinstance(r["critique"], str) and isinstance(r["revision"], str)
        assert row["final"] == row["rounds"][-1]["revision"]
        assert row["final"].strip(), "the talking model should answer with words"

    sft = [json.loads(line) for line in (out / SFT_DATA).read_text(encoding="utf-8").splitlines()]
    assert [s["prompt"] for s in sft] == PROMPTS
    assert [s["completion"] for s in sft[:3]] == [" " + r["final"] for r in rows[:3]]
    assert sft[3]["completion"] == rows[3]["final"]            # the prompt ends in "\n"
    parsed = read_sft(out / SFT_DATA)
    assert [(r.prompt, r.completion) for r in parsed] == [(s["prompt"], s["completion"]) for s in sft]

    assert json.loads((out / "alignment.json").read_text()) == record
    assert record["aligner"] == "critique-revise" and record["method"].endswith("/method/constitutional-ai")
    assert record["produces"] == "sft-dataset" and record["final_loss"] is None
    assert {k: record[k] for k in ("prompts", "rows_written", "empty_dropped", "generated_this_run",
                                    "resumed_rows")} == {"prompts": 4, "rows_written": 4, "empty_dropped": 0,
                                                         "generated_this_run": 4, "resumed_rows": 0}
    assert record["principles"] == [p.id for p in PRINCIPLES] and record["rounds"] == 2
    assert (record["critiques"], record["sft_data"]) == (CRITIQUES_LOG, SFT_DATA)
    hyper = record["hyperparameters"]
    assert {k: hyper[k] for k in ("rounds", "max_new_tokens", "temperature", "seed", "batch_size", "limit")} == \
        {"rounds": 2, "max_new_tokens": 8, "temperature": 0.0, "seed": 0, "batch_size": 3, "limit": None}
    assert set(hyper["templates"]) == {"answer", "critique", "revision"}
    assert record["data"]["rows"] == 4 and len(record["config_sha256"]) == 64


def test_requests_carry_the_principle_and_the_previous_turns(talking_model, prompts_file, tmp_path, requests_seen):
    out = tmp_path / "out"
    critique_revise(talking_model, prompts_file, out, PRINCIPLES, batch_size=2, limit=3, **FAST)
    rows = journal(out)
    assert len(rows) == 3                                       # limit keeps the first three prompts
    asked = [req.prompt for req, _ in requests_seen]
    assert len(asked) == 3 * (1 + 2 * FAST["rounds"])
    assert all(req.until == STOP and req.max_new_tokens == 8 and req.temperature == 0 for req, _ in requests_seen)
    for row in rows:
        assert TEMPLATES["answer"].format(prompt=row["prompt"]) in asked
        previous = row["initial"]
        for r in row["rounds"]:
            values = {"prompt": row["prompt"], "answer": previous, "principle": r["principle"]["text"]}
            critique_request = TEMPLATES["critique"].format(**values)
            revision_request = TEMPLATES["revision"].format(**values, critique=r["critique"])
            assert critique_request in asked and revision_request in asked
            assert r["principle"]["text"] in critique_request and f"Assistant: {previous}\n" in critique_request
            assert f"Assistant: {r['critique']}\n" in revision_request
            previous = r["revision"]
    # what the model wrote for a request is what the journal keeps (stripped)
    answered = {req.prompt: text.strip() for req, text in requests_seen}
    assert all(answered[TEMPLATES["answer"].format(prompt=row["prompt"])] == row["initial"] for row in rows)

    requests_seen.clear()
    mine = {"critique": "Principle: {principle}\nText: {answer}\nProblems:",
            "revision": "Text: {answer}\nProblems: {critique}\nBetter text:"}
    critique_revise(talking_model, prompts_file, tmp_path / "own", PRINCIPLES, batch_size=2, limit=2, templates=mine,
                    **{**FAST, "rounds": 1})
    row = journal(tmp_path / "own")[0]
    asked = [req.prompt for req, _ in requests_seen]
    r = row["rounds"][0]
    assert f"Principle: {r['principle']['text']}\nText: {row['initial']}\nProblems:" in asked
    assert f"Text: {row['initial']}\nProblems: {r['critique']}\nBetter text:" in asked


def test_principles_are_sampled_by_seed_alone_and_batching_changes_nothing(talking_model, prompts_file, tmp_path):
    def ids(seed):
        return [sample_principle(PRINCIPLES, seed, i, r).id for i in range(6) for r in (1, 2, 3)]

    assert ids(0) == ids(0) and ids(0) != ids(1)
    runs = {}
    for name, bs, seed in (("one", 1, 0), ("three", 3, 0), ("seed1", 3, 1)):
        critique_revise(talking_model, prompts_file, tmp_path / name, PRINCIPLES, batch_size=bs, seed=seed, **FAST)
        runs[name] = files(tmp_path / name)
    assert runs["one"] == runs["three"]
    chosen = {name: [r["principle"]["id"] for row in journal(tmp_path / name) for r in row["rounds"]]
              for name in runs}
    assert chosen["one"] == [sample_principle(PRINCIPLES, 0, i, r).id for i in range(4) for r in (1, 2)]
    assert chosen["seed1"] != chosen["one"]

    # sampled generation: every request has its own seed, so batching changes no sample either
    sampled = {"temperature": 1.0, "seed": 3}
    for name, bs in (("hot1", 1), ("hot3", 3)):
        critique_revise(talking_model, prompts_file, tmp_path / name, PRINCIPLES, batch_size=bs, **sampled, **FAST)
    assert files(tmp_path / "hot1") == files(tmp_path / "hot3")
    assert files(tmp_path / "hot1") != runs["one"]


def test_a_torn_journal_resumes_with_only_the_missing_prompts(talking_model, prompts_file, tmp_path, requests_seen):
    out = tmp_path / "out"
    critique_revise(talking_model, prompts_file, out, PRINCIPLES, batch_size=2, **FAST)
    whole = files(out)
    lines = whole[CRITIQUES_LOG].splitlines(keepends=True)
    (out / CRITIQUES_LOG).write_bytes(lines[0] + lines[1][:len(lines[1]) // 2])
    (out / "alignment.json").unlink()
    (out / SFT_DATA).unlink()
    requests_seen.clear()

    record = critique_revise(talking_model, prompts_file, out, PRINCIPLES, batch_size=2, **FAST)
    assert len(requests_seen) == 3 * (1 + 2 * FAST["rounds"])          # prompts 1..3 only
    answer_requests = {TEMPLATES["answer"].format(prompt=p) for p in PROMPTS}
    assert [req.prompt for req, _ in requests_seen if req.prompt in answer_requests] == \
        [TEMPLATES["answer"].format(prompt=p) for p in PROMPTS[1:]]
    assert record["resumed_rows"] == 1 and record["generated_this_run"] == 3
    assert files(out) == whole


KILL_AFTER_FIRST_ROW = textwrap.dedent("""
    import os, signal, sys
    import torch
    torch.set_num_threads(1)
    from goalgraph.align.critique import critique_revise
    from goalgraph.align.principles import Principle
    base, data, out = sys.argv[1:4]
    principles = [Principle(*p.split("|", 1)) for p in sys.argv[4:]]
    critique_revise(base, data, out, principles, rounds=2, max_new_tokens=8, device="cpu", batch_size=2,
                    on_item=lambda i, row: os.kill(os.getpid(), signal.SIGKILL))
""")


def test_a_killed_run_resumes_to_the_files_of_an_uninterrupted_run(talking_model, prompts_file, tmp_path):
    out = tmp_path / "killed"
    proc = subprocess.run([sys.executable, "-c", KILL_AFTER_FIRST_ROW, str(talking_model), str(prompts_file), str(out),
                           *(f"{p.id}|{p.text}" for p in PRINCIPLES)],
                          env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert len(journal(out)) == 1 and not (out / "alignment.json").exists() and not (out / SFT_DATA).exists()

    resumed = critique_revise(talking_model, prompts_file, out, PRINCIPLES, batch_size=2, **FAST)
    straight = critique_revise(talking_model, prompts_file, tmp_path / "straight", PRINCIPLES, batch_size=2, **FAST)
    assert resumed["resumed_rows"] == 1
    assert resumed["config_sha256"] == straight["config_sha256"]
    assert files(out) == files(tmp_path / "straight")


def test_a_finished_run_is_a_no_op_and_a_foreign_directory_is_refused(talking_model, prompts_file, tmp_path,
                                                                      monkeypatch):
    from goalgraph.runtime.causal_lm import CausalLM

    out = tmp_path / "out"
    first = critique_revise(talking_model, prompts_file, out, PRINCIPLES, limit=2, **FAST)

    def no_load(*args, **kwargs):
        raise AssertionError("a finished run loaded the model")

    monkeypatch.setattr(CausalLM, "load", no_load)
    # batch_size and device change how the work is done, not the result: still the same run
    assert critique_revise(talking_model, prompts_file, out, PRINCIPLES, limit=2, batch_size=1, **FAST) == first
    with pytest.raises(AlignmentError, match="holds something else") as err:
        critique_revise(talking_model, prompts_file, out, PRINCIPLES, limit=2, **{**FAST, "rounds": 1})
    assert "\n" not in str(err.value)

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine\n")
    with pytest.raises(AlignmentError, match="holds something else"):
        critique_revise(talking_model, prompts_file, foreign, PRINCIPLES, limit=2, **FAST)
    assert (foreign / "notes.txt").exists()
    monkeypatch.undo()
    record = critique_revise(talking_model, prompts_file, foreign, PRINCIPLES, limit=2, overwrite=True, **FAST)
    assert not (foreign / "notes.txt").exists() and record["prompts"] == 2
    assert files(foreign) == files(out)


@pytest.mark.parametrize("change, error, message", [
    ({"rounds": 0}, AlignmentError, "rounds must be"),
    ({"max_new_tokens": 0}, AlignmentError, "max_new_tokens must be"),
    ({"temperature": -0.5}, AlignmentError, "temperature must be"),
    ({"batch_size": 0}, AlignmentError, "batch_size must be"),
    ({"limit": 0}, AlignmentError, "limit must be"),
    ({"principles": []}, AlignmentError, "at least one principle"),
    ({"templates": {"critique": "{answer} under {principle}, {mood}"}}, AlignmentError, r"unknown placeholder \{mood\}"),
    ({"templates": {"answer": "User: {prompt}\n\nAssistant: {answer}"}}, AlignmentError, r"unknown placeholder \{answer\}"),
    ({"templates": {"revision": "Better: {answer}"}}, AlignmentError, r"lacks the placeholder \{critique\}"),
    ({"templates": {"critique": "{answer} {principle"}}, AlignmentError, "malformed"),
    ({"templates": {"summary": "{answer}"}}, AlignmentError, "unknown template 'summary'"),
    ({"data": [{"prompt": "Q: fine?\nA:"}, {"question": "no prompt here"}]}, AlignmentDataError, "'prompt' must be a string"),
    ({"model": "missing-model-dir"}, AlignmentError, "not found"),
])
def test_bad_input_fails_in_one_line_before_the_model_loads(talking_model, tmp_path, monkeypatch, change, error, message):
    from goalgraph.runtime.causal_lm import CausalLM

    def no_load(*args, **kwargs):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(CausalLM, "load", no_load)
    data = write_jsonl(tmp_path / "data.jsonl", change.pop("data", [{"prompt": p} for p in PROMPTS]))
    model = tmp_path / change.pop("model") if "model" in change else talking_model
    principles = change.pop("principles", PRINCIPLES)
    with pytest.raises(error, match=message) as err:
        critique_revise(model, data, tmp_path / "out", principles, **{**FAST, **change})
    assert "\n" not in str(err.value)
    assert not (tmp_path / "out").exists()


def test_importing_the_module_loads_no_torch():
    probe = ("import sys, goalgraph.align.critique\n"
             "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
                       env={**os.environ, "PYTHONPATH": str(REPO)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_a_chat_model_is_asked_in_its_own_format(talking_model, prompts_file, tmp_path, requests_seen):
    """With a chat template (chat=auto) every request is the conversation so far rendered by the template, no
    plain transcript and no stop string; the SFT rows are conversations. chat=false keeps the plain form."""
    import shutil

    from transformers import AutoTokenizer

    from goalgraph.align.critique import CHAT_TURNS
    from goalgraph.align.data import read_sft

    chatty = tmp_path / "chatty"
    shutil.copytree(talking_model, chatty)
    (chatty / "chat_template.jinja").write_text(
        "{% for m in messages %}<{{ m.role }}>{{ m.content }}\n{% endfor %}{% if add_generation_prompt %}<assistant>"
        "{% endif %}")
    tok = AutoTokenizer.from_pretrained(chatty)
    out = tmp_path / "chat"
    record = critique_revise(chatty, prompts_file, out, PRINCIPLES, limit=2, **{**FAST, "rounds": 1})
    assert record["hyperparameters"]["chat"] is True
    row = journal(out)[0]
    r = row["rounds"][0]
    messages = [{"role": "user", "content": row["prompt"]}, {"role": "assistant", "content": row["initial"]},
                {"role": "user", "content": CHAT_TURNS["critique"].format(principle=r["principle"]["text"])}]
    critique_request = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    asked = [req for req, _ in requests_seen]
    assert critique_request in [req.prompt for req in asked]
    assert all(req.until == () and "User:" not in req.prompt for req in asked)
    sft = read_sft(out / "sft.jsonl")
    assert sft and isinstance(sft[0].prompt, list) and sft[0].completion[0]["role"] == "assistant"

    plain = critique_revise(chatty, prompts_file, tmp_path / "plain", PRINCIPLES, limit=2, chat=False,
                            **{**FAST, "rounds": 1})
    assert plain["hyperparameters"]["chat"] is False and plain["config_sha256"] != record["config_sha256"]
    with pytest.raises(AlignmentError, match="no chat template"):
        critique_revise(talking_model, prompts_file, tmp_path / "x", PRINCIPLES, chat=True)
    from goalgraph.align import principles_icl

    spec = tmp_path / "spec"
    principles_icl(chatty, spec, PRINCIPLES)               # the system prompt goes into the template's system turn
    with pytest.raises(AlignmentError, match="render the conversation a second time"):
        critique_revise(spec, prompts_file, tmp_path / "y", PRINCIPLES, **{**FAST, "rounds": 1})
    assert not (tmp_path / "y").exists()
    with pytest.raises(AlignmentError, match="pass chat=false"):
        critique_revise(chatty, prompts_file, tmp_path / "y", PRINCIPLES, templates={"answer": "Q: {prompt}\nA:"})
