"""End to end in a fresh virtual environment: install goalgraph, then third-party plugins with
`goalgraph plugins install -e`, see them everywhere, survive a broken one, uninstall cleanly."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import REPO, fresh_venv_with_goalgraph

EXAMPLES = REPO / "tests" / "example_plugins"
ID = "https://w3id.org/goalgraph/id/"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """A fresh venv with goalgraph installed from its wheel; dependencies come from the test environment."""
    tmp = tmp_path_factory.mktemp("plugin-venv")
    venv_dir = fresh_venv_with_goalgraph(tmp)
    e = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GOALGRAPH_GRAPH")}
    e.update({"XDG_CACHE_HOME": str(tmp / "cache"), "XDG_DATA_HOME": str(tmp / "data"), "NO_COLOR": "1",
              "PIP_NO_INDEX": "1"})
    workdir = tmp / "work"
    workdir.mkdir()

    def gg(*args: str):
        return subprocess.run([str(venv_dir / "bin" / "goalgraph"), *args], capture_output=True, text=True,
                              env=e, cwd=workdir, timeout=300)

    gg.data = tmp / "data"
    gg.python = venv_dir / "bin" / "python"
    return gg


def _plugins(gg) -> dict[str, dict]:
    r = gg("plugins", "list", "--json", "--all")
    assert r.returncode == 0, r.stderr
    return {p["name"]: p for p in json.loads(r.stdout)}


def test_install_show_query_break_uninstall(env):
    gg = env
    r = gg("plugins", "install", "--no-build-isolation", "-e", str(EXAMPLES / "goalgraph-example-truthful"))
    assert r.returncode == 0, r.stdout + r.stderr
    plugins = _plugins(gg)
    good = plugins["example-truthful"]
    assert good["status"] == "loaded" and good["version"] == "0.3.0"
    assert good["components"][0]["attaches_to"] == [ID + "benchmark/truthfulqa"]
    assert plugins["builtins"]["status"] == "loaded"

    view = json.loads(gg("show", "truthfulqa", "--format", "json").stdout)
    assert ID + "evaluator/example-truthful-mc1" in [x["node"] for x in view["incoming"]["attaches to"]]
    rows = json.loads(gg("query", "SELECT ?e ?v WHERE { ?e gg:distribution \"goalgraph-example-truthful\" ; "
                                  "schema:softwareVersion ?v }", "--format", "json").stdout)
    assert rows == [{"e": ID + "evaluator/example-truthful-mc1", "v": "0.3.0"}]
    assert json.loads(gg("show", "paper/example-2026-notes", "--format", "json").stdout)["label"] == "Example plugin notes"

    lock = json.loads((gg.data / "goalgraph" / "plugins.lock.json").read_text())
    assert [e["editable"] for e in lock["plugins"]] == [True]

    # an upgrade of goalgraph that lost the plugin: --restore brings it back from the lock file
    r = subprocess.run([str(gg.python), "-m", "pip", "uninstall", "-y", "goalgraph-example-truthful"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "example-truthful" not in _plugins(gg)
    r = gg("plugins", "install", "--restore", "--no-build-isolation")
    assert r.returncode == 0, r.stdout + r.stderr
    assert _plugins(gg)["example-truthful"]["status"] == "loaded"
    r = gg("plugins", "install", "--dry-run", "--no-build-isolation", "-e", str(EXAMPLES / "goalgraph-example-broken"))
    assert r.returncode == 0 and "example-broken" not in _plugins(gg)

    r = gg("plugins", "install", "--no-build-isolation", "-e", str(EXAMPLES / "goalgraph-example-broken"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "example-broken" in r.stderr and "failed" in r.stderr
    broken = _plugins(gg)["example-broken"]
    assert broken["status"] == "failed" and "goalgraph_example_missing_dependency" in broken["error"]
    assert gg("show", "dpo").returncode == 0
    assert gg("query", "ASK { ?e a gg:Evaluator }").stdout.strip() == "true"
    assert _plugins(gg)["example-truthful"]["status"] == "loaded"

    r = gg("plugins", "uninstall", "goalgraph-example-broken", "goalgraph-example-truthful")
    assert r.returncode == 0, r.stdout + r.stderr
    plugins = _plugins(gg)
    assert set(plugins) == {"builtins"}
    view = json.loads(gg("show", "truthfulqa", "--format", "json").stdout)
    attached = {link["node"] for link in view["incoming"].get("attaches to", [])}
    assert attached == {"https://w3id.org/goalgraph/id/evaluator/truthfulqa-mc"}     # the built-in one only
    assert json.loads((gg.data / "goalgraph" / "plugins.lock.json").read_text())["plugins"] == []


def test_install_refuses_urls_and_reports_pip_errors(env):
    gg = env
    r = gg("plugins", "install", "https://example.org/plugin.whl")
    assert r.returncode == 2 and "refusing to install from a URL" in r.stderr and "Traceback" not in r.stderr
    r = gg("plugins", "install", "goalgraph-no-such-plugin-anywhere")
    assert r.returncode == 2 and "pip could not install" in r.stderr
    assert len([line for line in r.stderr.splitlines() if line.strip()]) == 1


def test_new_scaffolds_a_plugin_that_passes_its_test_and_installs(env, tmp_path):
    gg = env
    r = gg("plugins", "new", "goalgraph-scaffolded", "--dir", str(tmp_path))
    assert r.returncode == 0, r.stderr
    project = tmp_path / "goalgraph-scaffolded"
    assert (project / "pyproject.toml").is_file()
    test = subprocess.run([sys.executable, "-m", "pytest", "-q", str(project / "tests")], capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(project)}, cwd=project)
    assert test.returncode == 0, test.stdout[-2000:]
    r = gg("plugins", "install", "--no-build-isolation", "-e", str(project))
    assert r.returncode == 0, r.stdout + r.stderr
    assert _plugins(gg)["goalgraph-scaffolded"]["status"] == "loaded"
    assert gg("plugins", "uninstall", "goalgraph-scaffolded").returncode == 0
    r = gg("plugins", "new", "goalgraph-scaffolded", "--dir", str(tmp_path))
    assert r.returncode == 2 and "already exists" in r.stderr
