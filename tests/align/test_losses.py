"""The preference losses equal their formulas, written here in plain `math`, on fixed numbers (float64)."""
from __future__ import annotations

import math

import pytest

from goalgraph.align.errors import AlignmentError
from goalgraph.align.losses import preference_loss, resolve_average

# (policy chosen, policy rejected, reference chosen, reference rejected), summed log-probs
CASES = [
    (-12.5, -14.0, -13.0, -13.5),
    (-3.25, -2.0, -3.0, -2.5),
    (-40.0, -40.0, -40.0, -40.0),          # h = 0
    (-1.0, -9001.0, -5.0, -5.0),           # h = 9000: beta*h far beyond exp's range
    (-9001.0, -1.0, -5.0, -5.0),           # h = -9000
    (-0.001, -0.002, -0.0015, -0.0012),
]
BETAS = [0.1, 0.5, 2.0]


def log_sigmoid(x: float) -> float:
    """log(1/(1+e^-x)) without overflow on either side."""
    return -math.log1p(math.exp(-x)) if x >= 0 else x - math.log1p(math.exp(x))


def h_of(pc, pr, rc, rr):
    return (pc - pr) - (rc - rr)


def dpo(case, beta, eps=0.0):
    h = h_of(*case)
    return -(1 - eps) * log_sigmoid(beta * h) - eps * log_sigmoid(-beta * h)


def ipo(case, beta):
    return (h_of(*case) - 1 / (2 * beta)) ** 2


def hinge(case, beta):
    return max(0.0, 1 - beta * h_of(*case))


def run(loss, beta, eps=0.0):
    import torch

    cols = [torch.tensor([c[k] for c in CASES], dtype=torch.float64) for k in range(4)]
    return preference_loss(*cols, loss=loss, beta=beta, label_smoothing=eps)


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("loss,formula", [("dpo", dpo), ("ipo", ipo), ("hinge", hinge)])
def test_losses_equal_their_formulas(loss, formula, beta):
    out = run(loss, beta)
    assert out.losses.dtype.is_floating_point and str(out.losses.dtype) == "torch.float64"
    for got, case in zip(out.losses.tolist(), CASES):
        want = formula(case, beta)
        assert math.isfinite(got)
        assert got == pytest.approx(want, abs=1e-6, rel=1e-12), (loss, beta, case)


@pytest.mark.parametrize("eps", [0.1, 0.3])
@pytest.mark.parametrize("beta", BETAS)
def test_dpo_label_smoothing(beta, eps):
    for got, case in zip(run("dpo", beta, eps).losses.tolist(), CASES):
        assert got == pytest.approx(dpo(case, beta, eps), abs=1e-6, rel=1e-12)


def test_dpo_is_stable_for_large_margins():
    out = run("dpo", 0.5).losses.tolist()
    assert out[3] == pytest.approx(0.0, abs=1e-12)     # -log sigmoid(4500): no overflow, no nan
    assert out[4] == pytest.approx(4500.0, abs=1e-9)   # -log sigmoid(-4500) = 4500
    smoothed = run("dpo", 0.5, 0.1).losses.tolist()
    assert smoothed[3] == pytest.approx(0.1 * 4500.0, abs=1e-9)
    assert smoothed[4] == pytest.approx(0.9 * 4500.0, abs=1e-9)


def test_rewards_and_margins():
    beta = 0.5
    out = run("dpo", beta)
    for k, (pc, pr, rc, rr) in enumerate(CASES):
        assert out.chosen_rewards[k].item() == pytest.approx(beta * (pc - rc), abs=1e-6)
        assert out.rejected_rewards[k].item() == pytest.approx(beta * (pr - rr), abs=1e-6)
        assert out.margins[k].item() == pytest.approx(beta * h_of(pc, pr, rc, rr), abs=1e-6)
    assert not out.chosen_rewards.requires_grad


def test_gradient_flows_to_policy_only():
    import torch

    pc = torch.tensor([-5.0], dtype=torch.float64, requires_grad=True)
    pr = torch.tensor([-6.0], dtype=torch.float64, requires_grad=True)
    out = preference_loss(pc, pr, torch.tensor([-5.5], dtype=torch.float64),
                          torch.tensor([-5.5], dtype=torch.float64), loss="dpo", beta=0.1)
    out.losses.sum().backward()
    # d/dpc of -log sigmoid(beta*h) = -beta * sigmoid(-beta*h), with h = 1
    assert pc.grad.item() == pytest.approx(-0.1 / (1 + math.exp(0.1)), abs=1e-9)
    assert pr.grad.item() == pytest.approx(0.1 / (1 + math.exp(0.1)), abs=1e-9)


def test_average_defaults():
    assert resolve_average("ipo", None) is True
    assert resolve_average("dpo", None) is False
    assert resolve_average("hinge", None) is False
    assert resolve_average("ipo", False) is False


@pytest.mark.parametrize("kwargs,needle", [({"loss": "kto"}, "unknown preference loss"),
                                           ({"beta": 0.0}, "beta must be positive"),
                                           ({"label_smoothing": 0.5}, "label_smoothing"),
                                           ({"loss": "ipo", "label_smoothing": 0.1}, "dpo loss only")])
def test_bad_options(kwargs, needle):
    import torch

    x = torch.zeros(1)
    with pytest.raises(AlignmentError, match=needle) as err:
        preference_loss(x, x, x, x, **kwargs)
    assert "\n" not in str(err.value)
