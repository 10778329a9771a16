"""`goalgraph eval truthfulqa-mc` against `lm-eval run` on the same model, items, prompt and batch size.

Prints both tools' MC1/MC2 scores, the whole-process wall time and peak memory (max RSS) of each, and
PASS/FAIL against the targets: scores equal within 1e-4, goalgraph at least 2x faster, memory no higher.
It is a measurement, not a test: it exits 0 on FAIL and non-zero only when a tool crashes.

    python benchmarks/bench_eval.py [--task truthfulqa|mc|all] [--items 200] [--model-size 10m|small]
                                    [--batch-size 8] [--repeats 1] [--threads N] [--lmeval-venv PATH]
                                    [--create-venv] [--json FILE]

What is compared, all built offline in a temporary directory:

- model: a randomly initialised GPT-2 (11.2M parameters at `10m`) with a byte-level BPE trained on the
  generated items and the prompt (at most --vocab tokens; about 930 for the default items), saved with `save_pretrained(safe_serialization=True)`. The window is checked to
  hold the longest prompt + answer, so neither tool ever truncates;
- items: N synthetic questions in the native schema of the hub dataset `truthful_qa` (`multiple_choice`):
  mc1 with 4-5 choices (the true one first), mc2 with 5-8 (true ones first). They are made from the word lists
  below; no TruthfulQA item is shipped, copied or downloaded;
- prompt: `doc_to_text` of lm-eval's own installed `truthfulqa_mc1.yaml` (its six-question Q:/A: primer and
  the item's question), read at run time from the lm-eval install and written verbatim to the template file
  that `goalgraph eval --template` reads. lm-eval runs two local tasks that `include:` its truthfulqa_mc1/mc2
  YAML files by absolute path and only swap the dataset for the generated JSONL;
- lm-eval 0.4.x runs in its own virtual environment (`--lmeval-venv`), with the same torch and transformers
  versions as goalgraph's, float32, on CPU, with the same thread count (`--threads`, default: each tool's own
  default, printed).

Why the shared primer is the lever: every TruthfulQA request is "primer + question" followed by one answer.
The primer is roughly nine tenths of every row, and lm-eval runs it again for each of the ~12 answers of
every item. goalgraph runs the run-wide common prefix once, each distinct context once on top of it, and only
the answer tokens per request, so it runs a small fraction of the tokens for the same numbers. The rest of the
difference is start-up: goalgraph imports torch and transformers only, lm-eval also imports `datasets`,
indexes its whole task catalogue, and converts the JSONL into an Arrow dataset first.

`--task mc` (or `all`, after the above) compares `goalgraph eval mc-generic` with a local lm-eval task of
`output_type: multiple_choice` instead, on acc, acc_norm and acc_bytes (the same 1e-4, time and memory targets):

- items: N synthetic {question, choices, answer} records (mc-generic's schema, 2-6 choices, gold index uniform)
  from the word lists below; choices run from one word to two sentences, so dividing by length (acc_norm) picks
  other answers than acc, and about a third carry accented, Greek, Cyrillic, CJK, symbol or emoji text, so
  dividing by UTF-8 bytes (acc_bytes) picks other answers than dividing by characters;
- prompt: `doc_to_text: "Question: {{question}}\nAnswer:"`, `doc_to_choice: "{{choices}}"`,
  `doc_to_target: "{{answer}}"`, `target_delimiter: " "`; goalgraph gets a template file holding the same text
  and `--option target_delimiter=" "`. A metric lm-eval's metric registry or multiple_choice scorer lacks is
  dropped from both sides, and the header says so;
- model: as above, its BPE trained on these items; both tools write per-item records (lm-eval
  `--log_samples`), which are matched item by item: the largest log-likelihood difference, the items whose
  verdict differs per metric, and whether lm-eval's request strings are the prompt + " " + choice.
"""
from __future__ import annotations

import argparse
import ast
import functools
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

print = functools.partial(print, flush=True)  # progress shows while the long runs go

TARGET_DELTA = 1e-4     # |mc1|, |mc2| difference from lm-eval
TARGET_SPEEDUP = 2.0    # lm-eval wall / goalgraph wall
CONTENTION_WARN = 0.10  # other processes' share of the CPUs during a run above which the timings are flagged
LMEVAL_VERSION = "0.4.13"
MODEL_SIZES = {          # GPT-2 shapes; vocab comes from the BPE (--vocab)
    "10m": {"n_embd": 384, "n_layer": 6, "n_head": 6},
    "small": {"n_embd": 64, "n_layer": 2, "n_head": 2},
}
N_POSITIONS = 512
TASKS = ("gg_truthfulqa_mc1", "gg_truthfulqa_mc2")
MC_TASK = "gg_mc_generic"
MC_METRICS = ("acc", "acc_norm", "acc_bytes")
MC_PROMPT = "Question: {{question}}\nAnswer:"   # lm-eval's doc_to_text and goalgraph's template, verbatim

# -- synthetic items: questions and answers of our own making ---------------------------------------------------

PEOPLE = ["Aunt Mirela", "the night porter", "Captain Osei", "the new teacher", "old Mr Falk", "the twins",
          "Doctor Anand", "the ferryman", "Sister Ilse", "the mayor of Brindle", "a tired courier", "the baker's son"]
THINGS = ["brass kettle", "paper lantern", "wooden flute", "garden gate", "copper coin", "woollen scarf",
          "clock tower", "stone bridge", "glass jar", "leather satchel", "silver spoon", "iron anchor"]
PLACES = ["cellar", "harbour", "orchard", "attic", "market square", "train station", "lighthouse", "library",
          "village hall", "mill pond", "greenhouse", "bus depot"]
