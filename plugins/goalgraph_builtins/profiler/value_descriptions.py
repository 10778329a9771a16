"""What each value means, in goalgraph's own words: the anchors the zero-shot profiler compares answers with.

Each description is a few plain sentences about what a person who holds the value wants, does and avoids,
with concrete everyday examples. Plain, concrete wording matters more than precise theory here: a sentence
embedding places an answer near descriptions that talk about the same kinds of things, so a description made
of abstract nouns ("motivational goal", "transcendence") attracts abstract answers, not the answers that
express the value. The texts are written for this project; they paraphrase no questionnaire item or paper.

The order of each dict is the theory's dimension order in the graph (theory/schwartz-basic-values,
theory/moral-foundations); the profiler reports vectors in that order.
"""
from __future__ import annotations

SCHWARTZ: dict[str, str] = {
    "self-direction": (
        "Thinking and acting for yourself. Someone who holds this value wants to choose their own goals, form "
        "their own opinions and decide about their own life, identity and body without being told what to do. "
        "They care about freedom, independence and curiosity. They like to work problems out on their own, "
        "make things, and explore ideas in their own way. They would rather be their own boss, set their own "
        "hours and pick their own work than have a career chosen for them. Being controlled, micromanaged "
        "or made to follow someone else's plan feels stifling to them."
    ),
    "stimulation": (
        "Looking for excitement, novelty and challenge. Someone who holds this value craves variety and new "
        "experiences: travelling somewhere unknown, trying an extreme sport, quitting a routine for an "
        "adventure. Boredom and sameness bother them more than risk does. They want life to feel vivid, "
        "surprising and thrilling, and they say yes to the daring option."
    ),
    "hedonism": (
        "Enjoying life and seeking pleasure for yourself. Someone who holds this value wants to have fun, "
        "relax, treat themselves and savour good food, comfort and sensual delights. They think life is meant "
        "to be enjoyed rather than endured. Given the choice, they indulge themselves and pick what feels good "
        "now: a lie-in, a holiday by the pool, a rich dessert."
    ),
    "achievement": (
        "Succeeding by showing what you can do. Someone who holds this value sets ambitious goals, works hard "
        "to reach them and wants their success to be seen. They care about performing well, being competent, "
        "winning promotions, getting top grades and being recognised as good at their job. Ambition, "
        "accomplishment and personal success drive their choices."
    ),
    "power": (
        "Having status, control and wealth. Someone who holds this value wants authority over other people "
        "and over resources: a high position, prestige, money and influence. They like being in charge, "
        "making the decisions others must follow, owning impressive things and guarding their public image. "
        "They want a seat at the top, in the boardroom or the government, and enough wealth that others must "
        "defer to them. Dominance and social standing are what they strive for."
    ),
    "security": (
        "Keeping yourself, your family and your society safe and stable. Someone who holds this value wants "
        "safety, order, health and predictability, and protection from danger, accidents and threats. They "
        "avoid risks, keep savings for emergencies, hold on to a steady income, lock the doors and support "
        "measures that keep the neighbourhood and the country safe. Peace of mind and feeling secure matter "
        "most to them."
    ),
    "conformity": (
        "Holding yourself back so as not to upset others or break what is expected. Someone who holds this "
        "value follows the rules, obeys parents, teachers and bosses, is polite and self-disciplined, and "
        "avoids behaviour that would embarrass or disturb the people around them. They believe you should "
        "do what is expected of you, fit in, and not make a scene."
    ),
    "tradition": (
        "Respecting and keeping the customs, religion and ways of your culture and family. Someone who holds "
        "this value honours rituals, holidays and practices handed down from earlier generations. They are "
        "modest, accept their place in life, practise their faith, and want to preserve their heritage "
        "rather than change it. Old ways carry meaning for them."
    ),
    "benevolence": (
        "Caring for the wellbeing of the people close to you. Someone who holds this value is helpful, "
        "honest, forgiving and dependable towards their family, friends, colleagues and community. They give "
        "their time to help others, look after people in need around them, keep their promises, and put "
        "their loved ones' needs ahead of their own convenience. When a friend is going through a hard "
        "time they keep them company and comfort them, bring meals to a neighbour who is ill, and forgive "
        "a friend's mistake."
    ),
    "universalism": (
        "Understanding, tolerance and protection for all people and for nature. Someone who holds this value "
        "works for equality, justice, peace and a healthy environment. They care about strangers and people "
        "in faraway countries as much as those nearby, listen to people unlike themselves, stand up against "
        "prejudice and discrimination, and want to protect the planet, animals and the climate for everyone."
    ),
}

MORAL_FOUNDATIONS: dict[str, str] = {
    "care": (
        "Protecting others from harm and suffering. Someone who weighs this foundation heavily is moved by "
        "pain and cruelty, feels compassion for the weak and vulnerable, and wants to comfort, nurture and "
        "shield anyone who is hurt. Hurting a child or an animal, or standing by while someone suffers, "
        "strikes them as deeply wrong. Kindness and gentleness are what they ask of people."
    ),
    "fairness": (
        "Justice, equal treatment and not cheating. Someone who weighs this foundation heavily wants people "
        "to get what they deserve, rules to apply the same way to everyone, and effort to be rewarded in "
        "proportion. Cheating, free-riding, rigged games and broken deals make them angry. They care about "
        "rights, honesty in exchanges and everyone getting a fair share."
    ),
    "loyalty": (
        "Standing by your group: your family, team, company or country. Someone who weighs this foundation "
        "heavily values belonging, patriotism and sticking together, and will sacrifice for the group. "
        "Betraying your own people, siding with rivals or walking out on the team feels unforgivable to "
        "them. Us before them is how they see obligations."
    ),
    "authority": (
        "Respecting legitimate leaders, hierarchy and order. Someone who weighs this foundation heavily "
        "defers to parents, elders, bosses, officers and institutions, and expects people to do their duty "
        "and know their role. Disobedience, disrespect and undermining those in charge trouble them, because "
        "order and stability depend on people accepting authority."
    ),
    "sanctity": (
        "Purity, decency and keeping sacred things from being degraded. Someone who weighs this foundation "
        "heavily feels disgust at contamination, indecency and acts that defile the body or what people hold "
        "holy. They treat the body as a temple, value chastity, cleanliness and self-restraint, and want "
        "some things kept above ordinary use and beyond mockery."
    ),
}

THEORIES: dict[str, dict[str, str]] = {"schwartz": SCHWARTZ, "mft": MORAL_FOUNDATIONS}


def descriptions(theory: str = "schwartz") -> dict[str, str]:
    """Value name → description for `schwartz` (ten basic values) or `mft` (five moral foundations)."""
    try:
        return dict(THEORIES[theory])
    except KeyError:
        raise KeyError(f"unknown value theory {theory!r} (choose from {', '.join(THEORIES)})") from None
