"""pairwise-judge: joining files, both-orders verdicts (an inconsistent pair is a tie), win/tie rates,
Bradley–Terry by MM (checked against its closed form for two players and its stationarity equations for
three), and deterministic bootstrap intervals."""
from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from evaluators.fakes import TableLM
from goalgraph.evaluation.base import EvaluationError, run_items
from goalgraph.evaluation.data import load_records
from goalgraph.runtime.requests import Loglikelihood
from goalgraph_builtins.evaluators.pairwise_judge import (FALLBACK_PRIOR, PairwiseJudge, bootstrap_intervals,
                                                          bradley_terry, bt_ratings, elo_scale, percentile)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "eval"
PANES = re.compile(r"Answer A:\n(.*)\n\nAnswer B:\n(.*)\n\nWhich", re.DOTALL)


def judge(quality: dict[str, float], position_biased: set[str] = frozenset()):
    """A fake judge for the default template: it prefers the response of higher `quality`, except on prompts in
    `position_biased`, where it always says A. Log-probs: -1 for the preferred label, -2 for the other."""
    def fn(context: str, continuation: str) -> float:
        a, b = PANES.search(context).groups()
        prompt = context.split("Request:\n", 1)[1].split("\n\nAnswer A:", 1)[0]
        says_a = True if prompt in position_biased else quality[a] > quality[b]
        return -1.0 if (continuation == " A") == says_a else -2.0
    return fn


def two_systems(n: int = 5):
    a = [{"id": f"p{k}", "prompt": f"prompt {k}", "response": f"a{k}"} for k in range(1, n + 1)]
    b = [{"id": f"p{k}", "prompt": f"prompt {k}", "response": f"b{k}"} for k in range(1, n + 1)]
    return a, b


def test_requests_cover_both_orders():
    ev = PairwiseJudge(bootstrap=0, names="x,y")
    item = ev.prepare([[{"prompt": "Q", "response": "RX"}], [{"prompt": "Q", "response": "RY"}]])[0]
    reqs = ev.requests(item)
    assert len(reqs) == 4 and all(isinstance(r, Loglikelihood) for r in reqs)
    assert [r.continuation for r in reqs] == [" A", " B", " A", " B"]
    assert PANES.search(reqs[0].context).groups() == ("RX", "RY")     # A = x, B = y
    assert PANES.search(reqs[2].context).groups() == ("RY", "RX")     # A = y, B = x
    assert reqs[0].context.endswith("Better response:")


def test_both_orders_logic_and_inconsistent_verdict_is_a_tie():
    ev = PairwiseJudge(bootstrap=0, names="x,y")
    item = ev.prepare([[{"prompt": "Q", "response": "RX"}], [{"prompt": "Q", "response": "RY"}]])[0]
    # order AB prefers A (= x), order BA prefers B (= x): consistent, x wins
    rec = ev.score(item, [(-1.0, False), (-2.0, False), (-3.0, False), (-0.5, False)])
    assert rec["comparisons"][0]["verdicts"] == ["x", "x"] and rec["comparisons"][0]["winner"] == "x"
    # both orders say A: the judge followed the position, so it is a tie
    rec = ev.score(item, [(-1.0, False), (-2.0, False), (-1.0, False), (-2.0, False)])
    assert rec["comparisons"][0]["verdicts"] == ["x", "y"] and rec["comparisons"][0]["winner"] is None
    # an exact log-prob tie in one order cannot make a winner either
    rec = ev.score(item, [(-1.0, False), (-1.0, False), (-2.0, False), (-1.0, False)])
    assert rec["comparisons"][0]["verdicts"] == [None, "x"] and rec["comparisons"][0]["winner"] is None
    # answers that came back from the store as lists work the same
    rec = ev.score(item, [[-2.0, False], [-1.0, False], [-1.0, True], [-2.0, True]])
    assert rec["comparisons"][0]["winner"] == "y"