TOWNS = ["Brindle", "Otterby", "Kessel Ford", "Marrowgate", "Lindquay", "Pellham", "Sorrow Creek", "Yarwick"]
ANIMALS = ["heron", "badger", "tabby cat", "goat", "pigeon", "hedgehog", "sheepdog", "barn owl", "carp", "tortoise"]
COLOURS = ["red", "blue", "green", "yellow", "grey", "white", "black", "orange", "purple", "brown"]
SEASONS = ["winter", "spring", "summer", "autumn", "rainy season", "harvest week"]
VERBS = ["drop", "paint", "bury", "polish", "soak", "freeze", "whistle at", "hide"]
TIMES = ["midnight", "dawn", "noon", "the full moon", "a thunderstorm", "the first frost"]
UNITS = ["minutes", "hours", "days"]
NUMBERS = ["two", "three", "five", "seven", "ten", "twelve", "twenty", "forty"]
HEDGES = ["I have no comment.", "Nobody knows for certain.", "It depends on who you ask.",
          "There is no single answer to that."]


def _question(rng: random.Random) -> tuple[str, callable]:
    """A question and a function that draws one answer sentence for it."""
    kind = rng.randrange(5)
    if kind == 0:
        q = f"What colour is the {rng.choice(THINGS)} that {rng.choice(PEOPLE)} keeps in the {rng.choice(PLACES)}?"
        return q, lambda r: r.choice([f"It is {r.choice(COLOURS)}.", f"The {r.choice(THINGS)} is {r.choice(COLOURS)}.",
                                      f"It was painted {r.choice(COLOURS)} by {r.choice(PEOPLE)}."])
    if kind == 1:
        q = (f"How long does it take to walk from the {rng.choice(PLACES)} to the {rng.choice(PLACES)} "
             f"in {rng.choice(TOWNS)}?")
        return q, lambda r: r.choice([f"It takes about {r.choice(NUMBERS)} {r.choice(UNITS)}.",
                                      f"Roughly {r.choice(NUMBERS)} {r.choice(UNITS)} on foot.",
                                      f"You cannot walk there; you need the {r.choice(THINGS)}."])
    if kind == 2:
        q = f"Where does the {rng.choice(ANIMALS)} of {rng.choice(TOWNS)} sleep during the {rng.choice(SEASONS)}?"
        return q, lambda r: r.choice([f"It sleeps in the {r.choice(PLACES)}.",
                                      f"It sleeps under the {r.choice(THINGS)} near the {r.choice(PLACES)}.",
                                      f"It does not sleep during the {r.choice(SEASONS)}."])
    if kind == 3:
        q = f"Who left the {rng.choice(THINGS)} outside the {rng.choice(PLACES)} in {rng.choice(TOWNS)}?"
        return q, lambda r: r.choice([f"{r.choice(PEOPLE).capitalize()} left it there.",
                                      f"It was {r.choice(PEOPLE)}, on the way to the {r.choice(PLACES)}.",
                                      f"The {r.choice(ANIMALS)} carried it there."])
    q = f"What happens if you {rng.choice(VERBS)} a {rng.choice(THINGS)} at {rng.choice(TIMES)}?"
    return q, lambda r: r.choice([f"It turns {r.choice(COLOURS)}.", "Nothing in particular happens.",
                                  f"The {r.choice(ANIMALS)} of {r.choice(TOWNS)} wakes up.",
                                  f"You will be lucky for {r.choice(NUMBERS)} {r.choice(UNITS)}."])


def _distinct(rng: random.Random, draw, n: int) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        a = draw(rng) if rng.random() > 0.08 else rng.choice(HEDGES)
        if a not in out:
            out.append(a)
    return out


def make_items(n: int, seed: int) -> list[dict]:
    """N items in the `truthful_qa` multiple_choice schema; true choices listed first, as in the real data."""
    rng = random.Random(seed)
    items, seen = [], set()
    while len(items) < n:
        question, draw = _question(rng)
        if question in seen:
            continue
        seen.add(question)
        k1, k2 = rng.randint(4, 5), rng.randint(5, 8)
        n_true = rng.randint(1, min(3, k2 - 2))
        mc1 = _distinct(rng, draw, k1)
        mc2 = [mc1[0]] + _distinct(rng, draw, k2 + 4)
        mc2 = list(dict.fromkeys(mc2))[:k2]
        items.append({"question": question,
                      "mc1_targets": {"choices": mc1, "labels": [1] + [0] * (k1 - 1)},
                      "mc2_targets": {"choices": mc2, "labels": [1] * n_true + [0] * (k2 - n_true)}})
    return items


# Words with non-ASCII letters or symbols: their UTF-8 byte length exceeds their character length (by 1 byte for
# é, 2 for 東 or €, 3 for an emoji), so dividing by bytes (acc_bytes) and by characters (acc_norm) can pick
# different choices.
WORLD = ["Zürich", "Kraków", "São Paulo", "Malmö", "Reykjavík", "Łódź", "Ærøskøbing", "Besançon", "Brașov",
         "東京", "大阪の港", "Αθήνα", "Москва", "Kyïv", "Jyväskylä", "Curaçao"]
FOODS = ["crème brûlée", "jalapeño", "smörgåsbord", "piñata cake", "café au lait", "pâté", "Käsekuchen", "crêpes",
         "köttbullar", "jamón", "茶", "борщ"]
SYMBOLS = ["€12", "½ hour", "§4", "±3 °C", "→ north", "★★★", "☕", "🦔", "🐐🐐", "£7.50", "μ-meter", "№ 9"]


def _mc_choice(rng: random.Random, sentence) -> str:
    """One answer in one of several shapes, from 1 to ~120 characters; over a third carry non-ASCII text."""
    shape = rng.randrange(7)
    if shape == 0:
        return rng.choice(COLOURS + ANIMALS + NUMBERS + ["yes", "no", "never", "always"])
    if shape == 1:
        return rng.choice(WORLD + FOODS + SYMBOLS)
    if shape == 6:
        return f"{rng.choice(SYMBOLS)} {rng.choice(FOODS + WORLD)} {rng.choice(SYMBOLS)}"
    if shape == 2:
        return f"the {rng.choice(COLOURS)} {rng.choice(THINGS)} in the {rng.choice(PLACES)}"
    if shape == 3:
        return f"{sentence(rng)[:-1]}, near {rng.choice(WORLD)}."
    if shape == 4:
        return sentence(rng)
    return (f"{sentence(rng)} Everyone in {rng.choice(TOWNS + WORLD)} says so, "
            f"and {rng.choice(PEOPLE)} {rng.choice(['agrees', 'disagrees', 'brought ' + rng.choice(FOODS)])}.")


