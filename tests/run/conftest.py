"""Fixtures for plan runs: hand-made plans, a second tiny model, and one finished run shared by the tests."""
from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO

TINY_PLAN = REPO / "tests" / "fixtures" / "plans" / "tiny.json"
ID = "https://w3id.org/goalgraph/id/"


def write_plan(path: Path, steps: list[dict] | None = None, **changes) -> Path:
    """tiny.json with its steps replaced: each dict overrides fields of a copy of the first step."""
    plan = json.loads(TINY_PLAN.read_text())
    if steps is not None:
        template = plan["steps"][0]
        out = []
        for order, change in enumerate(steps, 1):
            step = copy.deepcopy(template)
            step.update({k: v for k, v in change.items() if k != "sources"}, order=order)
            if "sources" in change:
                step["data"]["sources"] = [str(s) for s in change["sources"]]
            out.append(step)
        plan["steps"] = out
        plan["coverage"]["runnable"] = [s["id"] for s in out if s["status"] == "runnable"]
    plan.update(changes)
    path.write_text(json.dumps(plan, indent=2))
    return path


@pytest.fixture(scope="session")
def tiny_lm_dir_2(tmp_path_factory):
    """A second tiny GPT-2 with another seed: different weights, different answers."""
    from tiny_models import build_tiny_gpt2

    return build_tiny_gpt2(tmp_path_factory.mktemp("tiny-gpt2-seed1"), seed=1)


@pytest.fixture(scope="session")
def finished_run(cli, tiny_lm_dir, tmp_path_factory):
    """`goalgraph run` of the three-step tiny plan on the tiny model (done once per session)."""
    out = tmp_path_factory.mktemp("runs") / "tiny-a"
    r = cli("run", str(TINY_PLAN), "--model", str(tiny_lm_dir), "--device", "cpu", "--output", str(out))
    assert r.code == 0, r.err
    return out, r


@pytest.fixture
def run_copy(finished_run, tmp_path):
    """A private copy of the finished run directory (mtimes kept) for tests that run it again."""
    dest = tmp_path / "run"
    shutil.copytree(finished_run[0], dest)
    return dest
