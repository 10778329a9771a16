"""The cost of `goalgraph run` over the evaluators it runs: a plan of N mc-generic steps on a ~10M GPT-2.

Prints, for the same steps, items and model:

  (a) `goalgraph run PLAN` as one process: its wall time, and the sum of its steps' own `timing.total_s`
      (what the evaluators themselves took, model loading in the first step included). The difference is the
      plan runner's overhead: process start-up, plugin and plan loading, the spec digests, writing
      results.json and provenance.ttl after every step. Target: at most 5% of the steps' own time;
  (b) the anchor: each step run alone with `goalgraph eval` in its own process (wall times summed), which is
      what a user without plans would do. Its excess over (a) is mostly loading torch and the model N times.

It is a measurement, not a test: it exits 0 whatever the figures, non-zero only when a command fails.

    python benchmarks/bench_run.py [--steps 4] [--items 120] [--device auto] [--batch-size auto] [--json FILE]

Everything is built offline in a temporary directory: the model (`build_tiny_gpt2(n_embd=256, n_layer=8,
n_head=8)`, about 10M parameters), one item file per step (synthetic {question, choices, answer} records, so no
step can reuse another's answers) and a hand-made plan. Neither side uses a warm request store.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/goalgraph/id/"
WORDS = ("river town wallet answer friend truth stairs boxes committee honest fair rule loyalty garden lamp "
         "window letter market winter bridge signal harbour candle meadow").split()


def _items(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        question = " ".join(rng.choices(WORDS, k=rng.randint(8, 20)))
        choices = [" ".join(rng.choices(WORDS, k=rng.randint(2, 8))) for _ in range(4)]
        out.append({"question": f"{question} ({i})?", "choices": choices, "answer": rng.randrange(4)})
    return out


def _plan(files: list[Path]) -> dict:
    steps = [{"id": f"mc-{i}", "order": i, "node": ID + "approach/benchmark", "label": f"Multiple choice set {i}",
              "kind": "approach", "evaluator": "mc-generic", "status": "runnable",
              "goals": [ID + "goal/human-preferences"], "levels": [2],
              "why": [{"relation": "evaluates-goal", "node": ID + "goal/human-preferences"}],
              "citations": [ID + "paper/lin-2022-truthfulqa"], "data": {"sources": [str(f)]}}
             for i, f in enumerate(files, 1)]
    return {"title": "bench_run: N multiple-choice steps",
            "goal": {"iri": ID + "goal/human-preferences", "label": "Human preferences", "level": 2},
            "goals": [{"iri": ID + "goal/human-preferences", "label": "Human preferences", "level": 2}],
            "request": {"goal": "human-preferences"},
            "graph": {"digest": "bench", "triples": 0, "goalgraph": "0.1.0"},
            "steps": steps, "coverage": {"runnable": [s["id"] for s in steps]}, "bibliography": []}


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--items", type=int, default=120, help="items per step")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--batch-size", default="auto")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()

    from goalgraph.testing.tiny_models import build_tiny_gpt2

    env = {**os.environ, "TRANSFORMERS_VERBOSITY": "error", "HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        root = Path(tmp)
        env["XDG_CACHE_HOME"] = str(root / "xdg")
        model = build_tiny_gpt2(root / "model", n_embd=256, n_layer=8, n_head=8, n_positions=512)
        files = []
        for i in range(args.steps):
            f = root / f"items-{i + 1}.jsonl"
            f.write_text("".join(json.dumps(it) + "\n" for it in _items(args.items, seed=i)))
            files.append(f)
        plan = root / "plan.json"
        plan.write_text(json.dumps(_plan(files), indent=2))
        gg = [sys.executable, "-m", "goalgraph"]
        common = ["--model", str(model), "--device", args.device, "--batch-size", str(args.batch_size)]

        run_wall = _timed(gg + ["run", str(plan), *common, "--output", str(root / "run")], env)
        results = json.loads((root / "run" / "results.json").read_text())
        own = sum(s["seconds"] for s in results["steps"])
        params = results["model"]["describe"].get("parameters")

        eval_walls = [_timed(gg + ["eval", "mc-generic", *common, "--data", str(f), "--no-cache",
                                   "--output", str(root / "eval" / f"{f.stem}.json")], env) for f in files]
        for step, f in zip(results["steps"], files):
            alone = json.loads((root / "eval" / f"{f.stem}.json").read_text())
            if alone["metrics"] != step["metrics"]:
                sys.exit(f"{step['id']}: goalgraph run and goalgraph eval disagree")

    anchor = sum(eval_walls)
    overhead = (run_wall - own) / own
    figures = {"steps": args.steps, "items_per_step": args.items, "parameters": params,
               "device": results["run"]["device"], "run_wall_s": round(run_wall, 3),
               "steps_own_s": round(own, 3), "overhead": round(overhead, 4),
               "eval_processes_wall_s": round(anchor, 3), "eval_over_run": round(anchor / run_wall, 3)}
    print(f"model: GPT-2, {params:,} parameters, device {figures['device']}; {args.steps} steps x {args.items} items")
    print(f"(a) goalgraph run           wall {run_wall:8.2f} s   steps' own time {own:8.2f} s   "
          f"overhead {100 * overhead:+.1f}%  ({'PASS' if overhead <= 0.05 else 'FAIL'} against <= 5%)")
    print(f"(b) goalgraph eval x {args.steps:<3}    wall {anchor:8.2f} s   "
          f"= {anchor / run_wall:.2f}x the plan run ({anchor - run_wall:+.2f} s)")
    print("    per eval process: " + ", ".join(f"{w:.2f}" for w in eval_walls) + " s")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
