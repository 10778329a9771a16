"""Every kind of bad input: one line on stderr, exit code 2, no traceback, nothing half-written."""
from __future__ import annotations

from conftest import one_error_line

GOOD_METHOD = """
@prefix gg: <https://w3id.org/goalgraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://w3id.org/goalgraph/id/method/test-steering> a gg:AlignmentMethod ;
    rdfs:label "Test steering"@en ;
    dcterms:description "A made-up method used by the test suite."@en ;
    gg:targetsGoal <https://w3id.org/goalgraph/id/goal/value-principles> .
"""

SHAPE_BREAKER = """
@prefix gg: <https://w3id.org/goalgraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://w3id.org/goalgraph/id/method/orphan-method> a gg:AlignmentMethod ;
    rdfs:label "Orphan method"@en ;
    dcterms:description "Targets no goal, which the shapes forbid."@en .
"""


def test_malformed_turtle_in_graph_option(cli, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b "never closed .\n')
    line = one_error_line(cli("--graph", str(bad), "show", "dpo"))
    assert "bad.ttl" in line and "line" in line


def test_missing_graph_file(cli, tmp_path):
    line = one_error_line(cli("show", "dpo", "--graph", str(tmp_path / "nope.ttl")))
    assert "not found" in line and "nope.ttl" in line


def test_shape_violation_names_node_and_shape(cli, tmp_path):
    f = tmp_path / "orphan.ttl"
    f.write_text(SHAPE_BREAKER)
    line = one_error_line(cli("--graph", str(f), "show", "dpo"))
    assert "method/orphan-method" in line
    assert "gg:AlignmentMethodShape" in line
    assert "gg:targetsGoal" in line
    assert "orphan.ttl" in line


def test_valid_user_file_is_merged(cli, tmp_path):
    f = tmp_path / "extra.ttl"
    f.write_text(GOOD_METHOD)
    r = cli("--graph", str(f), "show", "test-steering")
    assert r.code == 0, r.err
    assert "Test steering" in r.out and "Value principles" in r.out


def test_graph_env_variable_is_merged_and_validated(cli, tmp_path):
    good = tmp_path / "extra.ttl"
    good.write_text(GOOD_METHOD)
    r = cli("show", "test-steering", env={"GOALGRAPH_GRAPH": str(good)})
    assert r.code == 0, r.err
    bad = tmp_path / "orphan.ttl"
    bad.write_text(SHAPE_BREAKER)
    line = one_error_line(cli("show", "dpo", env={"GOALGRAPH_GRAPH": f"{good}:{bad}"}))
    assert "orphan-method" in line


def test_unknown_node_suggests_close_matches(cli):
    line = one_error_line(cli("show", "dpoo"))
    assert "unknown node 'dpoo'" in line
    assert "did you mean" in line and "method/dpo" in line


def test_sparql_syntax_error(cli):
    line = one_error_line(cli("query", "SELEC ?x WHERE { ?x ?p ?o }"))
    assert "SPARQL syntax error" in line


def test_update_is_refused_and_graph_untouched(cli, graph):
    before = len(graph)
    line = one_error_line(cli("query", "INSERT DATA { <urn:a> <urn:b> <urn:c> }"))
    assert "read-only" in line
    line = one_error_line(cli("query", "PREFIX ex: <http://e/>\n# comment\nDELETE WHERE { ?s ?p ?o }"))
    assert "read-only" in line
    assert len(graph) == before


def test_unknown_competency_query(cli):
    line = one_error_line(cli("ask", "goal-evolutoin"))
    assert "did you mean goal-evolution" in line


def test_query_file_missing(cli, tmp_path):
    line = one_error_line(cli("query", "--file", str(tmp_path / "missing.rq")))
    assert "missing.rq" in line


ISLANDS = """
@prefix gg: <https://w3id.org/goalgraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://w3id.org/goalgraph/id/paradigm/island-a> a gg:Paradigm ; rdfs:label "Island A"@en ;
    dcterms:description "Linked to nothing."@en .
<https://w3id.org/goalgraph/id/paradigm/island-b> a gg:Paradigm ; rdfs:label "Island B"@en ;
    dcterms:description "Linked only to island A."@en ;
    <https://w3id.org/goalgraph/ontology#variantOf> <https://w3id.org/goalgraph/id/paradigm/island-c> .
<https://w3id.org/goalgraph/id/paradigm/island-c> a gg:Paradigm ; rdfs:label "Island C"@en ;
    dcterms:description "Linked only from island B."@en .
"""


def test_path_between_unconnected_nodes(cli, tmp_path):
    f = tmp_path / "islands.ttl"
    f.write_text(ISLANDS)
    line = one_error_line(cli("--graph", str(f), "--no-validate", "path", "island-a", "dpo"))
    assert "has no links" in line
    line = one_error_line(cli("--graph", str(f), "--no-validate", "path", "island-b", "dpo"))
    assert "no path between paradigm/island-b and method/dpo" in line


def test_export_bad_format(cli):
    line = one_error_line(cli("export", "--format", "docx"))
    assert "unknown export format" in line


def test_export_failure_leaves_no_partial_file(cli, tmp_path):
    target = tmp_path / "out.ttl"
    target.write_text("previous content")
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle")
    one_error_line(cli("--graph", str(bad), "export", "-o", str(target)))
    assert target.read_text() == "previous content"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.ttl")] == []


def test_a_mistyped_command_line_is_one_line_not_a_usage_page(cli):
    line = one_error_line(cli("ask", "goal-evolution", "--no-such-flag"))
    assert "No such option: --no-such-flag" in line and "goalgraph ask --help" in line
    line = one_error_line(cli("show"))
    assert "Missing argument" in line
