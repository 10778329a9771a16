"""The remote store's HTTP client against a scripted server on 127.0.0.1: retries with back-off, no retry on 4xx,
timeouts, a kept-alive connection the server closed, redirects, and proxies from the environment."""
from __future__ import annotations

import json
import threading
import urllib.parse
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from goalgraph.graph.remote import Endpoints, Http, RemoteStore, RemoteStoreError
from goalgraph.run.publish import Part, publish

ANSWER = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "7"}}]}})


class Script:
    """What the server answers, request by request: (status, extra headers, delay in seconds)."""

    def __init__(self, *steps: tuple[int, dict, float]):
        self.steps = list(steps)
        self.seen: list[tuple[str, str, float]] = []  # (method, request target, time)
        self.bodies: list[tuple[str, bytes]] = []  # (content type, body) of each request
        self.connections: set[int] = set()


@pytest.fixture
def server():
    """A server that plays `srv.script`; its address in `srv.base`."""
    holder: dict = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):  # keep pytest's output clean
            pass

        def _answer(self):
            script: Script = holder["script"]
            script.seen.append((self.command, self.path, time.monotonic()))
            script.connections.add(id(self.connection))
            length = int(self.headers.get("Content-Length") or 0)
            script.bodies.append((self.headers.get("Content-Type", ""), self.rfile.read(length)))
            status, headers, delay = script.steps.pop(0) if script.steps else (200, {}, 0.0)
            time.sleep(delay)
            body = (ANSWER if status == 200 else f"problem {status}\nsecond line").encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/sparql-results+json" if status == 200 else "text/plain")
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
            if headers.get("Connection") == "close":
                self.close_connection = True

        do_POST = do_GET = do_PUT = _answer

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()

    class Srv:
        base = f"http://127.0.0.1:{httpd.server_address[1]}"

        @staticmethod
        def play(*steps):
            holder["script"] = Script(*steps)
            return holder["script"]

    Srv.play()
    yield Srv
    httpd.shutdown()
    httpd.server_close()


def _store(srv, **kw) -> RemoteStore:
    return RemoteStore(Endpoints.from_url(srv.base + "/query"), Http(**{"timeout": 2, "backoff": 0.05, **kw}))


def _value(store: RemoteStore) -> str:
    return next(iter(store.query("SELECT ?x WHERE {}")))["x"].value


def test_5xx_is_retried_with_growing_pauses(server):
    script = server.play((503, {}, 0), (502, {}, 0))
    assert _value(_store(server)) == "7"
    times = [t for *_, t in script.seen]
    assert len(times) == 3
    assert times[1] - times[0] >= 0.05 and times[2] - times[1] >= 0.1  # 0.05 s, then twice that


def test_gives_up_after_the_last_try_in_one_line(server):
    server.play((503, {}, 0), (503, {}, 0), (503, {}, 0), (200, {}, 0))
    with pytest.raises(RemoteStoreError) as err:
        _value(_store(server))
    assert str(err.value) == f"graph store at {server.base[7:]}: query failed: HTTP 503: problem 503 second line (after 3 tries)"


def test_4xx_is_not_retried(server):
    script = server.play((400, {}, 0))
    with pytest.raises(RemoteStoreError, match="HTTP 400: problem 400"):
        _value(_store(server))
    assert len(script.seen) == 1


def test_a_slow_server_is_a_timeout(server):
    server.play((200, {}, 1.5), (200, {}, 1.5))
    with pytest.raises(RemoteStoreError, match=r"no answer within 0.5 s \(after 2 tries\)"):
        _value(_store(server, timeout=0.5, tries=2))


def test_one_connection_is_kept_alive_across_requests(server):
    script = server.play()
    store = _store(server)
    assert [_value(store) for _ in range(5)] == ["7"] * 5
    assert len(script.seen) == 5 and len(script.connections) == 1


def test_a_connection_the_server_closed_is_replaced(server):
    script = server.play((200, {"Connection": "close"}, 0), (200, {}, 0), (200, {}, 0))
    store = _store(server, tries=1)  # no retry may hide a failure here
    assert [_value(store) for _ in range(3)] == ["7"] * 3
    assert len(script.connections) == 2


def test_a_redirect_names_the_new_address_and_is_not_retried(server):
    script = server.play((308, {"Location": "http://elsewhere:3030/ds/query"}, 0))
    with pytest.raises(RemoteStoreError, match="HTTP 308: moved to http://elsewhere:3030/ds/query; point the URL"):
        _value(_store(server))
    assert len(script.seen) == 1


def test_a_proxy_from_the_environment_is_used(server, monkeypatch):
    script = server.play()
    monkeypatch.setenv("http_proxy", server.base)
    monkeypatch.setenv("no_proxy", "")
    store = RemoteStore(Endpoints.from_url("http://graph.example:7878/query"), Http(timeout=2))
    assert _value(store) == "7"
    assert script.seen[0][1].startswith("http://graph.example:7878/query")  # the proxy got the absolute URL


@pytest.mark.parametrize("url, query, update, store", [
    ("http://h:7878/query", "http://h:7878/query", "http://h:7878/update", "http://h:7878/store"),       # Oxigraph
    ("http://h:3030/ds/query", "http://h:3030/ds/query", "http://h:3030/ds/update", "http://h:3030/ds/data"),  # Fuseki
    ("http://h:3030/ds/sparql", "http://h:3030/ds/sparql", "http://h:3030/ds/update", "http://h:3030/ds/data"),
    ("https://h/ds/", "https://h/ds/query", "https://h/ds/update", "https://h/ds/data"),
])
def test_endpoints_follow_oxigraph_and_fuseki_layouts(url, query, update, store):
    assert Endpoints.from_url(url) == Endpoints(query, update, store)


def test_a_url_that_is_not_http_is_refused_in_one_line():
    with pytest.raises(RemoteStoreError, match="give an http"):
        Endpoints.from_url("ftp://h/ds/query")


def test_publish_speaks_the_graph_store_protocol_on_a_fuseki_layout(server):
    """Against a Fuseki-style dataset URL: each graph PUT as N-Triples to /ds/data?graph=<staging>, then one
    SPARQL Update to /ds/update that moves every staging graph onto its target (and drops an emptied one)."""
    script = server.play()
    remote = RemoteStore(Endpoints.from_url(server.base + "/ds/query"), Http(timeout=2))
    core = "https://w3id.org/goalgraph/graph/core"
    gone = "https://w3id.org/goalgraph/graph/run/old"
    publish(remote, [Part(core, "core", b"<urn:a> <urn:b> <urn:c> .\n", 1), Part(gone, "old", b"", 0)])
    (put_method, put_target, _), (post_method, post_target, _) = script.seen
    assert put_method == "PUT" and put_target.startswith("/ds/data?graph=")
    staging = urllib.parse.parse_qs(urllib.parse.urlsplit(put_target).query)["graph"][0]
    assert staging.startswith("https://w3id.org/goalgraph/graph/staging/")
    assert script.bodies[0] == ("application/n-triples", b"<urn:a> <urn:b> <urn:c> .\n")
    assert (post_method, post_target) == ("POST", "/ds/update")
    ctype, body = script.bodies[1]
    assert ctype.startswith("application/sparql-update")
    assert body.decode().split(" ;\n") == [f"MOVE GRAPH <{staging}> TO GRAPH <{core}>", f"DROP SILENT GRAPH <{gone}>"]
