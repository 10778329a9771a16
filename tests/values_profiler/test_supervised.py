"""The supervised mode: a seeded multinomial logistic-regression head on embeddings, its held-out macro-F1, and
answers mapped to value distributions through it."""
from __future__ import annotations

import numpy as np
import pytest

from goalgraph.errors import EvaluationError
from goalgraph.values.profiler import (
    SCHWARTZ_VALUES,
    LabelledText,
    LinearHead,
    SupervisedProfiler,
    confusion_matrix,
    holdout_split,
    load_valuenet,
    macro_f1,
)
from values_profiler.conftest import FIXTURES
from values_profiler.fakes import FakeEmbedder


def _blobs(seed: int = 0):
    """Three well-separated clusters in 5 dimensions."""
    rng = np.random.default_rng(seed)
    centres = np.eye(5)[:3] * 3
    x = np.concatenate([c + rng.normal(0, 0.3, size=(20, 5)) for c in centres])
    y = [v for v in ("a", "b", "c") for _ in range(20)]
    return x, y


def test_head_learns_separable_data_and_is_deterministic():
    x, y = _blobs()
    head = LinearHead.fit(x, y, ("a", "b", "c", "d"))
    assert head.predict(x) == y
    p = head.predict_proba(x)
    assert p.shape == (60, 4) and np.allclose(p.sum(axis=1), 1.0)
    assert p[:, 3].max() < 0.05                                  # a value with no examples gets little mass
    again = LinearHead.fit(x, y, ("a", "b", "c", "d"))
    assert again.weight == head.weight and again.bias == head.bias
    assert head.meta["class_counts"] == {"a": 20, "b": 20, "c": 20, "d": 0}


def test_l2_shrinks_weights_and_probabilities_are_softmax_of_logits():
    x, y = _blobs()
    loose, tight = LinearHead.fit(x, y, "abc", l2=1e-4), LinearHead.fit(x, y, "abc", l2=1.0)
    assert np.linalg.norm(tight.weight) < np.linalg.norm(loose.weight)
    z = tight.logits(x[:1])[0]
    assert tight.predict_proba(x[:1])[0] == pytest.approx(np.exp(z - z.max()) / np.exp(z - z.max()).sum())


def test_balanced_weights_help_a_rare_class():
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(0, 1, (95, 2)) + [1.0, 0], rng.normal(0, 1, (5, 2)) - [1.0, 0]])
    y = ["common"] * 95 + ["rare"] * 5
    plain = LinearHead.fit(x, y, ("common", "rare"), balanced=False)
    balanced = LinearHead.fit(x, y, ("common", "rare"), balanced=True)
    assert plain.predict(x).count("rare") < balanced.predict(x).count("rare")


def test_head_round_trips_through_json(tmp_path):
    x, y = _blobs()
    head = LinearHead.fit(x, y, "abc")
    head.save(tmp_path / "head.json")
    back = LinearHead.load(tmp_path / "head.json")
    assert back.values == ("a", "b", "c") and back.weight == head.weight and back.meta == head.meta
    assert np.array_equal(back.predict_proba(x), head.predict_proba(x))
    (tmp_path / "bad.json").write_text('{"values": []}')
    with pytest.raises(EvaluationError, match="not a goalgraph linear head"):
        LinearHead.load(tmp_path / "bad.json")
    with pytest.raises(EvaluationError, match="not found"):
        LinearHead.load(tmp_path / "missing.json")
    with pytest.raises(EvaluationError, match="labels not among the values"):
        LinearHead.fit(x, y, "ab")


def test_train_reports_held_out_macro_f1_from_its_own_predictions():
    """With hand-placed vectors: training texts on the axes, held-out texts chosen to land where we say."""
    table = {f"a{i}": [1, 0.1 * i, 0] for i in range(5)} | {f"b{i}": [0, 1, 0.1 * i] for i in range(5)} | \
            {f"c{i}": [0.1 * i, 0, 1] for i in range(5)}
    fake = FakeEmbedder(table)
    examples = [LabelledText(t, t[0]) for t in table]
    train, test = holdout_split(examples, 0.2, seed=0)
    prof = SupervisedProfiler.train(fake, examples, ("a", "b", "c"), holdout=0.2, seed=0)
    r = prof.report
    assert (r["n_examples"], r["n_train"], r["n_test"]) == (15, len(train), len(test)) == (15, 12, 3)
    gold = [e.value for e in test]
    pred = prof.head.predict(fake.encode_array([e.text for e in test]))
    assert r["macro_f1"] == macro_f1(gold, pred)[0] == 1.0
    assert r["confusion"] == confusion_matrix(gold, pred, ["a", "b", "c"]) == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    assert prof.head.meta["embedder_fingerprint"] == "fake-fingerprint"
    assert fake.calls[0] == sorted(table)                         # every text embedded once, in one call


def test_real_embeddings_on_a_small_labelled_set(embedder, tmp_path):
    examples = load_valuenet(FIXTURES / "synthetic_valuenet.csv")
    prof = SupervisedProfiler.train(embedder, examples, SCHWARTZ_VALUES, holdout=0.25, seed=0)
    r = prof.report
    assert r["n_train"] == 32 and r["n_test"] == 8              # 10 texts per value, round(2.5) = 2 held out
    assert r["labels"] == sorted(set(r["labels"]))
    assert r["macro_f1"] >= 0.8, r
    again = SupervisedProfiler.train(embedder, examples, SCHWARTZ_VALUES, holdout=0.25, seed=0)
    assert again.head.weight == prof.head.weight and again.report == r
    profile = prof.profile(["I helped my elderly neighbour with her shopping every week.",
                            "I want to climb a volcano and dive with sharks next summer."])
    assert profile.values == SCHWARTZ_VALUES
    assert profile.tops == ["benevolence", "stimulation"]
    assert np.allclose(np.sum(profile.distributions, axis=1), 1.0)
    # a saved head comes back on the same embedder, and refuses another one
    prof.head.save(tmp_path / "head.json")
    back = SupervisedProfiler(embedder, LinearHead.load(tmp_path / "head.json"))
    assert back.report["macro_f1"] == r["macro_f1"]
    assert np.allclose(back.profile(profile.texts).distributions, profile.distributions, atol=1e-12)
    with pytest.raises(EvaluationError, match="trained on the embeddings of"):
        SupervisedProfiler(FakeEmbedder({"x": [1.0]}), LinearHead.load(tmp_path / "head.json"))


def test_training_errors():
    fake = FakeEmbedder({"x": [1.0, 0.0]})
    with pytest.raises(EvaluationError, match="no labelled examples"):
        SupervisedProfiler.train(fake, [], ("a",))
