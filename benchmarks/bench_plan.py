"""`goalgraph plan` cold start for each of the four goal levels, against bare `python -c pass` measured in the same
run. Prints figures; asserts nothing. Target: a cold plan within 0.5 s.

    python benchmarks/bench_plan.py [--runs 15]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

from bench_graph import wall   # the same cold-start timer the graph benchmark uses

LEVELS = ("human-instructions", "human-preferences", "value-principles", "basic-values")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "GOALGRAPH_GRAPH"}
    exe = Path(sys.executable).with_name("goalgraph")
    plan = [str(exe), "plan"] if exe.exists() else [sys.executable, "-m", "goalgraph", "plan"]
    wall([sys.executable, "-c", "pass"], 2, env)                 # warm the page cache and the plugin snapshot
    wall([*plan, "--goal", LEVELS[0]], 2, env)
    base = statistics.median(wall([sys.executable, "-c", "pass"], args.runs, env))
    print(f"== goalgraph plan, cold (median of {args.runs} runs, wall seconds; target <= 0.5 s)")
    print(f"  {'python -c pass':<42}{base:7.3f} s   1.00x")
    for level in LEVELS:
        times = wall([*plan, "--goal", level], args.runs, env)
        med = statistics.median(times)
        label = f"goalgraph plan --goal {level}"
        print(f"  {label:<42}{med:7.3f} s  {med / base:5.2f}x   (max {max(times):.3f} s)")


if __name__ == "__main__":
    main()
