"""A SPARQL 1.1 server as the graph store (`--store URL`, `GOALGRAPH_STORE`): Oxigraph server, Fuseki, ...

`RemoteStore` answers the two calls the graph code makes on a pyoxigraph store — `query(...)` and
`quads_for_pattern(...)` — over HTTP, and hands back pyoxigraph objects parsed from the server's SPARQL JSON
results, so search, show, ask, path and plan work unchanged and print the same bytes as the embedded store.
Standard library HTTP only (urllib); imported only when a remote store is asked for.
"""
from __future__ import annotations

import http.client
import os
import select
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from goalgraph.errors import GoalgraphError, one_line
from goalgraph.graph.store import GraphStore

ENV_TIMEOUT = "GOALGRAPH_STORE_TIMEOUT"
DEFAULT_TIMEOUT = 10.0
DEFAULT_TRIES = 3
_RETRY_STATUS = {429, 500, 502, 503, 504}
_REDIRECT_STATUS = {301, 302, 303, 307, 308}
_SELECT_ALL = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"


class RemoteStoreError(GoalgraphError):
    """The graph server is unreachable, timed out, or refused a request."""


@dataclass(frozen=True)
class Endpoints:
    """The three URLs of a SPARQL 1.1 server: query, update and Graph Store protocol.

    From a query URL: Oxigraph's `http://host:7878/query` gives `/update` and `/store`; a dataset path such as
    Fuseki's `http://host:3030/ds/query` (or `/ds/sparql`, or `/ds`) gives `/ds/update` and `/ds/data`."""

    query: str
    update: str
    store: str

    @classmethod
    def from_url(cls, url: str, update_url: str | None = None, store_url: str | None = None) -> "Endpoints":
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise RemoteStoreError(f"graph store {url!r}: give an http(s) URL of a SPARQL query endpoint, "
                                   f"e.g. http://127.0.0.1:7878/query")
        path = parts.path.rstrip("/")
        base = path
        for tail in ("/query", "/sparql"):
            if path.endswith(tail):
                base = path[: -len(tail)]
                break
        query_path = path if base != path else f"{base}/query"

        def at(p: str) -> str:
            return urllib.parse.urlunsplit((parts.scheme, parts.netloc, p, "", ""))

        graph_store = "/store" if not base else "/data"
        return cls(at(query_path), update_url or at(f"{base}/update"), store_url or at(f"{base}{graph_store}"))


