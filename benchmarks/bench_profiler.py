"""Value-profiler throughput on the CPU against the bare embedder. Prints figures; asserts nothing.

The anchor is what the profiler cannot avoid: sentence-transformers' own `model.encode(texts, batch_size=32)` on
the same texts with the same loaded model. The profiler adds normalisation, a (texts × values) product with the
cached description anchors, a softmax and the conversion to Python lists; the target is an overhead of at most
1.2× the anchor's time. Both run in the same process, interleaved round by round (so a busy machine slows both
alike), after a warm-up. Rates are the median round's; the ratio is the median of the per-round ratios (each
pair ran back to back) and, beside it, best round against best round, the least disturbed by a busy machine.
On a small shared machine, `--threads 1` avoids thread oversubscription that makes every round noisy.

    python benchmarks/bench_profiler.py [--texts 500] [--rounds 5] [--threads N] [--mode zero-shot|supervised]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "plugins"))    # goalgraph_builtins from a checkout

WHO = ["She", "He", "My neighbour", "Our manager", "The student", "My grandmother", "The volunteer", "A friend"]
DID = ["helped a stranger carry heavy bags", "saved half of every salary for emergencies",
       "quit a steady job to travel the world", "worked late every night to win the award",
       "kept the family's holiday customs exactly as before", "followed the rules even when nobody was watching",
       "bought the biggest house on the street", "spent the weekend relaxing at a spa",
       "chose her own path instead of the family business", "campaigned to protect the river from pollution"]
WHY = ["because people close to us matter most", "because a secure future comes first",
       "because life should be an adventure", "because success has to be earned",
       "because tradition gives life meaning", "because that is what is expected",
       "because status and control matter", "because life is for enjoying",
       "because nobody else should decide", "because everyone deserves a fair chance"]


def make_texts(n: int, seed: int = 0) -> list[str]:
    """n distinct sentences of 12-40 words, seeded."""
    rng = random.Random(seed)
    texts: set[str] = set()
    while len(texts) < n:
        parts = [f"{rng.choice(WHO)} {rng.choice(DID)} {rng.choice(WHY)}."]
        for _ in range(rng.randint(0, 2)):
            parts.append(f"{rng.choice(WHO)} {rng.choice(DID)} {rng.choice(WHY)}.")
        texts.add(" ".join(parts))
    return sorted(texts, key=lambda t: rng.random())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--texts", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: leave torch's default)")
    ap.add_argument("--mode", choices=("zero-shot", "supervised"), default="zero-shot")
    args = ap.parse_args()

    import torch
    from goalgraph_builtins.profiler.value_descriptions import SCHWARTZ

    from goalgraph.runtime.embeddings import Embedder
    from goalgraph.values.profiler import SupervisedProfiler, ZeroShotProfiler, load_valuenet

    if args.threads:
        torch.set_num_threads(args.threads)
    texts = make_texts(args.texts)
    t0 = time.perf_counter()
    embedder = Embedder.load(None, device="cpu", batch_size=32)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    if args.mode == "zero-shot":
        profiler = ZeroShotProfiler(embedder, SCHWARTZ)
    else:
        labelled = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "profiler" / "synthetic_valuenet.csv"
        profiler = SupervisedProfiler.train(embedder, load_valuenet(labelled), holdout=0.0)
    setup_s = time.perf_counter() - t0
    model = embedder.model

    def bare() -> None:
        model.encode(texts, batch_size=32)

    def profiled() -> None:
        _ = profiler.profile(texts).mean

    bare()
    profiled()                                        # warm-up: first-call allocations, thread pools
    times: dict[str, list[float]] = {"bare": [], "profiler": []}
    for r in range(args.rounds):
        order = [("bare", bare), ("profiler", profiled)]
        for name, fn in (order if r % 2 == 0 else order[::-1]):
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)

    med = {k: statistics.median(v) for k, v in times.items()}
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(f"value profiler ({args.mode}) vs bare sentence-transformers encode, CPU")
    print(f"  model all-MiniLM-L6-v2 (bundled), load {load_s:.2f} s; profiler set-up {setup_s:.2f} s (once)")
    print(f"  {len(texts)} texts, {words:.1f} words on average; batch 32; torch threads {torch.get_num_threads()}; "
          f"{args.rounds} interleaved rounds, median")
    print(f"  bare model.encode      {len(texts) / med['bare']:8.1f} texts/s   ({med['bare']:.3f} s)")
    print(f"  profiler.profile       {len(texts) / med['profiler']:8.1f} texts/s   ({med['profiler']:.3f} s)")
    paired = statistics.median(p / b for p, b in zip(times["profiler"], times["bare"]))
    best = min(times["profiler"]) / min(times["bare"])
    print(f"  overhead ratio         {paired:8.3f}×  median of per-round ratios (target ≤ 1.2×); "
          f"best round against best round {best:.3f}×")
    spread = {k: (min(v), max(v)) for k, v in times.items()}
    print("  round range: " + ", ".join(f"{k} {lo:.3f}-{hi:.3f} s" for k, (lo, hi) in spread.items()))


if __name__ == "__main__":
    main()
