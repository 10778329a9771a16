"""Principle nodes (ontology/kb/principles.ttl) and the best-of-n method node: what the principle aligners and
the value best-of-n aligner read from the bundled graph."""
from __future__ import annotations

ID = "https://w3id.org/goalgraph/id/"

# The consumer's query (goalgraph/align/principles.py), with the goal bound.
OF_GOAL = """
SELECT ?p ?text WHERE {
  ?p a gg:Principle ; gg:statement ?text ; gg:principleOf ?g .
  ?g skos:broader* ?goal .
} ORDER BY ?p
"""


def _principles(graph, goal: str) -> list[str]:
    return [r["p"] for r in graph.query(OF_GOAL, goal=ID + goal)]


def test_principles_ship_as_a_bundled_file():
    from goalgraph.graph.sources import bundled_sources

    assert "principles.ttl" in {s.path.name for s in bundled_sources()}


def test_every_principle_states_itself_and_serves_a_value_principle_goal(graph):
    rows = graph.query("""SELECT ?p (COUNT(DISTINCT ?text) AS ?texts) (COUNT(DISTINCT ?label) AS ?labels)
        (SAMPLE(?g) AS ?goal) (SAMPLE(?seed) AS ?seeds) WHERE {
        ?p a gg:Principle .
        OPTIONAL { ?p gg:statement ?text FILTER(LANG(?text) = "en") }
        OPTIONAL { ?p rdfs:label ?label }
        OPTIONAL { ?p gg:principleOf ?g . ?g skos:broader* <https://w3id.org/goalgraph/id/goal/value-principles> }
        OPTIONAL { ?p gg:seed ?seed }
    } GROUP BY ?p""")
    assert 12 <= len(rows) <= 16
    for row in rows:
        assert row["p"].startswith(ID + "principle/"), row
        assert row["texts"] == 1 and row["labels"] == 1 and row["goal"] and row["seeds"], row
    texts = [r["text"] for r in graph.query("SELECT ?text WHERE { ?p gg:statement ?text }")]
    assert all(10 < len(t) < 240 and t.rstrip().endswith(".") for t in texts)
    assert len(set(texts)) == len(texts)


def test_principles_cite_papers_that_exist(graph):
    cited = graph.query("SELECT DISTINCT ?p WHERE { ?p a gg:Principle ; gg:introducedIn|gg:studiedIn ?paper . "
                        "?paper a gg:Paper }")
    assert len(cited) == len(graph.query("SELECT ?p WHERE { ?p a gg:Principle }"))
    cai = graph.query("SELECT ?p WHERE { ?p gg:principleOf <https://w3id.org/goalgraph/id/goal/harmlessness> ; "
                      "gg:introducedIn <https://w3id.org/goalgraph/id/paper/bai-2022-constitutional> }")
    assert len(cai) == 4


def test_hhh_gives_the_helpful_honest_and_harmless_principles(graph):
    hhh = _principles(graph, "goal/hhh")
    assert len(hhh) >= 9
    by_part = {part: set(_principles(graph, f"goal/{part}")) for part in ("helpfulness", "honesty", "harmlessness")}
    assert [len(by_part[p]) for p in ("helpfulness", "honesty", "harmlessness")] == [3, 3, 4]
    assert set(hhh) == set().union(*by_part.values())


def test_harmlessness_gives_only_its_own_principles(graph):
    harmless = _principles(graph, "goal/harmlessness")
    goals = {r["g"] for p in harmless
             for r in graph.query("SELECT ?g WHERE { ?p gg:principleOf ?g }", p=p)}
    assert goals == {ID + "goal/harmlessness"}


def test_value_principles_gives_them_all(graph):
    everything = {r["p"] for r in graph.query("SELECT ?p WHERE { ?p a gg:Principle }")}
    assert set(_principles(graph, "goal/value-principles")) == everything
    social = _principles(graph, "goal/social-norms-and-ethics")
    assert 2 <= len(social) <= 3 and not set(social) & set(_principles(graph, "goal/hhh"))


def test_the_principle_aligners_read_them(graph):
    from goalgraph.align.principles import load_principles

    found = load_principles(["goal/hhh"], graph=graph)
    assert len(found) >= 9 and all(p.id.startswith("principle/") and p.text for p in found)
    assert [p.id for p in load_principles(["principle/no-toxic-language"], graph=graph)] == [
        "principle/no-toxic-language"]


def test_best_of_n_is_an_inference_time_method(graph):
    m = ID + "method/best-of-n"
    assert graph.query("ASK { ?m a gg:AlignmentMethod ; gg:paradigm ?p ; "
                       "gg:targetsGoal <https://w3id.org/goalgraph/id/goal/human-preferences>, "
                       "<https://w3id.org/goalgraph/id/goal/basic-values> ; gg:strength ?s ; gg:weakness ?w }",
                       m=m, p=ID + "paradigm/inference-time").boolean
    aliases = {r["a"] for r in graph.query("SELECT ?a WHERE { ?m skos:altLabel ?a }", m=m)}
    assert {"best-of-n", "BoN"} <= aliases
    assert graph.resolve("BoN") == m
    from goalgraph.align.record import METHODS

    assert METHODS["value-best-of-n"] == m
