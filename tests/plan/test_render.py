"""The three plan formats and the BibTeX: round trips, every step and paper present, balanced braces."""
from __future__ import annotations

import re

import pytest
from plan.helpers import TRUTHFULQA_DATA

from goalgraph.plan.bibtex import entry, escape, render_bibtex
from goalgraph.plan.build import build_plan
from goalgraph.plan.model import Plan
from goalgraph.plan.render import render_json, render_markdown, render_yaml


@pytest.fixture(scope="module")
def plan(graph):
    return build_plan(graph, "human-preferences", data={"truthfulqa": str(TRUTHFULQA_DATA)})


def test_yaml_and_json_read_back_into_the_same_plan(plan, tmp_path):
    from goalgraph.plan.io import check_plan, load_plan

    for name, text in (("p.yaml", render_yaml(plan)), ("p.json", render_json(plan))):
        path = tmp_path / name
        path.write_text(text)
        again = load_plan(path)
        check_plan(again, path)
        assert again == plan


def test_libyaml_and_python_emitters_write_the_same_bytes(graph, plan):
    other = build_plan(graph, "basic-values", theory="schwartz-basic-values")
    for p in (plan, other):
        assert render_yaml(p, fast=True) == render_yaml(p, fast=False)


def test_markdown_has_every_step_coverage_and_bibliography(plan):
    md = render_markdown(plan)
    assert md.startswith(f"# {plan.title}\n")
    for step in plan.steps:
        assert f"| {step.order} | `{step.id}` |" in md
        assert f"### {step.order}. {step.label} (`{step.id}`)" in md
    assert "## Coverage" in md and "## Bibliography" in md
    bib = md.split("## Bibliography", 1)[1]
    for b in plan.bibliography:
        assert f"- [{b.key}] " in bib
    cited = set(re.findall(r"\[([a-z0-9][a-z0-9-]*)\]", md.split("## Bibliography", 1)[0]))
    assert cited == {b.key for b in plan.bibliography}
    assert "[lin-2022-truthfulqa]" in md


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def test_bibtex_one_entry_per_cited_paper_braces_balanced(plan):
    bib = render_bibtex(plan)
    entries = re.findall(r"^@(\w+)\{([^,]+),$", bib, flags=re.M)
    assert [k for _, k in entries] == [b.key for b in plan.bibliography]
    assert {k for k, _ in entries} <= {"article", "misc"}
    assert _balanced(bib)
    for chunk in bib.split("\n@"):
        assert _balanced(chunk if chunk.startswith("@") else "@" + chunk)
    tqa = next(c for c in bib.split("\n\n") if "{lin-2022-truthfulqa," in c)
    assert "@article{" in tqa and "journal = {ACL}" in tqa and "Stephanie Lin and Jacob Hilton and Owain Evans" in tqa


def test_bibtex_escapes_specials_and_arxiv_only_papers_are_misc():
    e = {"iri": "https://w3id.org/goalgraph/id/paper/x-2024-y", "key": "x-2024-y",
         "title": "Odd {title} with 50% & $x_1$ #1 ~ ^ \\ end", "authors": ["A. Person", "Smith and Sons"],
         "year": 2024, "venue": "arXiv", "arxiv": "2401.00001", "url": "https://example.org/a b{c}"}
    text = entry(e)
    assert text.startswith("@misc{x-2024-y,")
    assert "eprint = {2401.00001}" in text and "archivePrefix = {arXiv}" in text and "journal" not in text
    assert _balanced(text)
    assert r"\textbraceleft{}title\textbraceright{}" in text and r"50\% \& \$x\_1\$ \#1" in text
    assert "{Smith and Sons}" in text
    assert "url = {https://example.org/a%20b%7Bc%7D}" in text
    assert escape("a  b\nc") == "a b c"


def test_plan_model_round_trips_through_its_dump(plan):
    assert Plan.model_validate(plan.model_dump(mode="json")) == plan
