"""`goalgraph eval` end to end for the value-level evaluators, on tiny offline models: pvq40, pvq-rr, svs57,
svo-slider (random tiny GPT-2, synthetic item files) and value-profile (a tiny GPT-2 trained to write words, and
the real bundled MiniLM). Each run's result has its metrics, a spread beside every questionnaire score, a
`values` block linked to the dimension nodes, distances to a `--target`, and one number recomputed by hand
from the per-item samples file. `--plot` writes the radar chart, and refuses evaluators that measure no values."""
from __future__ import annotations

import hashlib
import json
import math
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import REPO, one_error_line

QFIX = REPO / "tests" / "fixtures" / "questionnaires"
PFIX = REPO / "tests" / "fixtures" / "profiler"
DIM = "https://w3id.org/goalgraph/id/dimension/"
SCHWARTZ = "https://w3id.org/goalgraph/id/theory/schwartz-basic-values"
SVO = "https://w3id.org/goalgraph/id/theory/social-value-orientation"
SCHWARTZ_TEN = ("self_direction", "stimulation", "hedonism", "achievement", "power", "security", "conformity",
                "tradition", "benevolence", "universalism")
HIGHER = ("openness_to_change", "self_enhancement", "conservation", "self_transcendence")
SPREAD = ("/spread_sd", "/spread_range")
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


@pytest.fixture(scope="session")
def talking_lm_dir(tmp_path_factory):
    """The tiny GPT-2 trained for a few hundred steps on our sentences, so that greedy generation writes words."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from tiny_models import build_talking_gpt2

    return build_talking_gpt2(tmp_path_factory.mktemp("talking-gpt2"))


def _eval(cli, tmp_path, evaluator, model, data, *extra, name="run"):
    out = tmp_path / f"{name}.json"
    r = cli("eval", evaluator, "--model", str(model), "--data", str(data), "--device", "cpu", "--no-cache",
            "--output", str(out), *extra, env=OFFLINE)
    assert r.code == 0, r.err
    result = json.loads(out.read_text())
    samples = [json.loads(line) for line in (tmp_path / f"{name}.samples.jsonl").read_text().splitlines()]
    return result, samples


def _check_spread(metrics):
    """Every questionnaire score has both spread metrics (counts and the SVO category shares excepted)."""
    for name in metrics:
        if name in ("n_items", "n_variants") or name.endswith(SPREAD) or name.startswith("category/"):
            continue
        assert f"{name}/spread_sd" in metrics and f"{name}/spread_range" in metrics, name


def _check_values(result, theory, slugs, *, spread=True):
    """The `values` block: the theory, one row per dimension linked to its node, scores equal to the metrics."""
    values, metrics = result["values"], result["metrics"]
    assert values["theory"] == theory and values["complete"]
    rows = {row["metric"]: row for row in values["dimensions"]}
    assert {m: r["node"] for m, r in rows.items()} == {m: DIM + s for m, s in slugs.items()}
    for metric, row in rows.items():
        assert row["score"] == metrics[metric]
        if spread:
            assert row["spread_sd"] == metrics[f"{metric}/spread_sd"]
            assert row["spread_range"] == metrics[f"{metric}/spread_range"]
    return rows


def _check_target(result, target_file, rows):
    """Distances to the target over the shared dimensions; L1 and L2 recomputed from the target file."""
    from goalgraph.values import load_target

    section = result["values"]["target"]
    assert section["path"] == str(target_file)
    want = load_target(target_file, _theory(result["values"]["theory"]), allow_partial=True).vector
    want = {d.iri: v for d, v in zip(want.dimensions, want.as_list())}
    got = {row["node"]: row["score"] for row in rows.values()}
    shared = [iri for iri in got if iri in want]
    assert sorted(section["dimensions"]) == sorted(shared) and shared
    d = section["distances"]
    assert set(d) == {"l1", "l2", "cosine", "jsd", "nmse"}
    assert d["l1"] == pytest.approx(sum(abs(got[i] - want[i]) for i in shared))
    assert d["l2"] == pytest.approx(math.sqrt(sum((got[i] - want[i]) ** 2 for i in shared)))
    assert 0 <= d["jsd"] <= 1


_THEORIES: dict = {}


def _theory(iri):
    if iri not in _THEORIES:
        import goalgraph
        from goalgraph.values import load_theory

        _THEORIES[iri] = load_theory(goalgraph.load(plugins=False), iri)
    return _THEORIES[iri]


def _answers_by_hand(sample):
    """Each variant's answer recomputed from its option log-probabilities: the expected scale point."""
    out = {}
    for e in sample["variants"]:
        top = max(e["lls"])
        w = [math.exp(ll - top) for ll in e["lls"]]
        out[e["variant"]] = sum(wi * p for wi, p in zip(w, e["points"])) / sum(w)
        assert e["answer"] == pytest.approx(out[e["variant"]])
    return out


