"""The plugin registry: hooks, manifests, isolation of failures, components as graph nodes."""
from __future__ import annotations

import inspect
import re
import sys
import textwrap
import types
from pathlib import Path

import pytest

from goalgraph.registry.loader import PluginError, PluginSource

ID = "https://w3id.org/goalgraph/id/"

GOOD = '''
from goalgraph.registry import hookimpl

@hookimpl
def register_evaluators(register):
    register(id="{pid}-eval", title="Demo evaluator", entry="{pid}_component:Scorer",
             attaches_to=["benchmark/truthfulqa"], needs=["loglikelihood"],
             metrics=[{{"name": "acc", "higher_is_better": True}}], implements="paper/lin-2022-truthfulqa")

@hookimpl
def register_aligners(register):
    register(id="{pid}-align", title="Demo aligner", entry="{pid}_component:Aligner", attaches_to=["goal/hhh"],
             needs=["generation"], requirements={{"accelerator": "required"}})

@hookimpl
def register_datasets(register):
    register(id="{pid}-data", entry="{pid}_component:load", attaches_to=["benchmark/truthfulqa"])

@hookimpl
def register_model_backends(register):
    register(name="{pid}-backend", entry="{pid}_component:Backend", description="a test backend")

@hookimpl
def register_graph(register):
    register(text="""
@prefix gg: <https://w3id.org/goalgraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://w3id.org/goalgraph/id/benchmark/{pid}-bench> a gg:Benchmark ; rdfs:label "{pid} bench"@en ;
    dcterms:description "A benchmark contributed by a test plugin."@en ;
    gg:evaluatesGoal <https://w3id.org/goalgraph/id/goal/hhh> ;
    gg:approach <https://w3id.org/goalgraph/id/approach/benchmark> .
""")

@hookimpl
def register_commands(cli):
    @cli.command("{pid}-hello")
    def hello(name: str = "world"):
        print("hello " + name + " from {pid}")
'''

COMPONENT = '''
IMPORTED = True
class Scorer:
    def score(self, xs):
        return {"acc": sum(xs) / len(xs)}
class Aligner: pass
class Backend: pass
def load(): return [1, 2, 3]
'''


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    """A folder on sys.path where tests write plugin modules."""
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [m for m in sys.modules if m.startswith("plug")]:
        del sys.modules[name]


def make_plugin(folder: Path, pid: str, body: str = GOOD, component: str | None = COMPONENT) -> PluginSource:
    (folder / f"{pid}.py").write_text(textwrap.dedent(body.format(pid=pid) if "{pid}" in body else body))
    if component is not None:
        (folder / f"{pid}_component.py").write_text(component)

    def load():
        import importlib

        return importlib.import_module(pid)

    return PluginSource(name=pid, version="1.2.3", module=pid, load=load, distribution=f"{pid}-dist",
                        requires=["goalgraph>=0.1"])


def build(sources):
    from goalgraph.graph.api import GoalGraph
    from goalgraph.registry.attach import build_registry

    graph = GoalGraph.load(include_env=False)
    registry, ntriples = build_registry(graph, sources)
    return graph, registry, ntriples


def test_every_hook_is_exercised(plugin_dir):
    import typer

    graph, registry, _ = build([make_plugin(plugin_dir, "plugall")])
    rec = registry.plugin("plugall")
    assert rec.status == "loaded", rec.error
    assert {c.id for c in rec.components} == {"plugall-eval", "plugall-align"}
    assert rec.datasets[0].attaches_to == [ID + "benchmark/truthfulqa"]   # resolved against the graph
    assert rec.backends[0].name == "plugall-backend"
    # register_graph: merged and queryable
    assert graph.resolve("plugall bench") == ID + "benchmark/plugall-bench"
    # register_commands: adds a command to a Typer app
    app = typer.Typer()
    registry.host.call_commands(app)
    assert any(c.name == "plugall-hello" for c in app.registered_commands)


def test_components_are_graph_nodes(plugin_dir):
    graph, registry, ntriples = build([make_plugin(plugin_dir, "plugnode")])
    rows = graph.query("SELECT ?e ?v ?d WHERE { ?e a gg:Evaluator ; gg:attachesTo ?b ; schema:softwareVersion ?v ; "
                       "gg:distribution ?d }", b=ID + "benchmark/truthfulqa").rows
    assert {"e": ID + "evaluator/plugnode-eval", "v": "1.2.3", "d": "plugnode-dist"} in rows
    view = graph.show("truthfulqa")
    assert ID + "evaluator/plugnode-eval" in [link.target for link in view.incoming["attaches to"]]
    assert graph.query("ASK { ?e gg:implements ?p }", e=ID + "evaluator/plugnode-eval",
                       p=ID + "paper/lin-2022-truthfulqa").boolean
    assert graph.path("plugnode-eval", "human-preferences")
    assert "plugnode-eval" in ntriples


def test_component_import_is_lazy(plugin_dir):
    _graph, registry, _ = build([make_plugin(plugin_dir, "pluglazy")])
    assert "pluglazy_component" not in sys.modules
    scorer = registry.component("pluglazy-eval").load()()
    assert "pluglazy_component" in sys.modules
    assert scorer.score([1, 0, 1, 1]) == {"acc": 0.75}


