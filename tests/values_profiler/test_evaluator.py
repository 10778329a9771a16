"""value-profile: the bundled scenarios, one Generation per scenario, answers profiled by the real MiniLM, the
mean distribution and agreement with the scenario tags computed by hand, supervised heads, and errors."""
from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
from evaluators.fakes import TableLM
from goalgraph.errors import EvaluationError
from goalgraph.evaluation.base import run_items
from goalgraph.evaluation.data import load_records
from goalgraph.evaluation.templates import PromptTemplate
from goalgraph.runtime.requests import Generation
from goalgraph.values.profiler import (MORAL_FOUNDATIONS, SCHWARTZ_VALUES, SupervisedProfiler, ZeroShotProfiler,
                                       load_valuenet)
from goalgraph_builtins.profiler import BUILTIN_DATA, SCENARIOS, load_scenarios
from goalgraph_builtins.profiler.evaluator import ValueProfile
from goalgraph_builtins.profiler.value_descriptions import SCHWARTZ
from values_profiler.conftest import FIXTURES

# scenario id → an answer whose top value the zero-shot tests already pin down ("" = the model said nothing)
ANSWERS = {
    "s001": "I looked after my sick mother and helped my friend move house because they needed me.",  # benevolence
    "s002": " ... 42 ",                               # no letter: nothing to profile
    "s003": "We put in an alarm, saved for emergencies and keep the doors locked so the family stays safe.",
    "s005": "I spent the whole day lounging by the pool, eating ice cream and enjoying myself.",        # hedonism
    "s009": "Every year our family celebrates the religious holidays exactly as our grandparents did.",
}
TOPS = {"s001": "benevolence", "s003": "security", "s005": "hedonism", "s009": "tradition"}


def _items(ev, ids=tuple(ANSWERS)):
    rows = [r for r in load_records(str(SCENARIOS), ValueProfile.fields, who="value-profile") if r["id"] in ids]
    return ev.prepare([rows])


def _lm(ev, items, answers=ANSWERS):
    return TableLM(generations={ev.requests(it)[0].prompt: answers[it["id"]] for it in items})


def test_bundled_scenarios():
    rows = load_scenarios()
    assert len(rows) >= 60 and rows == load_scenarios(SCENARIOS)
    assert len({r["id"] for r in rows}) == len(rows) and len({r["scenario"] for r in rows}) == len(rows)
    counts = Counter(v for r in rows for v in r["values"])
    assert set(counts) == set(SCHWARTZ_VALUES) and min(counts.values()) >= 10
    assert all(2 <= len(r["values"]) <= 3 and len(set(r["values"])) == len(r["values"]) for r in rows)
    assert all(60 < len(r["scenario"]) < 400 for r in rows)
    assert {name: str(p) for name, p in BUILTIN_DATA.items()} == ValueProfile.builtin_data
    assert SCENARIOS.is_file() and ValueProfile.builtin_data["builtin:scenarios"] == str(SCENARIOS)
    ev = ValueProfile()
    items = ev.prepare([load_records(str(SCENARIOS), ValueProfile.fields)])
    assert len(items) == len(rows) and items[0]["values"] == ["benevolence", "achievement"]


def test_one_generation_per_scenario_with_the_options():
    ev = ValueProfile(max_new_tokens=64, temperature=0.7, seed=3, stop="\\n\\n|###")
    item = _items(ev, ("s001",))[0]
    (req,) = ev.requests(item)
    assert isinstance(req, Generation)
    assert (req.max_new_tokens, req.temperature, req.seed, req.until) == (64, 0.7, 3, ("\n\n", "###"))
    assert req.prompt.startswith("Here is a situation someone is facing.\n\nMaya has an important")
    assert "What should this person do, and why?" in req.prompt and req.prompt.endswith("\n\nAdvice:")
    default = ValueProfile().requests(item)[0]
    assert (default.max_new_tokens, default.temperature, default.seed, default.until) == (160, 0.0, 0, ())


