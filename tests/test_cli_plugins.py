"""Plugins seen through the CLI: a distribution found by its entry point, a broken one beside it,
`plugins list/info`, `show`, `query`, plugin commands, the strict switch and the start-up snapshot."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import REPO, _clean_env, one_error_line
from test_registry import COMPONENT, GOOD

ID = "https://w3id.org/goalgraph/id/"


def install_fake(site: Path, name: str, body: str, component: str | None = COMPONENT, requires: str = "goalgraph>=0.1"):
    """What pip would leave behind: a module and a .dist-info with the entry point."""
    (site / f"{name}.py").write_text(textwrap.dedent(body.format(pid=name) if "{pid}" in body else body))
    if component is not None:
        (site / f"{name}_component.py").write_text(component)
    info = site / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\nRequires-Dist: {requires}\n")
    (info / "entry_points.txt").write_text(f"[goalgraph]\n{name} = {name}\n")


@pytest.fixture
def site(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    install_fake(folder, "fakegood", GOOD)
    install_fake(folder, "fakebroken", "raise ImportError('fakebroken cannot import its dependency')\n", None)
    return folder


@pytest.fixture
def run(site, tmp_path):
    cache = str(tmp_path / "cache")

    def go(*args: str, env: dict[str, str] | None = None, code: str | None = None):
        e = _clean_env({"PYTHONPATH": str(site), **(env or {})}, cache)
        cmd = [sys.executable, "-c", code] if code else [sys.executable, "-m", "goalgraph", *args]
        p = subprocess.run(cmd, capture_output=True, text=True, env=e, cwd=REPO, timeout=120)
        return p

    return go


def test_plugins_list_json(run):
    p = run("plugins", "list", "--json")
    assert p.returncode == 0, p.stderr
    rows = {r["name"]: r for r in json.loads(p.stdout)}
    assert rows["builtins"]["status"] == "loaded"
    good = rows["fakegood"]
    assert good["status"] == "loaded" and good["version"] == "1.0" and good["error"] is None
    comp = {c["id"]: c for c in good["components"]}
    assert comp["fakegood-eval"]["attaches_to"] == [ID + "benchmark/truthfulqa"]
    assert comp["fakegood-eval"]["kind"] == "evaluator"
    assert any(ch.startswith("needs a GPU") for ch in comp["fakegood-align"]["checks"])
    broken = rows["fakebroken"]
    assert broken["status"] == "failed" and "fakebroken cannot import" in broken["error"]


def test_plugins_list_table_and_info(run):
    p = run("plugins", "list")
    assert p.returncode == 0 and "fakebroken" in p.stdout and "failed" in p.stdout
    p = run("plugins", "info", "fakegood")
    assert p.returncode == 0
    assert "evaluator fakegood-eval [ok]" in p.stdout and "needs from a model: loglikelihood" in p.stdout
    assert "dataset loader fakegood-data" in p.stdout and "model backend fakegood-backend" in p.stdout
    line = one_error_line(_as_result(run("plugins", "info", "nosuchplugin")))
    assert "no plugin named" in line


def _as_result(p):
    from conftest import CliResult

    return CliResult(p.returncode, p.stdout, p.stderr)


def test_show_and_query_see_plugin_components_while_a_plugin_is_broken(run):
    p = run("show", "truthfulqa", "--format", "json")
    assert p.returncode == 0, p.stderr
    incoming = json.loads(p.stdout)["incoming"]["attaches to"]
    assert ID + "evaluator/fakegood-eval" in [link["node"] for link in incoming]
    q = "SELECT ?e WHERE { ?e gg:attachesTo <https://w3id.org/goalgraph/id/benchmark/truthfulqa> }"
    p = run("query", q, "--format", "json")
    assert {"e": ID + "evaluator/fakegood-eval"} in json.loads(p.stdout)
    p = run("show", "fakegood bench", "--format", "json")   # the plugin's own graph
    assert p.returncode == 0 and json.loads(p.stdout)["iri"] == ID + "benchmark/fakegood-bench"
    p = run("ask", "unmeasured-resources", "--format", "json")
    unmeasured = {r["node"] for r in json.loads(p.stdout)}
    assert ID + "benchmark/truthfulqa" not in unmeasured          # fakegood-eval needs no GPU: runnable
    assert ID + "instrument/mfq" not in unmeasured                # the built-in MFQ scorer
    assert ID + "benchmark/bbq" not in unmeasured                 # the built-in bbq evaluator
    assert ID + "benchmark/hhh-evaluation" in unmeasured


def test_plugin_command_and_core_commands_untouched(run):
    p = run("fakegood-hello", "--name", "ada")
    assert p.returncode == 0, p.stderr
    assert "hello ada from fakegood" in p.stdout
    code = ("import sys, io, contextlib\nfrom goalgraph.cli import main\n"
            "buf = io.StringIO()\n"
            "with contextlib.redirect_stdout(buf):\n"
            "    try:\n        main(['stats'])\n    except SystemExit:\n        pass\n"
            "print('pluggy' in sys.modules, 'fakegood' in sys.modules)\n")
    run("stats")  # builds the snapshot
    p = run(code=code)
    assert p.stdout.split() == ["False", "False"], p.stdout + p.stderr


def test_strict_and_disable_switches(run):
    line = one_error_line(_as_result(run("show", "dpo", env={"GOALGRAPH_STRICT_PLUGINS": "1"})))
    assert "fakebroken" in line and "GOALGRAPH_STRICT_PLUGINS" in line
    p = run("show", "dpo", env={"GOALGRAPH_STRICT_PLUGINS": "1", "GOALGRAPH_DISABLE_PLUGINS": "fakebroken"})
    assert p.returncode == 0, p.stderr
    p = run("plugins", "list", "--json", "--all", env={"GOALGRAPH_LOAD_PLUGINS": "builtins"})
    status = {r["name"]: r["status"] for r in json.loads(p.stdout)}
    assert status == {"builtins": "loaded", "fakebroken": "disabled", "fakegood": "disabled"}
    p = run("plugins", "list", "--json", env={"GOALGRAPH_LOAD_PLUGINS": "builtins"})
    assert {r["name"] for r in json.loads(p.stdout)} == {"builtins"}


def test_incompatible_plugin_is_not_imported(site, run):
    install_fake(site, "fakeold", GOOD, requires="goalgraph<0.0.1")
    rows = {r["name"]: r for r in json.loads(run("plugins", "list", "--json").stdout)}
    assert rows["fakeold"]["status"] == "incompatible" and "goalgraph<0.0.1" in rows["fakeold"]["error"]


def test_snapshot_is_refreshed_when_a_plugin_changes(site, run):
    assert run("show", "fakegood-eval").returncode == 0
    module = site / "fakegood.py"
    module.write_text(module.read_text().replace('title="Demo evaluator"', 'title="Renamed evaluator"'))
    import os
    import time

    later = time.time() + 5
    os.utime(module, (later, later))
    p = run("show", "fakegood-eval", "--format", "json")
    assert json.loads(p.stdout)["label"] == "Renamed evaluator"