def make_mc_items(n: int, seed: int) -> list[dict]:
    """N items in mc-generic's schema {question, choices, answer}: 2-6 distinct choices of varied length and
    script, the gold index uniform over them."""
    rng = random.Random(seed + 1)
    items, seen = [], set()
    while len(items) < n:
        question, sentence = _question(rng)
        if question in seen:
            continue
        seen.add(question)
        k = rng.randint(2, 6)
        choices: list[str] = []
        while len(choices) < k:
            c = _mc_choice(rng, sentence)
            if c not in choices:
                choices.append(c)
        items.append({"question": question, "choices": choices, "answer": rng.randrange(k)})
    return items


# -- lm-eval's install: its truthfulqa YAML files and prompt -----------------------------------------------------

# Runs in lm-eval's interpreter: locate the truthfulqa task files and resolve their `include:` the way lm-eval does.
_PROBE = r'''
import importlib.metadata, importlib.util, json, pathlib, sys
spec = importlib.util.find_spec("lm_eval")
root = pathlib.Path(spec.origin).parent / "tasks" / "truthfulqa"
out = {"version": importlib.metadata.version("lm_eval"), "python": sys.version.split()[0]}
for dist in ("torch", "transformers", "datasets"):
    try:
        out[dist] = importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        out[dist] = None
for name in ("truthfulqa_mc1", "truthfulqa_mc2"):
    path = root / (name + ".yaml")
    try:
        from lm_eval.tasks._yaml_loader import load_yaml
        cfg = load_yaml(path, resolve_func=False)
    except ImportError:   # older layout: plain YAML, includes resolved by hand
        import yaml
        class L(yaml.SafeLoader):
            pass
        L.add_constructor("!function", lambda loader, node: loader.construct_scalar(node))
        def load(p):
            c = yaml.load(p.read_text(), Loader=L)
            inc = c.pop("include", None)
            return {**(load(p.parent / inc) if inc else {}), **c}
        cfg = load(path)
    out[name] = {"path": str(path), "task": cfg.get("task"), "doc_to_text": cfg.get("doc_to_text"),
                 "target_delimiter": cfg.get("target_delimiter", " "), "num_fewshot": cfg.get("num_fewshot"),
                 "validation_split": cfg.get("validation_split"), "output_type": cfg.get("output_type")}
print(json.dumps(out))
'''


def probe_lmeval(python: Path) -> dict:
    proc = subprocess.run([str(python), "-c", _PROBE], check=False, capture_output=True, text=True, env=offline_env())
    if proc.returncode != 0:
        fail("could not read lm-eval's truthfulqa task files", proc.stderr)
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    mc1, mc2 = info["truthfulqa_mc1"], info["truthfulqa_mc2"]
    if not isinstance(mc1["doc_to_text"], str) or "question" not in mc1["doc_to_text"]:
        fail(f"{mc1['path']}: doc_to_text is not a Jinja2 string using `question`")
    if mc2["doc_to_text"] != mc1["doc_to_text"]:
        fail(f"{mc2['path']}: doc_to_text differs from truthfulqa_mc1's; the two tasks would need two prompts")
    for cfg in (mc1, mc2):
        if cfg["target_delimiter"] != " " or cfg["num_fewshot"] not in (0, None) or cfg["validation_split"] != "validation":
            fail(f"{cfg['path']}: expected target_delimiter ' ', 0-shot, validation split; got {cfg}")
    return info


def ensure_venv(venv: Path, create: bool) -> Path:
    """lm-eval's interpreter in `venv`; with --create-venv, build the venv first if it is missing."""
    python = venv / "bin" / "python"
    if not python.exists():
        if not create:
            fail(f"no lm-eval virtual environment at {venv} (pass --create-venv to build one, or --lmeval-venv PATH)")
        from importlib.metadata import version

        pins = [f"torch=={version('torch').split('+')[0]}", f"lm-eval[hf]=={LMEVAL_VERSION}",
                f"transformers=={version('transformers')}"]
        print(f"creating {venv} and installing {' '.join(pins)} ...")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        # torch is pinned in the same command so pip does not pull a CUDA build in for lm-eval's torch>=1.8.
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", *pins], check=True)
    if not (venv / "bin" / "lm-eval").exists() and not (venv / "bin" / "lm_eval").exists():
        fail(f"{venv} has no lm-eval command")
    return python


# -- the model: BPE on the benchmark's own text, random-init GPT-2 ----------------------------------------------

def render_prompt(doc_to_text: str, question: str) -> str:
    """lm-eval's rendering of doc_to_text (its Jinja2 settings), used here only to size the model's window."""
    import jinja2

    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return env.from_string(doc_to_text).render(question=question)


def truthfulqa_choices(item: dict) -> list[str]:
    """Every answer of a truthful_qa item, mc1's then mc2's (the order the BPE sees them in)."""
    return [c for key in ("mc1_targets", "mc2_targets") for c in item[key]["choices"]]


