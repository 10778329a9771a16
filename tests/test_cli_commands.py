"""The CLI's happy paths, in every output format."""
from __future__ import annotations

import csv
import io
import json

import pytest

ID = "https://w3id.org/goalgraph/id/"


def test_help_lists_every_command(cli):
    r = cli("--help")
    assert r.code == 0
    for cmd in ("search", "show", "query", "ask", "path", "stats", "validate", "export"):
        assert cmd in r.out


def test_cli_py_is_the_same_program(tmp_path):
    import subprocess
    import sys

    from conftest import REPO

    r = subprocess.run([sys.executable, str(REPO / "cli.py"), "show", "dpo", "--format", "json"],
                       capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["iri"] == ID + "method/dpo"


@pytest.mark.parametrize("ref", ["dpo", "DPO", "method/dpo", ID + "method/dpo", "Direct Preference Optimization"])
def test_show_resolves_slug_alias_label_and_iri(cli, ref):
    r = cli("show", ref, "--format", "json")
    assert r.code == 0, r.err
    view = json.loads(r.out)
    assert view["iri"] == ID + "method/dpo"
    assert ID + "paradigm/sft-based" in [link["node"] for link in view["outgoing"]["paradigm"]]
    assert any(p["node"].startswith(ID + "paper/rafailov-2023") for p in view["papers"])


def test_show_table_groups_links_by_relation(cli):
    r = cli("show", "dpo")
    assert r.code == 0
    assert "Direct Preference Optimization" in r.out
    assert "links out" in r.out and "-> paradigm" in r.out and "-> targets goal" in r.out
    assert "papers" in r.out and "introduced in" in r.out


def test_show_csv_has_directions(cli):
    r = cli("show", "human-preferences", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.out)))
    directions = {row["direction"] for row in rows}
    assert {"out", "in", "attribute"} <= directions
    targets = {row["node"] for row in rows if row["direction"] == "in" and row["relation"] == "targets goal"}
    assert ID + "method/rlhf" in targets


def test_search_ranks_exact_first_and_finds_typos(cli):
    r = cli("search", "truthfulqa", "--format", "json")
    hits = json.loads(r.out)
    assert hits[0]["node"] == ID + "benchmark/truthfulqa"
    r = cli("search", "prefernces", "--format", "json")
    assert ID + "goal/human-preferences" in [h["node"] for h in json.loads(r.out)]


def test_search_kind_filter(cli):
    hits = json.loads(cli("search", "moral", "--kind", "benchmark", "--format", "json").out)
    assert hits and all(h["node"].startswith(ID + "benchmark/") for h in hits)


def test_query_select_formats(cli):
    q = "SELECT ?l WHERE { ggid:goal\\/basic-values rdfs:label ?l }"
    assert json.loads(cli("query", q, "--format", "json").out) == [{"l": "Basic values"}]
    assert cli("query", q, "--format", "csv").out.splitlines() == ["l", "Basic values"]
    assert "Basic values" in cli("query", q).out


def test_query_from_file_and_stdin(cli, tmp_path):
    f = tmp_path / "q.rq"
    f.write_text("ASK { ?m gg:paradigm <https://w3id.org/goalgraph/id/paradigm/rl-based> }")
    assert cli("query", "--file", str(f)).out.strip() == "true"
    assert cli("query", stdin="ASK { <urn:x> ?p ?o }").out.strip() == "false"


def test_query_construct_prints_turtle(cli):
    r = cli("query", "CONSTRUCT { ?m gg:paradigm ?p } WHERE { ?m gg:paradigm ?p ; skos:altLabel \"DPO\" }")
    assert r.code == 0
    assert "gg:paradigm" in r.out and "sft-based" in r.out


def test_ask_lists_queries_with_questions(cli):
    rows = json.loads(cli("ask", "--format", "json").out)
    assert len(rows) >= 12
    assert all(row["question"].endswith("?") for row in rows)


def test_ask_runs_named_query(cli):
    rows = json.loads(cli("ask", "goal-evolution", "--format", "json").out)
    assert [r["level"] for r in rows] == [1, 2, 3, 4]


def test_path_between_levels(cli):
    steps = json.loads(cli("path", "human-instructions", "basic-values", "--format", "json").out)
    assert steps[0]["from"] == ID + "goal/human-instructions"
    assert steps[-1]["to"] == ID + "goal/basic-values"
    text = cli("path", "dpo", "truthfulqa").out
    assert "Direct Preference Optimization" in text.splitlines()[0]
    assert "TruthfulQA" in text.splitlines()[-1]


def test_stats(cli):
    s = json.loads(cli("stats", "--format", "json").out)
    assert s["triples"] > 5000
    assert s["classes"]["gg:Paper"] >= 150
    assert s["classes"]["gg:AlignmentGoal"] >= 4
    assert s["user_files"] == 0


def test_validate_bundled_graph_conforms(cli):
    r = cli("validate")
    assert r.code == 0, r.out[-3000:] + r.err
    assert "conforms" in r.out


def test_validate_file_reports_all_violations(cli, tmp_path):
    from test_cli_bad_input import SHAPE_BREAKER

    f = tmp_path / "orphan.ttl"
    f.write_text(SHAPE_BREAKER + SHAPE_BREAKER.split("dcterms: <http://purl.org/dc/terms/> .")[1]
                 .replace("orphan-method", "second-orphan"))
    r = cli("validate", str(f), "--format", "json")
    assert r.code == 2
    nodes = {v["node"] for v in json.loads(r.out)}
    assert nodes == {ID + "method/orphan-method", ID + "method/second-orphan"}


@pytest.mark.parametrize("fmt", ["ttl", "nt", "jsonld"])
def test_export_rdf_round_trips(cli, tmp_path, graph, fmt):
    import rdflib

    out = tmp_path / f"graph.{fmt}"
    r = cli("export", "--format", fmt, "-o", str(out))
    assert r.code == 0, r.err
    g = rdflib.Graph().parse(str(out), format={"ttl": "turtle", "nt": "nt", "jsonld": "json-ld"}[fmt])
    assert len(g) == len(graph)


def test_export_graphml_and_mermaid(cli, tmp_path):
    import networkx as nx

    out = tmp_path / "g.graphml"
    assert cli("export", "--format", "graphml", "-o", str(out)).code == 0
    g = nx.read_graphml(out)
    assert ID + "method/dpo" in g
    mer = cli("export", "--format", "mermaid", "--around", "dpo").out
    assert mer.startswith("flowchart LR")
    assert 'method_dpo["Direct Preference Optimization"]' in mer
    assert "-->|paradigm| paradigm_sft_based" in mer
