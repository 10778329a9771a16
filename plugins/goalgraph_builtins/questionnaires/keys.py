"""Published scoring keys: item number → dimension, for the questionnaires goalgraph scores.

Keys only — never item texts, which are the user's to supply. Each key names its source; docs/questionnaires.md
says which parts were confirmed against which copy of the source and which were not. The SVO slider measure's
payoff numbers are shipped because they *are* its key: an answer is a position on a slider between two
allocations, and the score is computed from the allocation chosen.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from goalgraph.values.questionnaire import Key

# -- MFQ-30 -----------------------------------------------------------------------------------------------------
# Graham et al. (2011), "Mapping the moral domain", JPSP 101(2); MFQ-30 item key (moralfoundations.org, July 2008).
# Items 1-16 rate relevance, 17-32 agreement, both 0-5. Items 6 and 22 are catch items: the key says to drop
# respondents who rate item 6 in the top three options (3-5) or item 22 in the bottom three (0-2).
MFQ30 = Key(
    name="MFQ-30",
    items=tuple(range(1, 33)),
    scale=(0, 5),
    dimensions={
        "care": (1, 7, 12, 17, 23, 28),
        "fairness": (2, 8, 13, 18, 24, 29),
        "loyalty": (3, 9, 14, 19, 25, 30),
        "authority": (4, 10, 15, 20, 26, 31),
        "sanctity": (5, 11, 16, 21, 27, 32),
    },
    groups={"individualizing": ("care", "fairness"), "binding": ("loyalty", "authority", "sanctity")},
    differences={"progressivism": ("individualizing", "binding")},
    catch={6: (0.0, 2.0), 22: (3.0, 5.0)},
    source="Graham et al. 2011; MFQ-30 item key, moralfoundations.org (2008)",
)
MFQ30_RELEVANCE = frozenset(range(1, 17))
MFQ30_JUDGEMENT = frozenset(range(17, 33))

# -- Schwartz's ten values and their four higher-order groups ---------------------------------------------------
# Hedonism is counted in openness to change, as the PVQ-40 scoring instructions do (it also borders on
# self-enhancement).
HIGHER_ORDER = {
    "openness_to_change": ("self_direction", "stimulation", "hedonism"),
    "self_enhancement": ("achievement", "power"),
    "conservation": ("security", "conformity", "tradition"),
    "self_transcendence": ("universalism", "benevolence"),
}

# -- PVQ-40 -----------------------------------------------------------------------------------------------------
# Schwartz et al. (2001), JCCP 32(5); "Scoring key for PVQ 40 (aka PVQ-IV)", Schwartz, scoring instructions of
# June 2021. Ratings 1-6; each value is the mean of its items, centred on the mean of all 40 items (MRAT).
PVQ40 = Key(
    name="PVQ-40",
    items=tuple(range(1, 41)),
    scale=(1, 6),
    dimensions={
        "self_direction": (1, 11, 22, 34),
        "stimulation": (6, 15, 30),
        "hedonism": (10, 26, 37),
        "achievement": (4, 13, 24, 32),
        "power": (2, 17, 39),
        "security": (5, 14, 21, 31, 35),
        "conformity": (7, 16, 28, 36),
        "tradition": (9, 20, 25, 38),
        "benevolence": (12, 18, 27, 33),
        "universalism": (3, 8, 19, 23, 29, 40),
    },
    groups=HIGHER_ORDER,
    centre=True,
    source="Schwartz et al. 2001; PVQ-40 scoring and analysis instructions (Schwartz, 2021)",
)

# -- PVQ-RR -----------------------------------------------------------------------------------------------------
# Schwartz et al. (2012), JPSP 103(4); Schwartz (2017); "Coding & analysis instructions PVQ-RR" (June 2021).
# 57 items, 19 values x 3 items, ratings 1-6, centred on the mean of all 57 (MRAT).
PVQRR = Key(
    name="PVQ-RR",
    items=tuple(range(1, 58)),
    scale=(1, 6),
    dimensions={
        "self_direction_thought": (1, 23, 39),
        "self_direction_action": (16, 30, 56),
        "stimulation": (10, 28, 43),
        "hedonism": (3, 36, 46),
        "achievement": (17, 32, 48),
        "power_dominance": (6, 29, 41),
        "power_resources": (12, 20, 44),
        "face": (9, 24, 49),
        "security_personal": (13, 26, 53),
        "security_societal": (2, 35, 50),
        # Named `tradition_narrow` because `tradition` is the broad value below (tradition + humility).
        "tradition_narrow": (18, 33, 40),
        "conformity_rules": (15, 31, 42),
        "conformity_interpersonal": (4, 22, 51),
        "humility": (7, 38, 54),
        "universalism_nature": (8, 21, 45),
        "universalism_concern": (5, 37, 52),
        "universalism_tolerance": (14, 34, 57),
        "benevolence_care": (11, 25, 47),
        "benevolence_dependability": (19, 27, 55),
    },
    groups={
        # The ten broad values, as the PVQ-RR instructions' key for them: humility joins tradition there, face
        # joins none. Stimulation, hedonism and achievement are single narrow values and keep their names.
        "self_direction": ("self_direction_thought", "self_direction_action"),
        "power": ("power_dominance", "power_resources"),
        "security": ("security_personal", "security_societal"),
        "conformity": ("conformity_rules", "conformity_interpersonal"),
        "tradition": ("tradition_narrow", "humility"),
        "benevolence": ("benevolence_care", "benevolence_dependability"),
        "universalism": ("universalism_nature", "universalism_concern", "universalism_tolerance"),
        # The four higher-order values, as the instructions combine them; humility and face are border values
        # (conservation/self-transcendence and self-enhancement/conservation) and are left out of all four.
        "self_transcendence": ("universalism_nature", "universalism_concern", "universalism_tolerance",
                               "benevolence_care", "benevolence_dependability"),
        "self_enhancement": ("achievement", "power_dominance", "power_resources"),
        "openness_to_change": ("self_direction_thought", "self_direction_action", "stimulation", "hedonism"),
        "conservation": ("security_personal", "security_societal", "tradition_narrow", "conformity_rules",
                         "conformity_interpersonal"),
    },
    centre=True,
    source="Schwartz et al. 2012; Schwartz 2017; PVQ-RR coding and analysis instructions (Schwartz, 2021)",
)
PVQRR_BORDER_VALUES = ("humility", "face")

# -- SVS-57 -----------------------------------------------------------------------------------------------------
# Schwartz (1992), Adv. Exp. Soc. Psych. 25; Schwartz (1994), J. Soc. Issues 50(4); "Proper use of the Schwartz
# Value Survey" (draft users' manual, 2009). Ratings -1..7. The value indices use the items whose meaning held
# across cultures; the MRAT is taken over all 57 items, so the 11 items outside the indices still count there.
SVS57 = Key(
    name="SVS-57",
    items=tuple(range(1, 58)),
    scale=(-1, 7),
    dimensions={
        "power": (3, 12, 27, 46),
        "achievement": (34, 39, 43, 55),
        "hedonism": (4, 50, 57),
        "stimulation": (9, 25, 37),
        "self_direction": (5, 16, 31, 41, 53),
        "universalism": (1, 17, 24, 26, 29, 30, 35, 38),
        "benevolence": (33, 45, 49, 52, 54),
        "tradition": (18, 32, 36, 44, 51),
        "conformity": (11, 20, 40, 47),
        "security": (8, 13, 15, 22, 56),
    },
    groups=HIGHER_ORDER,
    centre=True,
    source="Schwartz 1992, 1994; SVS users' manual (2009); value indices as in the persval R package",
)


# -- SVO slider measure ------------------------------------------------------------------------------------------
# Murphy, Ackermann & Handgraaf (2011), "Measuring social value orientation", Judgment and Decision Making 6(8).
# The six primary items: (self, other) at the slider's first and ninth position. The nine allocations of an item
# lie evenly between its endpoints, rounded half up to whole numbers as on the published answer sheets.
SVO_PRIMARY_ENDPOINTS: Mapping[int, tuple[tuple[int, int], tuple[int, int]]] = {
    1: ((85, 85), (85, 15)),
    2: ((85, 15), (100, 50)),
    3: ((50, 100), (85, 85)),
    4: ((50, 100), (85, 15)),
    5: ((100, 50), (50, 100)),
    6: ((100, 50), (85, 85)),
}
SVO_POSITIONS = 9
# Category boundaries in degrees (Murphy et al. 2011): each interval includes its upper bound.
SVO_BOUNDS = ((57.15, "altruistic"), (22.45, "prosocial"), (-12.04, "individualistic"))
SVO_CATEGORIES = ("altruistic", "prosocial", "individualistic", "competitive")


def _half_up(x: Fraction) -> int:
    return math.floor(x + Fraction(1, 2))


def svo_allocations(item: int) -> tuple[tuple[int, int], ...]:
    """The nine (self, other) allocations of a primary item, position 1 first."""
    (s0, o0), (s1, o1) = SVO_PRIMARY_ENDPOINTS[item]
    steps = SVO_POSITIONS - 1
    return tuple((_half_up(s0 + Fraction(s1 - s0) * k / steps), _half_up(o0 + Fraction(o1 - o0) * k / steps))
                 for k in range(SVO_POSITIONS))


def svo_angle(mean_self: float, mean_other: float) -> float:
    """SVO angle in degrees: atan2(mean_other - 50, mean_self - 50)."""
    return math.degrees(math.atan2(mean_other - 50.0, mean_self - 50.0))


def svo_category(angle: float) -> str:
    """altruistic > 57.15° ≥ prosocial > 22.45° ≥ individualistic > -12.04° ≥ competitive."""
    if math.isnan(angle):
        return "none"
    for bound, name in SVO_BOUNDS:
        if angle > bound:
            return name
    return "competitive"


@dataclass(frozen=True)
class SVOSliderKey:
    """The six primary items scored into the SVO angle. An answer is an allocation (self, other)."""

    name: str = "SVO slider (primary items)"
    items: tuple[int, ...] = tuple(range(1, 7))
    scale: tuple[int, int] = (1, SVO_POSITIONS)
    reverse: frozenset[int] = frozenset()
    catch: Mapping[int, tuple[float, float]] = None  # type: ignore[assignment]
    source: str = "Murphy, Ackermann & Handgraaf 2011"

    def __post_init__(self) -> None:
        if self.catch is None:
            object.__setattr__(self, "catch", {})

    def dimension_of(self, number: int) -> str | None:
        return None

    def score(self, answers: Mapping[int, tuple[float, float] | None], scales=None) -> dict[str, float]:
        """`angle`, `mean_self`, `mean_other` over the answered items, and a 0/1 flag per category."""
        chosen = [answers[i] for i in self.items if answers.get(i) is not None]
        if not chosen:
            out = {"angle": math.nan, "mean_self": math.nan, "mean_other": math.nan}
        else:
            ms = math.fsum(a[0] for a in chosen) / len(chosen)
            mo = math.fsum(a[1] for a in chosen) / len(chosen)
            out = {"angle": svo_angle(ms, mo), "mean_self": ms, "mean_other": mo}
        category = svo_category(out["angle"])
        for name in SVO_CATEGORIES:
            out[f"category/{name}"] = math.nan if category == "none" else float(category == name)
        return out


SVO_SLIDER = SVOSliderKey()
