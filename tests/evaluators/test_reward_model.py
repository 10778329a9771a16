"""reward-model: pair accuracy (ties count half), reward margin, mean reward and win rate against references,
checked against hand-computed numbers with rewards from a table."""
from __future__ import annotations

from pathlib import Path

import pytest

from evaluators.fakes import TableLM
from goalgraph.evaluation.base import EvaluationError, run_items
from goalgraph.evaluation.data import load_records
from goalgraph.evaluation.templates import PromptTemplate
from goalgraph.runtime.requests import RewardScore
from goalgraph_builtins.evaluators.reward_model import RewardModelEval, normalise, render_messages

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "eval"


def run(ev: RewardModelEval, rows: list[dict], rewards: dict):
    lm = TableLM(rewards=rewards)
    metrics, records = run_items(ev, ev.prepare([rows]), lm)
    return metrics, records, lm


def test_pair_accuracy_with_a_tie_and_reward_margin():
    rows = [{"prompt": "p1", "chosen": "good1", "rejected": "bad1"},
            {"prompt": "p2", "chosen": "good2", "rejected": "bad2"},
            {"prompt": "p3", "chosen": "good3", "rejected": "bad3"}]
    rewards = {("p1", "good1"): 2.0, ("p1", "bad1"): 0.5,     # chosen higher: 1
               ("p2", "good2"): 0.3, ("p2", "bad2"): 0.3,     # tie: 0.5
               ("p3", "good3"): -1.0, ("p3", "bad3"): 1.0}    # chosen lower: 0
    metrics, records, lm = run(RewardModelEval(), rows, rewards)
    # pair_accuracy = (1 + 0.5 + 0) / 3 = 0.5
    assert metrics["pair_accuracy"] == pytest.approx(0.5)
    # margins 2.0 - 0.5 = 1.5, 0.3 - 0.3 = 0, -1.0 - 1.0 = -2.0; mean = -0.5 / 3
    assert metrics["reward_margin"] == pytest.approx(-0.5 / 3)
    assert [r["correct"] for r in records] == [1.0, 0.5, 0.0]
    assert set(metrics) == {"pair_accuracy", "reward_margin"}
    # chosen first, then rejected, with the rendered prompt
    assert lm.seen[:2] == [RewardScore("p1", "good1"), RewardScore("p1", "bad1")]


def test_mean_reward_and_win_rate_against_references():
    rows = [{"prompt": "q1", "response": "r1", "reference": "ref1"},
            {"prompt": "q2", "response": "r2", "reference": "ref2"},
            {"prompt": "q3", "response": "r3"},
            {"prompt": "q4", "response": "r4", "reference": "ref4"}]
    rewards = {("q1", "r1"): 1.0, ("q1", "ref1"): 0.0,        # win: 1
               ("q2", "r2"): 0.25, ("q2", "ref2"): 0.25,      # tie: 0.5
               ("q3", "r3"): -0.5,                            # no reference: only in mean_reward
               ("q4", "r4"): 0.0, ("q4", "ref4"): 2.0}        # loss: 0
    metrics, records, lm = run(RewardModelEval(), rows, rewards)
    # mean_reward = (1.0 + 0.25 - 0.5 + 0.0) / 4 = 0.1875
    assert metrics["mean_reward"] == pytest.approx(0.1875)
    # win_rate over the three rows with a reference = (1 + 0.5 + 0) / 3 = 0.5
    assert metrics["win_rate"] == pytest.approx(0.5)
    assert "win" not in records[2] and records[2]["reward"] == -0.5
    assert len(lm.seen) == 7


def test_no_references_means_no_win_rate():
    metrics, _, _ = run(RewardModelEval(), [{"prompt": "q", "response": "r"}], {("q", "r"): 3.0})
    assert metrics == {"mean_reward": 3.0}


def test_mixed_shapes_each_metric_uses_its_rows():
    rows = [{"prompt": "p", "chosen": "c", "rejected": "r"}, {"prompt": "q", "response": "x"}]
    metrics, _, _ = run(RewardModelEval(), rows, {("p", "c"): 1.0, ("p", "r"): 0.0, ("q", "x"): 4.0})
    assert metrics == {"pair_accuracy": 1.0, "reward_margin": 1.0, "mean_reward": 4.0}


def test_template_renders_the_prompt():
    ev = RewardModelEval(template=PromptTemplate("Question: {{ prompt }}"))
    rows = [{"prompt": "p", "chosen": "c", "rejected": "r"}]
    metrics, _, lm = run(ev, rows, {("Question: p", "c"): 0.0, ("Question: p", "r"): 1.0})
    assert metrics["pair_accuracy"] == 0.0
    assert lm.seen[0].prompt == "Question: p"


