"""Reading SFT and preference rows, rendering chats, and tokenising with the evaluation's rule."""
from __future__ import annotations

import json

import pytest

from goalgraph.align.data import IGNORE, PreferenceRow, SFTRow, encode, encode_rows, read_preferences, read_sft, render
from goalgraph.align.errors import AlignmentDataError

from .conftest import PREFERENCE_ROWS, SFT_ROWS, write_jsonl

CHAT = [{"role": "user", "content": "Which way is the river?"}, {"role": "assistant", "content": "Down the hill."}]


def test_read_sft_forms(tmp_path, sft_file):
    assert read_sft(sft_file)[0] == SFTRow(SFT_ROWS[0]["prompt"], SFT_ROWS[0]["completion"])
    conv = write_jsonl(tmp_path / "chat.jsonl", [{"messages": CHAT},
                                                 {"prompt": CHAT[:1], "completion": CHAT[1:]}])
    rows = read_sft(conv)
    assert rows[0] == rows[1] == SFTRow(CHAT[:1], CHAT[1:])
    as_json = tmp_path / "rows.json"
    as_json.write_text(json.dumps({"data": SFT_ROWS[:2]}), encoding="utf-8")
    assert len(read_sft(as_json)) == 2
    as_csv = tmp_path / "rows.csv"
    as_csv.write_text('prompt,completion\n"Q: hi\nA:", hello\n', encoding="utf-8")
    assert read_sft(as_csv) == [SFTRow("Q: hi\nA:", " hello")]


def test_read_preference_forms(tmp_path, preference_file):
    assert read_preferences(preference_file)[0] == PreferenceRow(**PREFERENCE_ROWS[0])
    worse = [{"role": "assistant", "content": "Up the hill."}]
    conv = write_jsonl(tmp_path / "conv.jsonl", [
        {"prompt": CHAT[:1], "chosen": CHAT[1:], "rejected": worse},
        {"chosen": CHAT, "rejected": CHAT[:1] + worse},          # implicit prompt: the shared first turn
    ])
    rows = read_preferences(conv)
    assert rows[0] == rows[1] == PreferenceRow(CHAT[:1], CHAT[1:], worse)


BAD = [
    ("sft", '{"prompt": "a", "completion": "b"}\n{"prompt": "c"}\n', "item 1: an SFT row needs"),
    ("sft", '{"prompt": "a", "completion": "b"}\n{"prompt": "a", "completion": "b"}\nnot json\n', "line 3 is not JSON"),
    ("sft", '{"prompt": "a", "completion": 3}\n', "item 0: 'completion' must be a string"),
    ("sft", '{"prompt": "a", "completion": "  "}\n', "item 0: 'completion' is empty"),
    ("sft", '{"messages": [{"role": "user", "content": "hi"}]}\n', "item 0: 'messages' needs"),
    ("sft", '{"messages": [{"role": "user"}, {"role": "assistant", "content": "x"}]}\n', "messages[0] must be"),
    ("sft", '[1, 2]\n', "item 0 is a list"),
    ("sft", '', "no rows"),
    ("pref", '{"prompt": "a", "chosen": "b"}\n',
     "item 0: a preference row needs 'prompt', 'chosen' and 'rejected' (missing: rejected)"),
    ("pref", '{"prompt": "a", "chosen": "b", "rejected": "b"}\n', "item 0: 'chosen' and 'rejected' are the same"),
    ("pref", '{"chosen": "b", "rejected": "c"}\n', "missing: prompt"),
    ("pref", '{"chosen": [{"role": "user", "content": "x"}], "rejected": [{"role": "user", "content": "y"}]}\n',
     "share no turns"),
    ("pref", ('{"prompt": [{"role": "user", "content": "x"}], "chosen": [{"role": "user", "content": "y"}], '
              '"rejected": [{"role": "assistant", "content": "z"}]}\n'), "'chosen' must start with an assistant turn"),
]


@pytest.mark.parametrize("kind,text,needle", BAD)
def test_bad_rows_are_one_line_errors(tmp_path, kind, text, needle):
    path = tmp_path / "bad.jsonl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AlignmentDataError) as err:
        (read_sft if kind == "sft" else read_preferences)(path)
    message = str(err.value)
    assert needle in message and str(path) in message and "\n" not in message


def test_missing_file_and_unknown_format(tmp_path):
    with pytest.raises(AlignmentDataError, match="not found"):
        read_sft(tmp_path / "nope.jsonl")
    odd = tmp_path / "rows.txt"
    odd.write_text("hello", encoding="utf-8")
    with pytest.raises(AlignmentDataError, match="unknown format"):
        read_sft(odd)


def test_fallback_chat_rendering(tokenizer):
    assert not getattr(tokenizer, "chat_template", None)
    prompt, completion = render(CHAT[:1], CHAT[1:], tokenizer)
    assert prompt == "user: Which way is the river?\nassistant:"
    assert completion == " Down the hill.\n"


