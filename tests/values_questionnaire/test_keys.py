"""Every shipped key checked item by item against a table transcribed separately, in a different shape.

The keys in plugins/goalgraph_builtins/questionnaires/keys.py list items per dimension; the tables here list the
dimension of every item in item order, written out by hand from the sources cited above each table. A slip in
either transcription shows up as a mismatch for that item.
"""
from __future__ import annotations

import math

import pytest
from goalgraph_builtins.questionnaires import keys


def grid(text: str) -> list[str]:
    """A table written ten items per line, read in item order."""
    return text.split()


# MFQ-30 — Graham et al. (2011), JPSP 101(2), 366-385; "Moral Foundations Questionnaire: 30-item full version item
# key" (moralfoundations.org, July 2008) and the self-scorable MFQ30 form. C care/harm, F fairness, L loyalty
# (ingroup), A authority, S sanctity (purity), * catch item (6: MATH, 22: GOOD).
MFQ30_BY_ITEM = "CFLAS*CFLASCFLAS" + "CFLAS*CFLASCFLAS"
MFQ30_CODES = {"C": "care", "F": "fairness", "L": "loyalty", "A": "authority", "S": "sanctity", "*": None}

# PVQ-40 — Schwartz et al. (2001), JCCP 32(5); Schwartz, "Scoring key for PVQ 40 (aka PVQ-IV) value scale",
# scoring and analysis instructions, June 2021. Items 1-40 in order.
PVQ40_BY_ITEM = grid("""
SD PO UN AC SE ST CO UN TR HE
SD BE AC SE ST CO PO BE UN TR
SE SD UN AC TR HE BE CO UN ST
SE AC BE SD SE CO HE TR PO UN
""")
SCHWARTZ10 = {"SD": "self_direction", "ST": "stimulation", "HE": "hedonism", "AC": "achievement", "PO": "power",
              "SE": "security", "CO": "conformity", "TR": "tradition", "BE": "benevolence", "UN": "universalism",
              "-": None}

# PVQ-RR — Schwartz et al. (2012), JPSP 103(4); Schwartz (2017); "Coding & analysis instructions PVQ-RR"
# (Schwartz, June 2021), key for the 19 narrower values. Items 1-57 in order.
PVQRR_BY_ITEM = grid("""
SDT SES HE  COI UNC POD HUM UNN FAC ST
BEC POR SEP UNT COR SDA AC  TR  BED POR
UNN COI SDT FAC BEC SEP BED ST  POD SDA
COR AC  TR  UNT SES HE  UNC HUM SDT TR
POD COR ST  POR UNN HE  BEC AC  FAC SES
COI UNC SEP HUM BED SDA UNT
""")
RR19 = {"SDT": "self_direction_thought", "SDA": "self_direction_action", "ST": "stimulation", "HE": "hedonism",
        "AC": "achievement", "POD": "power_dominance", "POR": "power_resources", "FAC": "face",
        "SEP": "security_personal", "SES": "security_societal", "TR": "tradition_narrow", "COR": "conformity_rules",
        "COI": "conformity_interpersonal", "HUM": "humility", "UNN": "universalism_nature",
        "UNC": "universalism_concern", "UNT": "universalism_tolerance", "BEC": "benevolence_care",
        "BED": "benevolence_dependability"}

# SVS-57 — Schwartz (1992), Adv. Exp. Soc. Psychol. 25; Schwartz (1994), J. Soc. Issues 50(4); value indices as
# listed in "Proper use of the Schwartz Value Survey" (draft users' manual, 2009) and the persval R package's
# svs(). "-" marks the 11 items in no index (they still count in the MRAT). Items 1-57 in order.
SVS57_BY_ITEM = grid("""
UN -  PO HE SD -  -  SE ST -
CO PO SE -  SE SD UN TR -  CO
-  SE -  UN ST UN PO -  UN UN
SD TR BE AC UN TR ST UN AC CO
SD -  AC TR BE PO CO -  BE HE
TR BE SD BE AC SE HE
""")

# SVO slider measure — Murphy, Ackermann & Handgraaf (2011), JDM 6(8), 771-781, the six primary items as printed
# on the paper-and-pencil answer sheet: "you receive" row, then "other receives" row, positions 1-9.
SVO_SHEET = {
    1: ([85, 85, 85, 85, 85, 85, 85, 85, 85], [85, 76, 68, 59, 50, 41, 33, 24, 15]),
    2: ([85, 87, 89, 91, 93, 94, 96, 98, 100], [15, 19, 24, 28, 33, 37, 41, 46, 50]),
    3: ([50, 54, 59, 63, 68, 72, 76, 81, 85], [100, 98, 96, 94, 93, 91, 89, 87, 85]),
    4: ([50, 54, 59, 63, 68, 72, 76, 81, 85], [100, 89, 79, 68, 58, 47, 36, 26, 15]),
    5: ([100, 94, 88, 81, 75, 69, 63, 56, 50], [50, 56, 63, 69, 75, 81, 88, 94, 100]),
    6: ([100, 98, 96, 94, 93, 91, 89, 87, 85], [50, 54, 59, 63, 68, 72, 76, 81, 85]),
}


def check_key(key, by_item: list, codes: dict) -> None:
    assert list(key.items) == list(range(1, len(by_item) + 1))
    for number, code in enumerate(by_item, 1):
        assert key.dimension_of(number) == codes[code], f"{key.name} item {number}"