class Http:
    """Requests with a timeout, and bounded retries with exponential back-off for connection errors,
    timeouts, 429 and 5xx (never for other 4xx: the same request would fail again).

    One keep-alive connection per server is reused across requests (a quarter of a millisecond saved on each
    query over loopback); a connection the server has closed meanwhile is replaced before it is used. Where an
    HTTP(S)_PROXY applies to the host, requests go through urllib, which knows proxies."""

    def __init__(self, timeout: float | None = None, tries: int = DEFAULT_TRIES, backoff: float = 0.2):
        self.timeout = timeout if timeout is not None else float(os.environ.get(ENV_TIMEOUT, DEFAULT_TIMEOUT))
        self.tries = max(1, tries)
        self.backoff = backoff
        self._connections: dict[tuple[str, str], http.client.HTTPConnection] = {}

    def send(self, method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None,
             what: str = "request") -> tuple[bytes, str]:
        """The response body and content type; RemoteStoreError (one line) after the last failed try."""
        problem, tried = "", 0
        for attempt in range(self.tries):
            tried = attempt + 1
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                status, data, ctype = self._exchange(method, url, body, headers or {})
            except (TimeoutError, OSError, http.client.HTTPException) as exc:  # URLError and refusals are OSErrors
                self.close()
                reason = getattr(exc, "reason", exc)
                if isinstance(reason, TimeoutError) or "timed out" in str(reason):
                    problem = f"no answer within {self.timeout:g} s"
                else:
                    problem = f"cannot connect ({one_line(reason) if isinstance(reason, BaseException) else reason})"
                continue
            if status < 300:
                return data, ctype
            detail = _first_line(data)
            problem = f"HTTP {status}{': ' + detail if detail else ''}"
            if status not in _RETRY_STATUS:
                break
        host = urllib.parse.urlsplit(url).netloc
        tries = f" (after {tried} tries)" if tried > 1 else ""
        raise RemoteStoreError(f"graph store at {host}: {what} failed: {problem}{tries}")

    def _exchange(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, bytes, str]:
        parts = urllib.parse.urlsplit(url)
        if _proxied(parts):
            return self._through_urllib(method, url, body, headers)
        conn = self._connection(parts.scheme, parts.netloc)
        target = parts.path or "/"
        conn.request(method, target + (f"?{parts.query}" if parts.query else ""), body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        if resp.will_close:
            self.close()
        if resp.status in _REDIRECT_STATUS:  # a POSTed query cannot safely follow one: name the new address
            data = f"moved to {resp.headers.get('Location', '?')}; point the URL there".encode()
        return resp.status, data, resp.headers.get("Content-Type", "")

    def _connection(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        key = (scheme, netloc)
        conn = self._connections.get(key)
        if conn is not None and conn.sock is not None and _closed_by_peer(conn.sock):
            conn.close()
        if conn is None:
            kind = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
            conn = self._connections[key] = kind(netloc, timeout=self.timeout)
        return conn

    def _through_urllib(self, method: str, url: str, body: bytes | None, headers: dict[str, str]):
        req = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            # a fresh opener reads the proxy settings now, as `_proxied` did (urlopen's are fixed at first use)
            with urllib.request.build_opener().open(req, timeout=self.timeout) as resp:
                return resp.status, resp.read(), resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), exc.headers.get("Content-Type", "") if exc.headers else ""

    def close(self) -> None:
        """Close the kept connections (the next request opens a new one)."""
        for conn in self._connections.values():
            conn.close()
        self._connections.clear()


def _proxied(parts: urllib.parse.SplitResult) -> bool:
    proxies = urllib.request.getproxies()
    return parts.scheme in proxies and not urllib.request.proxy_bypass(parts.hostname or "")


def _closed_by_peer(sock: socket.socket) -> bool:
    """True when a kept-alive socket is readable while no request is in flight: the server closed it."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _first_line(data: bytes) -> str:
    text = " ".join(data.decode("utf-8", "replace").split())
    return text[:300]


def _term(value: Any) -> str:
    return "UNDEF" if value is None else str(value)


class RemoteStore:
    """The part of `pyoxigraph.Store` the graph code uses, answered by a SPARQL 1.1 query endpoint.

    Read-only. Pattern lookups are remembered for the life of the object (a CLI process); once the whole
    dataset has been fetched (paths, plan digests and exports need it), patterns are answered from that copy."""

    def __init__(self, endpoints: Endpoints, http: Http | None = None):
        self.endpoints = endpoints
        self.http = http or Http()
        self._patterns: dict[tuple[str, ...], list[ox.Quad]] = {}
        self._mirror: ox.Store | None = None

    # -- SPARQL ----------------------------------------------------------------------------
    def query(self, query: str, prefixes: dict[str, str] | None = None, use_default_graph_as_union: bool = False,
              **_: Any):
        """QuerySolutions / QueryBoolean / list of Triples, as `pyoxigraph.Store.query` returns them."""
        head = "".join(f"PREFIX {k}: <{v}>\n" for k, v in (prefixes or {}).items())
        url = self.endpoints.query + ("?union-default-graph" if use_default_graph_as_union else "")
        data, ctype = self.http.send(
            "POST", url, (head + query).encode("utf-8"), what="query",
            headers={"Content-Type": "application/sparql-query; charset=utf-8",
                     "Accept": "application/sparql-results+json, application/n-triples;q=0.9"})
        ctype = ctype.split(";")[0].strip().lower()
        try:
            if ctype in ("application/n-triples", "text/plain"):
                return list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
            if ctype in ("text/turtle", "application/x-turtle"):
                return list(ox.parse(data, format=ox.RdfFormat.TURTLE))
            return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
        except (SyntaxError, ValueError) as exc:
            raise RemoteStoreError(f"graph store answered something that is not SPARQL results "
                                   f"({ctype or 'no content type'}): {one_line(exc)}") from None

    def quads_for_pattern(self, subject=None, predicate=None, object=None, graph_name=None) -> list[ox.Quad]:
        """Quads of the named graphs matching the pattern (None matches anything)."""
        if self._mirror is not None:
            return list(self._mirror.quads_for_pattern(subject, predicate, object, graph_name))
        key = (_term(subject), _term(predicate), _term(object), _term(graph_name))
        if key in self._patterns:
            return self._patterns[key]
        if key == ("UNDEF",) * 4:
            self._mirror = ox.Store()
            self._mirror.extend(self._select_quads(_SELECT_ALL))
            self._patterns.clear()
            return self.quads_for_pattern()
        fixed = [(n, t) for n, t in zip("spog", (subject, predicate, object, graph_name)) if t is not None]
        values = " ".join(f"VALUES ?{n} {{ {t} }}" for n, t in fixed)
        found = self._select_quads(f"SELECT ?s ?p ?o ?g WHERE {{ {values} GRAPH ?g {{ ?s ?p ?o }} }}")
        self._patterns[key] = found
        return found

    def _select_quads(self, text: str) -> list[ox.Quad]:
        return [ox.Quad(sol["s"], sol["p"], sol["o"], sol["g"]) for sol in self.query(text)]

    def __len__(self) -> int:
        sol = next(iter(self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")))
        return int(sol["n"].value)

    # -- Graph Store protocol and update ---------------------------------------------------
    def put_graph(self, graph: str, ntriples: bytes) -> None:
        """Replace one named graph with the given N-Triples (SPARQL 1.1 Graph Store protocol PUT)."""
        url = f"{self.endpoints.store}?{urllib.parse.urlencode({'graph': graph})}"
        self.http.send("PUT", url, ntriples, headers={"Content-Type": "application/n-triples"},
                       what=f"upload of <{graph}>")

    def update(self, text: str) -> None:
        """One SPARQL 1.1 Update request (one transaction on Oxigraph)."""
        self.http.send("POST", self.endpoints.update, text.encode("utf-8"), what="update",
                       headers={"Content-Type": "application/sparql-update; charset=utf-8"})


class RemoteGraphStore:
    """What `GoalGraph` needs from its store (see graph/store.py), backed by a SPARQL server. Read-only."""

    def __init__(self, url: str, timeout: float | None = None):
        self.url = url
        self.store = RemoteStore(Endpoints.from_url(url), Http(timeout))
        self.sources: list = []

    def _read_only(self, *_: Any, **__: Any):
        raise RemoteStoreError(f"the graph store {self.url} is read-only here; merge files locally (drop --store) "
                               f"or upload them with `goalgraph publish --write`")

    add = add_data = drop_graph = _read_only

    # the embedded store's implementations only use `self.store.quads_for_pattern` and `.query`
    graph_subjects = GraphStore.graph_subjects
    to_ntriples = GraphStore.to_ntriples
    __len__ = GraphStore.__len__
