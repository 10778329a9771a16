"""Plugin benchmarks. Prints figures; asserts nothing. Anchors measured in the same run:

1. cold `goalgraph plugins list` with N generated plugins installed, against bare `python -c pass`;
2. whether listing imported any component module (it must not);
3. cold `goalgraph show dpo` with the N plugins installed (snapshot warm) against no plugins installed.

    python benchmarks/bench_plugins.py [--plugins 20] [--runs 15]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PLUGIN = '''from goalgraph.registry import hookimpl

@hookimpl
def register_evaluators(register):
    register(id="{name}-eval", title="{name} evaluator", entry="{name}_component:Scorer",
             attaches_to=["{node}"], needs=["loglikelihood"], metrics=[{{"name": "acc", "higher_is_better": True}}])
'''
# The component pretends to be heavy: importing it would be visible (and slow).
COMPONENT = "import time\ntime.sleep(0.2)\nclass Scorer:\n    pass\n"
NODES = ["benchmark/truthfulqa", "benchmark/bbq", "benchmark/crows-pairs", "benchmark/mmlu", "instrument/svs"]


def make_site(folder: Path, n: int) -> list[str]:
    names = []
    for i in range(n):
        name = f"benchplug{i:02d}"
        (folder / f"{name}.py").write_text(PLUGIN.format(name=name, node=NODES[i % len(NODES)]))
        (folder / f"{name}_component.py").write_text(COMPONENT)
        info = folder / f"{name}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[goalgraph]\n{name} = {name}\n")
        names.append(name)
    return names


def median_wall(cmd: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
        times.append(time.perf_counter() - t)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plugins", type=int, default=20)
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    exe = str(Path(sys.executable).with_name("goalgraph"))
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        site.mkdir()
        make_site(site, args.plugins)
        base_env = {k: v for k, v in os.environ.items() if k not in ("GOALGRAPH_GRAPH", "PYTHONPATH")}
        with_plugins = {**base_env, "PYTHONPATH": str(site), "XDG_CACHE_HOME": str(Path(tmp) / "cache-a")}
        without = {**base_env, "XDG_CACHE_HOME": str(Path(tmp) / "cache-b")}

        bare, _ = median_wall([sys.executable, "-c", "pass"], base_env, args.runs)
        fresh, fresh95 = median_wall([exe, "plugins", "list", "--json", "--refresh"], with_plugins, args.runs)
        listed, listed95 = median_wall([exe, "plugins", "list", "--json"], with_plugins, args.runs)
        print(f"== {args.plugins} plugins installed (median of {args.runs} cold runs)")
        print(f"  python -c pass                           {bare:6.3f} s   1.00x")
        print(f"  goalgraph plugins list --json --refresh  {fresh:6.3f} s  {fresh / bare:5.1f}x   (p95 {fresh95:.3f} s;"
              " imports every plugin, as the first run after an install does; target <= 0.6 s)")
        print(f"  goalgraph plugins list --json            {listed:6.3f} s  {listed / bare:5.1f}x   (p95 {listed95:.3f} s;"
              " snapshot still valid)")

        probe = ("import sys, io, contextlib\nfrom goalgraph.cli import main\nbuf = io.StringIO()\n"
                 "with contextlib.redirect_stdout(buf):\n    try:\n        main(['plugins', 'list', '--json', '--refresh'])\n"
                 "    except SystemExit:\n        pass\n"
                 "print(sum(1 for m in sys.modules if m.endswith('_component')), buf.getvalue().count('\"loaded\"'))")
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=with_plugins).stdout.split()
        print(f"  component modules imported while listing: {out[0]} (plugins loaded: {out[1]})")

        subprocess.run([exe, "show", "dpo"], stdout=subprocess.DEVNULL, env=with_plugins, check=True)  # snapshot
        subprocess.run([exe, "show", "dpo"], stdout=subprocess.DEVNULL, env=without, check=True)
        show_plain, _ = median_wall([exe, "show", "dpo"], without, args.runs)
        show_plugins, show95 = median_wall([exe, "show", "dpo"], with_plugins, args.runs)
        print(f"  goalgraph show dpo, no plugins {show_plain:6.3f} s   1.00x")
        print(f"  goalgraph show dpo, {args.plugins} plugins {show_plugins:6.3f} s  {show_plugins / show_plain:5.2f}x   "
              f"(p95 {show95:.3f} s)")


if __name__ == "__main__":
    main()
