"""Theories loaded from the bundled graph, loose dimension names, and ValueVector behaviour."""
from __future__ import annotations

import json
import math

import pytest

from goalgraph.errors import GoalgraphError
from goalgraph.values import Theory, ValueVector, ValueVectorError, load_theory, to_distribution

ID = "https://w3id.org/goalgraph/id/"
SCHWARTZ_ORDER = ["self-direction", "stimulation", "hedonism", "achievement", "power", "security",
                  "conformity", "tradition", "benevolence", "universalism"]
SCHWARTZ_GROUPS = ["openness-to-change", "self-enhancement", "conservation", "self-transcendence"]


# -- theories ----------------------------------------------------------------------------------
def test_schwartz_has_ten_basic_dimensions_in_circumplex_order(schwartz):
    assert schwartz.iri == ID + "theory/schwartz-basic-values"
    assert len(schwartz) == 10
    assert schwartz.names() == SCHWARTZ_ORDER
    assert [d.index for d in schwartz.dimensions] == list(range(1, 11))
    assert next(d.slug for d in schwartz.dimensions) == "schwartz-self-direction"
    assert schwartz.dimensions[0].name == "Self-direction"
    assert schwartz.dimensions[0].label == "Self-direction (Schwartz)"


def test_schwartz_has_four_higher_order_groups_separately(schwartz):
    assert schwartz.names("higher") == SCHWARTZ_GROUPS
    assert all(d.level == "higher" for d in schwartz.higher_order)
    assert not ({d.iri for d in schwartz.higher_order} & {d.iri for d in schwartz.dimensions})
    assert [d.short for d in schwartz.members("conservation")] == ["security", "conformity", "tradition"]
    openness = schwartz.dimension("openness to change")
    assert ID + "dimension/schwartz-conservation" in openness.opposes


def test_hedonism_belongs_to_two_groups(schwartz):
    hedonism = schwartz.dimension("hedonism")
    assert set(hedonism.groups) == {ID + "dimension/schwartz-openness-to-change",
                                    ID + "dimension/schwartz-self-enhancement"}


@pytest.mark.parametrize("ref", ["schwartz-basic-values", "schwartz", "Schwartz theory of basic human values",
                                 "Schwartz value theory", ID + "theory/schwartz-basic-values",
                                 "theory/schwartz-basic-values"])
def test_theory_references(graph, ref):
    assert load_theory(graph, ref).iri == ID + "theory/schwartz-basic-values"


def test_moral_foundations(graph, mft):
    assert load_theory(graph, "MFT").iri == mft.iri == ID + "theory/moral-foundations"
    assert sorted(mft.names()) == ["authority-subversion", "care-harm", "fairness-cheating", "loyalty-betrayal",
                                   "sanctity-degradation"]
    assert mft.names("higher") == ["individualizing", "binding"]
    assert [d.short for d in mft.members("binding")] == ["authority-subversion", "loyalty-betrayal",
                                                          "sanctity-degradation"]


def test_theory_without_groups(graph):
    svo = load_theory(graph, "social-value-orientation")
    assert len(svo) == 4 and svo.higher_order == ()


def test_unknown_theory_is_one_line_listing_theories(graph):
    with pytest.raises(ValueVectorError) as err:
        load_theory(graph, "no-such-theory")
    msg = str(err.value)
    assert "\n" not in msg and "schwartz-basic-values" in msg and "moral-foundations" in msg
    with pytest.raises(ValueVectorError, match="not a value theory"):
        load_theory(graph, "dpo")
    assert issubclass(ValueVectorError, GoalgraphError)


# -- loose names ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["self-direction", "Self-direction", "SELF DIRECTION", "schwartz-self-direction",
                                  "Self-direction (Schwartz)", ID + "dimension/schwartz-self-direction"])
def test_schwartz_loose_names(schwartz, name):
    assert schwartz.dimension(name).slug == "schwartz-self-direction"


@pytest.mark.parametrize("name", ["care-harm", "care", "Care/Harm", "Harm/Care", "mft-care-harm"])
def test_mft_loose_names(mft, name):
    assert mft.dimension(name).short == "care-harm"


def test_shared_alias_names_nothing(schwartz):
    # every higher-order group carries the alias "higher-order"; it must not pick one of them
    with pytest.raises(ValueVectorError):
        schwartz.dimension("higher-order")


def test_unknown_dimension_message(schwartz):
    with pytest.raises(ValueVectorError) as err:
        ValueVector(schwartz, {"selfdirection": 1.0})
    msg = str(err.value)
    assert "\n" not in msg
    assert "'selfdirection'" in msg and "did you mean self-direction" in msg
    assert "valid names: " + ", ".join(SCHWARTZ_ORDER) in msg


# -- vectors --------------------------------------------------------------------------------------
def _vector(theory, values):
    return ValueVector.from_list(theory, values)


def test_as_list_follows_theory_order_whatever_the_input_order(schwartz):
    values = dict(zip(reversed(SCHWARTZ_ORDER), range(10, 0, -1)))  # universalism=10 ... self-direction=1
    v = ValueVector(schwartz, values)
    assert v.as_list() == [float(i) for i in range(1, 11)]
    assert list(v.as_dict("short")) == SCHWARTZ_ORDER
    assert list(v.as_dict()) == ["schwartz-" + s for s in SCHWARTZ_ORDER]
    assert v.as_dict("iri")[ID + "dimension/schwartz-power"] == 5.0
    assert v.as_dict("label")["Power (Schwartz)"] == 5.0
    assert v["power"] == 5.0 and "power" in v and len(v) == 10 and v.complete


