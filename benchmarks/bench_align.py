"""Training speed of goalgraph's own aligner loop against TRL's trainers, on the same model, data and batches.

For DPO (`goalgraph.align.train_dpo` against `trl.DPOTrainer`) and SFT (`train_sft` against `trl.SFTTrainer`,
loss on completions only) it prints, per model and thread count: wall seconds and training tokens per second over
the steady steps, the warm-up steps apart, the whole run, peak memory, and the loss of the first and the last step
of both loops, with the ratios ours/TRL. It is a measurement, not a test: it exits 0 whatever the figures,
non-zero only when a run fails or the two loops were not fed the same tokens.

    python benchmarks/bench_align.py [--steps 16] [--warmup 2] [--threads 1,2] [--batch-size 8]
        [--aligners dpo,sft] [--reference precompute|live] [--vocab 32000] [--vocab-threads N] [--vocab-steps 8]
        [--dpo-lr 1e-6] [--sft-lr 2e-5] [--n-embd 256] [--n-layer 8] [--json FILE] [--keep DIR]

Every measurement runs in its own process (a fresh torch with `torch.set_num_threads(N)`, OMP/MKL limited to N,
HF_HUB_OFFLINE=1, HF_HOME in the scratch directory); the two loops of one configuration run back to back, in
alternating order. The share of the CPUs that other processes used during each run is printed (a warning above
10%): on a 2-core machine any other work skews the timings, above all with 2 threads. About 4 minutes with the
defaults on an idle 2-core machine.

What is compared
----------------
- Models: `goalgraph.testing.build_tiny_gpt2(n_embd=256, n_layer=8, n_head=8)`, a random-init GPT-2 with its
  512-token byte-level BPE, 6.5M parameters, run with each of `--threads`; and a copy whose output layer (tied to the
  input embeddings) is widened to `--vocab` 32,000 rows (14.6M parameters; the tokenizer still uses its 512 ids, but
  every softmax runs over 32,000 logits, as in a real model), run with the most threads for `--vocab-steps` steps.
  float32, CPU; both loops load the same files with `AutoModelForCausalLM.from_pretrained(dtype=float32)`.
- Data: 64 preference rows written here (16 everyday situations x 4 prompt framings, our own words); the prompt
  ends on a non-space character and each answer starts with a space, so goalgraph's lm-eval-style pair encoding
  and TRL's prompt / prompt+answer encoding give the same token ids (checked for every row before any run).
  SFT uses prompt + chosen answer.
- Same batches in the same order: goalgraph's loop draws its order from seeded permutations
  (`goalgraph.align.train._order`); the TRL trainer gets a sampler that yields exactly that order (TRL's own
  RandomSampler would draw another). TRL's batches are checked to hold the expected tokens at every step.
- Same settings: batch size B (pairs or rows), gradient accumulation 1, the same max_length (no sequence is cut),
  the same learning rate (by default each library's default: 1e-6 DPO, 2e-5 SFT) decaying linearly to 0 without
  warm-up (ours `warmup_ratio=0`, TRL `warmup_steps=0`: their warm-up formulas differ), AdamW without weight decay,
  gradient clipping at 1.0, seed 0, no checkpoints, no eval, no reporting; DPO: sigmoid loss, beta 0.1, summed
  log-probs, dropout off; SFT: loss on completion tokens averaged over the step's completion tokens, dropout off on
  both sides (ours `disable_dropout=True`; TRL's model through `trl.trainer.utils.disable_dropout_in_model`, as
  SFTTrainer has no switch), so both losses are deterministic and comparable step by step.
- TRL defaults changed because they would make the comparison unfair: `gradient_checkpointing` (TRL: on; off here,
  as in ours), `bf16` (TRL: on; fp32 here, as ours), `precompute_ref_log_probs` (TRL: off, ours: on; `--reference`
  sets both loops alike: `precompute` (default) computes the reference log-probs once before training, batch B, and
  trains without a reference model; `live` runs a frozen reference copy next to the policy at every step, TRL's
  default, with ours `precompute_ref_logps=False`), `max_length` (TRL: 1024, beyond the model's 256 positions).
  Left at TRL's defaults, and stated: its optimizer (`adamw_torch_fused`; ours: `torch.optim.AdamW`, unfused), its
  fused LM head (log-probs in tiles without the full logits, recomputed in the backward pass, plus per-token
  entropy, mean logit and top-1 for its metrics; on a device without Triton, such as the CPU, it scores every
  position; ours builds the logits of every position once), `padding_free=False`, `pad_to_multiple_of` (none on
  CPU), `truncation_mode="keep_start"` (unused: nothing is cut).
- Instrumentation, the same on both sides and negligible: ours gets an `on_step` callback, and the loop's `_step`
  is wrapped to note when the first step starts; TRL gets a subclass whose `_get_train_sampler` returns the order
  above, whose `compute_loss` notes each step's loss and token count, and whose `_precompute_ref_logps` is timed,
  plus a callback noting the end of each step (its PrinterCallback removed). TRL's model is written at the end
  (`save_model`) because ours always writes it.

Tokens per second
-----------------
The tokens of a step are the real (non-pad) tokens of the sequences fed to the policy in that step: for DPO each
pair gives two sequences, prompt+chosen+EOS and prompt+rejected+EOS; for SFT each row gives prompt+completion+EOS.
Prompt tokens count (the policy runs over them); padding does not, nor do the reference model's passes. The count
is computed once per row from the data with the model's tokenizer (goalgraph's encoding, checked equal to TRL's
tokenisation of the same row) and summed over each step's batch; it is the same number for both loops, and TRL's
own `num_tokens` counter (the attention-mask sum) is checked against it. Tokens/s = tokens of the steady steps /
their wall time, where a step's time runs from the end of the previous optimizer step to the end of this one
(batch assembly, forward, backward, clipping, optimizer, each loop's own metrics). The first `--warmup` steps are
left out of the steady figures and reported apart; "whole run" is the training call after the libraries are
imported up to the saved model (model and data loading, tokenisation, reference pass, all steps, writing the model);
"imports" is process start to that point.

Losses: the first step's DPO loss is ln 2 = 0.693147 on both sides (policy = reference). The last step's loss is
that step's batch loss before its update; with the same batches and settings the two differ only by float rounding
(other kernels and summation orders: fused LM head, fused AdamW). The SFT losses are large (about 36 nats per
token at first) because the model is random and `build_tiny_gpt2` sharpens its logits.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_eval import _cpu_busy_s   # the same /proc/stat reading as the evaluation benchmark

REPO = Path(__file__).resolve().parent.parent
CONTENTION_WARN = 0.10  # other processes' share of the CPUs during a run above which the timings are flagged

# 16 everyday situations with a better and a worse answer (our own words), asked in 4 framings: 64 rows.
SITUATIONS = [
    ("I found a wallet with cash in it on the bus",
     "Hand it to the driver or the lost property office, so the owner can get it back.",
     "Keep the cash, nobody saw you pick it up."),
    ("my colleague takes credit for work I did",
     "Talk to your colleague calmly first, then tell your manager what you did if it happens again.",
     "Take credit for their next piece of work to get even."),
    ("I broke a plate at a friend's house",
     "Tell your friend, say sorry and offer to replace it.",
     "Hide the pieces in the bin and say nothing."),
    ("my neighbour's music is loud late at night",
     "Knock on the door and ask politely if they could turn it down after ten.",
     "Turn your own music up louder so they know how it feels."),
    ("a shop gave me too much change",
     "Go back and return the extra money to the cashier.",
     "Keep it, the shop will never notice."),
    ("my younger brother asks for help with his homework",
     "Sit with him and help him understand the steps, but let him do the work himself.",
     "Do the homework for him so it is finished quickly."),
    ("I promised to help a friend move but I feel tired",
     "Keep your promise if you can, or call early and offer another day.",
     "Do not answer the phone and hope they ask someone else."),
    ("a classmate is being teased by the others",
     "Stand next to your classmate, tell the others to stop and tell a teacher if it goes on.",
     "Laugh along so the others do not turn on you."),
    ("I made a mistake in a report that my team already sent",
     "Tell your team about the mistake and send a correction as soon as possible.",
     "Wait and see if anyone notices before saying anything."),
    ("my friend asks what I think of her new haircut and I do not like it",
     "Be kind and honest: say what you like about it and that you preferred it longer.",
     "Tell her it looks terrible and everyone will laugh."),
    ("I have to choose between a party and studying for an exam tomorrow",
     "Study tonight and celebrate after the exam, when you can enjoy it.",
     "Go to the party and copy a friend's answers in the exam."),
    ("an old man drops his shopping in the street",
     "Stop, help him pick it up and ask if he needs help getting home.",
     "Walk past quickly, someone else will help him."),
    ("I borrowed a book from the library and spilled coffee on it",
     "Take it back, explain what happened and pay for the damage.",
     "Put it back on the shelf when nobody is looking."),
    ("my team wants to cut corners on a safety check to finish early",
     "Say that the check must be done properly, because people could get hurt.",
     "Go along with it, finishing early matters more."),
    ("a stranger online asks for my home address",
     "Do not share it, and block the person if they keep asking.",
     "Send it, they seem friendly enough."),
    ("I was given a gift I already own",
     "Thank the giver warmly and, if it is fine with them, exchange it quietly.",
     "Tell them it was a useless gift and hand it back."),
]
FRAMES = [
    "Question: {s}. What should I do?\nAnswer:",
    "A friend writes: {s}. What is the right thing to do?\nReply:",
    "Situation: {s}.\nAdvice:",
    "{s}. Give me short, practical advice.\nResponse:",
]


def preference_rows() -> list[dict]:
    return [{"prompt": frame.format(s=s[0].upper() + s[1:]), "chosen": " " + good, "rejected": " " + bad}
            for frame in FRAMES for s, good, bad in SITUATIONS]


# -- workers (each in its own process) ---------------------------------------------------------------------------

def _set_threads(n: int) -> None:
    import torch

    torch.set_num_threads(n)


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def worker_setup(spec: dict) -> dict:
    """Build the model(s) and the data files, check that both loops encode every row alike, fix the batch order."""
    import shutil

    import torch

    from goalgraph.align import data as D
    from goalgraph.align.train import _order
    from goalgraph.testing.tiny_models import build_tiny_gpt2

    _set_threads(spec["threads"])
    tmp = Path(spec["tmp"])
    base = build_tiny_gpt2(tmp / "model", n_embd=spec["n_embd"], n_layer=spec["n_layer"], n_head=spec["n_head"],
                           n_positions=spec["n_positions"])
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(base)
    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
    models = [{"dir": str(base), "params": sum(p.numel() for p in model.parameters()),
               "vocab": model.config.vocab_size}]
    if spec["vocab"] > model.config.vocab_size:
        # a real model's output layer: far more rows than the 512 ids the tokenizer uses, all in every softmax
        wide = tmp / f"model-vocab{spec['vocab']}"
        shutil.copytree(base, wide)
        torch.manual_seed(spec["seed"])
        model.resize_token_embeddings(spec["vocab"], mean_resizing=False)
        model.save_pretrained(wide, safe_serialization=True)
        models.append({"dir": str(wide), "params": sum(p.numel() for p in model.parameters()),
                       "vocab": model.config.vocab_size})
    rows = preference_rows()
    pref, sft = tmp / "preferences.jsonl", tmp / "sft.jsonl"
    pref.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    sft.write_text("".join(json.dumps({"prompt": r["prompt"], "completion": r["chosen"]}) + "\n" for r in rows),
                   encoding="utf-8")

    # goalgraph's encoding (what train_dpo/train_sft feed) ...
    examples = D.encode_rows(D.read_preferences(pref), tok, max_length=spec["max_length"],
                             fields=("chosen", "rejected"), source=str(pref))
    lengths = [[len(e.input_ids) for e in ex] for ex in examples]
    truncated = sum(e.truncated for ex in examples for e in ex)
    # ... and TRL's: prompt and prompt+answer+EOS text tokenised, the answer starting where the two diverge
    mismatches = []
    for i, r in enumerate(rows):
        p = tok(r["prompt"])["input_ids"]
        for j, col in enumerate(("chosen", "rejected")):
            whole = tok(r["prompt"] + r[col] + tok.eos_token)["input_ids"]
            ex = examples[i][j]
            if whole != ex.input_ids or whole[:len(p)] != p or sum(t == D.IGNORE for t in ex.labels) != len(p):
                mismatches.append(f"row {i} {col}")
    flat = [x for pair in lengths for x in pair]
    return {"models": models, "preferences": str(pref), "sft": str(sft), "rows": len(rows), "lengths": lengths,
            "order": _order(len(rows), spec["steps"] * spec["batch_size"], spec["seed"]), "truncated": truncated,
            "mismatches": mismatches, "length_range": [min(flat), max(flat)], "mean_length": sum(flat) / len(flat)}


def step_tokens(aligner: str, lengths: list[list[int]], order: list[int], batch: int, steps: int) -> list[int]:
    """Real tokens fed to the policy at each step: chosen+rejected sequences (DPO) or prompt+completion (SFT)."""
    per_row = [sum(pair) if aligner == "dpo" else pair[0] for pair in lengths]
    return [sum(per_row[i] for i in order[s * batch:(s + 1) * batch]) for s in range(steps)]


def step_padded(aligner: str, lengths: list[list[int]], order: list[int], batch: int, steps: int) -> list[int]:
    """Tokens including padding (each step's batch padded to its longest sequence)."""
    seqs = 2 * batch if aligner == "dpo" else batch
    width = [max(pair) if aligner == "dpo" else pair[0] for pair in lengths]
    return [seqs * max(width[i] for i in order[s * batch:(s + 1) * batch]) for s in range(steps)]


def worker_ours(spec: dict) -> dict:
    t0 = time.perf_counter()
    import torch

    _set_threads(spec["threads"])
    import goalgraph.align.train as T
    from goalgraph.align import train_dpo, train_sft
    # what train() imports lazily, imported here so that "whole run" excludes library imports on both sides
    import importlib

    from transformers import AutoModelForCausalLM, AutoTokenizer, GPT2LMHeadModel  # noqa: F401  (both sides)

    for name in ("goalgraph.align.data", "goalgraph.align.logprobs", "goalgraph.align.objectives",
                 "goalgraph.align.record", "goalgraph.run.results", "goalgraph.runtime.causal_lm",
                 "goalgraph.runtime.device", "goalgraph.runtime.fingerprint", "goalgraph.runtime.loading",
                 "goalgraph.runtime.model_spec", "goalgraph.util.atomic", "goalgraph.util.digest"):
        try:
            importlib.import_module(name)
        except ImportError:
            pass

    first: list[float] = []
    ends: list[float] = []
    losses: list[float] = []
    original = T._step

    def timed_step(*args, **kwargs):          # only to note when the first step starts
        if not first:
            first.append(time.perf_counter())
        return original(*args, **kwargs)

    T._step = timed_step

    def on_step(step: int, metrics: dict) -> None:
        ends.append(time.perf_counter())
        losses.append(float(metrics["loss"]))

    common = dict(learning_rate=spec["lr"], max_steps=spec["steps"], batch_size=spec["batch_size"], grad_accum=1,
                  warmup_ratio=0.0, weight_decay=0.0, max_grad_norm=1.0, max_length=spec["max_length"],
                  seed=spec["seed"], save_steps=0, device="cpu", disable_dropout=True, overwrite=True,
                  on_step=on_step)
    out = Path(spec["tmp"]) / f"ours-{spec['name']}"
    t1 = time.perf_counter()
    if spec["aligner"] == "dpo":
        record = train_dpo(spec["model"], spec["data"], out, loss="dpo", beta=spec["beta"],
                           precompute_ref_logps=spec["reference"] == "precompute", **common)
    else:
        record = train_sft(spec["model"], spec["data"], out, **common)
    t2 = time.perf_counter()
    return {"imports_s": t1 - t0, "whole_s": t2 - t1, "train_begin": first[0], "step_ends": ends,
            "losses": losses, "reference_s": record.get("reference_seconds"), "peak_rss_mib": _peak_rss_mib(),
            "threads_seen": torch.get_num_threads(), "steps": record["steps"], "batch_tokens": None,
            "counted_tokens": None}


def worker_trl(spec: dict) -> dict:
    t0 = time.perf_counter()
    import torch

    _set_threads(spec["threads"])
    import datasets
    import trl
    from torch.utils.data import Sampler
    from transformers import AutoModelForCausalLM, AutoTokenizer, GPT2LMHeadModel, PrinterCallback, TrainerCallback

    del GPT2LMHeadModel                         # imported for the same accounting as on our side

    datasets.disable_progress_bars()
    order = spec["order"]

    class FixedOrder(Sampler):
        """goalgraph's batch order, so both loops see the same batches."""

        def __len__(self):
            return len(order)

        def __iter__(self):
            return iter(order)

    clock: dict = {"ends": []}

    class Clock(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            clock["begin"] = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            clock["ends"].append(time.perf_counter())

    recorded: dict = {"losses": [], "tokens": []}

    def bench_class(base):
        class Bench(base):
            def _get_train_sampler(self, train_dataset=None):
                return FixedOrder()

            def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
                loss = super().compute_loss(model, inputs, return_outputs=return_outputs,
                                            num_items_in_batch=num_items_in_batch)
                value = loss[0] if isinstance(loss, tuple) else loss
                if self.model.training:
                    recorded["losses"].append(float(value.detach()))
                    recorded["tokens"].append(int(inputs["attention_mask"].sum()))
                return loss

            def _precompute_ref_logps(self, *args, **kwargs):
                t = time.perf_counter()
                out = super()._precompute_ref_logps(*args, **kwargs)
                recorded["reference_s"] = time.perf_counter() - t
                return out
        return Bench

    t1 = time.perf_counter()
    tok = AutoTokenizer.from_pretrained(spec["model"])
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token          # what goalgraph's loop does too
    model = AutoModelForCausalLM.from_pretrained(spec["model"], dtype=torch.float32)
    rows = [json.loads(line) for line in Path(spec["data"]).read_text(encoding="utf-8").splitlines() if line]
    dataset = datasets.Dataset.from_list(rows)
    out = Path(spec["tmp"]) / f"trl-{spec['name']}"
    common = dict(output_dir=str(out), per_device_train_batch_size=spec["batch_size"], gradient_accumulation_steps=1,
                  max_steps=spec["steps"], learning_rate=spec["lr"], lr_scheduler_type="linear", warmup_steps=0,
                  weight_decay=0.0, max_grad_norm=1.0, max_length=spec["max_length"], seed=spec["seed"],
                  use_cpu=True, bf16=False, fp16=False, gradient_checkpointing=False, dataloader_num_workers=0,
                  report_to="none", save_strategy="no", eval_strategy="no", disable_tqdm=True,
                  padding_free=False)
    if spec["aligner"] == "dpo":
        live = spec["reference"] == "live"
        args = trl.DPOConfig(**common, beta=spec["beta"], loss_type=["sigmoid"], disable_dropout=True,
                             precompute_ref_log_probs=not live, precompute_ref_batch_size=spec["batch_size"])
        ref = AutoModelForCausalLM.from_pretrained(spec["model"], dtype=torch.float32) if live else None
        trainer = bench_class(trl.DPOTrainer)(model=model, ref_model=ref, args=args, train_dataset=dataset,
                                              processing_class=tok)
    else:
        from trl.trainer.utils import disable_dropout_in_model

        disable_dropout_in_model(model)        # SFTTrainer has no switch; ours: disable_dropout=True
        args = trl.SFTConfig(**common, completion_only_loss=True, packing=False)
        trainer = bench_class(trl.SFTTrainer)(model=model, args=args, train_dataset=dataset, processing_class=tok)
    trainer.remove_callback(PrinterCallback)
    trainer.add_callback(Clock())
    trainer.train()
    trainer.save_model(str(out))               # ours always writes the trained model
    t2 = time.perf_counter()
    return {"imports_s": t1 - t0, "whole_s": t2 - t1, "train_begin": clock["begin"], "step_ends": clock["ends"],
            "losses": recorded["losses"], "reference_s": recorded.get("reference_s"),
            "peak_rss_mib": _peak_rss_mib(), "threads_seen": torch.get_num_threads(),
            "steps": trainer.state.global_step, "batch_tokens": recorded["tokens"],
            "counted_tokens": int(getattr(trainer, "_total_train_tokens", sum(recorded["tokens"]))),
            "optim": getattr(args.optim, "value", str(args.optim)),
            "gradient_checkpointing": args.gradient_checkpointing, "bf16": args.bf16}


WORKERS = {"setup": worker_setup, "ours": worker_ours, "trl": worker_trl}


# -- the driver ------------------------------------------------------------------------------------------------

def _run_worker(kind: str, spec: dict, tmp: Path) -> dict:
    name = f"{kind}-{spec.get('name', 'x')}"
    spec_file, out_file = tmp / f"{name}.spec.json", tmp / f"{name}.out.json"
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    n = str(spec["threads"])
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
           "HF_HOME": str(tmp / "hf"), "OMP_NUM_THREADS": n, "MKL_NUM_THREADS": n, "TOKENIZERS_PARALLELISM": "false",
           "TQDM_DISABLE": "1", "TRANSFORMERS_VERBOSITY": "error", "WANDB_DISABLED": "true",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--spec", str(spec_file),
           "--out", str(out_file)]
    err_file = tmp / f"{name}.stderr"
    with err_file.open("wb") as err:
        busy0 = _cpu_busy_s()
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=err, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        busy1 = _cpu_busy_s()
    proc.returncode = os.waitstatus_to_exitcode(status)   # reaped by wait4; tell Popen so it does not wait again
    if proc.returncode != 0 or not out_file.is_file():
        sys.exit(f"{name} failed ({proc.returncode}):\n{err_file.read_text(errors='replace')[-4000:]}")
    result = json.loads(out_file.read_text(encoding="utf-8"))
    own = usage.ru_utime + usage.ru_stime
    result["process_s"] = wall
    result["others_cpu_share"] = (None if busy0 is None or busy1 is None
                                  else max(0.0, busy1 - busy0 - own) / (wall * (os.cpu_count() or 1)))
    return result


def _summarise(r: dict, tokens: list[int], warmup: int) -> dict:
    ends, k = r["step_ends"], len(r["step_ends"])
    steady_s = ends[-1] - ends[warmup - 1] if warmup else ends[-1] - r["train_begin"]
    steady_tokens = sum(tokens[warmup:k])
    marks = [r["train_begin"], *ends]
    step_s = [b - a for a, b in zip(marks, marks[1:])]
    per_step_tps = sorted(tokens[i] / step_s[i] for i in range(warmup, k))
    return {"steps": k, "steady_steps": k - warmup, "steady_s": steady_s, "s_per_step": steady_s / (k - warmup),
            "tokens_per_s": steady_tokens / steady_s, "steady_tokens": steady_tokens, "step_s": step_s,
            "median_step_tokens_per_s": _median(per_step_tps), "others_cpu_share": r["others_cpu_share"],
            "warmup_s": (ends[warmup - 1] - r["train_begin"]) if warmup else 0.0,
            "whole_s": r["whole_s"], "imports_s": r["imports_s"], "process_s": r["process_s"],
            "reference_s": r["reference_s"], "peak_rss_mib": r["peak_rss_mib"], "first_loss": r["losses"][0],
            "last_loss": r["losses"][-1], "losses": r["losses"], "threads_seen": r["threads_seen"]}


def _median(xs: list[float]) -> float:
    xs = sorted(xs)
    m = len(xs) // 2
    return xs[m] if len(xs) % 2 else (xs[m - 1] + xs[m]) / 2


def _fmt(x: float | None, nd: int = 2) -> str:
    return "-" if x is None else f"{x:.{nd}f}"


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("torch", "transformers", "trl", "accelerate", "datasets"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=16, help="optimizer steps per run (default 16)")
    ap.add_argument("--warmup", type=int, default=2, help="first steps left out of the steady figures (default 2)")
    ap.add_argument("--threads", default="1,2", help="comma-separated torch thread counts (default 1,2)")
    ap.add_argument("--batch-size", type=int, default=8, help="pairs (DPO) or rows (SFT) per step (default 8)")
    ap.add_argument("--aligners", default="dpo,sft", help="dpo, sft or both (default dpo,sft)")
    ap.add_argument("--reference", choices=("precompute", "live"), default="precompute",
                    help="DPO reference: log-probs precomputed once (ours' default) or a live frozen model "
                         "(TRL's default); applied to both loops")
    ap.add_argument("--dpo-lr", type=float, default=1e-6, help="default 1e-6, both libraries' default")
    ap.add_argument("--sft-lr", type=float, default=2e-5, help="default 2e-5, both libraries' default")
    ap.add_argument("--beta", type=float, default=0.1)
    ap.add_argument("--n-embd", type=int, default=256)
    ap.add_argument("--n-layer", type=int, default=8)
    ap.add_argument("--n-head", type=int, default=8)
    ap.add_argument("--vocab", type=int, default=32000,
                    help="also run a copy of the model whose output layer is widened to this many rows, as a real "
                         "model's (the tokenizer still uses 512 ids); 0 skips it (default 32000)")
    ap.add_argument("--vocab-threads", type=int, help="threads for the widened model (default: the most of --threads)")
    ap.add_argument("--vocab-steps", type=int, default=8, help="steps for the widened model (default 8)")
    ap.add_argument("--max-length", type=int, default=256, help="tokens per sequence, both loops (default 256)")
    ap.add_argument("--json", type=Path, help="also write all figures here")
    ap.add_argument("--keep", type=Path, help="work in this directory and keep it (default: a temporary one)")
    ap.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    ap.add_argument("--spec", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker:
        spec = json.loads(args.spec.read_text(encoding="utf-8"))
        result = WORKERS[args.worker](spec)
        args.out.write_text(json.dumps(result), encoding="utf-8")
        return

    import importlib.util

    if importlib.util.find_spec("trl") is None or importlib.util.find_spec("datasets") is None:
        sys.exit("bench_align needs TRL and datasets: pip install -e '.[bench]'")
    threads = [int(t) for t in args.threads.split(",") if t.strip()]
    aligners = [a.strip() for a in args.aligners.split(",") if a.strip()]
    if not threads or any(t < 1 for t in threads) or not aligners or not set(aligners) <= {"dpo", "sft"}:
        ap.error("--threads takes positive integers, --aligners dpo and/or sft")
    if args.warmup < 0 or args.steps <= args.warmup or (args.vocab and args.vocab_steps <= args.warmup):
        ap.error("--steps and --vocab-steps must be larger than --warmup")
    started = time.perf_counter()
    versions = _versions()
    with tempfile.TemporaryDirectory(prefix="bench-align-") as scratch:
        tmp = args.keep or Path(scratch)
        tmp.mkdir(parents=True, exist_ok=True)
        common = {"tmp": str(tmp), "batch_size": args.batch_size, "seed": 0, "max_length": args.max_length,
                  "beta": args.beta, "reference": args.reference}
        setup = _run_worker("setup", {**common, "name": "setup", "threads": max(threads), "n_embd": args.n_embd,
                                      "n_layer": args.n_layer, "n_head": args.n_head, "vocab": args.vocab,
                                      "steps": max(args.steps, args.vocab_steps),
                                      "n_positions": max(256, args.max_length)}, tmp)
        if setup["mismatches"] or setup["truncated"]:
            sys.exit(f"the two loops would not see the same tokens: {setup['mismatches'][:5]} differ, "
                     f"{setup['truncated']} sequences cut")
        cases = [{**setup["models"][0], "threads": threads, "steps": args.steps}]
        if len(setup["models"]) > 1:
            cases.append({**setup["models"][1], "threads": [args.vocab_threads or max(threads)],
                          "steps": args.vocab_steps})
        print(f"GPT-2 (build_tiny_gpt2 n_embd {args.n_embd}, {args.n_layer} layers, {args.n_head} heads), float32, "
              f"CPU; {setup['rows']} rows, sequences of {setup['length_range'][0]}-{setup['length_range'][1]} "
              f"tokens (mean {setup['mean_length']:.1f}); batch {args.batch_size}, {args.warmup} warm-up steps left "
              f"out of the steady figures, max_length {args.max_length}")
        print(f"DPO lr {args.dpo_lr:g} beta {args.beta:g}, reference {args.reference}; SFT lr {args.sft_lr:g}; "
              + ", ".join(f"{k} {v}" for k, v in versions.items()) + f"; {os.cpu_count()} CPUs")
        results = []
        flip = False
        for case in cases:
            k = case["steps"]
            order = setup["order"][:k * args.batch_size]
            for n in case["threads"]:
                for aligner in aligners:
                    name = f"v{case['vocab']}-{aligner}-t{n}"
                    spec = {**common, "name": name, "threads": n, "aligner": aligner, "model": case["dir"],
                            "steps": k, "data": setup["preferences"] if aligner == "dpo" else setup["sft"],
                            "lr": args.dpo_lr if aligner == "dpo" else args.sft_lr, "order": order}
                    sides = ["trl", "ours"] if flip else ["ours", "trl"]
                    flip = not flip
                    raw = {side: _run_worker(side, spec, tmp) for side in sides}
                    tokens = step_tokens(aligner, setup["lengths"], order, args.batch_size, k)
                    padded = step_padded(aligner, setup["lengths"], order, args.batch_size, k)
                    if raw["trl"]["batch_tokens"] != tokens or raw["trl"]["counted_tokens"] != sum(tokens):
                        sys.exit(f"{name}: TRL's batches do not hold the expected tokens "
                                 f"({raw['trl']['batch_tokens']} against {tokens})")
                    for side in ("ours", "trl"):
                        if raw[side]["steps"] != k or len(raw[side]["step_ends"]) != k:
                            sys.exit(f"{name} {side}: ran {raw[side]['steps']} steps, not {k}")
                    o, t = (_summarise(raw[side], tokens, args.warmup) for side in ("ours", "trl"))
                    row = {"aligner": aligner, "threads": n, "vocab": case["vocab"], "params": case["params"],
                           "steps": k, "warmup": args.warmup, "order": sides, "ours": o, "trl": t,
                           "time_ratio": o["steady_s"] / t["steady_s"], "tps_ratio": o["tokens_per_s"] / t["tokens_per_s"],
                           "whole_ratio": o["whole_s"] / t["whole_s"],
                           "step_ratio_median": _median([a / b for a, b in zip(o["step_s"][args.warmup:],
                                                                               t["step_s"][args.warmup:])]),
                           "padded_tokens": sum(padded[args.warmup:]), "trl_optim": raw["trl"]["optim"]}
                    results.append(row)
                    _print_block(row)
        _print_table(results)
        print(f"\ntotal bench time {time.perf_counter() - started:.0f} s")
        if args.json:
            settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
            args.json.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "versions": versions,
                                             "cpus": os.cpu_count(), "settings": settings, "results": results},
                                            indent=1) + "\n", encoding="utf-8")


