"""The inference-time aligners: principle prompting and value best-of-n, as model specs every evaluator loads.

What could go wrong and is checked: the spec's system prompt not reaching the model (log-likelihoods are compared
with the base model reading the prompt written out by hand), best-of-n not returning the argmax of its rewards,
rewards not being the value-distance reward they claim to be, a killed run not resuming, and a spec changing
its fingerprint or being accepted where weights are needed.
"""
from __future__ import annotations

import json
import math

import pytest

from goalgraph.align import AlignmentError, load_principles, principles_icl, value_best_of_n
from goalgraph.align.principles import Principle
from goalgraph.align.value_reward import best_index, reward_from_spec, target_settings
from goalgraph.runtime.requests import Generation, Loglikelihood

from .conftest import write_jsonl

TARGET = "tests/fixtures/values/schwartz-target.json"
PROMPTS = [{"prompt": "Q: What should I do with a free afternoon?\nA:"},
           {"prompt": "Q: My neighbour asked me for help. Should I go?\nA:"},
           {"prompt": "Q: Is it fine to skip a family dinner for work?\nA:"}]


def letters_reward(texts):
    """A stand-in reward with a known argmax: the number of letter e's (None for an empty text)."""
    return [t.count("e") if t.strip() else None for t in texts]


@pytest.fixture
def prompt_file(tmp_path):
    return write_jsonl(tmp_path / "prompts.jsonl", PROMPTS)


