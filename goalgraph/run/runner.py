"""`goalgraph run`: execute a plan's runnable steps on one model, resumably, and write the run directory.

Each step goes through the same evaluation runner as `goalgraph eval` (so a step's numbers are exactly what
`goalgraph eval` gives for it), with one model cache for the whole run (the model is loaded once) and the
run's own request store in `DIR/requests`. After every step `results.json` and `provenance.ttl` are rewritten
atomically: a run killed at any moment keeps every finished step, and re-running the same command skips them
(same spec digest, result file present) and, inside the interrupted step, every stored answer.
"""
from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable

from goalgraph.errors import GoalgraphError, one_line
from goalgraph.graph.namespaces import model_iri, node_iri
from goalgraph.run.directory import RunDirectory
from goalgraph.plan.data import parse_pairs
from goalgraph.run.steps import RunInputError, Selected, select_steps, spec_sha256

EXIT_STEP_FAILED = 3
"""Exit code of `goalgraph run` when it finished and wrote its results but at least one step failed
(0: every selected step is done; 2: bad input, nothing ran; 1: an internal error)."""


def _utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def slug(text: str, limit: int = 60) -> str:
    """Lower-case kebab slug that fits the instance IRI pattern (`[a-z0-9]+(-[a-z0-9]+)*`), at most `limit` long."""
    from goalgraph.evaluation.scoring import slug as kebab

    return kebab(text, empty="")[:limit].strip("-") or "x"


def model_name(model: str) -> str:
    return Path(model.rstrip("/")).name or model


def default_output(plan_path: str | Path, model: str) -> Path:
    """`runs/<plan-stem>-<model-name>` in the working directory."""
    return Path("runs") / f"{Path(plan_path).stem}-{slug(model_name(model))}"


def read_alignment_record(model: str) -> dict[str, Any] | None:
    """The model directory's alignment record (`alignment.json`, written by `goalgraph align`), if any."""
    from goalgraph.run.results import ALIGNMENT_RECORD

    path = Path(model).expanduser() / ALIGNMENT_RECORD
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunInputError(f"{path}: unreadable alignment record: {one_line(exc)}") from None
    if not isinstance(record, dict):
        raise RunInputError(f"{path}: an alignment record is a JSON object")
    return record


def _source_path(source: str, plan_dir: Path) -> str:
    """Relative data paths are taken from the working directory, else from the plan file's folder."""
    p = Path(source).expanduser()
    if source.startswith("builtin:") or p.is_absolute() or p.exists():
        return str(p) if p.exists() else source
    beside = plan_dir / source
    return str(beside) if beside.exists() else source


def _check_device(device: str) -> str:
    """A bad `--device` is bad input, found before anything runs. `auto` and `cpu` are resolved by the first
    step's model load (so importing torch counts as that step's own time, as in `goalgraph eval`); an explicit
    accelerator is checked now, since asking for one that is absent is the user's mistake."""
    from goalgraph.errors import EvaluationError
    from goalgraph.runtime.device import DEVICES

    if device not in DEVICES and not device.startswith("cuda:"):
        raise EvaluationError(f"unknown device {device!r} (choose from {', '.join(DEVICES)})")
    if device in ("auto", "cpu"):
        return device
    from goalgraph.runtime.device import resolve_device

    return resolve_device(device)


def _component(evaluator: str) -> tuple[dict[str, Any], Any]:
    """The registry entry of an evaluator and its class (imported: cheap, the model stack is not)."""
    from goalgraph.registry.loader import import_entry
    from goalgraph.registry.snapshot import find_component

    comp = find_component(evaluator, kind="evaluator")
    return comp, import_entry(comp["entry"], f"evaluator {comp['id']!r}")