def build_model(out: Path, items: list[dict], doc_to_text: str, size: str, vocab: int, seed: int,
                choices_of=truthfulqa_choices) -> dict:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    texts = [render_prompt(doc_to_text, items[0]["question"])] * 8
    for it in items:
        texts.append(it["question"])
        texts.extend(" " + c for c in choices_of(it))
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(texts, trainer=trainers.BpeTrainer(
        vocab_size=vocab, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False))
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                                   unk_token="<|endoftext|>")

    prompt_tokens, longest = [], 0
    for it in items:
        ctx = render_prompt(doc_to_text, it["question"])
        n_ctx = len(fast.encode(ctx))
        prompt_tokens.append(n_ctx)
        for c in choices_of(it):
            longest = max(longest, len(fast.encode(ctx + " " + c)))
    if longest > N_POSITIONS:
        fail(f"the longest prompt + answer is {longest} tokens, over the model's {N_POSITIONS}-token window")

    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=len(fast), n_positions=N_POSITIONS, bos_token_id=fast.bos_token_id,
                        eos_token_id=fast.eos_token_id, **MODEL_SIZES[size])
    model = GPT2LMHeadModel(config)
    with torch.no_grad():   # random init is near-uniform; sharpen a little so answers differ (lls stay > -700)
        model.transformer.wte.weight.mul_(4.0)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    fast.save_pretrained(out)
    return {"parameters": sum(p.numel() for p in model.parameters()), "vocab": len(fast), "n_positions": N_POSITIONS,
            **MODEL_SIZES[size], "prompt_tokens_median": int(statistics.median(prompt_tokens)),
            "longest_sequence_tokens": longest}


# -- running the tools ------------------------------------------------------------------------------------------

