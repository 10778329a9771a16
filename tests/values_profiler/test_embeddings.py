"""The embedding adapter: the bundled MiniLM loads offline; vectors are unit length, deterministic and
independent of batching; the fingerprint identifies the weights; bad sources are one clear error."""
from __future__ import annotations

import re

import numpy as np
import pytest

from goalgraph.errors import EvaluationError
from goalgraph.runtime.embeddings import DEFAULT_MODEL_NAME, Embedder

TEXTS = ["I donated my weekend to help at the shelter.", "The committee met on Tuesday.",
         "Skydiving was the most thrilling thing I have ever done.", "ok", "a much longer sentence " * 20]


def test_vectors_are_unit_length_lists(embedder):
    vectors = embedder.encode(TEXTS)
    assert isinstance(vectors, list) and all(isinstance(v, list) for v in vectors)
    assert len(vectors) == len(TEXTS) and {len(v) for v in vectors} == {384} == {embedder.dim}
    assert all(isinstance(x, float) for x in vectors[0])
    norms = np.linalg.norm(np.asarray(vectors), axis=1)
    assert np.allclose(norms, 1.0, atol=1e-5)


def test_encoding_is_deterministic_and_batch_independent(embedder):
    a = embedder.encode_array(TEXTS)
    b = embedder.encode_array(TEXTS)
    assert a.dtype == np.float32 and np.array_equal(a, b)
    one_by_one = np.stack([embedder.encode_array([t])[0] for t in TEXTS])
    assert np.allclose(a, one_by_one, atol=1e-5)
    assert np.allclose(embedder.encode_array(list(reversed(TEXTS)))[::-1], a, atol=1e-5)


def test_similar_texts_are_closer_than_unrelated_ones(embedder):
    v = embedder.encode_array(["I helped my neighbour carry her shopping.",
                               "I carried groceries for the old lady next door.",
                               "The stock market fell three percent today."])
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


def test_empty_input_and_describe(embedder):
    assert embedder.encode([]) == []
    assert embedder.encode_array([]).shape == (0, 384)
    d = embedder.describe()
    assert d["name"] == DEFAULT_MODEL_NAME and d["normalized"] is True and d["dim"] == 384
    assert d["device"] == "cpu" and d["max_seq_length"] == 256
    assert re.fullmatch(r"[0-9a-f]{64}", d["fingerprint"])
    assert embedder.fingerprint == Embedder(embedder.model, source=embedder.source, device="cpu",
                                            batch_size=8).fingerprint


def test_fingerprint_changes_with_the_pipeline(embedder, tmp_path):
    import shutil

    copy = tmp_path / "model"
    shutil.copytree(embedder.source, copy)
    same = Embedder(embedder.model, source=str(copy), device="cpu", batch_size=32)
    assert same.fingerprint == embedder.fingerprint                       # same files, other place
    (copy / "1_Pooling" / "config.json").write_text('{"pooling_mode_cls_token": true}')
    changed = Embedder(embedder.model, source=str(copy), device="cpu", batch_size=32)
    assert changed.fingerprint != embedder.fingerprint                     # other pooling, other vectors


def test_bad_sources_are_one_line_errors(tmp_path):
    with pytest.raises(EvaluationError, match="embedding model directory not found"):
        Embedder.load(str(tmp_path / "nowhere"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(EvaluationError, match="not a sentence-transformers or transformers model directory"):
        Embedder.load(str(tmp_path / "empty"))
    with pytest.raises(EvaluationError, match="batch size"):
        Embedder.load(None, batch_size=0)
