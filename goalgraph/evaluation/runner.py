"""`goalgraph eval`: one evaluator, one model, its data → metrics JSON, per-item JSONL, and a request store.

The order of work is what makes it fast and resumable: load data and build every request first, deduplicate,
drop those the store already answered, answer the rest in length-sorted batches with shared prefixes (each
batch appended to the store as it finishes), then score items and aggregate. A crash in scoring loses no
model work; a re-run recomputes nothing.
"""
from __future__ import annotations

import json
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from goalgraph.evaluation.base import EvaluationError, Evaluator
from goalgraph.util.digest import file_sha256

MODEL_KINDS = ("causal-lm", "reward-model")


@dataclass
class EvalSpec:
    """Everything a run depends on; recorded in the output so the run can be replayed."""

    evaluator: str
    model: str
    data: list[str]
    template: str | None = None
    limit: int | None = None
    batch_size: int | str = "auto"
    device: str = "auto"
    dtype: str = "auto"
    options: dict[str, Any] = field(default_factory=dict)
    output: str | None = None
    split: str | None = None
    subset: str | None = None
    revision: str | None = None
    trust_remote_code: bool = False
    chat_template: bool = False
    system_prompt: str | None = None
    share_prefix: bool = True
    cache_dir: str | None = None
    use_cache: bool = True
    target: str | None = None          # a value profile to measure the distance to (value-level evaluators)


