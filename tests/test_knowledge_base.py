"""The bundled knowledge base against the seed documents it was built from."""
from __future__ import annotations

import re

import pytest

from goalgraph.graph.search import normalise

ID = "https://w3id.org/goalgraph/id/"


def _reading_list_titles(text: str) -> list[str]:
    """Titles of the numbered entries of the survey's reading list (seed 002)."""
    titles = []
    for line in text.splitlines():
        m = re.match(r"^\s*\d+\.\s+(.*)$", line)
        if not m:
            continue
        entry = m.group(1).split(" [")[0]
        head = re.split(r"\.\s+(?=[A-Z][\w'’\-]+(?: [A-Z][\w'’\-]+)? et al\.)", entry, maxsplit=1)[0]
        if head == entry:
            head = re.split(r"\.\s", entry, maxsplit=1)[0]
        titles.append(head.strip().rstrip("."))
    return titles


def _related_titles(text: str) -> list[str]:
    """Titles in the related-papers page (seed 004): a short line followed by a long abstract."""
    lines = [raw.strip() for raw in text.splitlines()]
    out = []
    for i, line in enumerate(lines):
        if not line or len(line) > 250:
            continue
        nxt = next((later for later in lines[i + 1:] if later), "")
        if len(nxt) > 250 and line not in ("Subscribe",):
            out.append(line)
    return out


@pytest.fixture(scope="module")
def paper_titles(graph) -> list[str]:
    return [normalise(r["t"]) for r in graph.query("SELECT ?t WHERE { ?p a gg:Paper ; dcterms:title ?t }")]


def _covered(title: str, known: list[str]) -> bool:
    """Same title, allowing the typo fixes made when the list was transcribed ("Researcj")."""
    import difflib

    key = normalise(title)[:45]
    return any(k.startswith(key) or key.startswith(k[:45]) or
               difflib.SequenceMatcher(None, key, k[:45]).ratio() >= 0.93 for k in known)


def test_every_reading_list_entry_is_a_paper(seeds, paper_titles):
    titles = _reading_list_titles((seeds / "002_aca8ac76e3e5bf7f.txt").read_text())
    assert len(titles) >= 130  # numbered entries; many papers appear in several sections
    missing = [t for t in titles if not _covered(t, paper_titles)]
    assert not missing, missing


def test_every_related_paper_is_a_paper(seeds, paper_titles):
    titles = _related_titles((seeds / "004_a606318e7ee79fd0.txt").read_text())
    assert len(titles) >= 40
    missing = [t for t in titles if not _covered(t, paper_titles)]
    assert not missing, missing


def test_graph_size_targets(graph):
    s = graph.stats()
    assert s["classes"]["gg:Paper"] >= 150
    unlabelled = graph.query("SELECT ?s WHERE { ?s a ?c . FILTER(STRSTARTS(STR(?s), STR(ggid:))) "
                             "FILTER NOT EXISTS { ?s rdfs:label ?l } }")
    assert len(unlabelled) == 0, unlabelled.rows[:5]


def test_arxiv_ids_from_the_reference_list(graph):
    ids = {r["id"] for r in graph.query("SELECT ?id WHERE { ?p gg:arxivId ?id }")}
    # DPO, Constitutional AI, TruthfulQA's companion refs as printed in the seeds
    for expected in ("2212.08073", "2204.05862", "2310.12773", "2009.03300", "2008.02275"):
        assert expected in ids, expected


def test_four_levels_with_learning_levels(graph):
    rows = graph.query("""SELECT ?n ?ll WHERE { ?g gg:level ?n ; gg:correspondsTo/rdfs:label ?ll ;
        skos:inScheme <https://w3id.org/goalgraph/id/taxonomy/four-level> }""")
    by_level: dict[int, set[str]] = {}
    for r in rows:
        by_level.setdefault(r["n"], set()).add(r["ll"].lower())
    assert set(by_level) == {1, 2, 3, 4}
    assert any("discrimination" in x for x in by_level[2])
    assert any("concept" in x for x in by_level[3]) and any("rule" in x for x in by_level[3])
    assert any("chain" in x or "associative" in x for x in by_level[1])


