"""Target files in JSON, YAML and CSV, checked against the theory's dimensions."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from goalgraph.errors import GoalgraphError
from goalgraph.values import Target, TargetError, ValueVectorError, load_target, parse_target

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "values"
EXPECTED_A = [4.6, 3.4, 3.9, 3.8, 2.6, 4.5, 4.0, 3.5, 5.0, 4.8]


def test_structured_json(schwartz):
    t = load_target(FIXTURES / "schwartz-target.json", schwartz)
    assert isinstance(t, Target)
    assert t.vector.as_list() == EXPECTED_A
    assert t.name == "example-culture-a" and t.culture == "Example culture A"
    assert "not survey data" in t.source
    assert t.scale == (1.0, 6.0)
    assert t.path.endswith("schwartz-target.json") and t.title == "example-culture-a"


def test_flat_yaml_with_loose_names(schwartz):
    t = load_target(FIXTURES / "schwartz-flat.yaml", schwartz)
    assert t.vector.as_list() == [4.1, 3.0, 3.2, 4.2, 3.1, 5.0, 4.4, 4.3, 4.7, 4.4]
    assert t.name == "example-culture-b" and t.culture == "Example culture B" and t.source is None


def test_csv_with_comment_metadata(schwartz):
    t = load_target(FIXTURES / "schwartz-target.csv", schwartz)
    assert t.vector.as_list() == EXPECTED_A
    assert t.name == "example-culture-c" and t.culture == "Example culture C"


def test_theory_from_the_file_when_given_the_graph(graph):
    t = load_target(FIXTURES / "schwartz-target.csv", graph)       # "# theory: schwartz"
    assert t.theory.slug == "schwartz-basic-values"
    t = load_target(FIXTURES / "schwartz-target.json", "schwartz", graph)
    assert t.vector.as_list() == EXPECTED_A
    with pytest.raises(TargetError, match="does not say which theory"):
        load_target(FIXTURES / "schwartz-flat.yaml", graph)


def test_partial_target(mft):
    path = FIXTURES / "mft-partial.yaml"
    with pytest.raises(TargetError) as err:
        load_target(path, mft)
    msg = str(err.value)
    assert "\n" not in msg and "authority-subversion" in msg and "sanctity-degradation" in msg
    assert "allow_partial=True" in msg
    t = load_target(path, mft, allow_partial=True)
    assert t.vector.as_dict("short") == {"care-harm": 3.9, "fairness-cheating": 3.7, "loyalty-betrayal": 2.4}
    assert not t.vector.complete


def test_missing_dimension_in_csv(schwartz):
    with pytest.raises(TargetError, match="no value for universalism"):
        load_target(FIXTURES / "schwartz-missing.csv", schwartz)


def test_bad_name_is_one_line_naming_it_and_the_valid_ones(schwartz):
    with pytest.raises(TargetError) as err:
        load_target(FIXTURES / "schwartz-bad-name.json", schwartz)
    msg = str(err.value)
    assert "\n" not in msg
    assert "schwartz-bad-name.json" in msg and "'altruism'" in msg
    assert "self-direction, stimulation, hedonism" in msg and "universalism" in msg
    assert isinstance(err.value, ValueVectorError) and isinstance(err.value, GoalgraphError)


def test_wrong_theory(mft):
    with pytest.raises(TargetError, match="target is for theory 'schwartz-basic-values', not moral-foundations"):
        load_target(FIXTURES / "schwartz-target.json", mft)


@pytest.mark.parametrize("text, fmt, message", [
    ("{", "json", "invalid JSON"),
    ("[1, 2]", "json", "must be a mapping"),
    ('{"values": [1, 2]}', "json", "'values' must be a mapping"),
    ('{"power": "high"}', "json", "not a number"),
    ('{"power": 1, "Power (Schwartz)": 2}', "json", "given twice"),
    ("power: [1, 2", "yaml", "invalid YAML"),
    ("dimension,value\npower,high\n", "csv", "line 2: value for 'power' is not a number"),
    ("dim,value\npower,1\n", "csv", "'dimension' column"),
    ("dimension,value\npower,1\npower,2\n", "csv", "line 3: dimension 'power' is listed twice"),
    ("# only comments\n", "csv", "no header"),
    ('{"scale": [6, 1], "values": {"power": 1}}', "json", "low < high"),
])
def test_malformed_targets(schwartz, text, fmt, message):
    with pytest.raises(TargetError) as err:
        parse_target(text, fmt, schwartz, allow_partial=True)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_file_errors(tmp_path, schwartz):
    with pytest.raises(TargetError, match="not found"):
        load_target(tmp_path / "nope.json", schwartz)
    odd = tmp_path / "target.txt"
    odd.write_text("power: 1")
    with pytest.raises(TargetError, match="unknown target file type"):
        load_target(odd, schwartz)


def test_csv_weight_column_and_to_dict_round_trip(tmp_path, schwartz):
    csv_path = tmp_path / "w.csv"
    csv_path.write_text("Dimension,Weight\n" + "\n".join(f"{d.short},{i + 1}" for i, d in enumerate(schwartz)) + "\n")
    t = load_target(csv_path, schwartz)
    assert t.vector.as_list() == [float(i) for i in range(1, 11)]
    again = parse_target(json.dumps(t.to_dict()), "json", schwartz)
    assert again.vector == t.vector