def offline_env(threads: int | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1", **extra)
    if threads:
        env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    return env


def _cpu_busy_s() -> float | None:
    """CPU seconds all processes have been busy since boot, summed over CPUs (Linux /proc/stat; else None)."""
    try:
        v = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal ...: everything but idle and iowait is busy
    return (sum(v[:3]) + sum(v[5:8])) / os.sysconf("SC_CLK_TCK")


def measure(cmd: list[str], env: dict[str, str], log_dir: Path, name: str) -> dict:
    """Run `cmd` to completion: wall seconds, that process's peak RSS (os.wait4's ru_maxrss, KiB on Linux), and
    the share of the machine's CPU time that other processes used meanwhile (contention skews the timings)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log_dir / f"{name}.stdout", log_dir / f"{name}.stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        busy0 = _cpu_busy_s()
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        busy1 = _cpu_busy_s()
    proc.returncode = os.waitstatus_to_exitcode(status)   # reaped by wait4; tell Popen so it does not wait again
    if proc.returncode != 0:
        fail(f"{name} exited with status {proc.returncode}: {' '.join(cmd)}", err_path.read_text(errors="replace"))
    own = usage.ru_utime + usage.ru_stime
    others = None if busy0 is None or busy1 is None else max(0.0, busy1 - busy0 - own) / (wall * (os.cpu_count() or 1))
    return {"wall_s": wall, "max_rss_mib": usage.ru_maxrss / 1024, "cpu_s": own, "others_cpu_share": others,
            "stdout": out_path.read_text(errors="replace")}


def lmeval_tasks(task_dir: Path, info: dict, data: Path) -> None:
    """Two local tasks that include lm-eval's own truthfulqa YAML files and only swap the data (JSON is YAML)."""
    task_dir.mkdir(parents=True, exist_ok=True)
    for ours, theirs in zip(TASKS, ("truthfulqa_mc1", "truthfulqa_mc2")):
        cfg = {"include": info[theirs]["path"], "task": ours, "tag": "gg_truthfulqa_bench",
               "dataset_path": "json", "dataset_name": None,
               "dataset_kwargs": {"data_files": {"validation": str(data)}},
               "validation_split": "validation", "test_split": None, "training_split": None}
        (task_dir / f"{ours}.yaml").write_text(json.dumps(cfg, indent=2) + "\n")


# Runs in lm-eval's interpreter: is each metric registered, and does the multiple_choice scorer compute it?
_MC_PROBE = r'''
import inspect, json, sys
from lm_eval.api import registry, task
src = inspect.getsource(task.ConfigurableTask.process_results)
print(json.dumps({m: m in registry.METRIC_REGISTRY and f'"{m}"' in src for m in sys.argv[1:]}))
'''


def probe_mc_metrics(python: Path) -> dict[str, bool]:
    proc = subprocess.run([str(python), "-c", _MC_PROBE, *MC_METRICS], check=False, capture_output=True, text=True,
                          env=offline_env())
    if proc.returncode != 0:
        fail("could not read lm-eval's metric registry", proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def lmeval_mc_task(task_dir: Path, data: Path, metrics: tuple[str, ...]) -> Path:
    """A local `multiple_choice` task over the mc-generic JSONL, the prompt being MC_PROMPT (JSON is YAML)."""
    task_dir.mkdir(parents=True, exist_ok=True)
    cfg = {"task": MC_TASK, "dataset_path": "json", "dataset_name": None,
           "dataset_kwargs": {"data_files": {"validation": str(data)}},
           "validation_split": "validation", "output_type": "multiple_choice",
           "doc_to_text": MC_PROMPT, "doc_to_choice": "{{choices}}", "doc_to_target": "{{answer}}",
           "target_delimiter": " ", "num_fewshot": 0,
           "metric_list": [{"metric": m, "aggregation": "mean", "higher_is_better": True} for m in metrics]}
    path = task_dir / f"{MC_TASK}.yaml"
    path.write_text(json.dumps(cfg, indent=2, ensure_ascii=False) + "\n")
    return path


def _truthfulqa_scores(results: dict) -> dict:
    return {"mc1": float(results[TASKS[0]]["acc,none"]), "mc2": float(results[TASKS[1]]["acc,none"])}


def run_lmeval(venv: Path, model: Path, task_dir: Path, batch: int, work: Path, threads: int | None,
               tag: str, tasks: tuple[str, ...] = TASKS, scores=_truthfulqa_scores,
               extra: tuple[str, ...] = ()) -> dict:
    exe = venv / "bin" / ("lm-eval" if (venv / "bin" / "lm-eval").exists() else "lm_eval")
    out_dir = work / f"lmeval-out-{tag}"
    cmd = [str(exe), "run", "--model", "hf", "--model_args", f"pretrained={model},dtype=float32",
           "--tasks", ",".join(tasks), "--include_path", str(task_dir), "--device", "cpu",
           "--batch_size", str(batch), "--output_path", str(out_dir), *extra]
    # A fresh datasets cache per run: the JSONL is converted as on a first run, as goalgraph reads it afresh.
    env = offline_env(threads, HF_DATASETS_CACHE=str(work / f"hf-datasets-{tag}"), HF_HOME=str(work / "hf-home"))
    m = measure(cmd, env, work / "logs", f"lm-eval-{tag}")
    found = sorted(out_dir.rglob("results_*.json"))
    if not found:
        fail(f"lm-eval wrote no results_*.json under {out_dir}")
    results = json.loads(found[-1].read_text())["results"]
    m.update(**scores(results), cmd=cmd, out_dir=str(out_dir))
    return m


def goalgraph_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("goalgraph")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("goalgraph")
    return [found] if found else [sys.executable, "-m", "goalgraph"]


def run_goalgraph(model: Path, data: Path, template: Path, batch: int, work: Path, threads: int | None,
                  tag: str, evaluator: str = "truthfulqa-mc", metrics: tuple[str, ...] = ("mc1", "mc2"),
                  options: tuple[str, ...] = ()) -> dict:
    out = work / f"goalgraph-{tag}.json"
    cmd = [*goalgraph_cmd(), "eval", evaluator, "--model", str(model), "--data", str(data),
           "--template", str(template), "--batch-size", str(batch), "--device", "cpu", "--dtype", "float32",
           *(a for o in options for a in ("--option", o)), "--output", str(out), "--no-cache"]
    m = measure(cmd, offline_env(threads, HF_HOME=str(work / "hf-home")), work / "logs", f"goalgraph-{tag}")
    doc = json.loads(out.read_text())
    m.update({k: float(doc["metrics"][k]) for k in metrics})
    m.update(cmd=cmd, output=str(out), timing=doc.get("timing", {}), requests=doc.get("requests", {}))
    return m


# -- report -----------------------------------------------------------------------------------------------------

def fail(message: str, stderr: str = "") -> None:
    print(f"bench_eval: error: {message}", file=sys.stderr)
    tail = [line for line in stderr.splitlines() if line.strip()][-15:]
    if tail:
        print(textwrap.indent("\n".join(tail), "    | "), file=sys.stderr)
    sys.exit(2)


def _strip(runs: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "stdout"} for r in runs]


def summarise(runs: list[dict], keys: tuple[str, ...] = ("mc1", "mc2")) -> dict:
    return {**{k: runs[0][k] for k in keys},
            "wall_s": statistics.median(r["wall_s"] for r in runs),
            "max_rss_mib": statistics.median(r["max_rss_mib"] for r in runs),
            "wall_s_runs": [round(r["wall_s"], 3) for r in runs],
            "max_rss_mib_runs": [round(r["max_rss_mib"], 1) for r in runs],
            "scores_stable": all(all(r[k] == runs[0][k] for k in keys) for r in runs)}


def alternate(repeats: int, run_lm, run_gg) -> tuple[list[dict], list[dict]]:
    """`repeats` runs of each tool, lm-eval first on even rounds; a progress line per run."""
    lm_runs, gg_runs = [], []
    for r in range(repeats):
        order = ("lm-eval", "goalgraph") if r % 2 == 0 else ("goalgraph", "lm-eval")
        for tool in order:
            print(f"  run {r + 1}/{repeats}: {tool} ...", end=" ")
            if tool == "lm-eval":
                m = run_lm(str(r))
                lm_runs.append(m)
            else:
                m = run_gg(str(r))
                gg_runs.append(m)
            others = m["others_cpu_share"]
            print(f"{m['wall_s']:.1f} s, {m['max_rss_mib']:.0f} MiB, {m['cpu_s']:.0f} CPU s"
                  + ("" if others is None else f"; other processes used {others:.0%} of the CPUs meanwhile"))
    return lm_runs, gg_runs


def bench_truthfulqa(args, info: dict, ours: dict, threads: int, work: Path) -> dict:
    """The truthfulqa-mc comparison: prints its section, returns its figures."""
    items = make_items(args.items, args.seed)
    data = work / "items.jsonl"
    data.write_text("".join(json.dumps(it) + "\n" for it in items))
    doc_to_text = info["truthfulqa_mc1"]["doc_to_text"]
    template = work / "truthfulqa_prompt.jinja"
    template.write_text(doc_to_text)      # verbatim, no trailing newline: the prompt ends at "A:"
    task_dir = work / "lmeval-tasks"
    lmeval_tasks(task_dir, info, data)
    model_dir = work / "model"
    t = time.perf_counter()
    minfo = build_model(model_dir, items, doc_to_text, args.model_size, args.vocab, args.seed)
    n_requests = sum(len(it[k]["choices"]) for it in items for k in ("mc1_targets", "mc2_targets"))

    print(f"== goalgraph eval truthfulqa-mc vs lm-eval {info['version']} run (truthfulqa_mc1 + truthfulqa_mc2)")
    print(f"  model      GPT-2 random init, {minfo['parameters'] / 1e6:.1f}M parameters (n_embd {minfo['n_embd']}, "
          f"{minfo['n_layer']} layers, vocab {minfo['vocab']}, window {minfo['n_positions']}), float32, CPU; "
          f"built in {time.perf_counter() - t:.1f} s")
    print(f"  items      {len(items)} synthetic (seed {args.seed}), {n_requests} loglikelihood requests; "
          f"prompt median {minfo['prompt_tokens_median']} tokens, longest row {minfo['longest_sequence_tokens']}")
    print(f"  prompt     doc_to_text of {info['truthfulqa_mc1']['path']}")
    print(f"  batch      {args.batch_size}; threads {threads} ({'--threads' if args.threads else 'default'}, "
          f"{os.cpu_count()} CPUs); repeats {args.repeats}, order alternating")
    print(f"  versions   goalgraph {ours['goalgraph']} (torch {ours['torch']}, transformers {ours['transformers']}); "
          f"lm-eval {info['version']} (torch {info['torch']}, transformers {info['transformers']})")

    lm_runs, gg_runs = alternate(
        args.repeats,
        lambda r: run_lmeval(args.lmeval_venv, model_dir, task_dir, args.batch_size, work, args.threads, r),
        lambda r: run_goalgraph(model_dir, data, template, args.batch_size, work, args.threads, r))

    lm, gg = summarise(lm_runs), summarise(gg_runs)
    d1, d2 = abs(gg["mc1"] - lm["mc1"]), abs(gg["mc2"] - lm["mc2"])
    speed = lm["wall_s"] / gg["wall_s"]
    mem = gg["max_rss_mib"] / lm["max_rss_mib"]
    checks = {"mc1": d1 <= TARGET_DELTA, "mc2": d2 <= TARGET_DELTA, "speed": speed >= TARGET_SPEEDUP,
              "memory": gg["max_rss_mib"] <= lm["max_rss_mib"]}
    mark = {True: "PASS", False: "FAIL"}

    print()
    print(f"  {'tool':<10} {'mc1':>10} {'mc2':>10} {'wall s':>9} {'peak RSS MiB':>13}")
    for name, s in (("lm-eval", lm), ("goalgraph", gg)):
        print(f"  {name:<10} {s['mc1']:>10.6f} {s['mc2']:>10.6f} {s['wall_s']:>9.2f} {s['max_rss_mib']:>13.0f}")
    print()
    print(f"  |delta mc1|   {d1:.2e}   {mark[checks['mc1']]} (target <= {TARGET_DELTA:g})")
    print(f"  |delta mc2|   {d2:.2e}   {mark[checks['mc2']]} (target <= {TARGET_DELTA:g})")
    _print_ratios(speed, mem, checks, mark, width=14)
    last = gg_runs[-1]
    timing, reqs = last.get("timing", {}), last.get("requests", {})
    if timing:
        print(f"  goalgraph inside: model load {timing.get('model_load_s', 0):.2f} s, answering "
              f"{timing.get('answer_s', 0):.2f} s ({reqs.get('unique', '?')} unique requests), "
              f"total {timing.get('total_s', 0):.2f} s of {gg_runs[-1]['wall_s']:.2f} s wall")
    busiest = _print_verdict(lm, gg, lm_runs + gg_runs, checks, mark, width=14)

    return {
        "config": {"items": len(items), "seed": args.seed, "model_size": args.model_size,
                   "batch_size": args.batch_size, "threads": threads, "threads_set": bool(args.threads),
                   "repeats": args.repeats, "cpus": os.cpu_count(), "requests": n_requests},
        "model": minfo, "versions": {"goalgraph_side": ours, "lm_eval_side": {
            k: info[k] for k in ("version", "python", "torch", "transformers", "datasets")}},
        "prompt_source": info["truthfulqa_mc1"]["path"],
        "lm_eval": {**lm, "runs": _strip(lm_runs)}, "goalgraph": {**gg, "runs": _strip(gg_runs)},
        "delta": {"mc1": d1, "mc2": d2}, "time_ratio": speed, "memory_ratio": mem,
        "max_others_cpu_share": busiest,
        "targets": {"delta": TARGET_DELTA, "time_ratio": TARGET_SPEEDUP, "memory_ratio": 1.0},
        "pass": {**checks, "all": all(checks.values())},
    }


def _lmeval_mc_samples(out_dir: Path) -> dict[int, dict]:
    """lm-eval's per-item records (--log_samples): doc_id -> {lls, acc, acc_norm, acc_bytes}."""
    found = sorted(out_dir.rglob(f"samples_{MC_TASK}_*.jsonl"))
    if not found:
        return {}
    out = {}
    for line in found[-1].read_text().splitlines():
        rec = json.loads(line)
        lls = []
        for resp in rec["filtered_resps"]:   # one (loglikelihood, is_greedy) per choice, maybe stringified
            if isinstance(resp, str):
                resp = ast.literal_eval(resp)
            lls.append(float(resp[0]))
        args = [(a["arg_0"], a["arg_1"]) for a in rec.get("arguments", {}).values()]
        out[int(rec["doc_id"])] = {"lls": lls, "requests": args, **{m: float(rec[m]) for m in MC_METRICS if m in rec}}
    return out


def compare_mc_items(gg_samples: Path, lm_samples: dict[int, dict], metrics: tuple[str, ...]) -> dict:
    """Per item: which metric verdicts differ between the tools, and how far apart the log-likelihoods are."""
    ours = [json.loads(line) for line in gg_samples.read_text().splitlines() if line.strip()]
    differ = {m: [] for m in metrics}
    max_dll, worst, missing, other_requests = 0.0, None, 0, []
    exercised = {"pred_ne_pred_norm": 0, "pred_norm_ne_pred_bytes": 0}
    for rec in ours:
        i = rec["index"]
        exercised["pred_ne_pred_norm"] += rec["pred"] != rec["pred_norm"]
        exercised["pred_norm_ne_pred_bytes"] += rec["pred_norm"] != rec["pred_bytes"]
        theirs = lm_samples.get(i)
        if theirs is None or len(theirs["lls"]) != len(rec["lls"]):
            missing += 1
            continue
        mine = [(render_prompt(MC_PROMPT, rec["doc"]["question"]), " " + c) for c in rec["doc"]["choices"]]
        if theirs["requests"] and theirs["requests"] != mine:   # lm-eval asked for other strings than ours
            other_requests.append(i)
        for a, b in zip(rec["lls"], theirs["lls"]):
            if abs(a - b) > max_dll:
                max_dll, worst = abs(a - b), i
        for m in metrics:
            if m in theirs and theirs[m] != rec[m]:
                differ[m].append(i)
    return {"items": len(ours), "unmatched": missing, "max_abs_ll_delta": max_dll, "max_abs_ll_delta_item": worst,
            "items_differing": differ, "items_with_other_requests": other_requests, **exercised}


def bench_mc(args, python: Path, info: dict, ours: dict, threads: int, work: Path) -> dict:
    """mc-generic against a local lm-eval `multiple_choice` task: prints its section, returns its figures."""
    supported = probe_mc_metrics(python)
    metrics = tuple(m for m in MC_METRICS if supported.get(m))
    if "acc" not in metrics:
        fail(f"lm-eval {info['version']} does not compute `acc` for multiple_choice tasks")
    work.mkdir(parents=True, exist_ok=True)
    items = make_mc_items(args.items, args.seed)
    data = work / "mc_items.jsonl"
    data.write_text("".join(json.dumps(it, ensure_ascii=False) + "\n" for it in items), encoding="utf-8")
    template = work / "mc_prompt.jinja"
    template.write_text(MC_PROMPT)        # no trailing newline: the prompt ends at "Answer:"
    task_dir = work / "lmeval-tasks"
    task_file = lmeval_mc_task(task_dir, data, metrics)
    model_dir = work / "model"
    t = time.perf_counter()
    minfo = build_model(model_dir, items, MC_PROMPT, args.model_size, args.vocab, args.seed,
                        choices_of=lambda it: it["choices"])
    n_requests = sum(len(it["choices"]) for it in items)
    non_ascii = sum(any(not c.isascii() for c in it["choices"]) for it in items)
    lengths = [len(c) for it in items for c in it["choices"]]

    print(f"== goalgraph eval mc-generic vs lm-eval {info['version']} run (local multiple_choice task)")
    print(f"  model      GPT-2 random init, {minfo['parameters'] / 1e6:.1f}M parameters (n_embd {minfo['n_embd']}, "
          f"{minfo['n_layer']} layers, vocab {minfo['vocab']}, window {minfo['n_positions']}), float32, CPU; "
          f"built in {time.perf_counter() - t:.1f} s")
    print(f"  items      {len(items)} synthetic {{question, choices, answer}} (seed {args.seed}), {n_requests} "
          f"loglikelihood requests; choices {min(lengths)}-{max(lengths)} characters, {non_ascii} items with "
          f"non-ASCII choices")
    print(f"  prompt     {MC_PROMPT!r} (lm-eval doc_to_text = goalgraph --template), target_delimiter ' '")
    print(f"  metrics    {', '.join(metrics)}"
          + ("" if metrics == MC_METRICS else
             f" (lm-eval {info['version']} lacks {', '.join(m for m in MC_METRICS if m not in metrics)})"))
    print(f"  batch      {args.batch_size}; threads {threads} ({'--threads' if args.threads else 'default'}, "
          f"{os.cpu_count()} CPUs); repeats {args.repeats}, order alternating; both tools write per-item records")
    print(f"  versions   goalgraph {ours['goalgraph']} (torch {ours['torch']}, transformers {ours['transformers']}); "
          f"lm-eval {info['version']} (torch {info['torch']}, transformers {info['transformers']})")

    def lm_scores(results: dict) -> dict:
        return {m: float(results[MC_TASK][f"{m},none"]) for m in metrics}

    lm_runs, gg_runs = alternate(
        args.repeats,
        lambda r: run_lmeval(args.lmeval_venv, model_dir, task_dir, args.batch_size, work, args.threads, r,
                             tasks=(MC_TASK,), scores=lm_scores, extra=("--log_samples",)),
        lambda r: run_goalgraph(model_dir, data, template, args.batch_size, work, args.threads, r,
                                evaluator="mc-generic", metrics=metrics, options=("target_delimiter= ",)))

    lm, gg = summarise(lm_runs, metrics), summarise(gg_runs, metrics)
    deltas = {m: abs(gg[m] - lm[m]) for m in metrics}
    speed = lm["wall_s"] / gg["wall_s"]
    mem = gg["max_rss_mib"] / lm["max_rss_mib"]
    checks = {**{m: d <= TARGET_DELTA for m, d in deltas.items()}, "speed": speed >= TARGET_SPEEDUP,
              "memory": gg["max_rss_mib"] <= lm["max_rss_mib"]}
    mark = {True: "PASS", False: "FAIL"}
    gg_doc = json.loads(Path(gg_runs[-1]["output"]).read_text())
    per_item = compare_mc_items(Path(gg_runs[-1]["output"]).with_name(gg_doc.get("samples", "")),
                                _lmeval_mc_samples(Path(lm_runs[-1]["out_dir"])), metrics)

    print()
    print(f"  {'tool':<10} " + " ".join(f"{m:>10}" for m in metrics) + f" {'wall s':>9} {'peak RSS MiB':>13}")
    for name, sm in (("lm-eval", lm), ("goalgraph", gg)):
        print(f"  {name:<10} " + " ".join(f"{sm[m]:>10.6f}" for m in metrics)
              + f" {sm['wall_s']:>9.2f} {sm['max_rss_mib']:>13.0f}")
    print()
    for m, d in deltas.items():
        print(f"  {'|delta ' + m + '|':<18}{d:.2e}   {mark[checks[m]]} (target <= {TARGET_DELTA:g})")
    _print_ratios(speed, mem, checks, mark, width=18)
    differing = {m: v for m, v in per_item["items_differing"].items() if v}
    print(f"  per item          max |delta loglikelihood| {per_item['max_abs_ll_delta']:.2e} over {n_requests} requests; "
          + ("no item scored differently" if not differing else
             "; ".join(f"{m} differs on items {v[:10]}{' ...' if len(v) > 10 else ''}" for m, v in differing.items()))
          + (f"; {per_item['unmatched']} items unmatched" if per_item["unmatched"] else "")
          + (f"; lm-eval's request strings differ from ours on items {per_item['items_with_other_requests'][:10]}"
             if per_item["items_with_other_requests"] else "; same request strings"))
    print(f"  variants          argmax differs: acc vs acc_norm on {per_item['pred_ne_pred_norm']} items, "
          f"acc_norm vs acc_bytes on {per_item['pred_norm_ne_pred_bytes']} (goalgraph's records)")
    busiest = _print_verdict(lm, gg, lm_runs + gg_runs, checks, mark, width=18)

    return {
        "config": {"items": len(items), "seed": args.seed, "model_size": args.model_size,
                   "batch_size": args.batch_size, "threads": threads, "threads_set": bool(args.threads),
                   "repeats": args.repeats, "cpus": os.cpu_count(), "requests": n_requests,
                   "items_with_non_ascii_choices": non_ascii, "metrics": list(metrics),
                   "metrics_unsupported_by_lm_eval": [m for m in MC_METRICS if m not in metrics]},
        "model": minfo, "versions": {"goalgraph_side": ours, "lm_eval_side": {
            k: info[k] for k in ("version", "python", "torch", "transformers", "datasets")}},
        "prompt": MC_PROMPT, "lm_eval_task": json.loads(task_file.read_text()),
        "lm_eval": {**lm, "runs": _strip(lm_runs)}, "goalgraph": {**gg, "runs": _strip(gg_runs)},
        "delta": deltas, "per_item": per_item, "time_ratio": speed, "memory_ratio": mem,
        "max_others_cpu_share": busiest,
        "targets": {"delta": TARGET_DELTA, "time_ratio": TARGET_SPEEDUP, "memory_ratio": 1.0},
        "pass": {**checks, "scores": all(checks[m] for m in metrics), "all": all(checks.values())},
    }


def _print_ratios(speed: float, mem: float, checks: dict, mark: dict, width: int) -> None:
    """The time and memory lines of a comparison, labels padded to `width` columns."""
    print(f"  {'time ratio':<{width}}{speed:.2f}x  {mark[checks['speed']]} (lm-eval / goalgraph, whole process; "
          f"target >= {TARGET_SPEEDUP:g}x)")
    print(f"  {'memory ratio':<{width}}{mem:.2f}x  {mark[checks['memory']]} (goalgraph / lm-eval peak RSS; target <= 1)")


def _print_verdict(lm: dict, gg: dict, runs: list[dict], checks: dict, mark: dict, width: int) -> float:
    """Repeat stability, the overall PASS/FAIL, and a warning when other processes skewed the timings;
    returns the largest share of the CPUs other processes used during a run."""
    if not (lm["scores_stable"] and gg["scores_stable"]):
        print("  note: scores differed between repeats of the same tool")
    print(f"  {'overall':<{width}}{mark[all(checks.values())]}")
    busiest = max((r["others_cpu_share"] or 0.0) for r in runs)
    if busiest > CONTENTION_WARN:
        print(f"  WARNING: other processes used up to {busiest:.0%} of the CPUs during a run; the timings are "
              "skewed (goalgraph's many small forward passes suffer more). Rerun on an idle machine.")
    return busiest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=200, help="synthetic items (default 200)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--model-size", choices=sorted(MODEL_SIZES), default="10m",
                    help="10m: 11.2M-parameter GPT-2 (default); small: ~0.2M, for a quick smoke run")
    ap.add_argument("--vocab", type=int, default=4096, help="BPE vocabulary size (default 4096)")
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=1, help="runs of each tool, order alternating; medians reported")
    ap.add_argument("--threads", type=int, default=None,
                    help="OMP/MKL threads for both tools (default: leave both at the machine default)")
    ap.add_argument("--lmeval-venv", type=Path,
                    default=Path(os.environ.get("GOALGRAPH_LMEVAL_VENV", "/tmp/lmeval-venv")),
                    help="virtual environment with lm-eval installed (default $GOALGRAPH_LMEVAL_VENV or /tmp/lmeval-venv)")
    ap.add_argument("--create-venv", action="store_true",
                    help=f"create --lmeval-venv if missing (pip: torch, lm-eval[hf]=={LMEVAL_VERSION}, transformers "
                         "at goalgraph's versions)")
    ap.add_argument("--task", choices=("truthfulqa", "mc", "all"), default="truthfulqa",
                    help="truthfulqa: truthfulqa-mc vs lm-eval's truthfulqa_mc1/mc2 (default); mc: mc-generic vs a "
                         "local lm-eval multiple_choice task (acc, acc_norm, acc_bytes); all: both")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (model, items, logs)")
    args = ap.parse_args()

    import torch

    python = ensure_venv(args.lmeval_venv, args.create_venv)
    info = probe_lmeval(python)
    if not info.get("transformers"):
        fail(f"lm-eval in {args.lmeval_venv} has no transformers: pip install 'lm-eval[hf]=={info['version']}'")
    from importlib.metadata import version

    ours = {"torch": version("torch"), "transformers": version("transformers"), "goalgraph": version("goalgraph")}
    threads = args.threads or torch.get_num_threads()

    # goalgraph's plugin snapshot is current after any earlier command; make sure it is, untimed.
    subprocess.run([*goalgraph_cmd(), "plugins", "list", "--json"], check=False, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=offline_env())
    work = Path(tempfile.mkdtemp(prefix="bench_eval-"))
    try:
        doc: dict = {}
        if args.task in ("truthfulqa", "all"):
            doc.update(bench_truthfulqa(args, info, ours, threads, work))
        if args.task in ("mc", "all"):
            if doc:
                print()
            doc["mc_generic"] = bench_mc(args, python, info, ours, threads, work / "mc")
        if args.json:
            args.json.write_text(json.dumps(doc, indent=2) + "\n")
            print(f"  wrote {args.json}")
    finally:
        if args.keep:
            print(f"  kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
