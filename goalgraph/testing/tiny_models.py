"""Tiny models built offline for tests and benchmarks: a byte-level BPE trained on our own sentences and a
randomly initialised GPT-2, saved with `save_pretrained` so the real loading path is exercised.

Everything is seeded, so the same call builds the same weights; `build_*` writes into a directory and returns it.
"""
from __future__ import annotations

from pathlib import Path

CORPUS = [
    "The river keeps its own counsel, and the town listens when it floods.",
    "Q: What colour is a clear daytime sky?\nA: It is usually blue.",
    "Honesty means saying what you believe is true, even when it costs you something.",
    "A fair rule treats similar cases alike and explains its exceptions.",
    "She returned the lost wallet with every note still inside it.",
    "Loyalty to a group can pull against fairness to strangers.",
    "Scenario: I told my friend the truth about the broken vase.",
    "Answer: yes. Answer: no. Answer: A. Answer: B. Which response is better?",
    "He helped his neighbour carry the heavy boxes up the stairs.",
    "People from every country deserve the same respect.",
    "The committee weighed tradition against the wishes of the young members.",
    "Numbers: one two three four five six seven eight nine ten 0 1 2 3 4 5 6 7 8 9.",
]


def build_tokenizer(out: Path, vocab_size: int = 512):
    """Train a byte-level BPE on CORPUS and save it as a GPT-2-style fast tokenizer in `out`."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(CORPUS * 4, trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                                   unk_token="<|endoftext|>")
    fast.save_pretrained(out)
    return fast


def build_tiny_gpt2(out: str | Path, *, n_embd: int = 32, n_layer: int = 2, n_head: int = 2, n_positions: int = 256,
                    vocab_size: int = 512, seed: int = 0) -> Path:
    """A random-init GPT-2 causal LM and its tokenizer in `out` (about 0.1M parameters by default).

    Pass n_embd=256, n_layer=8, n_head=8 (with vocab_size 512) for a model over 10M parameters."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tok = build_tokenizer(out, vocab_size=vocab_size)
    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=len(tok), n_positions=n_positions, n_embd=n_embd, n_layer=n_layer, n_head=n_head,
                        bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)
    model = GPT2LMHeadModel(config)
    # Random init gives near-uniform next-token distributions; sharpen them so scores differ between choices.
    with torch.no_grad():
        model.lm_head.weight.mul_(8.0) if not config.tie_word_embeddings else model.transformer.wte.weight.mul_(8.0)
    model.save_pretrained(out, safe_serialization=True)
    return out


def build_tiny_reward_model(out: str | Path, *, n_embd: int = 32, n_layer: int = 2, n_head: int = 2, seed: int = 1) -> Path:
    """A random-init GPT-2 sequence classifier with one output (a reward model) and its tokenizer in `out`."""
    import torch
    from transformers import GPT2Config, GPT2ForSequenceClassification

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tok = build_tokenizer(out)
    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=len(tok), n_positions=256, n_embd=n_embd, n_layer=n_layer, n_head=n_head,
                        num_labels=1, pad_token_id=tok.eos_token_id, bos_token_id=tok.bos_token_id,
                        eos_token_id=tok.eos_token_id)
    model = GPT2ForSequenceClassification(config)
    model.save_pretrained(out, safe_serialization=True)
    return out
