"""Data-parallel `goalgraph eval` under torchrun on this machine's CPUs: scaling and the launcher's overhead.

Three runs of `goalgraph eval mc-generic` on the same items and model, each with a fresh request store and
one thread per process (OMP_NUM_THREADS=1):

- plain: one process, no launcher (the baseline every ratio is against);
- torchrun world size 1: the same under `torchrun --nproc-per-node 1` (WORLD_SIZE=1 takes the plain path,
  so this is the launcher's cost: target overhead <= 5%);
- torchrun world size 2: two ranks, one thread each (target: >= 1.7x the plain run).

Printed per run: the whole-process wall time, the answer phase (model work + gather, from the result JSON)
and the ratio against the plain run; the metrics must agree to 1e-6. It is a measurement, not a test.

    python benchmarks/bench_distributed.py [--items 300] [--repeats 1] [--n-embd 256] [--n-layer 8]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from goalgraph.testing.servers import free_port  # noqa: E402


def run(nproc: int | None, model: Path, data: Path, work: Path, name: str) -> dict:
    out, store = work / name / "r.json", work / name / "store"
    args = ["eval", "mc-generic", "--model", str(model), "--data", str(data), "--device", "cpu",
            "--output", str(out), "--cache-dir", str(store)]
    if nproc is None:
        cmd = [sys.executable, "-m", "goalgraph", *args]
    else:
        cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(nproc), "--master-addr",
               "127.0.0.1", "--master-port", str(free_port()), "-m", "goalgraph", *args]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_VERBOSITY": "error", "XDG_CACHE_HOME": str(work / "xdg")}
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{name} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    doc = json.loads(out.read_text())
    return {"wall_s": wall, "answer_s": doc["timing"]["answer_s"], "metrics": doc["metrics"],
            "computed": doc["requests"]["computed"], "per_rank": doc.get("distributed", {}).get("computed_per_rank")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--items", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=1, help="runs of each configuration; the fastest counts")
    ap.add_argument("--n-embd", type=int, default=256)
    ap.add_argument("--n-layer", type=int, default=8)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    a = ap.parse_args()
    from bench_run import _items as items           # the same synthetic mc-generic items as bench_run
    from goalgraph.testing.tiny_models import build_tiny_gpt2

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model = build_tiny_gpt2(work / "model", n_embd=a.n_embd, n_layer=a.n_layer, n_head=8, n_positions=512)
        data = work / "mc.jsonl"
        data.write_text("".join(json.dumps(r) + "\n" for r in items(a.items, 0)))
        configs = [("plain, 1 process x 1 thread", None), ("torchrun world size 1", 1),
                   ("torchrun world size 2 (1 thread each)", 2)]
        best: dict[str, dict] = {}
        for rep in range(a.repeats):
            for label, nproc in configs:
                r = run(nproc, model, data, work, f"{nproc}-{rep}")
                if label not in best or r["wall_s"] < best[label]["wall_s"]:
                    best[label] = r
        base = best[configs[0][0]]
        print(f"{a.items} mc-generic items, GPT-2 n_embd={a.n_embd} n_layer={a.n_layer}, "
              f"{base['computed']} requests, {os.cpu_count()} CPUs, best of {a.repeats}")
        print(f"{'configuration':<40} {'wall s':>8} {'answer s':>9} {'wall x':>7} {'answer x':>9}  per rank")
        for label, _ in configs:
            r = best[label]
            print(f"{label:<40} {r['wall_s']:8.2f} {r['answer_s']:9.2f} {base['wall_s'] / r['wall_s']:7.3f} "
                  f"{base['answer_s'] / r['answer_s']:9.3f}  {r['per_rank'] or '-'}")
            drift = max(abs(r["metrics"][k] - base["metrics"][k]) for k in base["metrics"])
            assert drift <= 1e-6, f"{label}: metrics differ by {drift}"
        ws1 = best[configs[1][0]]
        ws2 = best[configs[2][0]]
        overhead = ws1["wall_s"] / base["wall_s"] - 1
        speedup = base["wall_s"] / ws2["wall_s"]
        print(f"overhead of torchrun at world size 1: {overhead:+.1%} of the plain wall time "
              f"(target <= 5%): {'PASS' if overhead <= 0.05 else 'FAIL'}")
        print(f"world size 2 vs plain: {speedup:.2f}x wall, {base['answer_s'] / ws2['answer_s']:.2f}x answer phase "
              f"(target >= 1.7x): {'PASS' if speedup >= 1.7 else 'FAIL'}")
        print("metrics identical to 1e-6 across the three runs")
        if a.json:
            a.json.write_text(json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "metrics"}
                                          for k, v in best.items()}, indent=2))


if __name__ == "__main__":
    main()
