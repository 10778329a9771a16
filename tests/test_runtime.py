"""The causal-LM adapter: lm-eval's tokenisation rules, shared-prefix scoring equal to a plain forward pass,
batch-size invariance, greedy flags, generation, and the resumable request store."""
from __future__ import annotations

import json
import random

import pytest

from goalgraph.evaluation.base import EvaluationError
from goalgraph.runtime.requests import Generation, Loglikelihood
from goalgraph.runtime.scoring import common_prefix_length

PRIMER = ("Q: What colour is a clear daytime sky?\nA: It is usually blue.\n\n"
          "Q: Who helped his neighbour carry the boxes?\nA: He did.\n\n")
WORDS = "fair rule loyalty honesty the river town wallet answer yes no friend truth".split()


def _requests(seed: int = 0) -> list[Loglikelihood]:
    rng = random.Random(seed)
    reqs = []
    for q in range(7):
        ctx = PRIMER + "Q: " + " ".join(rng.choices(WORDS, k=q + 2)) + "?\nA:"
        for c in range(1 + q % 4):
            reqs.append(Loglikelihood(ctx, " " + " ".join(rng.choices(WORDS, k=c + 1))))
    reqs += [Loglikelihood("", "The river floods."), Loglikelihood("Honesty ", "means"),
             Loglikelihood("A fair rule", " treats"), Loglikelihood(PRIMER, "Q:")]
    return reqs


def _direct(lm, context: str, continuation: str) -> float:
    """The textbook definition, one unbatched forward over context+continuation, no cache, no padding."""
    import torch

    ctx, cont = lm.encoder.pair(context, continuation)
    logits = lm.model(torch.tensor([ctx + cont])).logits[0].float()
    logp = torch.log_softmax(logits, dim=-1)
    return sum(float(logp[len(ctx) - 1 + j, tok]) for j, tok in enumerate(cont))


def test_tokenisation_follows_lm_eval(tiny_lm):
    enc = tiny_lm.encoder
    tok = tiny_lm.tokenizer
    # trailing whitespace moves from the context to the continuation
    ctx, cont = enc.pair("Honesty ", "means")
    assert ctx == tok.encode("Honesty") and cont == tok.encode("Honesty means")[len(ctx):]
    # context and continuation are tokenised together; the continuation is what follows the context's tokens
    ctx, cont = enc.pair("A fair rule", " treats")
    assert ctx == tok.encode("A fair rule") and cont == tok.encode("A fair rule treats")[len(ctx):]
    # a split inside a word can leave nothing after the context's tokens: an error, never a silent zero
    assert enc.pair("The riv", "er")[1] == []
    with pytest.raises(EvaluationError, match="encodes to no tokens"):
        tiny_lm.loglikelihood([Loglikelihood("The riv", "er")])
    # an empty context becomes the prefix token (BOS here)
    ctx, cont = enc.pair("", "The river")
    assert ctx == [tok.bos_token_id] and cont == tok.encode("The river")
    # ... unless the continuation already starts with it
    ctx, cont = enc.pair("", tok.bos_token + "The river")
    assert ctx == [tok.bos_token_id] and cont == tok.encode("The river")


def test_shared_prefix_equals_direct_forward(tiny_lm):
    reqs = _requests()
    answers = tiny_lm.loglikelihood(reqs)
    for r, (lp, _) in zip(reqs, answers):
        assert lp == pytest.approx(_direct(tiny_lm, r.context, r.continuation), abs=1e-5)
    assert tiny_lm.stats["tokens_run"] < tiny_lm.stats["tokens_plain"] / 2   # the primer ran once


def test_plain_and_shared_paths_agree(tiny_lm_dir):
    from goalgraph.runtime.causal_lm import CausalLM

    reqs = _requests(1)
    shared = CausalLM.load(str(tiny_lm_dir), device="cpu", batch_size=3).loglikelihood(reqs)
    plain = CausalLM.load(str(tiny_lm_dir), device="cpu", batch_size=3, share_prefix=False).loglikelihood(reqs)
    assert [g for _, g in shared] == [g for _, g in plain]
    assert max(abs(a - b) for (a, _), (b, _) in zip(shared, plain)) < 1e-5


@pytest.mark.parametrize("share", [True, False])
def test_batch_size_does_not_change_scores(tiny_lm_dir, share):
    from goalgraph.runtime.causal_lm import CausalLM

    reqs = _requests(2)
    one = CausalLM.load(str(tiny_lm_dir), device="cpu", batch_size=1, share_prefix=share).loglikelihood(reqs)
    eight = CausalLM.load(str(tiny_lm_dir), device="cpu", batch_size=8, share_prefix=share).loglikelihood(reqs)
    assert max(abs(a - b) for (a, _), (b, _) in zip(one, eight)) < 1e-5


def test_greedy_flag_marks_the_models_own_continuation(tiny_lm):
    import torch

    context = "Loyalty to a group"
    ids = tiny_lm.tokenizer.encode(context)
    for _ in range(3):                      # the model's own argmax continuation, token by token
        logits = tiny_lm.model(torch.tensor([ids])).logits[0, -1]
        ids.append(int(logits.argmax()))
    own = tiny_lm.tokenizer.decode(ids)[len(context):]
    other = " zzz" if not own.startswith(" zzz") else " qqq"
    (_, greedy), (_, not_greedy) = tiny_lm.loglikelihood([Loglikelihood(context, own), Loglikelihood(context, other)])
    assert greedy is True and not_greedy is False