def test_two_system_rates_and_bradley_terry():
    a, b = two_systems(5)
    # p1, p2, p5: a better; p3: b better; p4: judge always says A → inconsistent → tie
    quality = {"a1": 1, "b1": 0, "a2": 1, "b2": 0, "a3": 0, "b3": 1, "a4": 1, "b4": 0, "a5": 1, "b5": 0}
    ev = PairwiseJudge(bootstrap=0, bt_prior=0.0, names="a,b")
    lm = TableLM(fn=judge(quality, position_biased={"prompt 4"}))
    metrics, records = run_items(ev, ev.prepare([a, b]), lm)
    assert [r["comparisons"][0]["winner"] for r in records] == ["a", "a", "b", None, "a"]
    # wins(a) = 3, wins(b) = 1, ties = 1, n = 5
    assert metrics["win_rate"] == pytest.approx(3 / 5)
    assert metrics["tie_rate"] == pytest.approx(1 / 5)
    assert metrics["tie_adjusted_win_rate"] == pytest.approx((3 + 0.5 * 1) / 5)    # 0.7
    # Bradley–Terry, ties half a win each: W_a = 3.5, W_b = 1.5. For two players the MLE is p_a / p_b = W_a / W_b,
    # so bt/a − bt/b = 400·log10(3.5 / 1.5), and the mean is 1000.
    gap = 400 * math.log10(3.5 / 1.5)
    assert metrics["bt/a"] == pytest.approx(1000 + gap / 2, abs=1e-6)
    assert metrics["bt/b"] == pytest.approx(1000 - gap / 2, abs=1e-6)
    assert "bt_low/a" not in metrics
    assert len(lm.seen) == 5 * 4


def test_default_prior_adds_pseudo_ties():
    # W_a = 3 + 0.05, W_b = 1 + 0.05 with the default bt_prior of 0.1 pseudo-comparisons per pair
    assert bt_ratings([[0, 3], [1, 0]], prior=0.1)[0] - 1000 == pytest.approx(200 * math.log10(3.05 / 1.05))
    # a clean sweep still gets finite ratings: W = 4.05 vs 0.05
    r = bt_ratings([[0, 4], [0, 0]], prior=0.1)
    assert r[0] - r[1] == pytest.approx(400 * math.log10(4.05 / 0.05))
    # with bt_prior=0 a sweep has no MLE; the fit falls back to 0.001 pseudo-ties: W = 4.0005 vs 0.0005
    p = bradley_terry([[0, 4], [0, 0]], prior=0.0)
    assert p[0] / p[1] == pytest.approx((4 + FALLBACK_PRIOR / 2) / (FALLBACK_PRIOR / 2), rel=1e-6)


def test_two_player_strength_ratio_is_the_wins_ratio():
    p = bradley_terry([[0, 6], [2, 0]])
    assert p[0] / p[1] == pytest.approx(3.0, rel=1e-9)
    assert p[0] * p[1] == pytest.approx(1.0)          # geometric mean 1
    assert elo_scale([10.0, 1.0]) == pytest.approx([1200.0, 800.0])


def test_three_player_mle_satisfies_stationarity():
    wins = [[0, 3, 1], [1, 0, 2], [2, 1, 0]]
    p = bradley_terry(wins)
    # the MLE solves W_i = Σ_j N_ij · p_i / (p_i + p_j) for every i
    for i in range(3):
        W = sum(wins[i])
        expected = sum((wins[i][j] + wins[j][i]) * p[i] / (p[i] + p[j]) for j in range(3) if j != i)
        assert W == pytest.approx(expected, abs=1e-9)
    # and it is a maximum: nudging any strength lowers the log-likelihood
    def loglik(q):
        return sum(wins[i][j] * math.log(q[i] / (q[i] + q[j])) for i in range(3) for j in range(3) if i != j)
    for i in range(3):
        for f in (0.99, 1.01):
            q = list(p)
            q[i] *= f
            assert loglik(q) < loglik(p)
    ratings = bt_ratings(wins)
    assert sum(ratings) / 3 == pytest.approx(1000.0)
    assert ratings[1] - ratings[2] == pytest.approx(400 * math.log10(p[1] / p[2]))


def test_three_systems_end_to_end():
    rows = [[{"prompt": f"q{k}", "response": f"{s}{k}"} for k in range(3)] for s in "xyz"]
    quality = {f"{s}{k}": rank for k in range(3) for s, rank in zip("xyz", (3, 2, 1))}   # x > y > z always
    ev = PairwiseJudge(bootstrap=0, names="x,y,z")
    metrics, records = run_items(ev, ev.prepare(rows), TableLM(fn=judge(quality)))
    assert all(len(r["comparisons"]) == 3 for r in records)
    # x wins all 6 of its comparisons, y wins 3 of 6, z none; no ties
    assert metrics["win_rate/x"] == 1.0 and metrics["win_rate/y"] == 0.5 and metrics["win_rate/z"] == 0.0
    assert metrics["tie_rate"] == 0.0
    assert metrics["bt/x"] > metrics["bt/y"] > metrics["bt/z"]
    assert (metrics["bt/x"] + metrics["bt/y"] + metrics["bt/z"]) / 3 == pytest.approx(1000.0)


def _records(outcomes: str) -> list[dict]:
    """Records for systems a, b from a string: 'a' a wins, 'b' b wins, 't' tie."""
    return [{"id": str(k), "models": ["a", "b"],
             "comparisons": [{"a": "a", "b": "b", "winner": None if o == "t" else o}]} for k, o in enumerate(outcomes)]


