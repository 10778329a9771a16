"""A non-editable install works outside the repository: the ontology travels as package data."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

from conftest import REPO


def test_wheel_installs_and_runs_from_another_directory(tmp_path):
    dist = tmp_path / "dist"
    build = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(REPO)],
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    wheels = list(dist.glob("goalgraph-*.whl"))
    assert len(wheels) == 1

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    # Dependencies come from the test environment (no network needed); goalgraph itself only from the wheel.
    site = Path(subprocess.check_output([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        text=True).strip())
    (site / "_deps_from_test_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", str(wheels[0])],
                             capture_output=True, text=True)
    assert install.returncode == 0, install.stderr[-2000:]

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
