"""Scores from made-up answer sheets, computed by hand in the comments."""
from __future__ import annotations

import math

import pytest
from goalgraph_builtins.mfq import MFQ30Scorer
from goalgraph_builtins.questionnaires import keys

from goalgraph.values.questionnaire import Key, key_from_items


def mfq_sheet() -> dict[int, float]:
    sheet = {}
    for i in (1, 7, 12, 17, 23, 28):                                   # care: all 4 → 4
        sheet[i] = 4
    for i, v in zip((2, 8, 13, 18, 24, 29), (5, 5, 4, 4, 3, 3)):       # fairness: 24/6 = 4
        sheet[i] = v
    for i, v in zip((3, 9, 14, 19, 25, 30), (1, 2, 3, 1, 2, 3)):       # loyalty: 12/6 = 2
        sheet[i] = v
    for i, v in zip((4, 10, 15, 20, 26, 31), (0, 0, 1, 1, 2, 2)):      # authority: 6/6 = 1
        sheet[i] = v
    for i, v in zip((5, 11, 16, 21, 27, 32), (3, 3, 3, 3, 3, 0)):      # sanctity: 15/6 = 2.5
        sheet[i] = v
    sheet[6], sheet[22] = 1, 5                                         # catch items answered sensibly
    return sheet


def test_mfq30_foundations_composites_and_progressivism():
    s = keys.MFQ30.score(mfq_sheet())
    assert (s["care"], s["fairness"], s["loyalty"], s["authority"], s["sanctity"]) == (4, 4, 2, 1, 2.5)
    assert s["individualizing"] == 4                                   # (4 + 4) / 2
    assert s["binding"] == pytest.approx(5.5 / 3)                      # (2 + 1 + 2.5) / 3
    assert s["progressivism"] == pytest.approx(4 - 5.5 / 3)            # 2.1667
    assert s["attention_passed"] == 1.0


@pytest.mark.parametrize("six,twentytwo,passed", [(2, 3, 1.0), (3, 5, 0.0), (0, 2, 0.0), (2.4, 5, 0.0),
                                                  (0, 2.99, 0.0), (None, 4, 1.0), (None, None, math.nan)])
def test_mfq30_catch_items(six, twentytwo, passed):
    sheet = {**mfq_sheet(), 6: six, 22: twentytwo}
    got = keys.MFQ30.score(sheet)["attention_passed"]
    assert (math.isnan(got) and math.isnan(passed)) or got == passed
    assert keys.MFQ30.score(sheet)["care"] == 4                        # catch items never count in a foundation


def test_mfq30_scorer_keeps_its_interface_and_uses_the_key_rule():
    scorer = MFQ30Scorer()
    s = scorer(mfq_sheet())
    assert s["care"] == 4 and s["binding"] == pytest.approx(5.5 / 3) and s["attention_passed"] == 1.0
    assert scorer({**mfq_sheet(), 6: 3})["attention_passed"] == 0.0    # 3 = fourth option: cut by the item key
    assert MFQ30Scorer(max_relevance_on_6=3)({**mfq_sheet(), 6: 3})["attention_passed"] == 1.0
    with pytest.raises(ValueError, match="missing items"):
        scorer({1: 3})


def test_pvq40_centred_values_and_higher_order():
    sheet = {i: 3 for i in range(1, 41)}
    for i in (3, 8, 19, 23, 29, 40):                                   # universalism rated 6
        sheet[i] = 6
    for i in (2, 17, 39):                                              # power rated 1
        sheet[i] = 1
    s = keys.PVQ40.score(sheet)
    mrat = (6 * 6 + 3 * 1 + 31 * 3) / 40                               # 132 / 40 = 3.3
    assert s["mrat"] == pytest.approx(3.3) == pytest.approx(mrat)
    assert s["universalism"] == pytest.approx(2.7) and s["universalism_raw"] == 6
    assert s["power"] == pytest.approx(-2.3) and s["power_raw"] == 1
    assert s["security"] == pytest.approx(-0.3) and s["hedonism"] == pytest.approx(-0.3)
    assert s["self_transcendence"] == pytest.approx((2.7 - 0.3) / 2)   # 1.2
    assert s["self_enhancement"] == pytest.approx((-0.3 - 2.3) / 2)    # -1.3
    assert s["openness_to_change"] == pytest.approx(-0.3) and s["conservation"] == pytest.approx(-0.3)
    assert s["self_transcendence_raw"] == pytest.approx((6 + 3) / 2)