def split_options(pairs: list[str]) -> dict[str, str]:
    """`--option key=value` strings → {key: value} (dashes in keys become underscores)."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise EvaluationError(f"--option takes key=value, not {pair!r}")
        out[key] = value
    return out


def typed_options(options: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """String values typed like the default they replace (unknown keys are the Evaluator constructor's to refuse)."""
    return {key: _typed(value, defaults[key], key) if isinstance(value, str) and key in defaults else value
            for key, value in options.items()}


def _typed(value: str, default: Any, key: str) -> Any:
    try:
        if isinstance(default, bool):
            if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError
            return value.lower() in ("true", "1", "yes")
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
    except ValueError:
        raise EvaluationError(f"option {key}={value!r}: expected {type(default).__name__}") from None
    return value


def load_evaluator(spec: EvalSpec) -> tuple[Evaluator, dict[str, Any]]:
    """The evaluator component named in the spec, built with its template and options."""
    from goalgraph.evaluation.templates import PromptTemplate
    from goalgraph.registry.loader import import_entry
    from goalgraph.registry.snapshot import find_component

    comp = find_component(spec.evaluator, kind="evaluator")
    cls = import_entry(comp["entry"], f"evaluator {comp['id']!r}")
    defaults = dict(getattr(cls, "options", {}))
    options = typed_options(spec.options, defaults)
    template = PromptTemplate.from_file(spec.template) if spec.template else None
    try:
        evaluator = cls(template=template, **options)
    except EvaluationError:
        raise
    except Exception as exc:  # a plugin's constructor failing is the plugin's error, reported in one line
        raise EvaluationError(f"evaluator {comp['id']!r} failed to start: {type(exc).__name__}: {exc}") from None
    return evaluator, comp


def load_model(spec: EvalSpec, kind: str) -> Any:
    """A fresh model adapter of `kind` for the spec's model and settings."""
    common = {"device": spec.device, "dtype": spec.dtype, "batch_size": spec.batch_size, "revision": spec.revision,
              "trust_remote_code": spec.trust_remote_code}
    if kind == "reward-model":
        from goalgraph.runtime.reward_model import RewardModel

        return RewardModel.load(spec.model, **common)
    from goalgraph.runtime.causal_lm import CausalLM

    return CausalLM.load(spec.model, chat=spec.chat_template, system_prompt=spec.system_prompt,
                         share_prefix=spec.share_prefix, **common)


class ModelCache:
    """Loaded models kept for the next spec that asks for the same one, so a plan of several steps loads its
    model once. The key is every setting `load_model` reads: two specs that would load the same thing share it."""

    def __init__(self) -> None:
        self._models: dict[tuple, Any] = {}

    @staticmethod
    def key(spec: EvalSpec, kind: str) -> tuple:
        return (spec.model, kind, spec.device, spec.dtype, str(spec.batch_size), spec.revision,
                spec.trust_remote_code, spec.chat_template, spec.system_prompt, spec.share_prefix)

    def get(self, spec: EvalSpec, kind: str) -> Any:
        key = self.key(spec, kind)
        if key not in self._models:
            self._models[key] = load_model(spec, kind)
        return self._models[key]

    def __len__(self) -> int:
        return len(self._models)

    def clear(self) -> None:
        self._models.clear()


def resolve_sources(evaluator: Any, sources: list[str]) -> list[str]:
    """`builtin:NAME` data sources → the files the evaluator ships (anything else unchanged)."""
    builtin = getattr(evaluator, "builtin_data", None) or {}      # e.g. builtin:scenarios → a bundled file
    return [str(builtin.get(source, source)) for source in sources]


def _reset_counters(model: Any) -> None:
    """A reused model reports only this run's token counts in its `describe()`."""
    stats = getattr(model, "stats", None)
    if isinstance(stats, dict):
        for key in stats:
            if isinstance(stats[key], (int, float)):
                stats[key] = 0


def _store(spec: EvalSpec, model: Any, tag: str = ""):
    if not spec.use_cache:
        return None
    from goalgraph.runtime.store import RequestStore
    from goalgraph.util.paths import cache_dir

    directory = Path(spec.cache_dir) if spec.cache_dir else cache_dir() / "requests"
    return RequestStore.for_model(directory, model.fingerprint, tag)


_METHODS = {"loglikelihood": "loglikelihood", "generation": "generate", "reward": "reward"}


def pending(requests: list, store: Any = None) -> tuple[list, list]:
    """(the distinct requests in first-seen order, those of them the store has no answer for)."""
    unique = list(dict.fromkeys(requests))
    return unique, [r for r in unique if store is None or store.get(r) is None]


def collect(requests: list, unique: list, todo: list, memory: dict, store: Any) -> tuple[list, dict[str, int]]:
    """Every request's answer in order (computed now, else stored) and the counts the result reports."""
    answers = [memory[r] if r in memory else store.get(r) for r in requests]
    counts = {"total": len(requests), "unique": len(unique), "from_store": len(unique) - len(todo),
              "computed": len(todo)}
    return answers, counts


def compute(model: Any, todo: list, store: Any = None, progress: Callable[[int], None] | None = None) -> dict:
    """Answers for the distinct requests `todo`, by kind, each stored as its batch finishes."""
    memory: dict[Any, Any] = {}
    by_kind: dict[str, list] = {}
    for r in todo:
        by_kind.setdefault(r.kind, []).append(r)
    for kind, reqs in by_kind.items():
        method = getattr(model, _METHODS[kind], None)
        if method is None:
            raise EvaluationError(f"this model cannot answer {kind} requests")

        def done(idx: list[int], answers: list, reqs: list = reqs) -> None:
            batch = [reqs[i] for i in idx]
            for r, a in zip(batch, answers):
                memory[r] = a
            if store is not None:
                store.put_many(batch, answers)
            if progress:
                progress(len(idx))

        method(reqs, on_done=done)
    return memory


def answer_requests(model: Any, requests: list, store: Any = None,
                    progress: Callable[[int], None] | None = None) -> tuple[list, dict[str, int]]:
    """Answers for `requests` in order: identical requests computed once, stored ones not at all."""
    unique, todo = pending(requests, store)
    return collect(requests, unique, todo, compute(model, todo, store, progress), store)


def answer_sharded(model: Any, requests: list, store: Any, dist: Any,
                   progress_factory: Callable[[int], Callable[[int], None]] | None = None
                   ) -> tuple[list, dict[str, int], list[int]]:
    """`answer_requests` across the ranks of a distributed job: every rank cuts the same shards of what the
    stores lack (`distributed.assign`), answers its own into its own store file, and the answers are
    all-gathered, so every rank returns all of them in order. Also returns how many each rank computed."""
    from goalgraph.runtime.distributed import assign

    unique, todo = pending(requests, store)
    owner = assign(todo, dist.world_size)
    mine = [r for r, k in zip(todo, owner) if k == dist.rank]
    progress = progress_factory(len(mine)) if progress_factory and dist.main and mine else None

    def work() -> tuple[list, dict]:
        memory = compute(model, mine, store, progress)
        return [memory[r] for r in mine], dict(getattr(model, "stats", None) or {})

    gathered = dist.guarded(work, gather=True)
    memory: dict[Any, Any] = {}
    for rank, (answers, _) in enumerate(gathered):
        memory.update(zip([r for r, k in zip(todo, owner) if k == rank], answers))
    stats = getattr(model, "stats", None)
    if isinstance(stats, dict):                 # the model's token counts are the whole job's
        for key in stats:
            stats[key] = sum(s.get(key, 0) for _, s in gathered)
    answers, counts = collect(requests, unique, todo, memory, store)
    return answers, counts, [owner.count(k) for k in range(dist.world_size)]


def run(spec: EvalSpec, progress_factory: Callable[[int], Callable[[int], None]] | None = None,
        models: ModelCache | None = None) -> dict[str, Any]:
    """Run one evaluation; returns the result document (and writes it when `spec.output` is set).

    With `models`, the model comes from (and stays in) that cache: `goalgraph run` passes one cache for all
    steps of a plan. Without it the model is loaded for this run alone, as `goalgraph eval` does."""
    from goalgraph.evaluation.data import load_records

    started = time.perf_counter()
    evaluator, comp = load_evaluator(spec)
    want = max(1, getattr(evaluator, "data_files", 1))
    if len(spec.data) < want:
        raise EvaluationError(f"{comp['id']} needs {want} --data files, got {len(spec.data)}")
    sources = resolve_sources(evaluator, spec.data)
    evaluator.sources = list(sources)          # lets an evaluator name things after their files
    datasets = [load_records(src, getattr(evaluator, "fields", ()), split=spec.split, name=spec.subset,
                             limit=spec.limit, who=comp["id"]) for src in sources]
    items = _plugin_call(comp, "prepare", lambda: evaluator.prepare(datasets))
    if spec.limit is not None:
        items = items[:spec.limit]
    if not items:
        raise EvaluationError(f"no items to evaluate in {', '.join(sources)}")
    per_item = [_plugin_call(comp, f"requests (item {i})", lambda it=it: evaluator.requests(it))
                for i, it in enumerate(items)]
    flat = [r for rs in per_item for r in rs]

    kind = getattr(evaluator, "model_kind", "causal-lm")
    from goalgraph.runtime.distributed import current

    dist = current()

    def prepare() -> tuple[Any, Any]:
        m = models.get(spec, kind) if models is not None else load_model(spec, kind)
        _reset_counters(m)
        return m, _store(spec, m, dist.tag if dist is not None else "")

    if dist is None:
        model, store = prepare()
    else:
        dist.start()  # before the model loads: it pins this rank's GPU
        # every rank has its model and has read the store files before any rank writes to its own
        model, store = dist.guarded(prepare)
    loaded = time.perf_counter()
    try:
        if dist is None:
            progress = progress_factory(len(set(flat))) if progress_factory else None
            answers, counts = answer_requests(model, flat, store, progress)
        else:
            answers, counts, per_rank = answer_sharded(model, flat, store, dist, progress_factory)
    finally:
        if store is not None:
            store.close()
    scored = time.perf_counter()

    records, pos = [], 0
    for i, (item, rs) in enumerate(zip(items, per_item)):
        rec = _plugin_call(comp, f"score (item {i})", lambda: evaluator.score(item, answers[pos:pos + len(rs)]))
        records.append(rec)
        pos += len(rs)
    metrics = _plugin_call(comp, "aggregate", lambda: evaluator.aggregate(records))
    from goalgraph.evaluation.value_link import value_section

    values = value_section(evaluator, comp, metrics, spec.target)
    result = _document(spec, sources, evaluator, comp, model, metrics, counts, items,
                       {"total_s": time.perf_counter() - started, "model_load_s": loaded - started,
                        "answer_s": scored - loaded,
                        "requests_per_s": counts["computed"] / max(scored - loaded, 1e-9)})
    if values is not None:
        result["values"] = values
    if dist is not None:
        result["distributed"] = {"world_size": dist.world_size, "computed_per_rank": per_rank}
    if spec.output and (dist is None or dist.main):
        write_outputs(Path(spec.output), result, items, records)
    elif spec.output:                           # only rank 0 writes; the others know the name it wrote
        result["samples"] = samples_path(Path(spec.output)).name
    return result


def _plugin_call(comp: dict, what: str, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except EvaluationError:
        raise
    except Exception as exc:  # the evaluator's own bug or bad data it choked on: one line, model work kept
        raise EvaluationError(f"evaluator {comp['id']!r} failed in {what}: {type(exc).__name__}: {exc}") from None


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for dist in ("goalgraph", "torch", "transformers", "tokenizers", "jinja2"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            pass
    return out


def _document(spec, sources, evaluator, comp, model, metrics, counts, items, timing) -> dict[str, Any]:
    clean = {k: (float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v) for k, v in metrics.items()}
    return {
        "evaluator": {"id": comp["id"], "version": comp.get("version"), "iri": comp.get("iri"),
                      **evaluator.describe()},
        "metrics": clean,
        "notes": list(getattr(evaluator, "notes", []) or []),
        "nodes": list(comp.get("attaches_to", [])),
        "model": model.describe(),
        "data": [{"source": s, "sha256": file_sha256(s)} for s in sources],
        "items": len(items),
        "config": {"limit": spec.limit, "batch_size": spec.batch_size, "device": spec.device, "dtype": spec.dtype,
                   "split": spec.split, "subset": spec.subset, "chat_template": spec.chat_template,
                   "system_prompt": spec.system_prompt, "shared_prefix": spec.share_prefix,
                   "template_file": spec.template, "command": sys.argv[:1] and " ".join(sys.argv)},
        "requests": counts,
        "timing": {k: round(v, 4) for k, v in timing.items()},
        "versions": _versions(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def samples_path(output: Path) -> Path:
    return output.with_name(output.stem + ".samples.jsonl")


def write_outputs(output: Path, result: dict[str, Any], items: list[dict], records: list[dict]) -> None:
    """Per-item JSONL first, then the result JSON (each written to a temp name and renamed)."""
    from goalgraph.util.atomic import write_text_atomic

    lines = [json.dumps({"index": i, "doc": item, **rec}, ensure_ascii=False, default=str)
             for i, (item, rec) in enumerate(zip(items, records))]
    samples = samples_path(output)
    write_text_atomic(samples, "\n".join(lines) + "\n")
    result["samples"] = samples.name
    write_text_atomic(output, json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
