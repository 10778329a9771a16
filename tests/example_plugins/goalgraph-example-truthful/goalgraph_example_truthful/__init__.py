"""An example third-party plugin, used by goalgraph's tests exactly as a user would install one."""
from goalgraph.registry import hookimpl


@hookimpl
def register_evaluators(register):
    register(
        id="example-truthful-mc1",
        title="TruthfulQA MC1 (example plugin)",
        description="Accuracy of picking the single true answer among TruthfulQA's choices.",
        entry="goalgraph_example_truthful.scorer:MC1",
        attaches_to=["benchmark/truthfulqa"],
        needs=["loglikelihood"],
        requirements={"accelerator": "optional"},
        metrics=[{"name": "mc1", "higher_is_better": True}],
        implements="paper/lin-2022-truthfulqa",
    )


@hookimpl
def register_graph(register):
    register(text="""
@prefix gg: <https://w3id.org/goalgraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://w3id.org/goalgraph/id/paper/example-2026-notes> a gg:Paper ;
    rdfs:label "Example plugin notes"@en ;
    dcterms:title "Example plugin notes"@en ;
    gg:year 2026 .
""")
