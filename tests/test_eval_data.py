"""Data loading for evaluators: every local format gives the same records, CSV cells are typed by the schema,
the hub path goes through `datasets` (faked here: no network), and bad files are one clear error."""
from __future__ import annotations

import json
import sys
import types

import pytest

from goalgraph.evaluation.base import EvaluationError, Field
from goalgraph.evaluation.data import load_records

FIELDS = (Field("question", "str"), Field("choices", "list[str]"), Field("answer", "int"),
          Field("weight", "float", required=False), Field("meta", "dict", required=False))
ROWS = [{"question": "Is the river calm?", "choices": ["yes", "no"], "answer": 1, "weight": 0.5, "meta": {"k": 1}},
        {"question": "Which town floods?", "choices": ["the low one", "the high one", "neither"], "answer": 0,
         "weight": 2.0, "meta": {"k": 2}}]


def test_every_local_format_gives_the_same_records(tmp_path):
    import csv

    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    (tmp_path / "d.json").write_text(json.dumps(ROWS))
    (tmp_path / "wrapped.json").write_text(json.dumps({"data": ROWS}))
    (tmp_path / "columns.json").write_text(json.dumps({k: [r[k] for r in ROWS] for k in ROWS[0]}))
    with (tmp_path / "d.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(ROWS[0]))
        w.writeheader()
        for r in ROWS:
            w.writerow({**r, "choices": json.dumps(r["choices"]), "meta": json.dumps(r["meta"])})
    pq.write_table(pa.Table.from_pylist(ROWS), tmp_path / "d.parquet")
    for name in ("d.jsonl", "d.json", "wrapped.json", "columns.json", "d.csv", "d.parquet"):
        assert load_records(str(tmp_path / name), FIELDS) == ROWS, name
    assert load_records(str(tmp_path / "d.jsonl"), FIELDS, limit=1) == ROWS[:1]


@pytest.mark.parametrize("row, message", [
    ({"choices": ["a"], "answer": 0}, "has no field 'question' (str)"),
    ({"question": "q", "choices": "a", "answer": 0}, "field 'choices' is 'a', expected list[str]"),
    ({"question": "q", "choices": {"a": 1}, "answer": 0}, "field 'choices' is dict {'a': 1}, expected list[str]"),
    ({"question": "q", "choices": ["a", 3], "answer": 0}, "field 'choices'[1] is int 3, expected str"),
    ({"question": "q", "choices": ["a"], "answer": "first"}, "field 'answer' is 'first', expected int"),
    ({"question": "q", "choices": ["a"], "answer": True}, "field 'answer' is bool True, expected int"),
])
def test_a_bad_field_is_named_with_its_item(tmp_path, row, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n" + json.dumps(row) + "\n")
    with pytest.raises(EvaluationError) as exc:
        load_records(str(path), FIELDS, who="mc-generic")
    assert f"{path}: item 1" in str(exc.value) and message in str(exc.value)


def test_corrupt_files_are_one_line_errors(tmp_path):
    (tmp_path / "x.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(EvaluationError, match="not a readable parquet file"):
        load_records(str(tmp_path / "x.parquet"))
    (tmp_path / "x.json").write_text("{broken")
    with pytest.raises(EvaluationError, match="not JSON"):
        load_records(str(tmp_path / "x.json"))
    (tmp_path / "x.txt").write_text("hello")
    with pytest.raises(EvaluationError, match="unknown format"):
        load_records(str(tmp_path / "x.txt"))
    with pytest.raises(EvaluationError, match="data file not found"):
        load_records(str(tmp_path / "missing.jsonl"))


def test_hub_ids_go_through_datasets_and_pick_the_evaluation_split(monkeypatch):
    calls = []

    def load_dataset(path, name=None, split=None):
        calls.append((path, name, split))
        splits = {"train": [{"question": "t", "choices": ["a"], "answer": 0}],
                  "test": [{"question": "from test", "choices": ["a"], "answer": 0}]}
        return splits[split] if split else splits

    monkeypatch.setitem(sys.modules, "datasets", types.SimpleNamespace(load_dataset=load_dataset))
    assert load_records("owner/bench", FIELDS)[0]["question"] == "from test"      # test before train
    assert load_records("hub:owner/bench", FIELDS, split="train", name="cfg")[0]["question"] == "t"
    assert calls == [("owner/bench", None, None), ("owner/bench", "cfg", "train")]


def test_hub_ids_without_datasets_installed_say_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "datasets", None)
    with pytest.raises(EvaluationError, match="pip install datasets"):
        load_records("owner/bench", FIELDS)


def test_chat_template_wraps_each_context_as_a_user_turn(tiny_lm_dir):
    from goalgraph.runtime.causal_lm import CausalLM
    from goalgraph.runtime.requests import Loglikelihood

    plain = CausalLM.load(str(tiny_lm_dir), device="cpu")
    chat = CausalLM.load(str(tiny_lm_dir), device="cpu", chat=True, system_prompt="Be fair.")
    chat.tokenizer.chat_template = ("{% for m in messages %}<{{ m.role }}>{{ m.content }}\n{% endfor %}"
                                    "{% if add_generation_prompt %}<assistant>{% endif %}")
    (lp_chat, _), = chat.loglikelihood([Loglikelihood("Is honesty good?", " yes")])
    wrapped = "<system>Be fair.\n<user>Is honesty good?\n<assistant>"
    (lp_plain, _), = plain.loglikelihood([Loglikelihood(wrapped, " yes")])
    assert lp_chat == pytest.approx(lp_plain, abs=1e-6)
    assert chat.fingerprint != plain.fingerprint          # stored answers never mix the two
