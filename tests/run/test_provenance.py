"""provenance.ttl of a real run: conforms to the shapes, is deterministic, and every measurement links to graph
nodes that exist (value scores to their dimension nodes)."""
from __future__ import annotations

import json

from goalgraph.run.provenance import safe_slug, to_turtle
from goalgraph.run.results import RunResults

ID = "https://w3id.org/goalgraph/id/"


def test_provenance_conforms_to_the_shapes(finished_run, cli):
    out, _ = finished_run
    r = cli("validate", str(out / "provenance.ttl"))
    assert r.code == 0, r.out + r.err
    assert "conforms" in r.out and "Warning" not in r.out


def test_provenance_is_written_from_the_results_alone(finished_run):
    out, _ = finished_run
    res = RunResults.model_validate(json.loads((out / "results.json").read_text()))
    text = (out / "provenance.ttl").read_text()
    assert to_turtle(res) == text == to_turtle(RunResults.model_validate(json.loads((out / "results.json").read_text())))


def test_every_node_is_typed_and_labelled_once_and_links_resolve(finished_run):
    import goalgraph

    out, _ = finished_run
    g = goalgraph.load(str(out / "provenance.ttl"), include_env=False)   # SHACL-checked on load
    res = RunResults.model_validate(json.loads((out / "results.json").read_text()))
    nodes = g.query("""SELECT ?s (COUNT(DISTINCT ?label) AS ?labels) (SAMPLE(?t) AS ?type) WHERE {
        GRAPH ?file { ?s ?p ?o } FILTER(STRENDS(STR(?file), "provenance.ttl"))
        OPTIONAL { ?s rdfs:label ?label } OPTIONAL { ?s a ?t FILTER(STRSTARTS(STR(?t), STR(gg:))) } } GROUP BY ?s""")
    assert len(nodes) > 30
    for row in nodes:
        assert row["labels"] == 1 and row["type"], row
        assert row["s"].startswith(ID)

    measured = g.query("""SELECT ?m ?node ?type ?step WHERE { ?m a gg:Measurement ; gg:measuredNode ?node ;
        prov:wasGeneratedBy ?step . ?node a ?type ; rdfs:label ?label }""")
    numeric = sum(1 for s in res.steps for v in s.metrics.values() if isinstance(v, (int, float)))
    assert len({r["m"] for r in measured}) == numeric
    assert {r["node"] for r in measured} == {s.node for s in res.steps}

    scores = g.query("""SELECT ?name ?value ?dim WHERE { ?m gg:ofDimension ?dim ; mls:hasValue ?value ;
        mls:specifiedBy/gg:metricName ?name . ?dim a gg:ValueDimension .
        <https://w3id.org/goalgraph/id/theory/moral-foundations> gg:hasDimension ?dim }""")
    mfq = res.steps[2]
    expected = {row["metric"]: (row["node"], row["score"]) for row in mfq.values["dimensions"]}
    assert {r["name"]: (r["dim"], r["value"]) for r in scores} == expected

    chain = g.query(f"""SELECT ?evaluator ?model ?plan WHERE {{ <{res.run.iri}> a gg:EvaluationRun ;
        gg:evaluatedModel ?model ; gg:followsPlan ?plan ; prov:used ?model, ?plan .
        ?step gg:partOfRun <{res.run.iri}> ; mls:executes ?evaluator . ?evaluator a gg:Evaluator }}""")
    assert {r["evaluator"] for r in chain} == {ID + "evaluator/" + s.evaluator for s in res.steps}
    assert {r["model"] for r in chain} == {res.model.iri}


def test_alignment_record_links_the_model_to_its_method(finished_run, tmp_path):
    out, _ = finished_run
    res = RunResults.model_validate(json.loads((out / "results.json").read_text()))
    res.model.alignment = {"aligner": "dpo-trl", "method": "method/dpo"}
    text = to_turtle(res)
    assert f"gg:alignedWith <{ID}method/dpo>" in text and f"gg:alignedBy <{ID}aligner/dpo-trl>" in text


def test_literals_are_escaped_and_slugs_never_collide(finished_run):
    out, _ = finished_run
    res = RunResults.model_validate(json.loads((out / "results.json").read_text()))
    res.plan.title = 'A "quoted"\ttitle\nwith \\ and \x01'
    res.steps[0].metrics = {"acc_norm": 0.5, "acc-norm": 0.25, "nan": float("nan"), "flag": True}
    text = to_turtle(res)
    assert r'"A \"quoted\"\ttitle\nwith \\ and \u0001"' in text
    import pyoxigraph as ox

    store = ox.Store()
    store.load(text.encode(), format=ox.RdfFormat.TURTLE)
    values = {str(q.object.value) for q in store.quads_for_pattern(None, ox.NamedNode("http://www.w3.org/ns/mls#hasValue"), None)
              if "approach-benchmark" in q.subject.value}
    assert values == {"0.5", "0.25"}
    assert safe_slug("acc_norm") != safe_slug("acc-norm") == "acc-norm"
