"""value-filter-sft: the rows kept are the ones closest to the target profile, and the model is trained on them
alone. Checked with a stand-in reward whose ranking is known, and with the real profiler on rows written to
express opposite values."""
from __future__ import annotations

import json

import pytest

from goalgraph.align import AlignmentError, value_filter_sft
from goalgraph.align.value_filter import select

from .conftest import write_jsonl

TARGET = "tests/fixtures/values/schwartz-target.json"
FAST = {"max_steps": 2, "batch_size": 2, "save_steps": 0, "learning_rate": 1e-3}

CARING = [" I would carry the shopping for my old neighbour and check that she is well.",
          " Look after your friends when they are ill; bring them soup and keep them company.",
          " Help your family first, and be honest and loyal to the people close to you.",
          " Forgive your brother and spend the evening helping him fix his flat."]
POWERFUL = [" Take control of the team, give the orders and make sure everyone obeys you.",
            " Buy the biggest house on the street so people see how rich and important you are.",
            " Get the promotion whatever it costs and gain authority over the others.",
            " Demand respect and status; wealth is what makes people listen to you."]


def by_length(texts):
    """Stand-in reward: shorter completions are closer (reward = -length)."""
    return [-float(len(t)) for t in texts]


def test_select_keeps_the_closest_share_in_file_order():
    d = [0.5, 0.1, None, 0.3, 0.1, 0.9]
    assert select(d, keep=0.4) == [1, 4]                  # ceil(0.4 * 5 scored) = 2; None is never kept
    assert select(d, keep=0.5) == [1, 3, 4]
    assert select(d, keep=0.01, min_rows=3) == [1, 3, 4]
    assert select(d, max_distance=0.3) == [1, 3, 4]
    assert select(d, max_distance=0.05) == []
    assert select([None, None]) == []


def test_the_model_is_trained_on_the_kept_rows_only(base_model, tmp_path):
    rows = [{"prompt": f"Q{i}:", "completion": " " + "word " * (i + 1)} for i in range(6)]
    data = write_jsonl(tmp_path / "rows.jsonl", rows)
    out = tmp_path / "vf"
    record = value_filter_sft(base_model, data, out, TARGET, keep=0.5, reward=by_length, **FAST)
    kept = [json.loads(line) for line in (out / "value_filter" / "selected.jsonl").read_text().splitlines()]
    assert kept == rows[:3]                               # the three shortest
    scores = [json.loads(line) for line in (out / "value_filter" / "scores.jsonl").read_text().splitlines()]
    assert [s["kept"] for s in scores] == [True, True, True, False, False, False]
    assert [s["distance"] for s in scores] == [float(len(r["completion"])) for r in rows]
    assert record["aligner"] == "value-filter-sft" and record["method"].endswith("method/value-injection")
    assert record["data"]["rows"] == 3 and record["steps"] == 2
    vf = record["value_filter"]
    assert vf["kept"] == 3 and vf["source"]["rows"] == 6 and vf["target"] == "example-culture-a"
    assert vf["mean_distance_kept"] == pytest.approx(sum(len(r["completion"]) for r in rows[:3]) / 3)
    assert (out / "model.safetensors").is_file()
    # the same command again finds the finished run
    assert value_filter_sft(base_model, data, out, TARGET, keep=0.5, reward=by_length, **FAST) == record


def test_a_rerun_reuses_the_selection_and_other_settings_are_refused_before_rewriting(base_model, tmp_path):
    rows = [{"prompt": f"Q{i}:", "completion": " " + "word " * (i + 1)} for i in range(6)]
    data = write_jsonl(tmp_path / "rows.jsonl", rows)
    out = tmp_path / "vf"
    record = value_filter_sft(base_model, data, out, TARGET, keep=0.5, reward=by_length, **FAST)
    folder = out / "value_filter"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    calls = []

    def counting(texts):
        calls.append(len(texts))
        return by_length(texts)

    # the same filter again: the finished record, and the rows are not profiled a second time
    assert value_filter_sft(base_model, data, out, TARGET, keep=0.5, reward=counting, **FAST) == record
    assert calls == []
    # another share: refused before the selection of the finished run is touched
    with pytest.raises(AlignmentError, match="other data or filter settings"):
        value_filter_sft(base_model, data, out, TARGET, keep=1.0, reward=counting, **FAST)
    assert calls == [] and {p.name: p.read_bytes() for p in folder.iterdir()} == before
    # overwrite replaces it
    again = value_filter_sft(base_model, data, out, TARGET, keep=1.0, reward=counting, overwrite=True, **FAST)
    assert calls == [6] and again["value_filter"]["kept"] == 6


def test_the_real_profiler_keeps_the_rows_of_the_target_values(base_model, tmp_path):
    """A target that puts benevolence far above power keeps the caring completions, not the power-seeking ones."""
    target = tmp_path / "caring.json"
    values = {v: 2.0 for v in ("self-direction", "stimulation", "hedonism", "achievement", "security",
                               "conformity", "tradition", "universalism")}
    target.write_text(json.dumps({"theory": "schwartz", "name": "caring",
                                  "values": {**values, "benevolence": 6.0, "power": 0.5}}))
    mixed = [x for pair in zip(CARING, POWERFUL) for x in pair]
    data = write_jsonl(tmp_path / "mixed.jsonl", [{"prompt": "Q: What matters?\nA:", "completion": c} for c in mixed])
    out = tmp_path / "vf"
    record = value_filter_sft(base_model, data, out, target, keep=0.5, **FAST)
    kept = [json.loads(line)["completion"] for line in (out / "value_filter" / "selected.jsonl").read_text()
            .splitlines()]
    assert sorted(kept) == sorted(CARING)
    assert record["value_filter"]["mean_distance_kept"] < record["value_filter"]["mean_distance_all"]


def test_bad_filter_settings_fail_before_anything_is_written(base_model, sft_file, tmp_path):
    out = tmp_path / "vf"
    for kwargs, needle in (({"keep": 0.0}, "keep must be"), ({"max_distance": -1.0}, "max_distance"),
                           ({"warmup": 3}, "unknown hyper-parameter 'warmup'"),
                           ({"beta": 0.3}, "preference-loss option")):
        with pytest.raises(AlignmentError, match=needle):
            value_filter_sft(base_model, sft_file, out, TARGET, reward=by_length, **kwargs)
    with pytest.raises(AlignmentError, match="within max_distance"):
        value_filter_sft(base_model, sft_file, out, TARGET, max_distance=0.5, reward=by_length)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine\n")
    with pytest.raises(AlignmentError, match="not empty"):
        value_filter_sft(base_model, sft_file, busy, TARGET, reward=by_length)
    assert sorted(p.name for p in busy.iterdir()) == ["notes.txt"]
