"""The reward-model adapter on a tiny random GPT-2 classifier: batched, length-sorted rewards equal an unbatched
forward of each text; bad model paths fail with one clear EvaluationError; the evaluator runs on it end to end."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from goalgraph.evaluation.base import EvaluationError
from goalgraph.runtime.requests import RewardScore

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "eval"

REQUESTS = [
    RewardScore("Q: What colour is a clear daytime sky?", "A: It is usually blue."),
    RewardScore("Hi", "Yes."),
    RewardScore("Tell me about the river.", "The river keeps its own counsel, and the town listens when it floods. "
                "The committee weighed tradition against the wishes of the young members."),
    RewardScore("Is honesty costly?", "Honesty means saying what you believe is true, even when it costs you something."),
    RewardScore("", "One two three."),
]


@pytest.fixture(scope="module")
def rm_dir(tmp_path_factory) -> Path:
    from tiny_models import build_tiny_reward_model

    return build_tiny_reward_model(tmp_path_factory.mktemp("tiny-rm"))


@pytest.fixture(scope="module")
def rm(rm_dir):
    from goalgraph.runtime.reward_model import RewardModel

    return RewardModel.load(str(rm_dir), device="cpu", batch_size=3)


def direct(rm, text: str, ids: list[int] | None = None) -> float:
    """An unbatched forward of one text, without the adapter's padding or sorting."""
    if ids is None:
        ids = rm.tokenizer(text)["input_ids"]
    with torch.no_grad():
        return float(rm.model(input_ids=torch.tensor([ids])).logits[0, 0])


@pytest.mark.parametrize("batch_size", [1, 3])
def test_batched_rewards_equal_unbatched_forward(rm, batch_size):
    lengths = {len(rm.encode(r.prompt, r.response)) for r in REQUESTS}
    assert len(lengths) == len(REQUESTS)           # every row a different length, so padding is exercised
    rm.batch.value = batch_size
    got = rm.reward(REQUESTS)
    want = [direct(rm, r.prompt + "\n\n" + r.response) for r in REQUESTS]
    assert got == pytest.approx(want, abs=1e-5)
    assert len(set(got)) == len(got)


def test_on_done_reports_each_batch_in_request_indices(rm):
    rm.batch.value = 2
    seen: dict[int, float] = {}
    answers = rm.reward(REQUESTS, on_done=lambda idx, vals: seen.update(zip(idx, vals)))
    assert seen == dict(enumerate(answers))


def test_long_text_keeps_its_end(rm):
    long = RewardScore("Numbers:", " ".join(["one two three four five six seven eight nine ten"] * 60))
    ids = rm.tokenizer(long.prompt + "\n\n" + long.response)["input_ids"]
    assert len(ids) > rm.max_length == 256
    assert rm.reward([long])[0] == pytest.approx(direct(rm, "", ids[-256:]), abs=1e-5)


def test_chat_template_formats_the_pair(rm_dir, rm):
    from transformers import AutoTokenizer

    from goalgraph.runtime.reward_model import RewardModel

    tok = AutoTokenizer.from_pretrained(str(rm_dir))
    tok.chat_template = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
    chat = RewardModel(rm.model, tok, source=str(rm_dir), device="cpu", dtype=torch.float32, batch_size=rm.batch)
    assert chat.text("Hi", "Hello") == "user: Hi\nassistant: Hello\n"
    assert chat.reward([RewardScore("Hi", "Hello")])[0] == pytest.approx(direct(rm, "user: Hi\nassistant: Hello\n"),
                                                                          abs=1e-5)


def test_rewards_from_logits():
    from goalgraph.runtime.reward_model import rewards_from_logits

    assert rewards_from_logits(torch.tensor([[0.5], [-1.0]])) == [0.5, -1.0]
    # several labels: last minus first
    assert rewards_from_logits(torch.tensor([[1.0, 3.0], [2.0, -1.0]])) == [2.0, -3.0]


def test_describe_and_fingerprint(rm, rm_dir):
    d = rm.describe()
    assert {k: d[k] for k in ("path", "revision", "dtype", "device", "num_labels")} == {
        "path": str(rm_dir), "revision": None, "dtype": "float32", "device": "cpu", "num_labels": 1}
    assert len(rm.fingerprint) == 64 and rm.fingerprint == d["fingerprint"]
    assert rm.model.config.pad_token_id == rm.tokenizer.eos_token_id


def test_fingerprint_follows_the_weights(tmp_path, rm):
    from tiny_models import build_tiny_reward_model

    from goalgraph.runtime.reward_model import RewardModel

    other = RewardModel.load(str(build_tiny_reward_model(tmp_path / "other", seed=7)), device="cpu")
    assert other.fingerprint != rm.fingerprint


def test_bad_models_fail_with_one_line(tmp_path, monkeypatch):
    from tiny_models import build_tiny_gpt2

    from goalgraph.runtime.reward_model import RewardModel

    with pytest.raises(EvaluationError, match="reward model directory not found") as err:
        RewardModel.load(str(tmp_path / "missing"))
    assert "\n" not in str(err.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(EvaluationError, match="no config.json"):
        RewardModel.load(str(tmp_path / "empty"))
    lm = build_tiny_gpt2(tmp_path / "lm")
    with pytest.raises(EvaluationError, match="is a GPT2LMHeadModel, not a sequence-classification reward model"):
        RewardModel.load(str(lm))
    # the same weights with the architecture erased: caught by the missing classification head
    config = json.loads((lm / "config.json").read_text())
    config.pop("architectures", None)
    (lm / "config.json").write_text(json.dumps(config))
    with pytest.raises(EvaluationError, match="no trained classification head"):
        RewardModel.load(str(lm))
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(EvaluationError, match="cannot load reward model 'nobody-here/no-such-rm'") as err:
        RewardModel.load("nobody-here/no-such-rm")
    assert "\n" not in str(err.value)
    with pytest.raises(EvaluationError, match="batch-size"):
        RewardModel.load(str(lm), batch_size=0)


def test_reward_model_evaluator_end_to_end(rm):
    from goalgraph.evaluation.data import load_records
    from goalgraph.evaluation.runner import answer_requests
    from goalgraph_builtins.evaluators.reward_model import RewardModelEval

    rm.batch.value = 4
    ev = RewardModelEval(group_by="subset")
    items = ev.prepare([load_records(str(FIXTURES / "reward_pairs.jsonl"), ev.fields, who=ev.id)])
    per_item = [ev.requests(it) for it in items]
    answers, counts = answer_requests(rm, [r for rs in per_item for r in rs])
    assert counts["computed"] == 12
    records = [ev.score(it, answers[2 * k:2 * k + 2]) for k, it in enumerate(items)]
    metrics = ev.aggregate(records)
    wins = []
    for it in items:
        c = direct(rm, it["prompt"] + "\n\n" + it["chosen"])
        r = direct(rm, it["prompt"] + "\n\n" + it["rejected"])
        wins.append(1.0 if c > r else 0.5 if c == r else 0.0)
    assert metrics["pair_accuracy"] == pytest.approx(sum(wins) / len(wins))
    assert {k.split("/")[1] for k in metrics if "/" in k} == {"advice", "math", "safety"}