def test_run_items_profiles_answers_and_agreement_by_hand(embedder):
    ev = ValueProfile()
    ev.embedder = embedder
    items = _items(ev)
    lm = _lm(ev, items)
    metrics, records = run_items(ev, items, lm)
    assert len(lm.seen) == 5 and all(isinstance(r, Generation) for r in lm.seen)

    by_id = {r["id"]: r for r in records}
    assert by_id["s002"]["empty"] is True and by_id["s002"]["distribution"] is None
    assert {k: by_id[k]["top_value"] for k in TOPS} == TOPS
    assert [by_id[k]["top_in_tags"] for k in TOPS] == [True, True, False, True]
    # s005 is tagged power/universalism; its answer is about lounging by the pool
    assert by_id["s005"]["tags"] == ["power", "universalism"]

    # the same numbers from the profiler directly
    texts = [ANSWERS[k] for k in TOPS]
    expected = ZeroShotProfiler(embedder, SCHWARTZ).profile(texts)
    for k, dist in zip(TOPS, expected.distributions):
        assert list(by_id[k]["distribution"]) == list(SCHWARTZ_VALUES)
        assert list(by_id[k]["distribution"].values()) == pytest.approx(dist, abs=1e-6)
        assert by_id[k]["top_p"] == pytest.approx(max(dist), abs=1e-6)
    assert [metrics[v] for v in SCHWARTZ_VALUES] == pytest.approx(expected.mean, abs=1e-6)
    assert list(metrics)[:10] == list(SCHWARTZ_VALUES)                       # the theory's order
    assert metrics["agreement_with_tags"] == pytest.approx(3 / 4)
    assert metrics["agreement_chance"] == pytest.approx(2 / 10)              # two tags of ten, each item
    assert metrics["top_share/hedonism"] == 0.25 and metrics["top_share/power"] == 0.0
    assert sum(metrics[f"top_share/{v}"] for v in SCHWARTZ_VALUES) == pytest.approx(1.0)
    assert (metrics["n"], metrics["n_empty"]) == (4, 1)
    assert ev.notes and ev.notes[0].startswith("highest values of the mean profile: ")
    json.dumps(records)                                                       # records are JSON-ready


def test_embedder_is_loaded_lazily_once(embedder, monkeypatch):
    from goalgraph.runtime import embeddings

    calls = []

    def fake_load(name_or_path=None, device="auto", batch_size=32):
        calls.append((name_or_path, device, batch_size))
        return embedder

    monkeypatch.setattr(embeddings.Embedder, "load", staticmethod(fake_load))
    ev = ValueProfile(embedding_device="cpu", embedding_batch_size=8)
    items = _items(ev)
    assert "embedding" not in ev.describe() and ev.embedder is None
    run_items(ev, items, _lm(ev, items))
    run_items(ev, items, _lm(ev, items))
    assert calls == [(None, "cpu", 8)]
    d = ev.describe()
    assert d["embedding"]["fingerprint"] == embedder.fingerprint
    assert d["profiler"] == {"mode": "zero-shot", "values": list(SCHWARTZ_VALUES), "temperature": 0.05,
                             "anchor": "sentences"}


def test_softmax_temperature_option_changes_sharpness(embedder):
    sharp, flat = ValueProfile(softmax_temperature=0.02), ValueProfile(softmax_temperature=0.5)
    tops = []
    for ev in (sharp, flat):
        ev.embedder = embedder
        items = _items(ev, ("s001",))
        _, (rec,) = run_items(ev, items, _lm(ev, items))
        tops.append(rec["top_p"])
    assert tops[0] > 0.8 and tops[1] < 0.2


def test_moral_foundations_theory(embedder):
    ev = ValueProfile(theory="mft")
    ev.embedder = embedder
    items = _items(ev)
    metrics, records = run_items(ev, items, _lm(ev, items))
    assert list(metrics)[:5] == list(MORAL_FOUNDATIONS)
    assert "agreement_with_tags" not in metrics and records[0]["top_in_tags"] is None
    assert sum(metrics[v] for v in MORAL_FOUNDATIONS) == pytest.approx(1.0)
    assert any("not reported" in note for note in ev.notes)


