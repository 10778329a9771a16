"""Remote vs embedded: every competency query, warm, through `GoalGraph.query` on the embedded pyoxigraph store
and through `RemoteStore` on an `oxigraph serve` over loopback (started here, stopped at the end). Prints
p50/p95 in ms and the p50 difference; the target is a difference of at most 5 ms. Asserts nothing.
The server runs twice: on disk (`--location`, RocksDB: what a team runs) and in memory (no `--location`, the
same storage as the embedded store), which separates the cost of HTTP + JSON from that of the storage backend.

    python benchmarks/bench_remote.py [--repeat 40]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import goalgraph  # noqa: E402
from goalgraph.graph.api import GoalGraph  # noqa: E402
from goalgraph.graph.queries import list_queries  # noqa: E402
from goalgraph.graph.remote import Endpoints, RemoteStore  # noqa: E402
from goalgraph.run.publish import collect, publish  # noqa: E402
from goalgraph.testing.servers import OxigraphServer  # noqa: E402

TARGET_MS = 5.0


def _times(fn, repeat: int) -> tuple[float, float]:
    fn()  # warm
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    out.sort()
    return statistics.median(out), out[min(len(out) - 1, int(0.95 * len(out)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=40)
    args = ap.parse_args()
    embedded, parts = goalgraph.load(include_env=False), collect()
    with tempfile.TemporaryDirectory() as tmp:
        for root, what in ((tmp, "on disk: --location, RocksDB"), (None, "in memory: no --location")):
            _compare(embedded, parts, root, what, args.repeat)


def _compare(embedded, parts, root: str | None, what: str, repeat: int) -> None:
    try:
        server = OxigraphServer(os.path.join(root, "db") if root else None)
    except RuntimeError as exc:
        sys.exit(str(exc))
    with server:
        url = server.url
        publish(RemoteStore(Endpoints.from_url(url)), parts)
        remote = GoalGraph.remote(url)
        print(f"\nserver {url} ({what}); {repeat} warm runs per query\n")
        print(f"{'query':34} {'embedded p50':>12} {'p95':>7} {'remote p50':>10} {'p95':>7} {'diff p50':>9}")
        worst = 0.0
        for q in list_queries():
            e50, e95 = _times(lambda: embedded.query(q.text), repeat)
            r50, r95 = _times(lambda: remote.query(q.text), repeat)
            worst = max(worst, r50 - e50)
            print(f"{q.name:34} {e50:12.2f} {e95:7.2f} {r50:10.2f} {r95:7.2f} {r50 - e50:+9.2f}")
        verdict = "meets" if worst <= TARGET_MS else "misses"
        print(f"\nworst p50 difference {worst:+.2f} ms: {verdict} the target of <= {TARGET_MS:g} ms")


if __name__ == "__main__":
    main()
