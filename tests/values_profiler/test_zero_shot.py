"""The zero-shot profiler with the real all-MiniLM-L6-v2 and our descriptions: clear-cut texts get the value
they obviously express; distributions are proper, in the theory's order, and sharpen as T falls."""
from __future__ import annotations

import json

import numpy as np
import pytest
from goalgraph.values.profiler import (DEFAULT_TEMPERATURE, MORAL_FOUNDATIONS, SCHWARTZ_VALUES, ZeroShotProfiler,
                                       split_sentences)
from goalgraph_builtins.profiler.value_descriptions import MORAL_FOUNDATIONS as MFT_TEXT
from goalgraph_builtins.profiler.value_descriptions import SCHWARTZ, descriptions
from values_profiler.conftest import FIXTURES

# Each text, and the values any reader would accept as its top value.
CLEAR_CUT = [
    ("I donated my weekend to help at the shelter for homeless families.", {"benevolence", "universalism"}),
    ("I want to win the promotion and be recognised as the best in my team.", {"achievement", "power"}),
    ("We went skydiving and then backpacked through the jungle for a month; it was thrilling.", {"stimulation"}),
    ("I spent the whole day lounging by the pool, eating ice cream and enjoying myself.", {"hedonism"}),
    ("I want to be the boss who gives the orders, owns the biggest house and controls the money.", {"power"}),
    ("We put in an alarm, saved for emergencies and keep the doors locked so the family stays safe.", {"security"}),
    ("I always follow the rules and do what my parents and my manager expect, so I never upset anyone.",
     {"conformity"}),
    ("Every year our family celebrates the religious holidays exactly as our grandparents did.", {"tradition"}),
    ("I decide for myself what to believe and how to live; nobody else gets to choose my path.",
     {"self-direction"}),
    ("We must protect the rainforest and fight for equal rights for people everywhere in the world.",
     {"universalism"}),
    ("I looked after my sick mother and helped my friend move house because they needed me.", {"benevolence"}),
    # two more per value, each with only its own value accepted
    ("I quit the office job to work as a freelancer so that I can set my own hours and choose my own projects.",
     {"self-direction"}),
    ("My parents wanted me to study law, but I chose philosophy because I want to think things through for myself.",
     {"self-direction"}),
    ("I get bored doing the same thing twice, so every month I try something new and a little dangerous.",
     {"stimulation"}),
    ("Last summer I hitchhiked across a desert and slept under the "
     "stars; I love the rush of not knowing what comes next.", {"stimulation"}),
    ("After a long week I just want to sleep in, order my favourite takeaway and watch films on the sofa.",
     {"hedonism"}),
    ("Life is short, so I spend my money on fine wine, good restaurants and spa days that make me feel great.",
     {"hedonism"}),
    ("I studied every evening for the exam because I wanted the top mark in my year.", {"achievement"}),
    ("She trained for years to become the most skilled surgeon in the hospital, and her results prove it.",
     {"achievement"}),
    ("He bought the company so that he could fire the managers who opposed him and run everything himself.",
     {"power"}),
    ("I want a seat on the board, a chauffeur and enough wealth that people have to listen to me.", {"power"}),
    ("We chose the safe neighbourhood and the steady job with a "
     "pension, because we never want to worry about money or crime.", {"security"}),
    ("Before the storm we stocked up on water, checked the "
     "smoke alarms and made sure the children were safe at home.", {"security"}),
    ("At my grandmother's dinner I kept quiet and minded my "
     "manners, because making a fuss would have embarrassed my parents.", {"conformity"}),
    ("I always obey my boss's instructions and stick to the dress code, even when I think they are silly.",
     {"conformity"}),
    ("We light the candles and say the old prayers at every festival, just as our ancestors did for centuries.",
     {"tradition"}),
    ("I wear my great-grandfather's ring at my wedding and we follow the customs of our village.", {"tradition"}),
    ("I stayed up all night with my best friend after her breakup, because she would do the same for me.",
     {"benevolence"}),
    ("I cooked meals for my elderly neighbour every day while "
     "she recovered, and I forgave my brother for his mistake.", {"benevolence"}),
    ("Everyone deserves equal rights, whatever their race, religion or where they were born.", {"universalism"}),
    ("I cut down on flying and plant trees because climate change harms people and animals all over the world.",
     {"universalism"}),
]
CLEAR_CUT_MFT = [
    ("Kicking a helpless puppy is cruel; we must protect animals from pain.", "care"),
    ("Everyone should get an equal share and nobody should be allowed to cheat.", "fairness"),
    ("I would never betray my team or my country; we stick together.", "loyalty"),
    ("Children should obey their parents and respect their teachers and elders.", "authority"),
    ("That act is disgusting and degrading; the body is sacred and must be kept pure.", "sanctity"),
]