def test_pvq_rr_values_broad_values_and_border_values():
    sheet = {i: 4 for i in range(1, 58)}
    for i in (7, 38, 54):                                              # humility 6
        sheet[i] = 6
    for i in (9, 24, 49):                                              # face 1
        sheet[i] = 1
    for i in (18, 33, 40):                                             # tradition 5
        sheet[i] = 5
    s = keys.PVQRR.score(sheet)
    assert s["mrat"] == pytest.approx(4.0)                             # (48*4 + 18 + 3 + 15) / 57 = 228/57
    assert s["humility"] == pytest.approx(2) and s["face"] == pytest.approx(-3)
    assert s["tradition_narrow"] == pytest.approx(1)
    assert s["tradition"] == pytest.approx(1.5)                        # broad tradition = mean(tradition 1, humility 2)
    assert s["conservation"] == pytest.approx(0.2)                     # (0 + 0 + 1 + 0 + 0) / 5: humility left out
    assert s["self_enhancement"] == pytest.approx(0.0)                 # face left out
    assert s["power"] == pytest.approx(0.0) and s["self_transcendence"] == pytest.approx(0.0)


def test_svs57_mrat_counts_items_outside_the_indices():
    sheet = {i: 3 for i in range(1, 58)}
    for i in (3, 12, 27, 46):                                          # power -1 (opposed to my values)
        sheet[i] = -1
    sheet[2] = 7                                                       # item 2 is in no index but counts in MRAT
    s = keys.SVS57.score(sheet)
    mrat = (52 * 3 + 4 * -1 + 7) / 57                                  # 159 / 57
    assert s["mrat"] == pytest.approx(mrat)
    assert s["power"] == pytest.approx(-1 - mrat)
    assert s["achievement"] == pytest.approx(3 - mrat)
    assert s["self_enhancement"] == pytest.approx(((3 - mrat) + (-1 - mrat)) / 2)


def test_svo_angle_from_chosen_allocations():
    alloc = {i: keys.svo_allocations(i) for i in range(1, 7)}
    # positions 5, 9, 9, 9, 1, 1: (85,50) (100,50) (85,85) (85,15) (100,50) (100,50)
    sheet = {1: alloc[1][4], 2: alloc[2][8], 3: alloc[3][8], 4: alloc[4][8], 5: alloc[5][0], 6: alloc[6][0]}
    s = keys.SVO_SLIDER.score(sheet)
    assert s["mean_self"] == pytest.approx(555 / 6) and s["mean_other"] == pytest.approx(50)
    assert s["angle"] == pytest.approx(0.0)                            # atan2(0, 42.5)
    assert s["category/individualistic"] == 1.0 and s["category/prosocial"] == 0.0
    # the allocation that gives the other most on every item
    sheet = {1: (85, 85), 2: (100, 50), 3: (50, 100), 4: (50, 100), 5: (50, 100), 6: (85, 85)}
    s = keys.SVO_SLIDER.score(sheet)
    assert s["angle"] == pytest.approx(math.degrees(math.atan2(520 / 6 - 50, 420 / 6 - 50)))  # 61.39°
    assert s["category/altruistic"] == 1.0


def test_reverse_keyed_items_and_own_key():
    items = [{"item": 1, "dimension": "a", "scale_min": 1, "scale_max": 5},
             {"item": 2, "dimension": "a", "reverse": True, "scale_min": 1, "scale_max": 5},
             {"item": 3, "dimension": "b", "reverse": True, "scale_min": 0, "scale_max": 10},
             {"item": 4, "catch": True, "catch_min": 1, "catch_max": 2, "scale_min": 1, "scale_max": 5}]
    key = key_from_items(items)
    scales = {1: (1, 5), 2: (1, 5), 3: (0, 10), 4: (1, 5)}
    s = key.score({1: 4, 2: 1, 3: 7, 4: 1}, scales)
    assert s["a"] == 4.5                                               # (4 + (6 - 1)) / 2
    assert s["b"] == 3                                                 # 10 - 7 on a 0..10 scale
    assert s["attention_passed"] == 1.0
    centred = key_from_items(items, centre=True).score({1: 4, 2: 1, 3: 7, 4: 5}, scales)
    assert centred["mrat"] == pytest.approx((4 + 5 + 3) / 3)           # catch item 4 left out of the MRAT
    assert centred["a"] == pytest.approx(4.5 - 4) and centred["attention_passed"] == 0.0


def test_missing_answers_and_key_checks():
    s = keys.MFQ30.score({1: 5, 7: None, 12: float("nan")})
    assert s["care"] == 5 and math.isnan(s["fairness"]) and math.isnan(s["individualizing"])
    with pytest.raises(ValueError, match="both"):
        Key("k", (1, 2), (1, 5), {"a": (1,), "b": (1, 2)})
    with pytest.raises(ValueError, match="catch item"):
        Key("k", (1, 2), (1, 5), {"a": (1, 2)}, catch={2: (1, 1)})