def test_chat_template_rendering(tokenizer):
    import copy

    tok = copy.deepcopy(tokenizer)
    tok.chat_template = ("{% for m in messages %}<{{ m.role }}>{{ m.content }}</{{ m.role }}>{% endfor %}"
                         "{% if add_generation_prompt %}<assistant>{% endif %}")
    prompt, completion = render(CHAT[:1], CHAT[1:], tok)
    assert prompt == "<user>Which way is the river?</user><assistant>"
    assert completion == "Down the hill.</assistant>"
    tok.chat_template = "{% for m in messages %}{{ m.content }}|{% endfor %}{% if add_generation_prompt %}>>{% endif %}"
    with pytest.raises(AlignmentDataError, match="cannot be split"):
        render(CHAT[:1], CHAT[1:], tok)


def test_prompt_tokens_carry_no_loss(tokenizer):
    from goalgraph.runtime.tokens import PairEncoder

    enc = PairEncoder(tokenizer)
    prompt, completion = "Q: Which way is the river? A: ", "Down the hill."   # trailing space moves over
    ctx, cont = PairEncoder(tokenizer).pair(prompt, completion)
    e = encode(enc, prompt, completion, eos_id=tokenizer.eos_token_id, max_length=256)
    assert e.input_ids == ctx + cont + [tokenizer.eos_token_id]
    assert e.labels == [IGNORE] * len(ctx) + cont + [tokenizer.eos_token_id]
    assert tokenizer.decode(cont).startswith(" Down")
    # training's completion tokens are exactly what evaluation scores as the continuation
    assert [t for t in e.labels if t != IGNORE][:-1] == cont


def test_left_truncation_keeps_the_completion(tokenizer):
    from goalgraph.runtime.tokens import PairEncoder

    enc = PairEncoder(tokenizer)
    prompt = "The committee weighed tradition against the wishes of the young members. " * 6 + "Answer:"
    full = encode(enc, prompt, " yes", eos_id=tokenizer.eos_token_id, max_length=1024)
    cut = encode(enc, prompt, " yes", eos_id=tokenizer.eos_token_id, max_length=12)
    assert not full.truncated and cut.truncated and len(cut.input_ids) == 12
    assert cut.input_ids == full.input_ids[-12:]              # the prompt lost its start, nothing else changed
    assert cut.n_completion == full.n_completion
    long = encode(enc, "Q:", " one two three four five six seven eight nine ten" * 3,
                  eos_id=tokenizer.eos_token_id, max_length=8)
    assert len(long.input_ids) == 8 and long.labels[0] == IGNORE and long.n_completion == 7


def test_encode_rows_names_the_row(tokenizer):
    rows = [SFTRow("a", " b"), SFTRow(CHAT[:1], " mixed")]
    with pytest.raises(AlignmentDataError, match=r"data.jsonl: item 1: a row mixes"):
        encode_rows(rows, tokenizer, max_length=64, fields=("completion",), source="data.jsonl")


def test_training_log_probs_match_evaluation(base_model, tokenizer):
    """The completion log-prob training optimises is the log-likelihood `goalgraph eval` reports."""
    import torch

    from goalgraph.align.logprobs import collate, sequence_logps
    from goalgraph.runtime.causal_lm import CausalLM
    from goalgraph.runtime.requests import Loglikelihood
    from goalgraph.runtime.tokens import PairEncoder

    pairs = [("Q: Which way is the river?\nA: ", "Down the hill."), ("", "The river keeps its own counsel."),
             ("She returned the lost wallet", " with every note still inside it.")]
    lm = CausalLM.load(str(base_model), device="cpu")
    try:
        want = [ll for ll, _ in lm.loglikelihood([Loglikelihood(c, k) for c, k in pairs])]
        enc = PairEncoder(tokenizer)
        rows = [encode(enc, c, k, eos_id=None, max_length=256, add_eos=False) for c, k in pairs]
        got = sequence_logps(lm.model, collate(rows, tokenizer.eos_token_id)).tolist()
    finally:
        torch.set_grad_enabled(True)      # CausalLM.load switches gradients off for the whole process
    assert got == pytest.approx(want, abs=1e-4)


def test_log_probs_from_the_kept_logits_equal_the_full_softmax(base_model, tokenizer):
    """token_logps runs the LM head only from the first completion position of the batch; the result must equal
    the plain computation over every position (rows of different prompt lengths, so the cut is not a row's)."""
    import torch
    from transformers import AutoModelForCausalLM

    from goalgraph.align.logprobs import collate, token_logps

    rows = [SFTRow("Q: Say the word river twice, then the word town three times.\nA:", " river river."),
            SFTRow("Q: sky?\nA:", " sky sky sky, and the forest."),
            SFTRow("Q: Tell me one rule.\nA:", " Be kind.")]
    examples = [e[0] for e in encode_rows(rows, tokenizer, max_length=256, fields=("completion",))]
    batch = collate(examples, tokenizer.eos_token_id)
    model = AutoModelForCausalLM.from_pretrained(base_model).eval()
    with torch.no_grad():
        got, mask = token_logps(model, batch)
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits[:, :-1]
    labels = batch["labels"][:, 1:]
    full = torch.log_softmax(logits.float(), -1).gather(2, labels.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    want = full * (labels != IGNORE)
    assert got.shape == want.shape and torch.equal(mask, labels != IGNORE)
    assert torch.allclose(got, want, atol=1e-5)
    assert not mask[:, :5].any()                  # the first columns were cut, so the saving was exercised