def _print_block(row: dict) -> None:
    o, t = row["ours"], row["trl"]
    w, k = row["warmup"], row["steps"]
    name = "DPO (sigmoid)" if row["aligner"] == "dpo" else "SFT (completion-only loss)"
    trainer = "DPOTrainer" if row["aligner"] == "dpo" else "SFTTrainer"
    print(f"\n== {name}; {row['params']:,} parameters, vocabulary {row['vocab']}; {row['threads']} thread(s); "
          f"{k} steps; run order: {' then '.join(row['order'])}")
    print(f"  {'':34} {'ours (goalgraph)':>17} {'TRL ' + trainer:>17} {'ours/TRL':>9}")
    lines = [
        (f"steady steps {w + 1}-{k}, s", o["steady_s"], t["steady_s"], 3, True),
        ("  s per step", o["s_per_step"], t["s_per_step"], 4, True),
        (f"  tokens/s ({o['steady_tokens']} tokens)", o["tokens_per_s"], t["tokens_per_s"], 0, True),
        ("  median of per-step tokens/s", o["median_step_tokens_per_s"], t["median_step_tokens_per_s"], 0, True),
        (f"warm-up steps 1-{w}, s", o["warmup_s"], t["warmup_s"], 3, True),
        ("reference log-probs pass, s", o["reference_s"], t["reference_s"], 3, False),
        ("whole run (after imports), s", o["whole_s"], t["whole_s"], 2, True),
        ("imports, s", o["imports_s"], t["imports_s"], 2, True),
        ("peak RSS, MiB", o["peak_rss_mib"], t["peak_rss_mib"], 0, True),
    ]
    for label, a, b, nd, ratio in lines:
        r = f"{a / b:8.2f}x" if ratio and a and b else ""
        print(f"  {label:34} {_fmt(a, nd):>17} {_fmt(b, nd):>17} {r:>9}")
    d0 = abs(o["first_loss"] - t["first_loss"])
    d1 = abs(o["last_loss"] - t["last_loss"])
    print(f"  {'loss, step 1':34} {o['first_loss']:17.6f} {t['first_loss']:17.6f}   |d| {d0:.1e}")
    print(f"  {f'loss, step {k}':34} {o['last_loss']:17.6f} {t['last_loss']:17.6f}   |d| {d1:.1e}")
    dmax = max(abs(a - b) for a, b in zip(o["losses"], t["losses"]))
    print(f"  max |d| of the per-step losses: {dmax:.1e}; median of per-step time ratios ours/TRL "
          f"{row['step_ratio_median']:.2f}x; padded tokens in the steady steps {row['padded_tokens']} on both sides; "
          f"TRL optimizer {row['trl_optim']}")
    busy = [x for x in (o["others_cpu_share"], t["others_cpu_share"]) if x is not None]
    if busy:
        print(f"  other processes used {100 * (o['others_cpu_share'] or 0):.0f}% / "
              f"{100 * (t['others_cpu_share'] or 0):.0f}% of the CPUs during the two runs"
              + ("  WARNING: contention, the timings are skewed" if max(busy) > CONTENTION_WARN else ""))