def test_sub_goals_hang_under_their_levels(graph):
    expected = {
        "human-demonstrations": "human-preferences", "human-feedback": "human-preferences",
        "model-synthetic-feedback": "human-preferences", "hhh": "value-principles",
        "social-norms-and-ethics": "value-principles", "basic-value-theory": "basic-values",
    }
    for child, parent in expected.items():
        assert graph.query("ASK { ?c skos:broader ?p }", c=ID + "goal/" + child, p=ID + "goal/" + parent).boolean, child


def test_three_level_version_maps_onto_four(graph):
    rows = graph.query("SELECT ?g WHERE { <https://w3id.org/goalgraph/id/goal/v1-human-values> skos:narrowMatch ?g }")
    assert {r["g"] for r in rows} >= {ID + "goal/value-principles", ID + "goal/basic-values"}


TABLE1 = {  # dataset slug: (tasks, instructions) as printed in Table 1 of the goals survey
    "promptsource": (180, 2085), "p3": (270, 2073), "natural-instructions": (61, 61), "super-natinst": (76, 1616),
    "opt-iml-bench": (1991, 18_000_000), "flan-2022": (1836, 15_000_000), "coig": (2000, 200_000),
    "unnatural-instructions": (117, 240_000), "self-instruct": (175, 82_000), "alpaca": (175, 52_000),
    "baize": (None, 111_500), "ultrachat": (None, 675_000), "evol-instruct": (None, 250_000),
    "phoenix": (None, 189_000), "bactrian-x": (None, 3_400_000), "sharegpt": (None, 100_000),
    "openassistant": (None, 161_000),
}


@pytest.mark.parametrize("slug", sorted(TABLE1))
def test_instruction_dataset_counts(graph, slug):
    tasks, instructions = TABLE1[slug]
    row = graph.query("SELECT ?t ?i WHERE { ?d a gg:Dataset . OPTIONAL { ?d gg:taskCount ?t } "
                      "OPTIONAL { ?d gg:instructionCount ?i } }", d=ID + "dataset/" + slug).rows
    assert row, slug
    assert row[0]["t"] == tasks and row[0]["i"] == instructions


def test_schwartz_structure(graph):
    values = graph.query("SELECT ?v ?i WHERE { <https://w3id.org/goalgraph/id/theory/schwartz-basic-values> "
                         "gg:hasDimension ?v . ?v gg:circumplexIndex ?i }")
    assert sorted(r["i"] for r in values) == list(range(1, 11))
    groups = graph.query("SELECT DISTINCT ?g WHERE { ?v gg:higherOrder ?g ; gg:circumplexIndex ?i . "
                         "<https://w3id.org/goalgraph/id/theory/schwartz-basic-values> gg:hasDimension ?v }")
    assert len(groups) == 4
    hedonism = graph.query("SELECT ?g WHERE { <https://w3id.org/goalgraph/id/dimension/schwartz-hedonism> gg:higherOrder ?g }")
    assert {r["g"] for r in hedonism} == {ID + "dimension/schwartz-openness-to-change",
                                         ID + "dimension/schwartz-self-enhancement"}
    for a, b in (("openness-to-change", "conservation"), ("self-enhancement", "self-transcendence")):
        for x, y in ((a, b), (b, a)):
            assert graph.query("ASK { ?x gg:opposes ?y }", x=ID + "dimension/schwartz-" + x,
                               y=ID + "dimension/schwartz-" + y).boolean


@pytest.mark.parametrize("theory,count", [("moral-foundations", 5), ("gert-common-morality", 10),
                                          ("trustllm-trustworthiness", 6), ("hofstede-cultural-dimensions", 6),
                                          ("life-values-inventory", 14), ("social-value-orientation", 4)])