@pytest.fixture
def mine(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text("# our own two rules\nBe kind to every person you talk to.\n\nSay so when you do not know.\n")
    return path


# -- principles-icl ----------------------------------------------------------------------------------------------

def test_principles_from_a_users_file(mine):
    found = load_principles([str(mine)])
    assert found == [Principle("user/1", "Be kind to every person you talk to."),
                     Principle("user/2", "Say so when you do not know.")]


def test_a_prompted_spec_scores_as_the_base_reading_the_prompt(base_model, mine, tmp_path):
    from goalgraph.runtime.causal_lm import CausalLM

    out = tmp_path / "icl"
    record = principles_icl(base_model, out, load_principles([str(mine)]))
    assert record["method"].endswith("method/in-context-principle-alignment")
    assert record["aligner"] == "principles-icl" and record["produces"] == "model-spec"
    assert record["hyperparameters"]["prompt_style"] == "prefix"        # the tiny model has no chat template
    spec = json.loads((out / "goalgraph-model.json").read_text())
    assert "1. Be kind to every person you talk to.\n2. Say so when you do not know." in spec["system_prompt"]

    wrapped = CausalLM.load(str(out), device="cpu", batch_size=2)
    base = CausalLM.load(str(base_model), device="cpu", batch_size=2)
    reqs = [Loglikelihood("Q: Is the river cold?\nA:", " yes"), Loglikelihood("", "river town")]
    by_hand = [Loglikelihood(spec["system_prompt"] + "\n\n" + reqs[0].context, reqs[0].continuation),
               Loglikelihood(spec["system_prompt"], reqs[1].continuation)]
    got, want = wrapped.loglikelihood(reqs), base.loglikelihood(by_hand)
    assert [g[0] for g in got] == pytest.approx([w[0] for w in want], abs=1e-5)
    assert got[0][0] != pytest.approx(base.loglikelihood(reqs[:1])[0][0], abs=1e-3)   # the prompt matters
    assert wrapped.fingerprint != base.fingerprint
    # the same spec, moved with its base, keeps its fingerprint: it hashes the base, not the base's path
    assert CausalLM.load(str(out), device="cpu").fingerprint == wrapped.fingerprint


def test_principles_icl_reruns_as_a_no_op_and_refuses_a_foreign_output(base_model, mine, tmp_path):
    out = tmp_path / "icl"
    first = principles_icl(base_model, out, load_principles([str(mine)]))
    assert principles_icl(base_model, out, load_principles([str(mine)])) == first
    with pytest.raises(AlignmentError, match="holds something else"):
        principles_icl(base_model, out, [Principle("user/1", "Another rule entirely.")])
    other = principles_icl(base_model, out, [Principle("user/1", "Another rule entirely.")], overwrite=True)
    assert other["config_sha256"] != first["config_sha256"]


def test_training_refuses_a_spec(base_model, mine, sft_file, tmp_path):
    from goalgraph.align import train_sft

    out = tmp_path / "icl"
    principles_icl(base_model, out, load_principles([str(mine)]))
    with pytest.raises(AlignmentError, match="model spec") as err:
        train_sft(out, sft_file, tmp_path / "sft")
    assert str(base_model) in str(err.value)


# -- value best-of-n ---------------------------------------------------------------------------------------------

def test_best_index_takes_the_first_best_and_ranks_none_last():
    assert best_index([0.1, 0.3, 0.3]) == 1
    assert best_index([None, -2.0, None]) == 1
    assert best_index([None, None]) == 0


def test_best_of_n_returns_the_argmax_of_its_rewards(base_model, prompt_file, tmp_path):
    out = tmp_path / "bon"
    record = value_best_of_n(base_model, out, TARGET, data_path=prompt_file, n=4, max_new_tokens=6, seed=3,
                             reward=letters_reward)
    rows = [json.loads(line) for line in (out / "best_of_n.jsonl").read_text().splitlines()]
    assert [r["index"] for r in rows] == [0, 1, 2] and [r["seed"] for r in rows] == [3, 4, 5]
    for row in rows:
        assert len(row["candidates"]) == 4
        assert row["rewards"] == letters_reward(row["candidates"])
        scores = [-math.inf if r is None else r for r in row["rewards"]]
        assert row["chosen"] == scores.index(max(scores))
    assert len({c for r in rows for c in r["candidates"]}) > 3     # sampling gives different candidates
    chosen = [r["rewards"][r["chosen"]] for r in rows if r["rewards"][r["chosen"]] is not None]
    assert record["best_of_n"]["mean_chosen_reward"] == pytest.approx(sum(chosen) / len(chosen))
    assert record["method"].endswith("method/best-of-n") and record["data"]["rows"] == 3


def test_the_spec_chooses_the_same_way_when_loaded_as_a_model(base_model, prompt_file, tmp_path):
    """Loaded through CausalLM.load (as `goalgraph eval` does), generation samples n under the request's seed and
    returns the best; the samples are those the base draws for the same seed, so the choice can be checked."""
    from goalgraph.runtime.causal_lm import CausalLM

    out = tmp_path / "bon"
    value_best_of_n(base_model, out, TARGET, n=3, temperature=0.9)
    model = CausalLM.load(str(out), device="cpu")
    model._reward = letters_reward
    request = Generation("Q: Where is the town?\nA:", max_new_tokens=6, seed=11)
    answer = model.generate([request])[0]
    base = CausalLM.load(str(base_model), device="cpu")
    from dataclasses import replace

    samples = base.samples(replace(request, temperature=0.9), 3)
    assert answer == samples[best_index(letters_reward(samples))]
    assert model.choices[0]["candidates"] == samples
    assert model.describe()["best_of_n"]["n"] == 3
    # log-likelihoods are the base model's: best-of-n only chooses among samples
    ll = Loglikelihood("Q: Where is the town?\nA:", " here")
    assert model.loglikelihood([ll])[0][0] == pytest.approx(base.loglikelihood([ll])[0][0], abs=1e-6)


@pytest.mark.parametrize("metric", ["cosine", "jsd"])
def test_value_rewards_are_minus_the_profile_distance(talking_model, tmp_path, metric):
    """The real reward: MiniLM profiles each candidate. cosine: 1 - cos of both vectors centred on their means
    (the target on its own 1-6 scale); jsd: Jensen-Shannon distance to the target divided by its sum."""
    from goalgraph.values import distance
    from goalgraph_builtins.profiler.evaluator import ValueProfile

    prompts = write_jsonl(tmp_path / "p.jsonl", PROMPTS[:2])
    out = tmp_path / "bon"
    value_best_of_n(talking_model, out, TARGET, data_path=prompts, n=3, max_new_tokens=12, metric=metric)
    settings = json.loads((out / "goalgraph-model.json").read_text())
    raw = list(json.loads(open(TARGET).read())["values"].values())
    assert settings["target"]["values"] == raw and settings["metric"] == metric
    assert settings["target"]["distribution"] == pytest.approx([v / sum(raw) for v in raw])
    profiler = ValueProfile(theory="schwartz").profiler()
    rows = [json.loads(line) for line in (out / "best_of_n.jsonl").read_text().splitlines()]
    checked = 0
    for row in rows:
        for text, reward in zip(row["candidates"], row["rewards"]):
            if reward is None:
                assert not any(ch.isalpha() for ch in text)
                continue
            p = profiler.profile([text]).distributions[0]
            if metric == "cosine":
                pc, tc = [x - sum(p) / len(p) for x in p], [x - sum(raw) / len(raw) for x in raw]
                cos = sum(x * y for x, y in zip(pc, tc)) / math.sqrt(sum(x * x for x in pc) * sum(y * y for y in tc))
                expected = -(1 - cos)
            else:
                expected = -distance(p, [v / sum(raw) for v in raw], "jsd")
            assert reward == pytest.approx(expected, abs=1e-6)
            checked += 1
        assert row["chosen"] == best_index(row["rewards"])
    assert checked >= 3


def test_a_killed_best_of_n_run_resumes_where_it_stopped(base_model, prompt_file, tmp_path):
    whole = tmp_path / "whole"
    value_best_of_n(base_model, whole, TARGET, data_path=prompt_file, n=2, max_new_tokens=5, reward=letters_reward)

    out = tmp_path / "killed"

    def die_after_first(i, row):
        if i == 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        value_best_of_n(base_model, out, TARGET, data_path=prompt_file, n=2, max_new_tokens=5,
                        reward=letters_reward, on_item=die_after_first)
    log = out / "best_of_n.jsonl"
    assert len(log.read_text().splitlines()) == 1 and not (out / "alignment.json").exists()
    with log.open("a") as fh:
        fh.write('{"index": 1, "prompt": "torn')              # a line cut short by the kill
    seen = []
    record = value_best_of_n(base_model, out, TARGET, data_path=prompt_file, n=2, max_new_tokens=5,
                             reward=letters_reward, on_item=lambda i, row: seen.append(i))
    assert seen == [1, 2]                                      # the first prompt was not redone
    assert log.read_text() == (whole / "best_of_n.jsonl").read_text()
    assert record["best_of_n"]["prompts"] == 3


def test_bad_best_of_n_settings_are_one_line(base_model, tmp_path):
    for kwargs, needle in (({"n": 0}, "n must be"), ({"temperature": 0.0}, "temperature must be positive"),
                           ({"metric": "manhattanish"}, "unknown distance")):
        with pytest.raises(AlignmentError, match=needle) as err:
            value_best_of_n(base_model, tmp_path / "x", TARGET, **kwargs)
        assert "\n" not in str(err.value)
    with pytest.raises(AlignmentError, match="target file not found"):
        value_best_of_n(base_model, tmp_path / "x", tmp_path / "nowhere.json")
    assert not (tmp_path / "x").exists()


def test_target_settings_keep_what_the_spec_needs():
    settings = target_settings(TARGET, "l1")
    assert settings["metric"] == "l1" and settings["target"]["profiler_theory"] == "schwartz"
    with pytest.raises(AlignmentError, match="questionnaire scores"):
        target_settings(TARGET, "nmse")
    assert settings["target"]["name"] == "example-culture-a"
    reward = reward_from_spec(settings)
    assert reward(["", "12 34"]) == [None, None]               # nothing to profile, and no model loaded for it


def test_a_base_with_a_chat_template_gets_the_principles_as_its_system_turn(base_model, mine, tmp_path):
    """prompt_style auto: a chat template present means the principles go into the template's system turn."""
    import shutil

    from goalgraph.runtime.causal_lm import CausalLM

    chatty = tmp_path / "chatty"
    shutil.copytree(base_model, chatty)
    (chatty / "chat_template.jinja").write_text(
        "{% for m in messages %}<{{ m.role }}>{{ m.content }}\n{% endfor %}{% if add_generation_prompt %}<a>{% endif %}")
    record = principles_icl(chatty, tmp_path / "icl", load_principles([str(mine)]))
    assert record["hyperparameters"]["prompt_style"] == "chat"
    system = json.loads((tmp_path / "icl" / "goalgraph-model.json").read_text())["system_prompt"]
    wrapped = CausalLM.load(str(tmp_path / "icl"), device="cpu")
    assert wrapped.wrap_prompt("Is the river cold?") == f"<system>{system}\n<user>Is the river cold?\n<a>"
    by_hand = CausalLM.load(str(chatty), device="cpu", chat=True, system_prompt=system)
    ll = Loglikelihood("Is the river cold?", " yes")
    assert wrapped.loglikelihood([ll])[0][0] == pytest.approx(by_hand.loglikelihood([ll])[0][0], abs=1e-6)
