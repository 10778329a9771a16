"""The Python API a notebook user meets: goalgraph.load(), g.show(), g.query(), g.search(), g.path()."""
from __future__ import annotations

import pytest

from goalgraph.errors import QueryError, UnknownNodeError

ID = "https://w3id.org/goalgraph/id/"


def test_load_and_show(graph):
    view = graph.show("dpo")
    assert view.label == "Direct Preference Optimization"
    assert view.node == "method/dpo"
    assert "DPO" in view.aliases
    assert "gg:AlignmentMethod" in str(view)
    d = view.to_dict()
    assert d["iri"] == ID + "method/dpo"


def test_query_rows_are_dicts_with_python_values(graph):
    res = graph.query("SELECT ?g ?n WHERE { ?g gg:level ?n ; skos:inScheme ?s . "
                      "FILTER(?s = <https://w3id.org/goalgraph/id/taxonomy/four-level>) } ORDER BY ?n")
    rows = list(res)
    assert [r["n"] for r in rows] == [1, 2, 3, 4]
    assert isinstance(rows[0]["n"], int)
    assert rows[0]["g"] == ID + "goal/human-instructions"
    assert res.columns == ["g", "n"]


def test_query_bindings(graph):
    res = graph.query("SELECT ?m ?l WHERE { ?m rdfs:label ?l }", m=ID + "method/dpo")
    assert res.column("l") == ["Direct Preference Optimization"]
    res = graph.query("SELECT ?l WHERE { ?m rdfs:label ?l }", m=ID + "method/dpo")
    assert res.column("l") == ["Direct Preference Optimization"]
    assert graph.query("ASK { ?m gg:level ?n }", m=ID + "goal/basic-values", n=4).boolean
    assert not graph.query("ASK { ?m gg:level ?n }", m=ID + "goal/basic-values", n=3).boolean


def test_ask_and_construct(graph):
    assert graph.query("ASK { ?x a gg:ValueTheory }").boolean is True
    res = graph.query("CONSTRUCT { ?t gg:hasDimension ?d } WHERE { ?t gg:hasDimension ?d ; skos:altLabel \"MFT\"@en }")
    assert res.kind == "graph"
    assert len(res.triples) >= 5
    assert "gg:hasDimension" in res.to_turtle()


def test_dataframe(graph):
    pd = pytest.importorskip("pandas")
    df = graph.ask("goal-evolution").df()
    assert isinstance(df, pd.DataFrame)
    assert list(df["level"]) == [1, 2, 3, 4]


def test_errors(graph):
    with pytest.raises(UnknownNodeError) as e:
        graph.show("direct preference optimisaton")
    assert any("method/dpo" in s for s in e.value.suggestions)
    with pytest.raises(QueryError):
        graph.query("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    with pytest.raises(QueryError):
        graph.query("SELECT WHERE")


def test_resolve_prefers_labels_then_kinds(graph):
    assert graph.resolve("Human preferences") == ID + "goal/human-preferences"
    assert graph.resolve("L4") == ID + "goal/basic-values"


def test_search_returns_hits(graph):
    hits = graph.search("schwartz")
    assert hits and hits[0].score >= 0.75
    assert any(h.iri == ID + "theory/schwartz-basic-values" for h in hits)


def test_path_and_neighbourhood(graph):
    steps = graph.path("rlhf", "human-feedback")
    assert steps and steps[-1]["to"] == ID + "goal/human-feedback"
    hood = graph.neighbourhood("dpo", depth=1)
    assert ID + "paradigm/sft-based" in hood


def test_stats(graph):
    s = graph.stats()
    assert s["nodes"] > 300 and s["links"] > 500


def test_notebook_html_table(graph):
    html = graph.ask("schwartz-circumplex")._repr_html_()
    assert html.startswith("<table>") and html.count("<tr>") == 11
    assert "dimension/schwartz-hedonism" in html


def test_graph_folder_is_merged(tmp_path):
    from test_cli_bad_input import GOOD_METHOD

    import goalgraph

    (tmp_path / "a.ttl").write_text(GOOD_METHOD)
    (tmp_path / "b.nt").write_text("<https://w3id.org/goalgraph/id/method/test-steering> "
                                   "<http://www.w3.org/2004/02/skos/core#altLabel> \"TS\" .\n")
    (tmp_path / "notes.txt").write_text("not RDF, ignored")
    g = goalgraph.load(str(tmp_path), include_env=False)
    assert sum(1 for s in g.sources if not s.bundled) == 2
    assert g.resolve("TS") == ID + "method/test-steering"
    rows = g.query("SELECT ?g WHERE { GRAPH ?g { ?m skos:altLabel \"TS\" } }")
    assert rows.rows[0]["g"].endswith("/b.nt")


def test_shared_slug_shows_namesakes(graph):
    view = graph.show("ethics")
    assert view.iri == ID + "benchmark/ethics"          # benchmarks outrank datasets
    assert ID + "dataset/ethics" in view.namesakes          # (and evaluator/ethics, the built-in evaluator)
    assert graph.show("dataset/ethics").namesakes == []


def test_a_typo_in_a_short_name_ranks_that_name_above_longer_names_containing_it(graph):
    hits = graph.search("basic-valuez", limit=5)
    assert hits[0].iri == ID + "goal/basic-values"
    with pytest.raises(UnknownNodeError) as err:
        graph.resolve("basic-valuez")
    assert err.value.suggestions[0] == "Basic values (goal/basic-values)"
