"""`record.write` puts `provenance.ttl` beside `alignment.json`: the aligned model becomes a graph node (the very
node a `goalgraph run` of the directory names), linked to its method, aligner, base model and data, and
`--with-results` merges it like run provenance.

The model directories are fakes (a config and a few bytes of "weights"): fingerprints only read files."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REPO

from goalgraph.align import record as R
from goalgraph.align.provenance import to_turtle
from goalgraph.graph.namespaces import node_iri
from goalgraph.runtime.fingerprint import model_fingerprint

ID = "https://w3id.org/goalgraph/id/"
TINY_PLAN = REPO / "tests" / "fixtures" / "plans" / "tiny.json"


def _fake_model(path: Path, weights: bytes) -> Path:
    path.mkdir(parents=True)
    (path / "config.json").write_text(json.dumps({"model_type": "gpt2", "n_layer": 1}))
    (path / "model.safetensors").write_bytes(weights)
    return path


@pytest.fixture(scope="module")
def aligned(tmp_path_factory):
    """A DPO-aligned fake model with its record written by `record.write`: (directory, record)."""
    root = tmp_path_factory.mktemp("aligned")
    base = _fake_model(root / "base-model", b"base weights" * 50)
    out = _fake_model(root / "dpo-model", b"aligned weights" * 50)
    data = root / "prefs.jsonl"
    data.write_text('{"prompt": "Q: Be honest?\\nA:", "chosen": " Yes.", "rejected": " No."}\n')
    from goalgraph.util.digest import file_sha256

    record = R.build(aligner="dpo", loss=None, base_path=str(base), base_fingerprint=model_fingerprint(str(base)),
                     data_path=str(data), data_sha256=file_sha256(data), rows=1,
                     hyperparameters={"beta": 0.1, "learning_rate": 5e-6, "note": 'a "quoted"\nline'}, seed=7,
                     steps=3, final_loss=0.42, extra={"config_sha256": "ab" * 32, "train_seconds": 1.5})
    R.write(out, record)
    return out, record


def _rdf(path: Path):
    import rdflib

    return rdflib.Graph().parse(str(path), format="turtle")


def _json(r):
    assert r.code == 0, r.err
    return json.loads(r.out)


def test_provenance_parses_and_tells_the_record(aligned):
    import rdflib

    out, record = aligned
    g = _rdf(out / "provenance.ttl")
    GG, PROV = rdflib.Namespace("https://w3id.org/goalgraph/ontology#"), rdflib.Namespace("http://www.w3.org/ns/prov#")
    fp = model_fingerprint(str(out))
    model = rdflib.URIRef(node_iri("model", fp[:16]))
    base = rdflib.URIRef(node_iri("model", record["base_model"]["fingerprint"][:16]))
    run = rdflib.URIRef(ID + "alignment/" + "ab" * 8)
    assert (model, rdflib.RDF.type, GG.AlignedModel) in g
    assert str(g.value(model, rdflib.RDFS.label)) == "dpo-model"
    assert str(g.value(model, GG.fingerprint)) == fp
    assert g.value(model, GG.alignedWith) == rdflib.URIRef(ID + "method/dpo")
    assert g.value(model, GG.alignedBy) == rdflib.URIRef(ID + "aligner/dpo")
    assert g.value(model, PROV.wasGeneratedBy) == run and g.value(model, PROV.wasDerivedFrom) == base
    assert (base, rdflib.RDF.type, GG.Model) in g
    assert str(g.value(base, GG.fingerprint)) == record["base_model"]["fingerprint"]
    assert g.value(run, GG.usesMethod) == rdflib.URIRef(ID + "method/dpo")
    assert g.value(run, GG.randomSeed).toPython() == 7 and g.value(run, GG.steps).toPython() == 3
    assert g.value(run, GG.finalLoss).toPython() == pytest.approx(0.42)
    assert json.loads(str(g.value(run, GG.hyperparameters))) == record["hyperparameters"]
    assert str(g.value(run, PROV.endedAtTime)).startswith(record["created"][:19])
    data = [o for o in g.objects(run, PROV.used) if (o, rdflib.RDF.type, GG.DataFile) in g]
    assert len(data) == 1 and str(g.value(data[0], GG.sha256)) == record["data"]["sha256"]
    assert {str(o) for o in g.objects(run, PROV.used)} == {str(base), str(data[0])}


def test_the_aligned_model_is_the_node_a_run_of_it_names(aligned, tmp_path):
    """`goalgraph run` records `model_fingerprint(path)` with no settings (CausalLM.fingerprint mixes settings in
    only to key stored answers), so both files describe one node."""
    from goalgraph.run.runner import PlanRun

    out, _ = aligned
    run = PlanRun(TINY_PLAN, str(out), output_dir=tmp_path / "run", report=lambda line: None)
    assert run.results.model.iri in (out / "provenance.ttl").read_text().replace("<", " ").replace(">", " ").split()
    assert run.results.model.alignment["method"] == ID + "method/dpo"


def test_with_results_lists_the_model_under_its_method(aligned, cli):
    out, record = aligned
    rows = _json(cli("--with-results", str(out), "ask", "aligned-models", "--format", "json"))
    assert len(rows) == 1
    row = rows[0]
    assert row["method"] == ID + "method/dpo" and row["methodLabel"] == "Direct Preference Optimization"
    assert row["model"] == node_iri("model", model_fingerprint(str(out))[:16]) and row["modelLabel"] == "dpo-model"
    assert row["aligner"] == ID + "aligner/dpo"
    assert row["baseFingerprint"] == record["base_model"]["fingerprint"]
    assert row["dataSha256"] == record["data"]["sha256"]
    assert (row["seed"], row["steps"], row["modelPaths"]) == (7, 3, str(out))
    # a folder holding aligned model directories is searched like a folder of runs
    assert _json(cli("ask", "aligned-models", "-R", str(out.parent), "--format", "json")) == rows


def test_show_method_lists_the_aligned_model_as_a_link_in(aligned, cli):
    out, _ = aligned
    view = _json(cli("show", "method/dpo", "-R", str(out), "--format", "json"))
    linked = {link["node"]: link["type"] for link in view["incoming"]["aligned with"]}
    assert linked == {node_iri("model", model_fingerprint(str(out))[:16]): "gg:AlignedModel"}
    r = cli("show", "method/dpo", "-R", str(out))
    assert r.code == 0 and "aligned with" in r.out and "dpo-model" in r.out


def test_merged_with_a_run_of_the_same_model_it_conforms_to_the_shapes(aligned, cli, tmp_path):
    import goalgraph
    from goalgraph.graph.namespaces import GG
    from goalgraph.run.provenance import to_turtle as run_turtle
    from goalgraph.run.runner import PlanRun

    out, _ = aligned
    r = cli("validate", str(out / "provenance.ttl"))
    assert r.code == 0 and "conforms" in r.out and "Warning" not in r.out, r.out + r.err

    run_dir = tmp_path / "tiny-on-dpo-model"
    run = PlanRun(TINY_PLAN, str(out), output_dir=run_dir, report=lambda line: None)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "provenance.ttl").write_text(run_turtle(run.results))
    g = goalgraph.load(str(out / "provenance.ttl"), str(run_dir / "provenance.ttl"), include_env=False)
    assert not [v.line() for v in g.validate() if v.severity == "Violation"]
    types = {r["t"] for r in g.query("SELECT ?t WHERE { ?m a ?t }", m=run.results.model.iri)}
    assert {GG + "AlignedModel", GG + "EvaluatedModel"} <= types


def test_same_record_same_bytes(aligned):
    out, record = aligned
    text = (out / "provenance.ttl").read_text()
    assert to_turtle(record, out) == text
    R.write(out, json.loads((out / "alignment.json").read_text()))
    assert (out / "provenance.ttl").read_text() == text


def test_provenance_is_written_before_the_record(aligned, monkeypatch):
    """alignment.json marks a finished directory (aligners return it without rewriting anything), so it goes last."""
    import goalgraph.util.atomic as atomic

    out, record = aligned
    written = []
    real = atomic.write_text_atomic
    monkeypatch.setattr(atomic, "write_text_atomic", lambda path, text, **kw: (written.append(Path(path).name),
                                                                                 real(path, text, **kw)))
    R.write(out, record)
    assert written == ["provenance.ttl", "alignment.json"]


def test_an_inference_time_aligner_without_data_gives_valid_turtle(tmp_path, cli):
    from goalgraph.align.inference import principles_icl
    from goalgraph.align.principles import Principle

    base = _fake_model(tmp_path / "base", b"weights" * 10)
    out = tmp_path / "prompted"
    record = principles_icl(base, out, [Principle("user/1", "Answer kindly and truthfully.")])
    assert record["data"] is None and record["steps"] == 0 and record["final_loss"] is None
    text = (out / "provenance.ttl").read_text()
    _rdf(out / "provenance.ttl")
    assert "gg:DataFile" not in text and "gg:finalLoss" not in text
    assert f"gg:fingerprint \"{model_fingerprint(str(out))}\"" in text
    r = cli("validate", str(out / "provenance.ttl"))
    assert r.code == 0 and "conforms" in r.out, r.out + r.err
    rows = _json(cli("ask", "aligned-models", "-R", str(out), "--format", "json"))
    assert [(row["method"], row["steps"], row.get("dataSha256")) for row in rows] == [
        (ID + "method/in-context-principle-alignment", 0, None)]


def test_odd_records_still_give_turtle(tmp_path):
    """A record from a third-party aligner may lack fields, or carry a non-slug aligner id: nothing is invented."""
    out = _fake_model(tmp_path / "m", b"w")
    text = to_turtle({"aligner": "My Aligner!", "method": ID + "method/dpo", "base_model": {"path": "gpt2"},
                      "data": None, "seed": True, "steps": "3", "final_loss": float("nan"), "created": "yesterday"},
                     out)
    g = _rdf_text(text)
    assert len(g) > 0
    for term in ("gg:alignedBy", "mls:executes", "gg:randomSeed", "gg:steps", "gg:finalLoss", "prov:endedAtTime",
                 "prov:wasDerivedFrom"):
        assert term not in text, term


def _rdf_text(text: str):
    import rdflib

    return rdflib.Graph().parse(data=text, format="turtle")
