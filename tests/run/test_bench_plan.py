"""benchmarks/bench_run.py builds its plan by hand: it must stay a valid plan whose steps all run."""
from __future__ import annotations

import importlib.util

from conftest import REPO

from goalgraph.plan.model import Plan


def test_bench_plan_is_valid(tmp_path):
    spec = importlib.util.spec_from_file_location("bench_run", REPO / "benchmarks" / "bench_run.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    files = [tmp_path / f"items-{i}.jsonl" for i in range(3)]
    plan = Plan.model_validate(bench._plan(files))
    assert [s.id for s in plan.runnable_steps()] == ["mc-1", "mc-2", "mc-3"]
    assert len({tuple(sorted(map(str, i.values()))) for i in bench._items(50, seed=0)}) == 50
