"""How a named query file is read: its question, and its list (GROUP_CONCAT) columns sorted the same on any store."""
from __future__ import annotations

import random

import pytest

from goalgraph.graph.queries import get_query, list_columns, list_queries
from goalgraph.graph.sparql import QueryResult


def test_question_stops_at_an_empty_comment_line(tmp_path):
    (tmp_path / "q.rq").write_text(
        "# question: Which papers are\n# about goals?\n#\n# Written as subqueries: faster on disk.\nSELECT * {}\n")
    (q,) = list_queries(tmp_path)
    assert q.question == "Which papers are about goals?"


def test_list_columns_read_alias_and_separator():
    text = ('SELECT (group_concat(DISTINCT STR(?x) ; separator = "\\t") AS ?a) (GROUP_CONCAT(?y) AS ?b)\n'
            "       (GROUP_CONCAT(LCASE(STR(?z)); SEPARATOR='; ') as $c) (COUNT(?w) AS ?n) WHERE {}")
    assert list_columns(text) == (("a", "\t"), ("b", " "), ("c", "; "))


def test_every_list_column_of_the_shipped_queries_is_found():
    for q in list_queries():
        assert len(q.lists) == q.text.upper().count("GROUP_CONCAT("), q.name
        for name, sep in q.lists:
            assert f"AS ?{name})" in q.text and sep in ("; ", ", ", " + "), (q.name, name, sep)


@pytest.mark.parametrize("seed", range(5))
def test_canonical_cells_do_not_depend_on_the_store_order(seed):
    q = get_query("paper-levels")
    items = ["1", "2", "4"]
    shuffled = items[:]
    random.Random(seed).shuffle(shuffled)
    result = QueryResult(kind="select", variables=["paper", "title", "levels"],
                         rows=[{"paper": "p", "title": "t", "levels": ", ".join(shuffled)},
                               {"paper": "q", "title": "u", "levels": "3"}, {"paper": "r", "title": "v", "levels": None}])
    rows = q.canonical(result).rows
    assert [r["levels"] for r in rows] == ["1, 2, 4", "3", None]


def test_ask_sorts_list_cells(graph):
    rows = graph.ask("approaches-per-level").rows
    assert rows and all(r["approaches"].split(", ") == sorted(r["approaches"].split(", ")) for r in rows)
