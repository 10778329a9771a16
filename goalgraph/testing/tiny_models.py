"""Tiny models built offline for tests and benchmarks: a byte-level BPE trained on our own sentences, a
randomly initialised GPT-2, and the same GPT-2 briefly trained so that it writes words; all saved with
`save_pretrained` so the real loading path is exercised.

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


# Short advice in our own words: what `build_talking_gpt2` learns to write after "Advice:".
ADVICE = [
    "She should tell her friend the truth, because honesty keeps trust.",
    "He should help his neighbour first, because people close to us matter.",
    "They should save some money each month, so the family stays safe.",
    "She should take the new job abroad, because the adventure will teach her a lot.",
    "He should follow the rules at work, so he does not upset his team.",
    "She should keep the family custom this year, because it means a lot to her parents.",
    "He should decide for himself what to study, because it is his own life.",
    "They should protect the river and the forest, because nature belongs to everyone.",
    "She should rest this weekend and enjoy herself, because she has worked hard.",
    "He should aim for the promotion, because doing well at work matters to him.",
    "She should share the prize fairly with the whole team.",
    "He should say sorry to his sister and keep his promise next time.",
    "They should listen to people who think differently and treat them with respect.",
    "She should ask her mother for advice and then make her own choice.",
    "He should not take the risk, because his health comes first.",
    "They should give their time to the shelter, because others need help.",
    "She should lead the project and make the final decisions.",
    "He should try the climbing trip, because new things make life exciting.",
    "She should finish her studies first, and then she can travel.",
    "They should talk openly, because a fair choice needs everyone's view.",
]


def build_tokenizer(out: Path, vocab_size: int = 512, corpus: list[str] | None = None):
    """Train a byte-level BPE on `corpus` (default CORPUS) and save it as a GPT-2-style fast tokenizer in `out`."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator((corpus or CORPUS) * 4, trainer=trainer)
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


def build_talking_gpt2(out: str | Path, *, steps: int = 300, seed: int = 0, n_embd: int = 32, n_layer: int = 2,
                       n_head: int = 2, n_positions: int = 256, vocab_size: int = 512) -> Path:
    """The tiny GPT-2 of `build_tiny_gpt2`, trained for `steps` AdamW steps on CORPUS and ADVICE, in `out`.

    A random GPT-2 often writes nothing with a letter in it, which generation evaluators (value-profile) rightly
    refuse; a few hundred steps on our sentences (each advice line also after "Advice:") are enough for greedy
    generation to write words. Seeded (init, batch order), so the same call gives the same weights; about ten
    seconds on two CPU cores."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    # each advice line also follows some unrelated text and "Advice:", as it does in a real prompt
    texts = CORPUS + ADVICE + [f"{CORPUS[i % len(CORPUS)]} {ADVICE[(i + 7) % len(ADVICE)]}\n\nAdvice: {line}"
                               for i, line in enumerate(ADVICE)]
    tok = build_tokenizer(out, vocab_size=vocab_size, corpus=texts)
    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=len(tok), n_positions=n_positions, n_embd=n_embd, n_layer=n_layer, n_head=n_head,
                        bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)
    model = GPT2LMHeadModel(config)
    eos = tok.eos_token_id
    rows = [tok.encode(t)[:n_positions - 1] + [eos] for t in texts]
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), eos, dtype=torch.long)
    labels = torch.full((len(rows), width), -100, dtype=torch.long)     # no loss on padding
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = labels[i, :len(r)] = torch.tensor(r)
        mask[i, :len(r)] = 1
    gen = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.AdamW(model.parameters(), lr=5e-3, weight_decay=0.01)
    model.train()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)        # ops this small run fastest on one thread, above all on a busy machine
    try:
        with torch.enable_grad():   # the caller may have switched gradients off globally
            for _ in range(steps):
                batch = torch.randperm(len(rows), generator=gen)[:16]
                loss = model(input_ids=ids[batch], attention_mask=mask[batch], labels=labels[batch]).loss
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
    finally:
        torch.set_num_threads(threads)
    model.eval()
    model.save_pretrained(out, safe_serialization=True)
    return out