def test_requirement_checks(plugin_dir, monkeypatch):
    from goalgraph.registry import attach

    monkeypatch.setattr(attach, "has_gpu", lambda: False)
    _graph, registry, _ = build([make_plugin(plugin_dir, "plugreq")])
    aligner = registry.component("plugreq-align")
    assert "needs a GPU: none here" in aligner.checks and aligner.runnable is False
    assert registry.component("plugreq-eval").runnable is True


def test_import_error_is_isolated(plugin_dir):
    broken = make_plugin(plugin_dir, "plugbroken", body="raise RuntimeError('boom at import')\n", component=None)
    _graph, registry, _ = build([broken, make_plugin(plugin_dir, "plugfine")])
    rec = registry.plugin("plugbroken")
    assert rec.status == "failed" and "boom at import" in rec.error
    assert registry.plugin("plugfine").status == "loaded"
    assert registry.component("plugfine-eval")


def test_misspelled_hook_is_caught(plugin_dir):
    body = ("from goalgraph.registry import hookimpl\n"
            "@hookimpl\ndef register_evaluator(register):\n    pass\n")
    _graph, registry, _ = build([make_plugin(plugin_dir, "plugtypo", body=body, component=None)])
    rec = registry.plugin("plugtypo")
    assert rec.status == "failed"
    assert "unknown hook 'register_evaluator'" in rec.error and "did you mean register_evaluators" in rec.error


def test_bad_manifest_and_raising_hook_fail_only_their_plugin(plugin_dir):
    bad_manifest = ("from goalgraph.registry import hookimpl\n@hookimpl\ndef register_evaluators(register):\n"
                    "    register(id='Bad Id!', title='x', entry='nomodule', attaches_to=[])\n")
    raising = ("from goalgraph.registry import hookimpl\n@hookimpl\ndef register_aligners(register):\n"
               "    raise KeyError('kaput')\n")
    _g, registry, _ = build([make_plugin(plugin_dir, "plugbad", bad_manifest, None),
                             make_plugin(plugin_dir, "plugraise", raising, None),
                             make_plugin(plugin_dir, "plugok")])
    assert registry.plugin("plugbad").status == "failed" and "bad manifest" in registry.plugin("plugbad").error
    assert registry.plugin("plugraise").status == "failed" and "kaput" in registry.plugin("plugraise").error
    assert registry.plugin("plugok").status == "loaded"


def test_unknown_attachment_is_rejected_with_suggestions(plugin_dir):
    body = GOOD.replace('attaches_to=["benchmark/truthfulqa"], needs=["loglikelihood"]',
                        'attaches_to=["benchmark/truthfulqaa"], needs=["loglikelihood"]')
    graph, registry, _ = build([make_plugin(plugin_dir, "plugunknown", body)])
    rec = registry.plugin("plugunknown")
    comp = next(c for c in rec.components if c.id == "plugunknown-eval")
    assert comp.status == "rejected" and "did you mean" in comp.error and "truthfulqa" in comp.error
    assert not graph.query("ASK { ?e a gg:Evaluator }", e=ID + "evaluator/plugunknown-eval").boolean
    assert "plugunknown-align" in [c.id for c in registry.components]


def test_duplicate_component_ids_are_rejected(plugin_dir):
    first = make_plugin(plugin_dir, "plugdupa")
    second_body = GOOD.replace('id="{pid}-eval"', 'id="plugdupa-eval"')
    _g, registry, _ = build([first, make_plugin(plugin_dir, "plugdupb", second_body)])
    dup = next(c for c in registry.plugin("plugdupb").components if c.id == "plugdupa-eval")
    assert dup.status == "rejected" and "already registered" in dup.error


def test_plugin_graph_breaking_shapes_is_rejected(plugin_dir):
    body = GOOD.replace("gg:evaluatesGoal <https://w3id.org/goalgraph/id/goal/hhh> ;", "")
    graph, registry, _ = build([make_plugin(plugin_dir, "plugshape", body)])
    rec = registry.plugin("plugshape")
    assert rec.status == "failed"
    assert "benchmark/plugshape-bench" in rec.error and "gg:BenchmarkShape" in rec.error
    assert not graph.query("ASK { ?b a gg:Benchmark }", b=ID + "benchmark/plugshape-bench").boolean


def test_strict_mode_makes_failures_fatal(plugin_dir, monkeypatch):
    monkeypatch.setenv("GOALGRAPH_STRICT_PLUGINS", "1")
    broken = make_plugin(plugin_dir, "plugstrict", body="import no_such_module_anywhere\n", component=None)
    with pytest.raises(PluginError, match="plugstrict"):
        build([broken])


