"""Both labelled-data layouts load: ValueNet-like (text, value, label ±1/0) and Touché23-ValueEval-like
(arguments + one 0/1 column per value), with their errors named by file and row."""
from __future__ import annotations

import pytest

from goalgraph.errors import EvaluationError
from goalgraph.values.profiler import LabelledText, load_labelled, load_touche, load_valuenet
from values_profiler.conftest import FIXTURES


def test_valuenet_csv_keeps_supporting_rows():
    rows = load_valuenet(FIXTURES / "synthetic_valuenet.csv")
    assert len(rows) == 40                                   # the -1 and the 0 row are not examples
    assert {r.value for r in rows} == {"benevolence", "achievement", "security", "stimulation"}
    assert rows[0] == LabelledText("I spent Saturday helping my neighbour carry boxes into her new flat.",
                                   "benevolence")
    with_negatives = load_valuenet(FIXTURES / "synthetic_valuenet.csv", keep=(1, -1))
    assert len(with_negatives) == 41


def test_valuenet_jsonl_aliases_case_and_duplicates():
    rows = load_valuenet(FIXTURES / "valuenet_small.jsonl")
    assert rows == [LabelledText("I stayed late to help my friend fix his car.", "benevolence"),
                    LabelledText("I skipped the family prayer to go to a party.", "hedonism"),
                    LabelledText("I decided to learn to paint in my own style.", "self-direction")]
    assert load_labelled(FIXTURES / "valuenet_small.jsonl") == rows


def test_valuenet_errors(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("text,value,label\nhello,kindness,1\n")
    with pytest.raises(EvaluationError, match=r"row 1: unknown value 'kindness'"):
        load_valuenet(bad)
    bad.write_text("text,value,label\nhello,power,2\n")
    with pytest.raises(EvaluationError, match="label 2 is not -1, 0 or 1"):
        load_valuenet(bad)
    bad.write_text("sentence,value\nhello,power\n")
    with pytest.raises(EvaluationError, match="no label / score column"):
        load_valuenet(bad)
    with pytest.raises(EvaluationError, match="not found"):
        load_valuenet(tmp_path / "missing.csv")


def test_touche_folds_categories_into_basic_values():
    rows = load_touche(FIXTURES / "touche_arguments.tsv", FIXTURES / "touche_labels.tsv")
    by_text: dict[str, list[str]] = {}
    for r in rows:
        by_text.setdefault(r.text, []).append(r.value)
    assert by_text == {
        "fast food harms public health and children deserve protection": ["security", "benevolence"],
        "the money is better spent on poor families who need help now": ["benevolence", "universalism"],
        "children should be free to express themselves": ["self-direction"],     # thought + action: once
        "adults should be free to enjoy themselves": ["hedonism"],                # Face is dropped
    }                                                                            # A01005 (Face, Humility): none
    assert load_labelled(FIXTURES / "touche_arguments.tsv", FIXTURES / "touche_labels.tsv") == rows


def test_touche_mapping_and_argument_text():
    rows = load_touche(FIXTURES / "touche_arguments.tsv", FIXTURES / "touche_labels.tsv",
                       mapping={"Face": "power", "Humility": None}, text="argument")
    powered = [r for r in rows if r.value == "power"]
    assert [r.text for r in powered] == [
        "adults should be free to enjoy themselves (in favor of: We should legalize gambling)",
        "the rules should be respected (in favor of: We should ban whaling)"]
    with pytest.raises(EvaluationError, match="text must be"):
        load_touche(FIXTURES / "touche_arguments.tsv", FIXTURES / "touche_labels.tsv", text="stance")


def test_touche_errors(tmp_path):
    labels = tmp_path / "labels.tsv"
    labels.write_text("Argument ID\tHedonism\nA99\t1\n")
    with pytest.raises(EvaluationError, match="argument 'A99' is not in"):
        load_touche(FIXTURES / "touche_arguments.tsv", labels)
    labels.write_text("Argument ID\tHedonism\nA01001\tyes\n")
    with pytest.raises(EvaluationError, match="holds 'yes', not 0 or 1"):
        load_touche(FIXTURES / "touche_arguments.tsv", labels)
    labels.write_text("Argument ID\tFace\tColour\nA01001\t1\t0\n")
    with pytest.raises(EvaluationError, match="no column names a value"):
        load_touche(FIXTURES / "touche_arguments.tsv", labels)