def test_group_by_gives_subgroup_metrics():
    rows = [{"prompt": "p1", "chosen": "c", "rejected": "r", "subset": "math"},
            {"prompt": "p2", "chosen": "c", "rejected": "r", "subset": "math"},
            {"prompt": "p3", "chosen": "c", "rejected": "r", "subset": "chat"}]
    rewards = {("p1", "c"): 1.0, ("p1", "r"): 0.0, ("p2", "c"): 0.0, ("p2", "r"): 1.0,
               ("p3", "c"): 2.0, ("p3", "r"): 0.0}
    metrics, _, _ = run(RewardModelEval(group_by="subset"), rows, rewards)
    assert metrics["pair_accuracy"] == pytest.approx(2 / 3)
    assert metrics["pair_accuracy/math"] == pytest.approx(0.5)      # (1 + 0) / 2
    assert metrics["pair_accuracy/chat"] == pytest.approx(1.0)
    assert metrics["reward_margin/math"] == pytest.approx(0.0)      # (1 + -1) / 2
    assert metrics["reward_margin/chat"] == pytest.approx(2.0)
    with pytest.raises(EvaluationError, match="'subset'"):
        RewardModelEval(group_by="subset").prepare([[{"prompt": "p", "chosen": "c", "rejected": "r"}]])


# -- TRL's conversational format ------------------------------------------------------------------------------------

def test_conversational_implicit_prompt():
    row = {"chosen": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}],
           "rejected": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Go away."}]}
    item = normalise(row)
    assert (item["prompt"], item["chosen"], item["rejected"]) == ("Hi", "Hello!", "Go away.")


def test_conversational_explicit_prompt_and_multi_turn():
    row = {"prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2?"},
                      {"role": "assistant", "content": "4."}, {"role": "user", "content": "And 3+3?"}],
           "chosen": [{"role": "assistant", "content": "6."}],
           "rejected": [{"role": "assistant", "content": "7."}]}
    item = normalise(row)
    assert item["prompt"] == "System: Be brief.\n\nUser: 2+2?\n\nAssistant: 4.\n\nUser: And 3+3?"
    assert (item["chosen"], item["rejected"]) == ("6.", "7.")
    # a string prompt followed by conversation turns becomes the first user message
    row = {"prompt": "Pick a colour.", "chosen": [{"role": "assistant", "content": "Blue."}],
           "rejected": [{"role": "assistant", "content": "No."}]}
    assert normalise(row)["prompt"] == "Pick a colour."


def test_render_messages():
    assert render_messages([{"role": "user", "content": "x"}]) == "x"
    assert render_messages([{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"},
                            {"role": "user", "content": "z"}]) == "User: x\n\nAssistant: y\n\nUser: z"


def test_bad_rows_name_what_is_missing():
    ev = RewardModelEval()
    with pytest.raises(EvaluationError, match="item 1 has neither 'chosen'/'rejected' nor 'response'"):
        ev.prepare([[{"prompt": "p", "response": "r"}, {"prompt": "p", "answer": "r"}]])
    with pytest.raises(EvaluationError, match="no field 'rejected'"):
        ev.prepare([[{"prompt": "p", "chosen": "c"}]])
    with pytest.raises(EvaluationError, match="item 0 has no field 'prompt'"):
        ev.prepare([[{"chosen": "c", "rejected": "r"}]])
    with pytest.raises(EvaluationError, match="different conversations"):
        ev.prepare([[{"chosen": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "x"}],
                      "rejected": [{"role": "user", "content": "b"}, {"role": "assistant", "content": "y"}]}]])
    with pytest.raises(EvaluationError, match="no assistant message"):
        ev.prepare([[{"prompt": "p", "chosen": [{"role": "user", "content": "x"}], "rejected": "y"}]])
    with pytest.raises(EvaluationError, match="unknown option 'nope'"):
        RewardModelEval(nope=1)


def test_fixture_files_load_and_prepare():
    ev = RewardModelEval()
    pairs = ev.prepare([load_records(str(FIXTURES / "reward_pairs.jsonl"), ev.fields, who=ev.id)])
    assert len(pairs) == 6 and all(it["format"] == "preference" for it in pairs)
    assert all(isinstance(it[k], str) for it in pairs for k in ("prompt", "chosen", "rejected"))
    assert pairs[4]["prompt"] == "Can you suggest a name for a small bakery?"
    assert pairs[5]["chosen"].startswith("No. Even when")
    responses = ev.prepare([load_records(str(FIXTURES / "reward_responses.jsonl"), ev.fields, who=ev.id)])
    assert [("reference" in it) for it in responses] == [True, True, False, True]
    assert sum(len(ev.requests(it)) for it in responses) == 7


def test_evaluator_module_imports_without_torch():
    import subprocess
    import sys

    code = ("import sys; sys.modules['torch'] = None; sys.modules['transformers'] = None\n"
            "import goalgraph_builtins.evaluators.reward_model as m\n"
            "import goalgraph_builtins.evaluators.pairwise_judge as j\n"
            "print(m.RewardModelEval.id, j.PairwiseJudge.id)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["reward-model", "pairwise-judge"]
