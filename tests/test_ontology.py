"""The TBox and shapes keep the vocabulary contract; the bundled data uses only allowed namespaces."""
from __future__ import annotations

import re

import pytest

from goalgraph.graph.namespaces import GG, PREFIXES
from goalgraph.graph.sources import bundled_sources, ontology_dir, shapes_path, tbox_path

CONTRACT_CLASSES = [
    "AlignmentGoal", "LearningLevel", "AlignmentMethod", "Paradigm", "ResearchChallenge", "Benchmark", "Dataset",
    "EvaluationApproach", "ValueTheory", "ValueDimension", "Paper", "Evaluator", "Aligner",
]
CONTRACT_PROPERTIES = [
    "level", "correspondsTo", "targetsGoal", "paradigm", "learningLine", "addresses", "evaluatesGoal", "measures",
    "basedOnTheory", "hasDimension", "higherOrder", "opposes", "year", "venue", "arxivId", "introducedIn", "attachesTo",
]


@pytest.fixture(scope="module")
def tbox():
    import rdflib

    return rdflib.Graph().parse(str(tbox_path()))


@pytest.fixture(scope="module")
def shapes():
    import rdflib

    return rdflib.Graph().parse(str(shapes_path()))


def test_contract_terms_are_defined(tbox):
    import rdflib
    from rdflib.namespace import OWL, RDF

    for name in CONTRACT_CLASSES:
        assert (rdflib.URIRef(GG + name), RDF.type, OWL.Class) in tbox, name
    for name in CONTRACT_PROPERTIES:
        types = set(tbox.objects(rdflib.URIRef(GG + name), RDF.type))
        assert types & {OWL.ObjectProperty, OWL.DatatypeProperty}, name
    assert (rdflib.URIRef(GG + "opposes"), RDF.type, OWL.SymmetricProperty) in tbox


def test_every_class_has_a_shape(tbox, shapes):
    import rdflib
    from rdflib.namespace import OWL, RDF, RDFS

    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    targeted = set(shapes.objects(None, sh.targetClass))
    for cls in tbox.subjects(RDF.type, OWL.Class):
        if str(cls).startswith(GG):
            covered = cls in targeted or any(sup in targeted for sup in tbox.transitive_objects(cls, RDFS.subClassOf)
                                             if sup != cls and sup != rdflib.URIRef(GG + "Node"))
            assert covered, f"no shape targets {cls}"


def test_every_term_is_labelled_and_explained(tbox):
    import rdflib
    from rdflib.namespace import RDFS

    for term in set(tbox.subjects()):
        if isinstance(term, rdflib.URIRef) and str(term).startswith(GG):
            assert tbox.value(term, RDFS.label) is not None, term


def test_data_files_declare_only_allowed_prefixes():
    allowed = set(PREFIXES.values())
    for src in bundled_sources():
        for prefix, ns in re.findall(r"@prefix\s+([\w-]*):\s*<([^>]+)>", src.path.read_text()):
            assert ns in allowed, f"{src.path.name}: prefix {prefix}: <{ns}> is not in the allow-list"


def test_every_iri_in_the_graph_is_in_an_allowed_namespace(graph):
    allowed = tuple(PREFIXES.values()) + ("https://w3id.org/goalgraph/ontology",)
    res = graph.query("SELECT DISTINCT ?iri WHERE { { ?iri ?p ?o } UNION { ?s ?iri ?o } UNION { ?s ?p ?iri } "
                      "FILTER(isIRI(?iri)) }")
    bad = [r["iri"] for r in res if not r["iri"].startswith(allowed)]
    assert not bad, bad[:10]


def test_instance_iris_follow_the_scheme(graph):
    pattern = re.compile(r"^https://w3id\.org/goalgraph/id/[a-z-]+/[a-z0-9]+(-[a-z0-9]+)*$")
    res = graph.query("SELECT DISTINCT ?s WHERE { ?s a ?c . FILTER(STRSTARTS(STR(?s), STR(ggid:))) }")
    bad = [r["s"] for r in res if not pattern.match(r["s"])]
    assert not bad, bad[:10]


def test_ontology_ships_with_package():
    assert (ontology_dir() / "goalgraph.ttl").is_file()
    assert (ontology_dir() / "shapes.ttl").is_file()
    assert len(list((ontology_dir() / "queries").glob("*.rq"))) >= 12


def test_vocabulary_doc_covers_every_term(tbox):
    from conftest import REPO

    doc = (REPO / "docs" / "vocabulary.md").read_text()
    missing = sorted(str(t)[len(GG):] for t in set(tbox.subjects()) if str(t).startswith(GG)
                     and f"`gg:{str(t)[len(GG):]}`" not in doc and f"gg:{str(t)[len(GG):]}" not in doc)
    assert not missing, f"docs/vocabulary.md does not mention: {missing}"


def test_shapes_named_in_docs_exist(shapes):
    import rdflib
    from conftest import REPO

    doc = (REPO / "docs" / "vocabulary.md").read_text()
    for name in re.findall(r"`gg:(\w+Shape)`", doc):
        assert (rdflib.URIRef(GG + name), None, None) in shapes, name