def test_long_requests_are_left_truncated_like_lm_eval(tiny_lm):
    context = " ".join(["the river"] * 400)          # far past the 256-token window
    (lp, _), = tiny_lm.loglikelihood([Loglikelihood(context, " town")])
    import torch

    ctx, cont = tiny_lm.encoder.pair(context, " town")
    window = (ctx + cont)[-(tiny_lm.max_length + 1):]
    logp = torch.log_softmax(tiny_lm.model(torch.tensor([window[:-1]])).logits[0].float(), dim=-1)
    expected = sum(float(logp[len(window) - 1 - len(cont) + j, t]) for j, t in enumerate(cont))
    assert lp == pytest.approx(expected, abs=1e-5)


def test_common_prefix_leaves_each_context_a_token():
    assert common_prefix_length([[1, 2, 3, 4], [1, 2, 3, 9], [1, 2, 3, 4, 5]]) == 3
    assert common_prefix_length([[1, 2], [1, 2]]) == 1
    assert common_prefix_length([[5, 2], [1, 2]]) == 0


def test_generate_greedy_matches_manual_decoding_and_stops(tiny_lm):
    import torch

    prompt = "The committee weighed"
    ids = tiny_lm.tokenizer.encode(prompt)
    for _ in range(6):
        ids.append(int(tiny_lm.model(torch.tensor([ids])).logits[0, -1].argmax()))
    manual = tiny_lm.tokenizer.decode(ids[len(tiny_lm.tokenizer.encode(prompt)):])
    out = tiny_lm.generate([Generation(prompt, max_new_tokens=6), Generation("A fair rule", max_new_tokens=3)])
    assert out[0] == manual
    if len(manual.strip()) > 1:
        stop = manual.strip()[1]
        cut = tiny_lm.generate([Generation(prompt, max_new_tokens=6, until=(stop,))])[0]
        assert stop not in cut and manual.startswith(cut)


def test_sampling_is_reproducible_and_batch_independent(tiny_lm):
    reqs = [Generation("A fair rule", max_new_tokens=5, temperature=1.0, seed=7),
            Generation("Honesty means", max_new_tokens=5, temperature=1.0, seed=3)]
    assert tiny_lm.generate(reqs) == tiny_lm.generate(reqs[::-1])[::-1]


def test_missing_model_directory_is_one_clear_error(tmp_path):
    from goalgraph.runtime.causal_lm import CausalLM

    with pytest.raises(EvaluationError, match="model directory not found"):
        CausalLM.load(str(tmp_path / "nowhere"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(EvaluationError, match="no config.json"):
        CausalLM.load(str(tmp_path / "empty"))


def test_fingerprint_changes_with_weights_and_settings(tiny_lm_dir, tmp_path):
    import shutil

    from goalgraph.runtime.fingerprint import model_fingerprint

    copy = tmp_path / "copy"
    shutil.copytree(tiny_lm_dir, copy)
    assert model_fingerprint(str(copy), dtype="float32") == model_fingerprint(str(tiny_lm_dir), dtype="float32")
    assert model_fingerprint(str(copy), dtype="float32") != model_fingerprint(str(copy), dtype="bfloat16")
    weights = next(copy.glob("*.safetensors"))
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    assert model_fingerprint(str(copy), dtype="float32") != model_fingerprint(str(tiny_lm_dir), dtype="float32")


def test_store_round_trips_and_ignores_a_torn_line(tmp_path):
    from goalgraph.runtime.store import RequestStore

    reqs = [Loglikelihood("a", " b"), Loglikelihood("a", " c"), Generation("x")]
    with RequestStore(tmp_path / "s.jsonl") as store:
        store.put_many(reqs, [(-1.25, True), (-3.5, False), "text"])
    with (tmp_path / "s.jsonl").open("ab") as fh:
        fh.write(b'{"k": "half a line')          # what SIGKILL mid-write leaves
    again = RequestStore(tmp_path / "s.jsonl")
    assert again.torn_lines == 1 and len(again) == 3
    assert again.get(reqs[0]) == (-1.25, True) and again.get(reqs[2]) == "text"
    assert again.missing(reqs + [Loglikelihood("a", " d")]) == [3]
    again.put_many([Loglikelihood("a", " d")], [(-0.1, False)])
    again.close()
    lines = (tmp_path / "s.jsonl").read_text().splitlines()
    assert json.loads(lines[-1])["a"] == [-0.1, False]          # appended on a fresh line
    assert len(RequestStore(tmp_path / "s.jsonl")) == 4


def test_generation_keeps_the_end_of_a_prompt_longer_than_the_window(tiny_lm):
    import torch

    prompt = " ".join(["the river"] * 400) + " A fair rule"
    out, = tiny_lm.generate([Generation(prompt, max_new_tokens=4)])
    ids = tiny_lm.tokenizer.encode(prompt)[-(tiny_lm.max_length - 4):]
    for _ in range(4):
        ids.append(int(tiny_lm.model(torch.tensor([ids])).logits[0, -1].argmax()))
    assert out == tiny_lm.tokenizer.decode(ids[-4:])
    with pytest.raises(EvaluationError, match="leaves no room"):
        tiny_lm.generate([Generation("x", max_new_tokens=tiny_lm.max_length)])