def test_supervised_head_option(embedder, tmp_path):
    prof = SupervisedProfiler.train(embedder, load_valuenet(FIXTURES / "synthetic_valuenet.csv"), holdout=0.25)
    prof.head.save(tmp_path / "head.json")
    ev = ValueProfile(head=str(tmp_path / "head.json"))
    ev.embedder = embedder
    items = _items(ev)
    metrics, records = run_items(ev, items, _lm(ev, items))
    texts = [ANSWERS[k] for k in TOPS]
    expected = prof.profile(texts)
    got = [r["distribution"] for r in records if r["distribution"]]
    assert np.allclose([list(d.values()) for d in got], expected.distributions, atol=1e-6)
    assert [metrics[v] for v in SCHWARTZ_VALUES] == pytest.approx(expected.mean, abs=1e-6)
    assert ev.describe()["profiler"]["mode"] == "supervised"


def test_tags_are_normalised_and_checked():
    ev = ValueProfile()
    (item,) = ev.prepare([[{"scenario": "A choice.", "values": ["Self-Direction", "SECURITY", "security"]}]])
    assert item["values"] == ["self-direction", "security"] and item["id"] == 0
    (item,) = ev.prepare([[{"scenario": "A choice."}]])
    assert item["values"] == []
    with pytest.raises(EvaluationError, match="item 0 tags an unknown value 'kindness'"):
        ev.prepare([[{"scenario": "A choice.", "values": ["kindness"]}]])
    with pytest.raises(EvaluationError, match="empty scenario"):
        ev.prepare([[{"scenario": "  "}]])


def test_all_empty_answers_is_an_error(embedder):
    ev = ValueProfile()
    ev.embedder = embedder
    items = _items(ev, ("s001",))
    with pytest.raises(EvaluationError, match="every answer was empty"):
        run_items(ev, items, _lm(ev, items, {"s001": "   "}))


@pytest.mark.parametrize("options, message", [
    ({"softmax_temperature": 0.0}, "softmax_temperature"), ({"theory": "hofstede"}, "unknown value theory"),
    ({"max_new_tokens": 0}, "max_new_tokens"), ({"temperature": -1.0}, "temperature"),
    ({"anchor": "tokens"}, "anchor"), ({"head": "/nonexistent/head.json"}, "linear head file not found"),
    ({"colour": "red"}, "unknown option 'colour'"), ({"embedding_batch_size": 0}, "embedding_batch_size"),
])
def test_bad_options(options, message):
    with pytest.raises(EvaluationError, match=message):
        ValueProfile(**options)


def test_real_generation_from_a_tiny_causal_lm(tiny_lm, embedder):
    """Real generation through the real adapter (a random tiny GPT-2 writes noise); noise without a letter is
    marked empty, anything else gets a proper distribution."""
    ev = ValueProfile(template=PromptTemplate("{{ scenario }}\nAdvice:"), max_new_tokens=12)
    ev.embedder = embedder
    items = ev.prepare([[{"id": "x", "scenario": "Help a friend or study?", "values": ["benevolence", "achievement"]},
                         {"id": "y", "scenario": "Travel or save?", "values": ["stimulation", "security"]}]])
    requests = [r for it in items for r in ev.requests(it)]
    assert requests[0].prompt == "Help a friend or study?\nAdvice:"
    answers = tiny_lm.generate(requests)
    assert answers == tiny_lm.generate(requests)                              # greedy: the same twice
    for item, answer in zip(items, answers):
        record = ev.score(item, [answer])
        assert record["answer"] == answer
        assert record["empty"] == (not any(ch.isalpha() for ch in answer))
        if not record["empty"]:
            assert sum(record["distribution"].values()) == pytest.approx(1.0)
