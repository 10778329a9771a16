"""A non-editable install works outside the repository: the ontology travels as package data."""
from __future__ import annotations

import json
import os
import subprocess

from conftest import fresh_venv_with_goalgraph


def test_wheel_installs_and_runs_from_another_directory(tmp_path):
    env_dir = fresh_venv_with_goalgraph(tmp_path)
    py = env_dir / "bin" / "python"

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GOALGRAPH_GRAPH")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    where = subprocess.run([str(py), "-c", "import goalgraph, sys; print(goalgraph.__file__)"],
                           capture_output=True, text=True, cwd=elsewhere, env=env)
    assert str(env_dir) in where.stdout, where.stdout + where.stderr
    show = subprocess.run([str(env_dir / "bin" / "goalgraph"), "show", "dpo", "--format", "json"],
                          capture_output=True, text=True, cwd=elsewhere, env=env)
    assert show.returncode == 0, show.stderr
    view = json.loads(show.stdout)
    assert view["label"] == "Direct Preference Optimization"
    assert any("_ontology" in s or "bundled" in s for s in view["sources"])
    asked = subprocess.run([str(env_dir / "bin" / "goalgraph"), "ask", "goal-evolution", "--format", "json"],
                           capture_output=True, text=True, cwd=elsewhere, env=env)
    assert asked.returncode == 0 and len(json.loads(asked.stdout)) == 4