def test_mfq30_key_item_by_item():
    check_key(keys.MFQ30, list(MFQ30_BY_ITEM), MFQ30_CODES)
    assert keys.MFQ30.scale == (0, 5)
    assert set(keys.MFQ30.catch) == {6, 22}
    assert keys.MFQ30.catch[6] == (0, 2) and keys.MFQ30.catch[22] == (3, 5)
    assert all(len(v) == 6 for v in keys.MFQ30.dimensions.values())
    assert keys.MFQ30_RELEVANCE == set(range(1, 17)) and keys.MFQ30_JUDGEMENT == set(range(17, 33))
    assert not keys.MFQ30.reverse and not keys.MFQ30.centre


def test_pvq40_key_item_by_item():
    check_key(keys.PVQ40, PVQ40_BY_ITEM, SCHWARTZ10)
    assert keys.PVQ40.scale == (1, 6) and keys.PVQ40.centre
    assert keys.PVQ40.dimensions["universalism"] == (3, 8, 19, 23, 29, 40)
    assert dict(keys.PVQ40.groups) == {
        "openness_to_change": ("self_direction", "stimulation", "hedonism"),
        "self_enhancement": ("achievement", "power"),
        "conservation": ("security", "conformity", "tradition"),
        "self_transcendence": ("universalism", "benevolence")}


def test_pvq_rr_key_item_by_item():
    check_key(keys.PVQRR, PVQRR_BY_ITEM, RR19)
    assert keys.PVQRR.scale == (1, 6) and keys.PVQRR.centre
    assert all(len(v) == 3 for v in keys.PVQRR.dimensions.values()) and len(keys.PVQRR.dimensions) == 19
    g = keys.PVQRR.groups
    # the ten broad values of the instructions' second table
    assert g["self_direction"] == ("self_direction_thought", "self_direction_action")
    assert g["power"] == ("power_dominance", "power_resources")
    assert g["security"] == ("security_personal", "security_societal")
    assert g["conformity"] == ("conformity_rules", "conformity_interpersonal")
    assert g["tradition"] == ("tradition_narrow", "humility")
    assert g["benevolence"] == ("benevolence_care", "benevolence_dependability")
    assert g["universalism"] == ("universalism_nature", "universalism_concern", "universalism_tolerance")
    # higher order: humility and face are border values and join none of the four
    higher = ("self_transcendence", "self_enhancement", "openness_to_change", "conservation")
    assert not any(v in g[h] for h in higher for v in keys.PVQRR_BORDER_VALUES)
    assert sorted(g["openness_to_change"]) == ["hedonism", "self_direction_action", "self_direction_thought",
                                               "stimulation"]
    assert sorted(g["self_enhancement"]) == ["achievement", "power_dominance", "power_resources"]
    assert len(g["conservation"]) == 5 and len(g["self_transcendence"]) == 5


def test_svs57_key_item_by_item():
    check_key(keys.SVS57, SVS57_BY_ITEM, SCHWARTZ10)
    assert keys.SVS57.scale == (-1, 7) and keys.SVS57.centre
    assert sum(len(v) for v in keys.SVS57.dimensions.values()) == 46
    assert [i for i, c in enumerate(SVS57_BY_ITEM, 1) if c == "-"] == [2, 6, 7, 10, 14, 19, 21, 23, 28, 42, 48]


def test_svo_allocations_match_the_answer_sheet():
    for item, (you, other) in SVO_SHEET.items():
        assert keys.svo_allocations(item) == tuple(zip(you, other)), f"SVO item {item}"


def test_svo_angle_and_categories():
    assert keys.svo_angle(100, 50) == 0.0
    assert keys.svo_angle(50, 100) == pytest.approx(90.0)
    assert keys.svo_angle(85, 85) == pytest.approx(45.0)
    # boundaries (Murphy et al. 2011): each category includes its upper bound
    assert [keys.svo_category(a) for a in (57.16, 57.15, 22.46, 22.45, -12.03, -12.04, -40.0)] == [
        "altruistic", "prosocial", "prosocial", "individualistic", "individualistic", "competitive", "competitive"]
    assert keys.svo_category(math.nan) == "none"


def test_manifests_validate_and_list_every_score():
    from goalgraph_builtins.questionnaires import evaluators
    from goalgraph_builtins.questionnaires.manifests import QUESTIONNAIRE_EVALUATORS

    from goalgraph.registry.manifest import Manifest

    by_id = {m["id"]: m for m in QUESTIONNAIRE_EVALUATORS}
    for m in QUESTIONNAIRE_EVALUATORS:
        Manifest(kind="evaluator", version="0.1.0", **m)
        attr = m["entry"].partition(":")[2]
        assert getattr(evaluators, attr).id == m["id"]
    for ev_id, key in (("mfq30", keys.MFQ30), ("pvq40", keys.PVQ40), ("pvq-rr", keys.PVQRR),
                       ("svs57", keys.SVS57), ("svo-slider", keys.SVO_SLIDER)):
        listed = {x["name"] for x in by_id[ev_id]["metrics"]}
        for name in key.score({}):
            assert name in listed or (name.endswith("_raw") and "<value>_raw" in listed), (ev_id, name)