@pytest.fixture(scope="module")
def schwartz(embedder):
    return ZeroShotProfiler(embedder, SCHWARTZ)


def test_descriptions_cover_each_theory_in_graph_order():
    assert tuple(SCHWARTZ) == SCHWARTZ_VALUES and tuple(MFT_TEXT) == MORAL_FOUNDATIONS
    for text in (*SCHWARTZ.values(), *MFT_TEXT.values()):
        assert len(split_sentences(text)) >= 3 and 250 < len(text) < 700     # several sentences, within the window
    assert descriptions("mft") == MFT_TEXT
    with pytest.raises(KeyError):
        descriptions("hofstede")


def test_every_value_has_at_least_two_texts_of_its_own():
    own = [next(iter(accepted)) for _, accepted in CLEAR_CUT if len(accepted) == 1]
    short = {v: own.count(v) for v in SCHWARTZ_VALUES if own.count(v) < 2}
    assert not short, short


@pytest.mark.parametrize("text, accepted", CLEAR_CUT, ids=[t[:30] for t, _ in CLEAR_CUT])
def test_clear_cut_texts_get_their_value(schwartz, text, accepted):
    profile = schwartz.profile([text])
    assert profile.top(0) in accepted, profile.as_dict(0)


def test_moral_foundations(embedder):
    prof = ZeroShotProfiler(embedder, MFT_TEXT)
    profile = prof.profile([t for t, _ in CLEAR_CUT_MFT])
    assert profile.values == MORAL_FOUNDATIONS
    assert profile.tops == [v for _, v in CLEAR_CUT_MFT]


def test_distributions_are_proper_and_the_mean_is_their_mean(schwartz):
    texts = [t for t, _ in CLEAR_CUT]
    profile = schwartz.profile(texts)
    d = np.asarray(profile.distributions)
    assert d.shape == (len(texts), 10) and (d > 0).all()
    assert np.allclose(d.sum(axis=1), 1.0, atol=1e-9)
    assert profile.mean == pytest.approx(d.mean(axis=0).tolist(), abs=1e-12)
    assert list(profile.as_dict()) == list(SCHWARTZ_VALUES)
    assert schwartz.temperature == DEFAULT_TEMPERATURE == 0.05
    # the rule itself: softmax of the cosines over T
    cos = schwartz.similarities(texts[:1])[0].astype(np.float64)
    e = np.exp((cos - cos.max()) / 0.05)
    assert profile.distributions[0] == pytest.approx((e / e.sum()).tolist(), abs=1e-6)


def test_temperature_sharpens_and_flattens(embedder):
    text = [CLEAR_CUT[2][0]]
    tops = [max(ZeroShotProfiler(embedder, SCHWARTZ, temperature=t).profile(text).distributions[0])
            for t in (0.01, 0.05, 0.2, 1.0)]
    assert tops == sorted(tops, reverse=True)
    assert tops[0] > 0.95 and tops[-1] < 0.15            # nearly one-hot vs nearly uniform (0.1)


def test_default_temperature_keeps_clear_answers_clear_and_mixed_ones_mixed(schwartz):
    clear = schwartz.profile([t for t, _ in CLEAR_CUT])
    assert np.median([max(d) for d in clear.distributions]) > 0.4
    mixed = schwartz.profile(["I went to the shop and then came home."]).distributions[0]
    assert max(mixed) < 0.5


def test_advice_check_set_accuracy(schwartz):
    """Advice-style answers (like a model's) to the bundled dilemmas, each arguing for one value. The embedding
    tracks what an answer talks about more than which side it takes, so a few miss; 26 of 32 hit today."""
    rows = [json.loads(line) for line in (FIXTURES / "advice_check.jsonl").read_text().splitlines() if line]
    tops = schwartz.profile([r["text"] for r in rows]).tops
    hits = sum(top in r["values"] for top, r in zip(tops, rows))
    assert len(rows) == 32 and hits >= 25


def test_empty_list_and_whole_anchor(embedder, schwartz):
    assert schwartz.profile([]).distributions == []
    whole = ZeroShotProfiler(embedder, SCHWARTZ, anchor="whole")
    assert whole.profile([CLEAR_CUT[0][0]]).top(0) in CLEAR_CUT[0][1]
    assert whole.describe() == {"mode": "zero-shot", "values": list(SCHWARTZ_VALUES), "temperature": 0.05,
                                "anchor": "whole"}