def _centred_by_hand(samples, items):
    """One value's centred score per variant, from the samples: mean of its items minus the mean of all items."""
    answers = {s["item"]: _answers_by_hand(s) for s in samples}
    variants = list(answers[samples[0]["item"]])
    per = {}
    for v in variants:
        mrat = sum(a[v] for a in answers.values()) / len(answers)
        per[v] = sum(answers[i][v] for i in items) / len(items) - mrat
    return per


def _mean_sd(values):
    m = sum(values) / len(values)
    return m, math.sqrt(sum((x - m) ** 2 for x in values) / (len(values) - 1))


def _schwartz_slugs():
    return {name: "schwartz-" + name.replace("_", "-") for name in SCHWARTZ_TEN}


def test_pvq40_end_to_end_with_target_and_plot(cli, tiny_lm_dir, tmp_path):
    target = QFIX / "schwartz_centred_target.json"
    plot = tmp_path / "charts" / "pvq40-radar"
    result, samples = _eval(cli, tmp_path, "pvq40", tiny_lm_dir, QFIX / "pvq40_synthetic.jsonl",
                            "--target", str(target), "--plot", str(plot))
    metrics = result["metrics"]
    for name in (*SCHWARTZ_TEN, *HIGHER, "mrat", "valid_mass", "benevolence_raw"):
        assert name in metrics, name
    assert metrics["n_items"] == 40 and metrics["n_variants"] == 6 and len(samples) == 40
    _check_spread(metrics)
    rows = _check_values(result, SCHWARTZ, _schwartz_slugs())
    _check_target(result, target, rows)
    # benevolence (items 12, 18, 27, 33) recomputed from the option log-probabilities in the samples file
    per = _centred_by_hand(samples, (12, 18, 27, 33))
    mean, sd = _mean_sd(list(per.values()))
    assert metrics["benevolence"] == pytest.approx(mean) and metrics["benevolence/spread_sd"] == pytest.approx(sd)
    assert metrics["benevolence/spread_range"] == pytest.approx(max(per.values()) - min(per.values()))
    # the radar chart, both files, whole
    png, svg = plot.with_name("pvq40-radar.png"), plot.with_name("pvq40-radar.svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    assert not list(plot.parent.glob(".*.tmp"))                          # no temporary file left behind


def test_pvq_rr_end_to_end(cli, tiny_lm_dir, tmp_path):
    target = QFIX / "schwartz_centred_target.json"
    result, samples = _eval(cli, tmp_path, "pvq-rr", tiny_lm_dir, QFIX / "pvq_rr_synthetic.csv",
                            "--target", str(target))
    metrics = result["metrics"]
    for name in (*SCHWARTZ_TEN, *HIGHER, "tradition_narrow", "humility", "face", "universalism_nature", "mrat"):
        assert name in metrics, name
    assert metrics["n_items"] == 57 and len(samples) == 57
    _check_spread(metrics)
    rows = _check_values(result, SCHWARTZ, _schwartz_slugs())       # the ten broad values, not the 19 refined ones
    assert "humility" not in rows and "face" not in rows
    _check_target(result, target, rows)
    # broad tradition = mean of centred tradition (18, 33, 40) and centred humility (7, 38, 54), per variant
    narrow, humility = _centred_by_hand(samples, (18, 33, 40)), _centred_by_hand(samples, (7, 38, 54))
    per = [(narrow[v] + humility[v]) / 2 for v in narrow]
    mean, sd = _mean_sd(per)
    assert metrics["tradition"] == pytest.approx(mean) and metrics["tradition/spread_sd"] == pytest.approx(sd)


def test_svs57_end_to_end(cli, tiny_lm_dir, tmp_path):
    target = QFIX / "schwartz_centred_target.json"
    result, samples = _eval(cli, tmp_path, "svs57", tiny_lm_dir, QFIX / "svs57_synthetic.json",
                            "--target", str(target), "--option", "paraphrases=1")
    metrics = result["metrics"]
    for name in (*SCHWARTZ_TEN, *HIGHER, "mrat", "power_raw"):
        assert name in metrics, name
    assert metrics["n_items"] == 57 and metrics["n_variants"] == 3
    assert samples[0]["scale"] == [-1, 7] and sorted(samples[0]["variants"][0]["points"]) == list(range(-1, 8))
    _check_spread(metrics)
    rows = _check_values(result, SCHWARTZ, _schwartz_slugs())
    _check_target(result, target, rows)
    # power (3, 12, 27, 46) centred on the MRAT over all 57 items, eleven of which are in no index
    per = _centred_by_hand(samples, (3, 12, 27, 46))
    mean, sd = _mean_sd(list(per.values()))
    assert metrics["power"] == pytest.approx(mean) and metrics["power/spread_sd"] == pytest.approx(sd)


def test_svo_slider_end_to_end(cli, tiny_lm_dir, tmp_path):
    from goalgraph_builtins.questionnaires.keys import svo_category

    target = QFIX / "svo_target.json"
    plot = tmp_path / "svo"
    result, samples = _eval(cli, tmp_path, "svo-slider", tiny_lm_dir, QFIX / "svo_slider_synthetic.csv",
                            "--target", str(target), "--plot", str(plot))
    metrics = result["metrics"]
    for name in ("angle", "mean_self", "mean_other", "valid_mass", "prosocial", "category/prosocial"):
        assert name in metrics, name
    assert metrics["n_items"] == 6 and len(samples) == 6
    _check_spread(metrics)
    orientations = ("altruistic", "prosocial", "individualistic", "competitive")
    rows = _check_values(result, SVO, {o: f"svo-{o}" for o in orientations})
    _check_target(result, target, rows)
    assert sum(metrics[o] for o in orientations) == pytest.approx(1.0)
    # the angle by hand: per variant, atan2 of the mean expected allocations (less 50 each), then the mean
    variants = [e["variant"] for e in samples[0]["variants"]]
    angles, cats = [], []
    for v in variants:
        entries = [next(e for e in s["variants"] if e["variant"] == v) for s in samples]
        ms = sum(e["self"] for e in entries) / 6
        mo = sum(e["other"] for e in entries) / 6
        angles.append(math.degrees(math.atan2(mo - 50, ms - 50)))
        cats.append(svo_category(angles[-1]))
    mean, sd = _mean_sd(angles)
    assert metrics["angle"] == pytest.approx(mean) and metrics["angle/spread_sd"] == pytest.approx(sd)
    for o in orientations:
        assert metrics[o] == pytest.approx(cats.count(o) / len(cats)) == metrics[f"category/{o}"]
    # one expected allocation from its own log-probabilities: item 1 pays "you" 85 whatever the position
    first = samples[0]["variants"][0]
    assert first["self"] == pytest.approx(85.0)
    assert plot.with_suffix(".png").read_bytes()[:4] == b"\x89PNG"
    ET.parse(plot.with_suffix(".svg"))


def test_value_profile_end_to_end_with_the_talking_model(cli, talking_lm_dir, tmp_path):
    from goalgraph.runtime.embeddings import Embedder
    from goalgraph.values.profiler import SCHWARTZ_VALUES, ZeroShotProfiler
    from goalgraph_builtins.profiler.value_descriptions import SCHWARTZ as DESCRIPTIONS

    target = PFIX / "schwartz_share_target.json"
    plot = tmp_path / "vp-radar"
    result, samples = _eval(cli, tmp_path, "value-profile", talking_lm_dir, "builtin:scenarios",
                            "--limit", "6", "--option", "max_new_tokens=40", "--target", str(target),
                            "--plot", str(plot))
    metrics = result["metrics"]
    assert result["items"] == 6 and len(samples) == 6
    # the talking model writes words: most answers are profiled, none is left out silently
    assert metrics["n"] + metrics["n_empty"] == 6 and metrics["n"] >= 4
    assert sum(any(len(w) >= 3 and w.isalpha() for w in s["answer"].split()) for s in samples) >= 4
    for name in (*SCHWARTZ_VALUES, "agreement_with_tags", "agreement_chance", "top_share/benevolence", "n_empty"):
        assert name in metrics, name
    assert sum(metrics[v] for v in SCHWARTZ_VALUES) == pytest.approx(1.0)
    rows = _check_values(result, SCHWARTZ, {v: f"schwartz-{v}" for v in SCHWARTZ_VALUES}, spread=False)
    _check_target(result, target, rows)
    # by hand: each value's score is the mean of the per-answer distributions in the samples file ...
    profiled = [s for s in samples if not s["empty"]]
    for v in SCHWARTZ_VALUES:
        assert metrics[v] == pytest.approx(sum(s["distribution"][v] for s in profiled) / len(profiled))
    tagged = [s for s in profiled if s["tags"]]
    assert metrics["agreement_with_tags"] == pytest.approx(sum(s["top_value"] in s["tags"] for s in tagged)
                                                           / len(tagged))
    # ... and one answer's distribution is what the real MiniLM and our descriptions give it here
    embedder = Embedder.load(device="cpu")
    again = ZeroShotProfiler(embedder, DESCRIPTIONS).profile([profiled[0]["answer"].strip()]).as_dict(0)
    assert again == pytest.approx(profiled[0]["distribution"], abs=1e-5)
    assert result["evaluator"]["embedding"]["fingerprint"] == embedder.describe()["fingerprint"]
    assert plot.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ET.parse(plot.with_suffix(".svg"))


def test_plot_refuses_an_evaluator_that_measures_no_values(cli, tmp_path):
    data = tmp_path / "mc.jsonl"
    data.write_text(json.dumps({"question": "q?", "choices": ["a", "b"], "answer": 0}) + "\n")
    # the model does not exist: the refusal comes before any model work
    line = one_error_line(cli("eval", "mc-generic", "--model", str(tmp_path / "no-model"), "--data", str(data),
                              "--plot", str(tmp_path / "chart")))
    assert "--plot" in line and "measures no value theory" in line and "mc-generic" in line
    line = one_error_line(cli("eval", "questionnaire", "--model", str(tmp_path / "no-model"),
                              "--data", str(QFIX / "custom_items.csv"), "--plot", str(tmp_path / "chart")))
    assert "'questionnaire' measures no value theory" in line
    assert not list(tmp_path.glob("chart*"))


def _weights_sha(directory: Path) -> str:
    return hashlib.sha256((directory / "model.safetensors").read_bytes()).hexdigest()


def test_talking_model_is_seeded(tmp_path):
    from tiny_models import build_talking_gpt2

    a = build_talking_gpt2(tmp_path / "a", steps=20, seed=3)
    b = build_talking_gpt2(tmp_path / "b", steps=20, seed=3)
    c = build_talking_gpt2(tmp_path / "c", steps=20, seed=4)
    assert _weights_sha(a) == _weights_sha(b) != _weights_sha(c)
    assert (a / "tokenizer.json").read_bytes() == (b / "tokenizer.json").read_bytes()
