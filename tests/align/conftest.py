"""Fixtures for the aligner tests: the tiny GPT-2 and small SFT / preference files in our own words.

Ops on a 0.1M-parameter model are so small that thread hand-offs dominate them; on a busy 2-core machine two
threads made a DPO step 50x slower than one. The library leaves `torch.set_num_threads` alone, so the tests
set one thread themselves (and restore the old value)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

WORDS = ["river", "town", "sky", "rule", "truth", "wallet", "stairs", "forest"]

SFT_ROWS = [{"prompt": f"Q: Say the word {w} twice.\nA:", "completion": f" {w} {w}."} for w in WORDS]

PREFERENCE_ROWS = [
    {"prompt": f"Q: Should I tell my friend the truth about the {w}?\nA:",
     "chosen": " Yes, tell the truth kindly.",
     "rejected": " No."}
    for w in WORDS
]


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def one_thread():
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture(scope="session")
def base_model(tmp_path_factory) -> Path:
    from tiny_models import build_tiny_gpt2

    return build_tiny_gpt2(tmp_path_factory.mktemp("align-base") / "tiny")


@pytest.fixture(scope="session")
def tokenizer(base_model):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(base_model)


@pytest.fixture
def sft_file(tmp_path) -> Path:
    return write_jsonl(tmp_path / "sft.jsonl", SFT_ROWS)


@pytest.fixture
def preference_file(tmp_path) -> Path:
    return write_jsonl(tmp_path / "prefs.jsonl", PREFERENCE_ROWS)


@pytest.fixture(scope="session")
def talking_model(tmp_path_factory) -> Path:
    """The tiny GPT-2 trained a few seconds on our sentences (100 steps, about 5 s), so that its answers hold words
    to profile and to critique: a random one repeats one token, so every request would look alike."""
    from tiny_models import build_talking_gpt2

    return build_talking_gpt2(tmp_path_factory.mktemp("align-talking") / "talking", steps=100)
