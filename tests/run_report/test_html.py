"""The HTML report: well-formed, escaped, and every image it shows exists beside it."""
from __future__ import annotations

import json
import shutil

import pytest

from goalgraph.run.report import build_report
from run_report.helpers import check_html
from run_report.runs import ETHICS_ERROR


@pytest.fixture(scope="module")
def page(runs, tmp_path_factory):
    out = tmp_path_factory.mktemp("html") / "sub" / "page.html"
    build_report(runs[0], fmt="html", output=out)
    return out, out.read_text(encoding="utf-8")


def test_html_is_well_formed(page):
    _, text = page
    checker = check_html(text)
    assert checker.saw_doctype
    assert checker.problems == []
    assert "<script" not in text


def test_images_are_relative_and_exist(page):
    out, text = page
    checker = check_html(text)
    assert len(checker.images) == 4                      # 2 benchmark bar charts, 2 radars
    for src in checker.images + [h for h in checker.links if h.endswith(".svg")]:
        assert not src.startswith(("/", "http", "data:")), src
        assert (out.parent / src).is_file(), src
    assert all(src.startswith("page_plots/") for src in checker.images)


def test_html_has_the_same_sections_as_markdown(page):
    _, text = page
    words = " ".join(check_html(text).text)
    for heading in ("Results per goal level", "Level 1: Human instructions", "Level 4: Basic values",
                    "Results per value dimension", "Citations"):
        assert heading in words
    assert ETHICS_ERROR in words                           # the parser unescapes what we escaped


def test_markup_in_run_data_is_escaped(runs, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(runs[0], run)
    data = json.loads((run / "results.json").read_text())
    data["steps"][0]["label"] = "<b>bold</b> & <script>alert(1)</script>"
    data["steps"][2]["error"] = 'bad "quote" <img src=x>'
    (run / "results.json").write_text(json.dumps(data))
    out = build_report(run, fmt="html").path
    text = out.read_text()
    assert "<script>" not in text and "<b>bold" not in text and "<img src=x>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    checker = check_html(text)
    assert checker.problems == []
    assert 'bad "quote" <img src=x>' in " ".join(checker.text)
