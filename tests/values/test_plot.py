"""The radar chart writes a real PNG and a real SVG, and nothing half-written."""
from __future__ import annotations

import pytest

from goalgraph.values import ValueVector, ValueVectorError, radar

pytest.importorskip("matplotlib")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_radar_model_and_target(tmp_path, schwartz):
    model = ValueVector.from_list(schwartz, [4, 3, 3, 4, 2, 5, 4, 3, 5, 5])
    target = ValueVector.from_list(schwartz, [4.6, 3.4, 3.9, 3.8, 2.6, 4.5, 4.0, 3.5, 5.0, 4.8])
    png, svg = radar(model, target, tmp_path / "out" / "radar", title="model vs target", scale=(1, 6))
    assert png == tmp_path / "out" / "radar.png" and svg == tmp_path / "out" / "radar.svg"
    assert png.stat().st_size > 0 and png.read_bytes()[:8] == PNG_MAGIC
    text = svg.read_text(encoding="utf-8")
    assert "<svg" in text
    # labels in circumplex order are in the SVG as text (matplotlib writes them as comments/glyph ids)
    assert "Self-direction" in text and "Universalism" in text
    # no temporary files left behind
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["radar.png", "radar.svg"]


def test_radar_model_only_and_higher_order(tmp_path, schwartz):
    model = ValueVector.from_list(schwartz, [4, 3, 3, 4, 2, 5, 4, 3, 5, 5])
    png, svg = radar(model.higher_order(), path_stem=str(tmp_path / "groups.png"))
    assert png.name == "groups.png" and svg.name == "groups.svg"
    assert png.read_bytes()[:8] == PNG_MAGIC and "<svg" in svg.read_text(encoding="utf-8")


def test_radar_refuses_bad_input(tmp_path, schwartz):
    model = ValueVector.from_list(schwartz, [4] * 10)
    with pytest.raises(ValueVectorError, match="path_stem"):
        radar(model)
    with pytest.raises(ValueVectorError, match="different dimensions"):
        radar(model, model.subset(["power", "security", "hedonism"]), tmp_path / "x")
    with pytest.raises(ValueVectorError, match="at least 3"):
        radar(model.subset(["power", "security"]), path_stem=tmp_path / "y")
    assert list(tmp_path.iterdir()) == []
