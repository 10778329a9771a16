"""Graph-path benchmarks. Prints figures; asserts nothing. Anchors are measured in the same run:

1. cold start: `goalgraph show dpo` against bare `python -c pass` (and `import goalgraph`);
2. every competency query, warm, p50/p95 on pyoxigraph, and the same query on rdflib (the anchor);
3. the same queries on a synthetic graph of about 1M triples, pyoxigraph vs rdflib.

    python benchmarks/bench_graph.py [--runs 15] [--repeat 30] [--copies 130] [--skip-large]
"""
from __future__ import annotations

import argparse
import functools
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from goalgraph.graph.namespaces import ID, PREFIXES  # noqa: E402
from goalgraph.graph.queries import list_queries  # noqa: E402
from goalgraph.graph.sources import bundled_sources  # noqa: E402

# Kinds copied in the synthetic graph; shared nodes (levels, paradigms, approaches, challenges,
# aspects, taxonomies) stay single, so aggregate queries really aggregate over all copies.
print = functools.partial(print, flush=True)  # noqa: A001 - progress shows while the long part runs


class Capped(Exception):
    """rdflib ran past the per-query time cap."""


def _alarm(signum, frame):
    raise Capped()


REPLICATED = ("method", "benchmark", "dataset", "paper", "classifier", "instrument", "dimension", "theory")


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def wall(cmd: list[str], runs: int, env: dict[str, str]) -> list[float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
        times.append(time.perf_counter() - t)
    return times


def bench_startup(runs: int) -> None:
    env = {k: v for k, v in os.environ.items() if k != "GOALGRAPH_GRAPH"}
    exe = Path(sys.executable).with_name("goalgraph")
    show = [str(exe), "show", "dpo"] if exe.exists() else [sys.executable, "-m", "goalgraph", "show", "dpo"]
    wall([sys.executable, "-c", "pass"], 2, env)  # warm the page cache
    wall(show, 2, env)
    base = wall([sys.executable, "-c", "pass"], runs, env)
    imp = wall([sys.executable, "-c", "import goalgraph"], runs, env)
    cold = wall(show, runs, env)
    b = statistics.median(base)
    print("== start-up (median of %d runs, wall seconds)" % runs)
    print(f"  python -c pass            {b:7.3f} s   1.00x")
    print(f"  python -c 'import goalgraph' {statistics.median(imp):7.3f} s   {statistics.median(imp) / b:5.2f}x")
    print(f"  goalgraph show dpo        {statistics.median(cold):7.3f} s   {statistics.median(cold) / b:5.2f}x"
          f"   (p95 {pct(cold, 0.95):.3f} s; target <= 0.35 s)")


def load_oxigraph(paths: list[Path]):
    import pyoxigraph as ox

    store = ox.Store()
    for p in paths:
        fmt = ox.RdfFormat.N_TRIPLES if p.suffix == ".nt" else ox.RdfFormat.TURTLE
        store.bulk_load(path=str(p), format=fmt)
    return store


def load_rdflib(paths: list[Path]):
    import rdflib

    g = rdflib.Graph()
    for p in paths:
        g.parse(str(p), format="nt" if p.suffix == ".nt" else "turtle")
    return g


def time_queries(store, graph, repeat: int, rdflib_repeat: int, label: str, cap: int = 0) -> None:
    import rdflib  # noqa: F401  (imported for its SPARQL engine)
    from rdflib.plugins.sparql import prepareQuery

    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
    print(f"== competency queries on {label}")
    print(f"  {'query':34} {'rows':>6} {'oxigraph p50':>13} {'p95':>9} {'rdflib p50':>11} {'ratio':>8}")
    ratios = []
    for q in list_queries():
        ox_times, rows = [], 0
        for _ in range(repeat):
            t = time.perf_counter()
            rows = len(list(store.query(q.text, prefixes=PREFIXES)))
            ox_times.append(time.perf_counter() - t)
        rl_times, failure, capped = [], None, False
        if graph is not None:
            try:
                prepared = prepareQuery(prologue + q.text)
                for _ in range(rdflib_repeat):
                    t = time.perf_counter()
                    if cap:
                        signal.signal(signal.SIGALRM, _alarm)
                        signal.alarm(cap)
                    try:
                        rl_rows = len(list(graph.query(prepared)))
                    finally:
                        signal.alarm(0)
                    rl_times.append(time.perf_counter() - t)
                if rl_rows != rows:
                    failure = f"rdflib returned {rl_rows} rows, oxigraph {rows}"
            except Capped:
                rl_times, capped = [float(cap)], True
                failure = f"rdflib stopped at the {cap} s cap: ratio is a lower bound"
            except Exception as exc:  # rdflib's engine rejects some valid queries
                rl_times, failure = [], f"rdflib failed: {type(exc).__name__}: {str(exc)[:60]}"
        o50 = pct(ox_times, 0.5)
        line = f"  {q.name:34} {rows:6d} {o50 * 1e3:10.2f} ms {pct(ox_times, 0.95) * 1e3:6.2f} ms"
        if rl_times:
            r50 = pct(rl_times, 0.5)
            ratios.append(r50 / o50)
            line += f" {r50 * 1e3:8.1f} ms {'>' if capped else ' '}{r50 / o50:6.1f}x"
        if failure:
            line += f"   [{failure}]"
        print(line)
    if ratios:
        gm = statistics.geometric_mean(ratios)
        print(f"  pyoxigraph speed-up over rdflib on {len(ratios)} queries both engines ran: geometric mean {gm:.1f}x, "
              f"min {min(ratios):.1f}x, max {max(ratios):.1f}x")


def synthetic(copies: int, out: Path) -> int:
    """Replicate the bundled graph's instances `copies` times into one N-Triples file."""
    import pyoxigraph as ox

    store = load_oxigraph([s.path for s in bundled_sources()])
    base = [(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, None)]

    def rename(term, k):
        if isinstance(term, ox.NamedNode) and term.value.startswith(ID):
            kind = term.value[len(ID):].split("/", 1)[0]
            if kind in REPLICATED and k:
                return f"<{term.value}-c{k}>"
        return str(term)

    n = 0
    with out.open("w", encoding="utf-8") as fh:
        for k in range(copies):
            for s, p, o in base:
                fh.write(f"{rename(s, k)} {p} {rename(o, k)} .\n")
                n += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=15, help="cold-start runs per command")
    ap.add_argument("--repeat", type=int, default=30, help="warm repetitions per query (bundled graph)")
    ap.add_argument("--copies", type=int, default=130, help="copies of the bundled graph in the large graph")
    ap.add_argument("--skip-large", action="store_true", help="skip the ~1M-triple comparison")
    ap.add_argument("--cap", type=int, default=60, help="seconds rdflib may spend on one query of the large graph")
    args = ap.parse_args()

    bench_startup(args.runs)

    files = [s.path for s in bundled_sources()]
    t = time.perf_counter()
    store = load_oxigraph(files)
    t_ox = time.perf_counter() - t
    t = time.perf_counter()
    graph = load_rdflib(files)
    t_rl = time.perf_counter() - t
    print(f"== bundled graph: {len(store)} triples; parse pyoxigraph {t_ox * 1e3:.0f} ms, rdflib {t_rl * 1e3:.0f} ms "
          f"({t_rl / t_ox:.1f}x)")
    time_queries(store, graph, args.repeat, max(3, args.repeat // 5), "the bundled graph (warm)")

    if args.skip_large:
        return
    with tempfile.TemporaryDirectory() as tmp:
        nt = Path(tmp) / "synthetic.nt"
        n = synthetic(args.copies, nt)
        t = time.perf_counter()
        big = load_oxigraph([nt])
        t_ox = time.perf_counter() - t
        t = time.perf_counter()
        big_rl = load_rdflib([nt])
        t_rl = time.perf_counter() - t
        print(f"== synthetic graph: {n} triples written, {len(big)} distinct; load pyoxigraph {t_ox:.1f} s, "
              f"rdflib {t_rl:.1f} s ({t_rl / t_ox:.1f}x)")
        time_queries(big, big_rl, 3, 1, f"~{len(big) / 1e6:.2f}M triples", cap=args.cap)


if __name__ == "__main__":
    main()