def test_bootstrap_interval_contains_point_and_is_deterministic():
    recs = _records("aaabatabaaabtaabaaba")
    ev = PairwiseJudge(bootstrap=200, seed=0)
    m1, m2 = ev.aggregate(recs), ev.aggregate(recs)
    assert m1 == m2
    for s in "ab":
        assert m1[f"bt_low/{s}"] < m1[f"bt/{s}"] < m1[f"bt_high/{s}"]
    other = PairwiseJudge(bootstrap=200, seed=1).aggregate(recs)
    assert other["bt/a"] == m1["bt/a"] and other["bt_low/a"] != m1["bt_low/a"]
    low, high = bootstrap_intervals(recs, ["a", "b"], 200, 0, 0.1)
    assert (low[0], high[0]) == (m1["bt_low/a"], m1["bt_high/a"])


def test_percentile_interpolates():
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.5
    assert percentile(list(map(float, range(101))), 0.025) == pytest.approx(2.5)


# -- joining files ---------------------------------------------------------------------------------------------------

def test_prepare_joins_by_id_whatever_the_order():
    ev = PairwiseJudge()
    rows = [load_records(str(FIXTURES / f), ev.fields, who=ev.id) for f in ("responses_a.jsonl", "responses_b.jsonl")]
    items = ev.prepare(rows)
    assert [it["id"] for it in items] == ["q1", "q2", "q3", "q4"]
    assert items[3]["models"] == ["helper-a", "helper-b"]
    assert items[3]["responses"] == ["A spider has eight legs.", "Six, like other insects."]


def test_prepare_names_a_missing_id():
    a, b = two_systems(3)
    with pytest.raises(EvaluationError, match="'system2' has no response for id 'p2'"):
        PairwiseJudge().prepare([a, [b[0], b[2]]])


def test_prepare_without_ids_uses_line_order_and_file_stems():
    ev = PairwiseJudge()
    ev.sources = ["runs/model-one.jsonl", "runs/model-two.jsonl"]
    items = ev.prepare([[{"prompt": "p", "response": "r1"}, {"prompt": "q", "response": "s1"}],
                        [{"prompt": "p", "response": "r2"}, {"prompt": "q", "response": "s2"}]])
    assert [it["id"] for it in items] == ["0", "1"]
    assert items[1]["models"] == ["model-one", "model-two"] and items[1]["responses"] == ["s1", "s2"]


def test_prepare_errors():
    a, b = two_systems(2)
    with pytest.raises(EvaluationError, match="different prompts"):
        PairwiseJudge().prepare([a, [dict(b[0], prompt="other"), b[1]]])
    with pytest.raises(EvaluationError, match="both system 'same'"):
        PairwiseJudge().prepare([[dict(r, model="same") for r in a], [dict(r, model="same") for r in b]])
    with pytest.raises(EvaluationError, match="id 'p1' twice"):
        PairwiseJudge().prepare([[a[0], a[0]], b])
    with pytest.raises(EvaluationError, match="at least two"):
        PairwiseJudge().prepare([a])
    with pytest.raises(EvaluationError, match="labels"):
        PairwiseJudge(labels="A")


def test_custom_labels():
    ev = PairwiseJudge(labels="1,2", bootstrap=0, names="x,y")
    item = ev.prepare([[{"prompt": "Q", "response": "RX"}], [{"prompt": "Q", "response": "RY"}]])[0]
    assert [r.continuation for r in ev.requests(item)] == [" 1", " 2", " 1", " 2"]


def test_runs_on_a_real_causal_lm(tmp_path):
    """Smoke test on a tiny random GPT-2: every request is answerable and the metrics are well formed."""
    pytest.importorskip("torch")
    from tiny_models import build_tiny_gpt2

    from goalgraph.runtime.causal_lm import CausalLM

    lm = CausalLM.load(str(build_tiny_gpt2(tmp_path / "judge")), device="cpu", batch_size=8)
    ev = PairwiseJudge(bootstrap=20)
    rows = [load_records(str(FIXTURES / f), ev.fields, who=ev.id) for f in ("responses_a.jsonl", "responses_b.jsonl")]
    metrics, records = run_items(ev, ev.prepare(rows), lm)
    assert len(records) == 4
    assert 0.0 <= metrics["win_rate"] + metrics["tie_rate"] <= 1.0
    assert metrics["tie_adjusted_win_rate"] == pytest.approx(metrics["win_rate"] + metrics["tie_rate"] / 2)
    assert (metrics["bt/helper-a"] + metrics["bt/helper-b"]) / 2 == pytest.approx(1000.0)
    assert metrics["bt_low/helper-a"] <= metrics["bt_high/helper-a"]