class PlanRun:
    """One invocation of `goalgraph run`: the inputs checked up front, then the steps one by one."""

    def __init__(self, plan_path: str | Path, model: str, *, device: str = "auto", dtype: str = "auto",
                 output_dir: str | Path | None = None, data_overrides: dict[str, list[str]] | list[str] | None = None,
                 batch_size: int | str = "auto", limit: int | None = None, command: str | None = None,
                 report: Callable[[str], None] | None = None,
                 progress_factory: Callable[[int], Callable[[int], None]] | None = None):
        from goalgraph.plan.io import load_plan
        from goalgraph.runtime.loading import check_model_source
        from goalgraph.runtime.model_spec import weights_source

        self.plan_path = Path(plan_path)
        self.plan = load_plan(self.plan_path)
        check_model_source(weights_source(model))   # a model spec (principles-icl, best-of-n) runs over its base
        self.model = model
        self.alignment = read_alignment_record(model)
        overrides = parse_pairs(data_overrides) if isinstance(data_overrides, list) else (data_overrides or {})
        self.selected = select_steps(self.plan, {k: list(v) if isinstance(v, (list, tuple)) else [str(v)]
                                                 for k, v in overrides.items()})
        self.dir = RunDirectory(output_dir or default_output(self.plan_path, model))
        self.dtype, self.batch_size, self.limit = dtype, batch_size, limit
        self.command = command if command is not None else " ".join(sys.argv)
        from goalgraph.runtime.distributed import current

        # Under torchrun every rank runs every step (each answers its shard); rank 0 alone writes and reports.
        self.dist = current()
        self.writes = self.dist is None or self.dist.main
        self.report = report or ((lambda line: print(line, file=sys.stderr, flush=True)) if self.writes
                                 else (lambda line: None))
        self.progress_factory = progress_factory

        from goalgraph.runtime.fingerprint import model_fingerprint

        self.device = _check_device(device)
        self.weights = model_fingerprint(model)       # the model's files, no settings: its identity
        self.previous = self.dir.previous()
        if self.previous is not None and self.previous.model.fingerprint != self.weights:
            raise RunInputError(f"{self.dir.root} holds a run of another model ({self.previous.model.path}); "
                                f"choose another --output")
        self.results = self._start_results()

    # -- the results document ----------------------------------------------------------------------------
    def _start_results(self):
        from goalgraph import __version__
        from goalgraph.run.results import ModelInfo, PlanInfo, RunInfo, RunResults

        plan_sha = hashlib.sha256(self.plan_path.read_bytes()).hexdigest()
        prev = self.previous
        if prev is not None:
            run = prev.run.model_copy(update={"attempts": prev.run.attempts + 1, "command": self.command,
                                              "goalgraph": __version__})
        else:
            started = _utc_now()
            digest = hashlib.sha256(f"{plan_sha}\0{self.weights}\0{self.dir.root.resolve()}\0{started}"
                                    .encode()).hexdigest()[:10]
            run_id = f"{slug(self.plan_path.stem + '-' + model_name(self.model), 48)}-{digest}"
            run = RunInfo(id=run_id, iri=node_iri("run", run_id), started=started, goalgraph=__version__,
                          device=None if self.device == "auto" else self.device, command=self.command)
        plan = PlanInfo(path=str(self.plan_path), sha256=plan_sha, title=self.plan.title,
                        goal=self.plan.goal.model_dump(mode="json"),
                        theory=self.plan.theory.model_dump(mode="json") if self.plan.theory else None)
        model = ModelInfo(path=self.model, fingerprint=self.weights, iri=model_iri(self.weights),
                          describe=dict(prev.model.describe) if prev is not None else {},
                          alignment=self.alignment, name=model_name(self.model))
        steps = [self._step_result(sel) for sel in self.selected]
        return RunResults(run=run, plan=plan, model=model, steps=steps)

    def _step_result(self, sel: Selected):
        from goalgraph.run.results import StepResult

        s = sel.step
        return StepResult(id=s.id, node=s.node, label=s.label, kind=s.kind, evaluator=s.evaluator,
                          evaluator_version=s.evaluator_version, state="pending" if sel.run else "skipped",
                          goals=list(s.goals), levels=list(s.levels), dimensions=list(s.dimensions),
                          citations=list(s.citations), reason=sel.reason, order=s.order)

    def _save(self) -> None:
        from goalgraph.run.provenance import to_turtle

        res = self.results
        res.summary = {state: sum(1 for s in res.steps if s.state == state)
                       for state in ("done", "failed", "skipped", "pending")}
        if not self.writes:
            return
        self.dir.write_results(res)
        self.dir.write_text(self.dir.provenance, to_turtle(res))

    # -- running -------------------------------------------------------------------------------------------
    def execute(self):
        """Run every selected step in plan order; returns the RunResults (also in `DIR/results.json`)."""
        from goalgraph.evaluation.runner import ModelCache

        if self.writes:
            self.dir.write_json(self.dir.plan, self.plan.model_dump(mode="json"))
        self._save()
        cache = ModelCache()
        todo = [(i, sel) for i, sel in enumerate(self.selected) if sel.run]
        try:
            for n, (index, sel) in enumerate(todo, 1):
                tag = f"[{n}/{len(todo)}] {sel.step.id} ({sel.step.evaluator})"
                started = time.perf_counter()
                outcome = self._run_step(index, sel, cache)
                if outcome == "reused":
                    self.report(f"{tag} ... done earlier, kept")
                elif outcome == "done":
                    self.report(f"{tag} ... done {time.perf_counter() - started:.1f} s")
                else:
                    self.report(f"{tag} ... failed: {outcome}")
                self._save()
        finally:
            cache.clear()
        self.results.run.ended = _utc_now()
        self._save()
        return self.results

    def _run_step(self, index: int, sel: Selected, cache: Any) -> str:
        """'done', 'reused', or the one-line error; updates `self.results.steps[index]` in place."""
        result = self.results.steps[index]
        try:
            comp, cls = _component(sel.step.evaluator)
            from goalgraph.evaluation.runner import resolve_sources

            plan_dir = self.plan_path.parent
            sources = resolve_sources(cls, [_source_path(src, plan_dir) for src in sel.sources])
            digest = spec_sha256(evaluator=comp["id"], version=comp.get("version"), options=dict(sel.step.options),
                                 sources=sources, model_key=f"{self.weights}@{self.device}", template=None,
                                 limit=self.limit, dtype=self.dtype)
            if self._reuse_everywhere(index, digest):
                return "reused"
            doc = self._evaluate(sel, sources, cache)
        except GoalgraphError as exc:
            return self._failed(result, one_line(exc))
        except Exception as exc:  # a plugin's bug: recorded against its step, the others go on
            return self._failed(result, one_line(exc, with_type=True))
        out = self.dir.step_result(sel.step.id)
        result.state, result.error = "done", None
        result.evaluator_version = doc["evaluator"].get("version")
        result.evaluator_iri = doc["evaluator"].get("iri")
        result.metrics = dict(doc["metrics"])
        result.values = doc.get("values")
        result.result_file = self.dir.relative(out)
        result.samples_file = self.dir.relative(out.with_name(doc["samples"]))
        result.seconds = doc["timing"]["total_s"]
        result.spec_sha256 = digest
        result.requests = dict(doc["requests"])
        result.items = doc["items"]
        result.data = doc["data"]
        result.metric_directions = {m["name"]: m.get("higher_is_better") for m in comp.get("metrics", [])
                                    if isinstance(m, dict) and "name" in m}
        result.reused = False
        result.ended = doc["created"]
        if not self.results.model.describe:
            self.results.model.describe = dict(doc["model"])
        self.results.run.device = doc["model"].get("device") or self.results.run.device
        return "done"

    def _reuse_everywhere(self, index: int, digest: str) -> bool:
        """`_reuse`, decided by rank 0 alone in a distributed job (from the files it wrote) and followed by all."""
        if self.dist is None:
            return self._reuse(index, digest)
        return self.dist.broadcast(self._reuse(index, digest) if self.dist.main else None)

    def _reuse(self, index: int, digest: str) -> bool:
        prev = self.previous
        if prev is None:
            return False
        step = self.results.steps[index]
        old = next((s for s in prev.steps if s.id == step.id), None)
        if old is None or old.state != "done" or old.spec_sha256 != digest or not old.result_file \
                or not (self.dir.root / old.result_file).is_file():
            return False
        keep = old.model_dump()
        for key in ("id", "node", "label", "kind", "goals", "levels", "dimensions", "citations", "order"):
            keep.pop(key, None)
        for key, value in keep.items():
            setattr(step, key, value)
        step.reused = True
        return True

    def _evaluate(self, sel: Selected, sources: list[str], cache: Any) -> dict[str, Any]:
        from goalgraph.evaluation.runner import EvalSpec, run

        spec = EvalSpec(evaluator=sel.step.evaluator, model=self.model, data=sources, limit=self.limit,
                        batch_size=self.batch_size, device=self.device, dtype=self.dtype,
                        options=dict(sel.step.options), output=str(self.dir.step_result(sel.step.id)),
                        cache_dir=str(self.dir.requests), use_cache=True)
        return run(spec, progress_factory=self.progress_factory, models=cache)

    @staticmethod
    def _failed(result: Any, message: str) -> str:
        result.state, result.error = "failed", message
        return message


def run_plan(plan_path: str | Path, model: str, device: str = "auto", output_dir: str | Path | None = None,
             data_overrides: dict[str, list[str]] | list[str] | None = None, **kwargs: Any):
    """Run a plan on a model and return its RunResults (see PlanRun for the keyword arguments).

    Bad input (unreadable or invalid plan, missing model, a --data override naming no step) raises a
    GoalgraphError before anything runs; a failing step is recorded in the results and the others go on."""
    return PlanRun(plan_path, model, device=device, output_dir=output_dir, data_overrides=data_overrides,
                   **kwargs).execute()