def test_duplicate_and_bad_values(schwartz):
    with pytest.raises(ValueVectorError, match="given twice"):
        ValueVector(schwartz, {"hedonism": 1, "Hedonism (Schwartz)": 2})
    with pytest.raises(ValueVectorError, match="not a number"):
        ValueVector(schwartz, {"power": "lots"})
    with pytest.raises(ValueVectorError, match="not finite"):
        ValueVector(schwartz, {"power": math.nan})
    with pytest.raises(ValueVectorError, match="10 basic dimensions, got 3"):
        ValueVector.from_list(schwartz, [1, 2, 3])


def test_partial_vector(schwartz):
    v = ValueVector(schwartz, {"power": 2, "security": 3})
    assert not v.complete and len(v.missing) == 8 and v.as_list() == [2.0, 3.0]
    with pytest.raises(ValueVectorError, match="no value for hedonism"):
        v["hedonism"]


def test_normalised_is_a_distribution(schwartz):
    v = _vector(schwartz, [1, 2, 3, 4, 5, 6, 5, 4, 3, 2])  # sum 35
    p = v.normalised()
    assert math.isclose(sum(p.as_list()), 1.0)
    assert math.isclose(p["security"], 6 / 35)
    assert p.theory is schwartz


def test_normalising_negatives():
    # shift: subtract the minimum (-2): [0, 3, 5] / 8
    assert to_distribution([-2, 1, 3]) == pytest.approx([0, 3 / 8, 5 / 8])
    # clip: negatives become 0: [0, 1, 3] / 4
    assert to_distribution([-2, 1, 3], negatives="clip") == pytest.approx([0, 0.25, 0.75])
    with pytest.raises(ValueVectorError, match="negative"):
        to_distribution([-2, 1, 3], negatives="error")
    # nothing to weigh: uniform
    assert to_distribution([0, 0, 0, 0]) == [0.25] * 4
    assert to_distribution([-1, -1]) == [0.5, 0.5]


def test_higher_order_mean_counts_hedonism_in_two_groups(schwartz):
    v = _vector(schwartz, [1, 2, 3, 4, 5, 6, 5, 4, 3, 2])
    h = v.higher_order()
    assert h.level == "higher"
    # openness = mean(self-direction 1, stimulation 2, hedonism 3) = 2
    # self-enhancement = mean(hedonism 3, achievement 4, power 5) = 4
    # conservation = mean(6, 5, 4) = 5; self-transcendence = mean(3, 2) = 2.5
    assert h.as_dict("short") == {"openness-to-change": 2.0, "self-enhancement": 4.0, "conservation": 5.0,
                                  "self-transcendence": 2.5}
    s = v.higher_order(method="sum")
    # hedonism (3) is counted in both sums: 6 + 12 + 15 + 5 = 38 > 35, the basic total
    assert s.as_list() == [6.0, 12.0, 15.0, 5.0]
    assert sum(s.as_list()) == sum(v.as_list()) + v["hedonism"]
    with pytest.raises(ValueVectorError):
        h.higher_order()
    with pytest.raises(ValueVectorError, match="unknown aggregation"):
        v.higher_order(method="median")


def test_higher_order_of_partial_vector_uses_present_members(schwartz):
    v = ValueVector(schwartz, {"hedonism": 4, "power": 2})
    assert v.higher_order().as_dict("short") == {"openness-to-change": 4.0, "self-enhancement": 3.0}


def test_json_round_trip(graph, schwartz):
    v = _vector(schwartz, [1, 2, 3, 4, 5, 6, 5, 4, 3, 2])
    text = v.to_json()
    data = json.loads(text)
    assert data["theory"] == schwartz.iri and data["values"][0]["slug"] == "schwartz-self-direction"
    assert ValueVector.from_json(text, schwartz) == v
    assert ValueVector.from_json(text, graph) == v
    bare = ValueVector.from_json(text)  # no graph: a bare theory from the entries
    assert bare.as_list() == v.as_list() and bare.theory.names() == SCHWARTZ_ORDER
    h = v.higher_order()
    assert ValueVector.from_json(h.to_json(), schwartz) == h


def test_from_json_rejects_other_theory_and_garbage(mft, schwartz):
    v = _vector(schwartz, [1] * 10)
    with pytest.raises(ValueVectorError, match="not moral-foundations"):
        ValueVector.from_json(v.to_json(), mft)
    with pytest.raises(ValueVectorError, match="invalid JSON"):
        ValueVector.from_json("{", schwartz)
    with pytest.raises(ValueVectorError, match="not a value vector"):
        ValueVector.from_json('{"a": 1}', schwartz)


def test_theory_dict_round_trip(schwartz):
    again = Theory.from_dict(json.loads(json.dumps(schwartz.to_dict())))
    assert again.names() == schwartz.names() and again.names("higher") == schwartz.names("higher")
    assert again.dimension("hedonism").groups == schwartz.dimension("hedonism").groups
