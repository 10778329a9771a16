"""Local services for tests and benchmarks: a free loopback port, and an `oxigraph serve` on it.

Standard library only; the Oxigraph server comes from the `oxigraph` PyPI package (goalgraph's `dev` extra)."""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (for a server or a torchrun rendezvous)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph_executable() -> str | None:
    """The `oxigraph` command beside this Python, else on PATH, else None."""
    return shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")


class OxigraphServer:
    """One `oxigraph serve` on a free loopback port: on disk under `location`, in memory without one.
    Waits until it answers; `stop()` ends it (also as a context manager)."""

    def __init__(self, location: str | Path | None = None, start_timeout_s: float = 20.0):
        exe = oxigraph_executable()
        if exe is None:
            raise RuntimeError("the Oxigraph server is not installed: pip install oxigraph")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/query"
        where = ["--location", str(location)] if location is not None else []
        self.proc = subprocess.Popen([exe, "serve", *where, "--bind", f"127.0.0.1:{self.port}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + start_timeout_s
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                self.counts()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("oxigraph serve did not start")

    def counts(self) -> dict[str, int]:
        """Triples per named graph, asked of the server directly (not through goalgraph's client)."""
        req = urllib.request.Request(
            self.url, data=b"SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
            headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(req, timeout=5) as resp:
            rows = json.load(resp)["results"]["bindings"]
        return {r["g"]["value"]: int(r["n"]["value"]) for r in rows}

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def __enter__(self) -> "OxigraphServer":
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