def test_load_and_disable_switches(plugin_dir, monkeypatch):
    a, b = make_plugin(plugin_dir, "plugswa"), make_plugin(plugin_dir, "plugswb")
    monkeypatch.setenv("GOALGRAPH_DISABLE_PLUGINS", "plugswa-dist")
    _g, registry, _ = build([a, b])
    assert registry.plugin("plugswa").status == "disabled"
    assert "plugswa" not in sys.modules
    assert registry.plugin("plugswb").status == "loaded"
    monkeypatch.delenv("GOALGRAPH_DISABLE_PLUGINS")
    monkeypatch.setenv("GOALGRAPH_LOAD_PLUGINS", "")
    _g, registry, _ = build([a, b])
    assert {p.status for p in registry.plugins} == {"disabled"}


def test_incompatible_goalgraph_requirement(plugin_dir):
    src = make_plugin(plugin_dir, "plugold")
    src.requires = ["goalgraph<0.1"]
    _g, registry, _ = build([src])
    rec = registry.plugin("plugold")
    assert rec.status == "incompatible" and "needs goalgraph<0.1" in rec.error
    assert "plugold" not in sys.modules


def test_every_hook_is_documented():
    from conftest import REPO

    from goalgraph.registry import hookspecs

    doc = (REPO / "docs" / "plugins.md").read_text()
    hooks = [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
             if getattr(fn, "goalgraph_spec", None) is not None]
    assert len(hooks) >= 6
    for name in hooks:
        params = ", ".join(inspect.signature(getattr(hookspecs, name)).parameters)
        assert f"### `{name}({params})`" in doc, f"docs/plugins.md lacks a section for {name}({params})"
        section = doc.split(f"### `{name}(")[1].split("### ")[0]
        assert "@hookimpl" in section, f"{name} has no example"
    documented = set(re.findall(r"### `(\w+)\(", doc))
    assert documented == set(hooks), documented ^ set(hooks)


def test_builtin_plugin_uses_the_public_entry_point():
    from importlib.metadata import entry_points

    eps = {ep.name: ep.value for ep in entry_points(group="goalgraph")}
    assert eps.get("builtins") == "goalgraph_builtins"
    import goalgraph_builtins

    assert isinstance(goalgraph_builtins, types.ModuleType)


def test_builtin_mfq_scorer_against_hand_computed_values(graph):
    from goalgraph.graph.api import GoalGraph
    from goalgraph.registry.attach import build_registry

    g = GoalGraph.load(include_env=False)
    registry, _ = build_registry(g)
    comp = registry.component("mfq30-scoring")
    assert comp.attaches_to == [ID + "instrument/mfq", ID + "theory/moral-foundations"]
    scorer = comp.load()()
    answers = {i: 0 for i in range(1, 33)}
    for i in (1, 7, 12, 17, 23, 28):          # care items
        answers[i] = 5
    for i, v in zip((2, 8, 13, 18, 24, 29), (1, 2, 3, 4, 5, 3)):  # fairness items: mean 18/6 = 3
        answers[i] = v
    answers[4], answers[31] = 3, 3            # authority: 6/6 = 1
    answers[6], answers[22] = 0, 5            # attention items answered sensibly
    s = scorer.score(answers)
    assert s["care"] == 5 and s["fairness"] == 3 and s["authority"] == 1 and s["loyalty"] == 0
    assert s["individualizing"] == 4 and s["binding"] == pytest.approx(1 / 3)
    assert s["attention_passed"] == 1.0
    answers[6] = 5
    assert scorer.score(answers)["attention_passed"] == 0.0
    with pytest.raises(ValueError, match="missing items"):
        scorer.score({1: 3})


def test_plugin_calling_sys_exit_does_not_end_the_host(plugin_dir):
    exiting = make_plugin(plugin_dir, "plugexit", body="import sys\nsys.exit(3)\n", component=None)
    hook_exit = ("import sys\nfrom goalgraph.registry import hookimpl\n@hookimpl\n"
                 "def register_evaluators(register):\n    sys.exit(4)\n")
    _g, registry, _ = build([exiting, make_plugin(plugin_dir, "plughookexit", hook_exit, None),
                             make_plugin(plugin_dir, "plugsurvivor")])
    assert registry.plugin("plugexit").status == "failed" and "SystemExit" in registry.plugin("plugexit").error
    assert registry.plugin("plughookexit").status == "failed"
    assert registry.plugin("plugsurvivor").status == "loaded"


def test_component_import_failure_is_a_plugin_error(plugin_dir):
    _g, registry, _ = build([make_plugin(plugin_dir, "plugnocomp", component="raise ImportError('torch missing')\n")])
    with pytest.raises(PluginError, match="torch missing"):
        registry.component("plugnocomp-eval").load()


def test_dataset_loader_bound_to_unknown_node_is_dropped(plugin_dir):
    body = GOOD.replace('register(id="{pid}-data", entry="{pid}_component:load", attaches_to=["benchmark/truthfulqa"])',
                        'register(id="{pid}-data", entry="{pid}_component:load", attaches_to=["benchmark/no-such-set"])')
    _g, registry, _ = build([make_plugin(plugin_dir, "plugdata", body)])
    rec = registry.plugin("plugdata")
    assert rec.datasets == [] and "dataset loader plugdata-data" in rec.error
    assert rec.status == "loaded"
