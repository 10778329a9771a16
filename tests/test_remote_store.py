"""`--store URL` and `goalgraph publish` against a real `oxigraph serve` on 127.0.0.1 (random port, temp dir)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import one_error_line
from goalgraph.graph.queries import list_queries
from goalgraph.testing.servers import OxigraphServer, free_port, oxigraph_executable

pytestmark = pytest.mark.skipif(oxigraph_executable() is None, reason="the Oxigraph server is not installed (pip install oxigraph)")

GRAPH = "https://w3id.org/goalgraph/graph/"
RUN_TTL = """@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/goalgraph/id/run/remote-test> a prov:Activity ; rdfs:label "remote test run" .
"""


@pytest.fixture
def server(tmp_path):
    s = OxigraphServer(tmp_path / "db")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("runs") / "remote-test"
    d.mkdir()
    (d / "provenance.ttl").write_text(RUN_TTL, encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def published(tmp_path_factory, cli, run_dir):
    """A server holding the bundled graph, the built-in plugins and one run; and the local per-graph counts."""
    s = OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "db")
    try:
        r = cli("--no-validate", "publish", s.url, "--with-results", str(run_dir), "--write", "-f", "json")
        assert r.code == 0, r.err
        expected = {row["graph"]: row["triples"] for row in json.loads(r.out)}
        yield s, expected
    finally:
        s.stop()


def _json(r) -> object:
    assert r.code == 0, r.err
    return json.loads(r.out)


def test_publish_writes_one_named_graph_per_source(published):
    s, expected = published
    assert set(expected) == {GRAPH + "core", GRAPH + "plugin/builtins", GRAPH + "run/remote-test"}
    assert s.counts() == expected


def test_every_competency_query_prints_the_same_bytes_remote(published, cli):
    """An on-disk server enumerates triples in another order than the in-memory store: total ORDER BYs and
    sorted GROUP_CONCAT cells make every answer byte-identical, in JSON and as a table."""
    s, _ = published
    for q in list_queries():
        for fmt in ("json", "table"):
            local, remote = cli("ask", q.name, "-f", fmt), cli("--store", s.url, "ask", q.name, "-f", fmt)
            assert local.code == remote.code == 0, remote.err
            assert remote.out == local.out, (q.name, fmt)


def test_plan_is_byte_identical_remote(published, cli, run_dir):
    s, _ = published
    for goal in ("basic-values", "human-preferences"):
        # the server holds the run too, and a plan records the digest of the whole graph
        local = cli("--no-validate", "--with-results", str(run_dir), "plan", "--goal", goal)
        remote = cli("plan", "--goal", goal, env={"GOALGRAPH_STORE": s.url})
        assert local.code == remote.code == 0, remote.err
        assert remote.out == local.out


def test_show_search_path_work_remote(published, cli, run_dir):
    s, _ = published
    for node in ("dpo", "goal/basic-values", "theory/schwartz-basic-values", "paper/ouyang-2022-training"):
        show = _json(cli("--store", s.url, "show", node, "-f", "json"))
        local = _json(cli("show", node, "-f", "json"))
        assert show.pop("sources") == [GRAPH + "core"] and local.pop("sources")
        assert json.dumps(show) == json.dumps(local), node  # the same view, in the same order
    assert cli("--store", s.url, "search", "prefernce").out == cli("search", "prefernce").out
    assert cli("--store", s.url, "path", "dpo", "truthfulqa").out == cli("path", "dpo", "truthfulqa").out
    # the published run is visible to every graph command
    assert "remote test run" in cli("--store", s.url, "show", "run/remote-test").out
    line = one_error_line(cli("--store", s.url, "--with-results", str(run_dir), "show", "dpo"))
    assert "publish them first" in line


def test_publish_without_write_writes_nothing(server, cli):
    r = cli("publish", server.url)
    assert r.code == 0, r.err
    assert "dry run" in r.err and GRAPH + "core" in r.out
    assert server.counts() == {}


def test_server_down_is_one_line_and_exit_2(cli):
    url = f"http://127.0.0.1:{free_port()}/query"
    for args in (("--store", url, "ask", "goal-evolution"), ("--store", url, "show", "dpo"),
                 ("publish", url, "--write")):
        line = one_error_line(cli(*args, env={"GOALGRAPH_STORE_TIMEOUT": "2"}))
        assert "cannot connect" in line


def test_bad_sparql_on_the_server_is_one_line(published, cli):
    s, _ = published
    assert "HTTP 400" in one_error_line(cli("--store", s.url, "query", "SELECT * WHERE { ?s ?p "))


def test_failed_publish_leaves_no_partial_or_staging_graph(published, cli):
    from goalgraph.errors import GoalgraphError
    from goalgraph.graph.remote import Endpoints, RemoteStore
    from goalgraph.run.publish import Part, collect, publish

    s, expected = published
    # a Graph Store URL that refuses uploads: nothing changes
    line = one_error_line(cli("publish", s.url, "--write", "--store-url", f"http://127.0.0.1:{s.port}/nowhere"))
    assert "upload" in line and s.counts() == expected
    # the second upload of three fails after the first landed in staging
    remote = RemoteStore(Endpoints.from_url(s.url))
    real_put, calls = remote.put_graph, []

    def flaky(graph, data):
        calls.append(graph)
        if len(calls) == 2:
            raise GoalgraphError("injected failure")
        real_put(graph, data)

    remote.put_graph = flaky
    parts = collect() + [Part(GRAPH + "run/never", "x", b"<urn:a> <urn:b> <urn:c> .\n", 1)]
    with pytest.raises(GoalgraphError, match="injected"):
        publish(remote, parts)
    assert s.counts() == expected  # no staging graph, no half-replaced target, no new target


def test_concurrent_publishes_leave_a_consistent_store(published, run_dir):
    s, expected = published
    cmd = [sys.executable, "-m", "goalgraph", "--no-validate", "publish", s.url, "--write", "-R", str(run_dir)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    assert s.counts() == expected


def test_one_update_request_is_one_transaction(published):
    """The switch from staging to targets relies on it: a failing MOVE undoes the ones before it."""
    from goalgraph.errors import GoalgraphError
    from goalgraph.graph.remote import Endpoints, RemoteStore

    s, expected = published
    remote = RemoteStore(Endpoints.from_url(s.url))
    remote.put_graph(GRAPH + "staging/t/0", b"<urn:a> <urn:b> <urn:c> .\n")
    with pytest.raises(GoalgraphError, match="HTTP"):
        remote.update(f"MOVE GRAPH <{GRAPH}staging/t/0> TO GRAPH <{GRAPH}core> ;\n"
                      f"MOVE GRAPH <{GRAPH}staging/t/missing> TO GRAPH <{GRAPH}run/x>")
    remote.update(f"DROP GRAPH <{GRAPH}staging/t/0>")
    assert s.counts() == expected


def test_ask_construct_and_describe_answer_the_same_remote(published, cli):
    s, _ = published
    for text in ("ASK { ?m a gg:AlignmentMethod ; gg:targetsGoal ?g }", "ASK { ?m a gg:NoSuchClass }",
                 "CONSTRUCT { ?m rdfs:label ?l } WHERE { ?m a gg:AlignmentMethod ; rdfs:label ?l }",
                 "DESCRIBE <https://w3id.org/goalgraph/id/method/dpo>"):
        local, remote = cli("query", text, "-f", "json"), cli("--store", s.url, "query", text, "-f", "json")
        rows = _json(remote)
        assert rows, text
        assert sorted(map(json.dumps, rows)) == sorted(map(json.dumps, _json(local))), text
