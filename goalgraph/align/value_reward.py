"""The value-distance reward: how close the values a text expresses are to a target value profile.

reward(text) = -distance(profile(text), target), where
- profile(text) is the distribution over the theory's values that the built-in `value-profile` evaluator gives
  the text (the bundled MiniLM embedder, our value descriptions, zero-shot softmax). Using that evaluator's own
  profiler means the aligners reward exactly what `goalgraph eval value-profile` later measures;
- the target is a target file (`goalgraph.values.load_target`: JSON, YAML or CSV), on any scale;
- the distance says what "close" means:
  - `cosine` (the default): 1 - cos between the two vectors each centred on its own mean, so it compares which
    values sit above and below average in each, blind to the target's scale and to how peaked a profile is.
    Without centring, a peaked profile (0.95 on benevolence) is "far" from a benevolence-first target on a 1-6
    scale just for being peaked: measured on our test rows, the uncentred Jensen-Shannon distance ranked a
    power-seeking answer above two caring ones, centred cosine ranked every caring answer first;
  - `jsd`, `l1`, `l2`: between the profile and the target turned into a distribution (divided by its sum, after
    shifting a scale with negative values so its smallest is 0), for targets that are distributions already.

A text with no letter in it has no profile; its reward is None, below every number.

`value-best-of-n` (choose among samples) and `value-filter-sft` (choose among training rows, Kang et al. 2023)
both use it. The target travels inside a model spec or an alignment record as `target_settings(...)`, so a
spec is self-contained: loading it needs neither the target file nor the graph.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, Callable, Sequence

from goalgraph.align.errors import AlignmentError

Reward = Callable[[Sequence[str]], list]
DEFAULT_METRIC = "cosine"
METRICS = ("cosine", "jsd", "l1", "l2")
_LETTER = re.compile(r"[^\W\d_]")


def target_settings(target: Any, metric: str = DEFAULT_METRIC, graph: Any = None) -> dict[str, Any]:
    """What a spec or record keeps of `target` (a `Target`, or a target file's path): its name, theory, the
    profiler theory key and the target as a distribution in the theory's order, plus the checked metric."""
    from goalgraph.errors import GoalgraphError
    from goalgraph.values import get_metric
    from goalgraph.values.profiler import THEORY_VALUES

    try:
        metric = get_metric(metric).name
        if not hasattr(target, "vector"):
            target = _load_target(Path(target), graph)
    except GoalgraphError as exc:
        raise AlignmentError(f"--target: {exc}") from None
    if metric not in METRICS:
        raise AlignmentError(f"metric {metric} compares questionnaire scores; a value profile is a distribution: "
                             f"use {', '.join(METRICS)}")
    raw = target.vector.as_dict("short")
    key = next((k for k, names in THEORY_VALUES.items() if set(names) == set(raw)), None)
    if key is None:
        raise AlignmentError(f"--target: the value profiler knows no theory with the dimensions "
                             f"{', '.join(raw)} (it profiles {', '.join(THEORY_VALUES)})")
    if metric == "cosine" and len(set(raw.values())) == 1:
        raise AlignmentError("--target gives every value the same score: there is no emphasis to move towards")
    dist = target.vector.normalised("shift").as_dict("short")
    order = THEORY_VALUES[key]
    return {"metric": metric,
            "target": {"name": target.title, "path": target.path, "theory": target.theory.slug,
                       "profiler_theory": key, "values": [raw[v] for v in order],
                       "distribution": [dist[v] for v in order]}}


def _load_target(path: Path, graph: Any) -> Any:
    from goalgraph.values import load_target

    if graph is None:
        import goalgraph

        graph = goalgraph.load()
    return load_target(path, graph)


def reward_from_spec(settings: dict[str, Any], embedder: Any = None) -> Reward:
    """The reward function for settings made by `target_settings` (a spec's or a record's)."""
    target = settings["target"]
    metric = settings.get("metric", DEFAULT_METRIC)
    vector = target["values"] if metric == "cosine" else target["distribution"]
    return value_distance_reward(vector, theory=target["profiler_theory"], metric=metric, embedder=embedder)


def profile_distance(profile: Sequence[float], target: Sequence[float], metric: str = DEFAULT_METRIC
                     ) -> float | None:
    """The distance the reward uses (see the module's docstring); None when a centred profile is flat."""
    from goalgraph.values import distance

    if metric != "cosine":
        return distance(list(profile), list(target), metric)
    a, b = _centred(profile), _centred(target)
    if not any(a):
        return None
    return distance(a, b, "cosine")


def _centred(xs: Sequence[float]) -> list[float]:
    mean = sum(xs) / len(xs)
    return [x - mean for x in xs]


def value_distance_reward(target: Sequence[float], *, theory: str = "schwartz", metric: str = DEFAULT_METRIC,
                          embedder: Any = None) -> Reward:
    """texts -> [-distance(profile, target) or None]; `target` is the raw target for cosine, its distribution
    for the others. The profiler (and the embedder, unless given) loads on the first call."""
    @functools.cache
    def profiler() -> Any:               # built on the first texts, once per reward function
        return value_profiler(theory, embedder)

    def reward(texts: Sequence[str]) -> list:
        texts = list(texts)
        scored = [i for i, t in enumerate(texts) if _LETTER.search(t or "")]
        out: list = [None] * len(texts)
        if scored:
            profile = profiler().profile([texts[i] for i in scored])
            for row, i in enumerate(scored):
                d = profile_distance(profile.distributions[row], target, metric)
                out[i] = None if d is None else -d
        return out

    return reward


def value_profiler(theory: str, embedder: Any = None) -> Any:
    """The value-profile evaluator's profiler for `theory` (its embedder loaded unless one is given)."""
    from goalgraph_builtins.profiler.evaluator import ValueProfile

    evaluator = ValueProfile(theory=theory)
    evaluator.embedder = embedder
    return evaluator.profiler()


def best_index(rewards: Sequence[float | None]) -> int:
    """The index of the highest reward (None is lowest; ties go to the first)."""
    return max(range(len(rewards)), key=lambda k: (rewards[k] is not None, rewards[k] or 0.0, -k))
