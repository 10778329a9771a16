"""Value-level results become value vectors linked to dimension nodes, with distances to a target profile."""
from __future__ import annotations

import math

import pytest

from goalgraph.errors import EvaluationError
from goalgraph.evaluation.value_link import value_section

MFT = "https://w3id.org/goalgraph/id/theory/moral-foundations"
ID = "https://w3id.org/goalgraph/id/dimension/"


class _Quiz:
    pass


def test_scores_link_to_dimension_nodes_with_their_spread(tmp_path):
    metrics = {"care": 4.0, "care/spread_sd": 0.5, "fairness": 3.0, "loyalty": 2.0, "valid_mass": 0.3,
               "n_items": 32.0}
    section = value_section(_Quiz(), {"id": "quiz", "attaches_to": ["x", MFT]}, metrics)
    assert section["theory"] == MFT and section["complete"] is False
    rows = {r["node"]: r for r in section["dimensions"]}
    assert set(rows) == {ID + "mft-care-harm", ID + "mft-fairness-cheating", ID + "mft-loyalty-betrayal"}
    assert rows[ID + "mft-care-harm"]["score"] == 4.0 and rows[ID + "mft-care-harm"]["spread_sd"] == 0.5


def test_distances_to_a_partial_target_use_the_shared_dimensions(tmp_path):
    target = tmp_path / "t.json"
    target.write_text('{"theory": "moral-foundations", "values": {"care": 4, "fairness": 2}}')
    metrics = {"care": 4.0, "fairness": 3.0, "loyalty": 2.0}
    section = value_section(_Quiz(), {"id": "quiz", "attaches_to": [MFT]}, metrics, str(target))
    d = section["target"]["distances"]
    assert section["target"]["dimensions"] == [ID + "mft-care-harm", ID + "mft-fairness-cheating"]
    assert d["l1"] == pytest.approx(1.0)                      # |4-4| + |3-2|
    assert d["l2"] == pytest.approx(1.0)
    cos = (4 * 4 + 3 * 2) / (math.hypot(4, 3) * math.hypot(4, 2))
    assert d["cosine"] == pytest.approx(1 - cos)
    assert d["nmse"] == pytest.approx(((0 ** 2 + 1 ** 2) / 2) / 25)   # MSE / (6 - 1)^2


def test_value_theory_attribute_wins_and_non_value_evaluators_refuse_a_target(tmp_path):
    quiz = _Quiz()
    quiz.value_theory = "schwartz-basic-values"
    section = value_section(quiz, {"id": "p", "attaches_to": [MFT]}, {"benevolence": 0.3, "power": 0.1})
    assert section["theory"].endswith("theory/schwartz-basic-values")
    assert value_section(_Quiz(), {"id": "mc", "attaches_to": ["approach/benchmark"]}, {"acc": 1.0}) is None
    with pytest.raises(EvaluationError, match="does not measure a value theory"):
        value_section(_Quiz(), {"id": "mc", "attaches_to": []}, {"acc": 1.0}, str(tmp_path / "t.json"))


def test_dimensions_that_measured_nothing_are_left_out_with_a_note(tmp_path):
    """Generate mode where no answer could be read gives NaN scores: the result is still written, with the
    unscored dimensions named, and distances only where something was scored."""
    target = tmp_path / "t.json"
    target.write_text('{"theory": "moral-foundations", "values": {"care": 5, "fairness": 4, "loyalty": 1}}')
    metrics = {"care": float("nan"), "fairness": 3.0, "loyalty": 2.0, "invalid_rate": 0.5}
    section = value_section(_Quiz(), {"id": "quiz", "attaches_to": [MFT]}, metrics, str(target))
    assert [r["node"] for r in section["dimensions"]] == [ID + "mft-fairness-cheating", ID + "mft-loyalty-betrayal"]
    assert "Care" in section["notes"][0]
    assert section["target"]["dimensions"] == [ID + "mft-fairness-cheating", ID + "mft-loyalty-betrayal"]

    nothing = {"care": float("nan"), "fairness": float("nan"), "invalid_rate": 1.0}
    section = value_section(_Quiz(), {"id": "quiz", "attaches_to": [MFT]}, nothing, str(target))
    assert section["dimensions"] == [] and "target" not in section
    assert "no dimension was scored" in section["notes"][-1]