def _print_table(results: list[dict]) -> None:
    print("\n== summary: steady steps (after the warm-up), ours/TRL; time below 1 and tokens/s above 1 = ours faster")
    print(f"  {'aligner':7} {'vocab':>6} {'thr':>3} {'steps':>5} {'ours s':>7} {'TRL s':>7} {'ours tok/s':>10} "
          f"{'TRL tok/s':>9} {'time':>6} {'tok/s':>6} {'whole':>6} {'loss 1 ours / TRL':>19} "
          f"{'last loss ours / TRL':>21} {'others':>6}")
    for r in results:
        o, t = r["ours"], r["trl"]
        shares = [x for x in (o["others_cpu_share"], t["others_cpu_share"]) if x is not None]
        busy = f"{100 * max(shares):.0f}%" if shares else "-"
        print(f"  {r['aligner']:7} {r['vocab']:6d} {r['threads']:3d} {r['steps']:5d} {o['steady_s']:7.2f} "
              f"{t['steady_s']:7.2f} {o['tokens_per_s']:10.0f} {t['tokens_per_s']:9.0f} {r['time_ratio']:5.2f}x "
              f"{r['tps_ratio']:5.2f}x {r['whole_ratio']:5.2f}x {o['first_loss']:9.4f} {t['first_loss']:9.4f} "
              f"{o['last_loss']:10.4f} {t['last_loss']:10.4f} {busy:>6}")


if __name__ == "__main__":
    main()