def test_theory_dimension_counts(graph, theory, count):
    # Group dimensions (pointed to by gg:higherOrder) are not counted.
    rows = graph.query("SELECT DISTINCT ?d WHERE { ?t gg:hasDimension ?d FILTER NOT EXISTS { ?x gg:higherOrder ?d } }",
                       t=ID + "theory/" + theory)
    assert len(rows) == count


@pytest.mark.parametrize("instrument,theory", [("mfq", "moral-foundations"), ("svs", "schwartz-basic-values"),
                                               ("pvq", "schwartz-basic-values"), ("svo-slider", "social-value-orientation")])
def test_instruments_operationalise_their_theory(graph, instrument, theory):
    assert graph.query("ASK { ?i gg:operationalises ?t }", i=ID + "instrument/" + instrument,
                       t=ID + "theory/" + theory).boolean


def test_survey_counts(graph):
    def count(node, prop):
        return graph.query(f"SELECT ?n WHERE {{ ?x gg:{prop} ?n }}", x=ID + node).rows[0]["n"]

    assert count("instrument/svs", "itemCount") == 57
    assert count("instrument/pew-gas", "itemCount") == 2203
    assert count("instrument/wvs", "categoryCount") == 13
    assert count("instrument/svo-slider", "itemCount") == 6
    assert count("benchmark/big-bench", "taskCount") == 204


def test_research_challenges(graph):
    rows = graph.query("SELECT ?c ?r WHERE { ?x a gg:ResearchChallenge ; gg:code ?c ; gg:rank ?r } ORDER BY ?r")
    assert [r["c"] for r in rows] == [f"RC{i}" for i in range(1, 8)]


METHODS = {  # slug: (paradigm, learning line) per the methods survey
    "rlhf": ("rl-based", "value-learning"),
    "dpo": ("sft-based", "imitation-learning"),
    "constitutional-ai": ("rl-based", "value-learning"),
    "rlaif": ("rl-based", "value-learning"),
    "safe-rlhf": ("rl-based", "value-learning"),
}


@pytest.mark.parametrize("slug", sorted(METHODS))
def test_method_paradigm_and_learning_line(graph, slug):
    paradigm, line = METHODS[slug]
    assert graph.query("ASK { ?m gg:paradigm ?p ; gg:learningLine ?l }", m=ID + "method/" + slug,
                       p=ID + "paradigm/" + paradigm, l=ID + "learning-line/" + line).boolean


def test_every_paradigm_has_methods_and_every_method_a_goal(graph):
    rows = graph.query("SELECT ?p (COUNT(?m) AS ?n) WHERE { ?m gg:paradigm ?p } GROUP BY ?p")
    assert {r["p"].rsplit("/", 1)[-1] for r in rows} == {"rl-based", "sft-based", "inference-time", "multimodal"}
    orphans = graph.query("SELECT ?m WHERE { ?m a gg:AlignmentMethod FILTER NOT EXISTS { ?m gg:targetsGoal ?g } }")
    assert len(orphans) == 0


def test_methods_have_pros_and_cons(graph):
    rows = graph.query("SELECT ?m WHERE { ?m a gg:AlignmentMethod ; gg:seed \"003\" "
                       "FILTER NOT EXISTS { ?m gg:strength ?s } }")
    assert len(rows) == 0, rows.rows


def test_key_nodes_cite_the_paper_that_introduced_them(graph):
    for node, title_word in (("method/dpo", "direct preference"), ("method/constitutional-ai", "constitutional"),
                             ("benchmark/truthfulqa", "truthfulqa"), ("benchmark/bbq", "bbq"),
                             ("benchmark/crows-pairs", "crows"), ("benchmark/mmlu", "multitask")):
        rows = graph.query("SELECT ?t WHERE { ?n gg:introducedIn/dcterms:title ?t }", n=ID + node)
        assert rows and title_word in rows.rows[0]["t"].lower(), node


def test_bundled_graph_conforms_to_shapes(graph):
    violations = [v for v in graph.validate() if v.severity == "Violation"]
    assert not violations, [v.line() for v in violations[:10]]
