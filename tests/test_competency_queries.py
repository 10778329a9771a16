"""Every named competency query, checked against answers taken from the seed documents.

Section numbers refer to the goals survey (seed 001), "RC" claims to the methods survey (seed 003),
reading-list headings to seed 002.
"""
from __future__ import annotations

import re
from pathlib import Path

from goalgraph.graph.queries import list_queries

ID = "https://w3id.org/goalgraph/id/"


def _q(name: str) -> str:
    """Marks which named query a test checks (read back by test_every_query_has_a_question_and_a_test)."""
    return name


def _split(cell: str | None) -> set[str]:
    if not cell:
        return set()
    sep = "; " if "; " in cell else ", " if ", " in cell else " + "
    return {x.strip() for x in cell.split(sep)}


def test_every_query_has_a_question_and_a_test():
    names = {q.name for q in list_queries()}
    assert len(names) >= 12
    tested = set(re.findall(r'_q\("([\w-]+)"\)', Path(__file__).read_text()))
    assert names == tested, f"untested: {names - tested}; stale: {tested - names}"
    for q in list_queries():
        assert q.question.endswith("?"), q.name


def test_goal_evolution(graph):
    rows = list(graph.ask(_q("goal-evolution")))
    assert [r["label"] for r in rows] == ["Human instructions", "Human preferences", "Value principles", "Basic values"]
    learning = [r["learning"].lower() for r in rows]
    assert "associative" in learning[0] and "chain" in learning[0]  # Sec. 1: L1 ~ associative and chain learning
    assert "discrimination" in learning[1]                           # L2 ~ discrimination learning
    assert "concept" in learning[2] and "rule" in learning[2]        # L3 ~ concept and rule learning
    assert "advanced" in learning[3]                                 # L4 ~ advanced rule learning
    v1 = [r["threeLevelEquivalent"] for r in rows]
    assert "instructions" in v1[0].lower() and "preferences" in v1[1].lower()
    assert "values" in v1[2].lower() and v1[2] == v1[3]              # earlier 'human values' splits into L3 + L4


def test_benchmarks_per_level(graph):
    rows = {r["level"]: _split(r["names"]) for r in graph.ask(_q("benchmarks-per-level"))}
    labels = {lvl: {n.lower() for n in names} for lvl, names in rows.items()}
    # Sec. 2.2
    assert {"big-bench", "c-eval", "cmmlu", "agieval"} <= labels[1]
    assert any("massive multitask" in n or n == "mmlu" for n in labels[1])
    # Sec. 3.2
    assert {"truthfulqa", "openbookqa", "crows-pairs", "winogender", "bbq", "bold", "realtoxicityprompts", "toxigen"} <= labels[2]
    # Sec. 4.2
    assert {"ethics", "moral stories", "scruples", "moralexceptqa"} <= {n.split(" (")[0] for n in labels[3]}
    # Sec. 5.2
    assert any("denevil" in n or "moralprompt" in n for n in labels[4])
    assert any("trustllm" in n for n in labels[4])


def test_benchmarks_per_aspect(graph):
    rows = {r["aspectLabel"].lower(): {n.lower() for n in _split(r["names"])} for r in graph.ask(_q("benchmarks-per-aspect"))}
    assert {"truthfulqa", "openbookqa"} <= rows["truthfulness"]                       # Sec. 3.2
    assert {"crows-pairs", "winogender", "bbq", "bold"} <= rows["social bias"]
    assert {"realtoxicityprompts", "toxigen"} <= rows["toxicity"]


def test_methods_per_level_and_paradigm(graph):
    found = {(r["level"], r["paradigmLabel"].split()[0].lower()): {n.lower() for n in _split(r["names"])}
             for r in graph.ask(_q("methods-per-level-and-paradigm"))}
    assert any("reinforcement learning from human feedback" in n for n in found[(2, "rl-based")])
    assert "direct preference optimization" in found[(2, "sft-based")]
    assert "constitutional ai" in found[(3, "rl-based")]
    assert any("self-align" in n for n in found[(3, "sft-based")])
    assert "basealign" in found[(4, "rl-based")]                                       # Sec. 5.1: PPO on value rewards
    assert any("value injection" in n for n in found[(4, "sft-based")])                 # Sec. 5.1: Kang et al.
    assert any(p == "inference-time" for _, p in found)


def test_uncovered_dimensions(graph):
    rows = list(graph.ask(_q("uncovered-dimensions")))
    theories = {r["theoryLabel"] for r in rows}
    assert any("Gert" in t for t in theories)          # no instrument or benchmark operationalises Gert's rules
    dims = {r["dimension"] for r in rows}
    assert ID + "dimension/gert-do-not-deceive" in dims
    assert not any("/schwartz-" in d or "/mft-" in d or "/svo-" in d for d in dims)  # MFQ, SVS/PVQ, SVO slider exist


def test_instruments_per_theory(graph):
    rows = {r["instrument"]: r for r in graph.ask(_q("instruments-per-theory"))}
    mfq = rows[ID + "instrument/mfq"]
    assert mfq["theoryLabel"].startswith("Moral Foundation") and mfq["items"] == 30
    assert "moral foundations of large language models" in mfq["appliedIn"].lower()   # Abdulhai et al. 2023
    assert rows[ID + "instrument/svs"]["items"] == 57                                 # Sec. 5.2: 57 value items
    assert rows[ID + "instrument/svo-slider"]["items"] == 6                           # Sec. 5.2: 6-question survey
    assert "schwartz" in rows[ID + "instrument/pvq"]["theoryLabel"].lower()


def test_method_challenges(graph):
    rows = {r["method"]: (_split(r["addresses"]), _split(r["leavesOpen"])) for r in graph.ask(_q("method-challenges"))}
    addresses, leaves = rows[ID + "method/rlhf"]
    assert {"RC2", "RC3", "RC4", "RC5", "RC6", "RC7"} <= leaves     # RLHF pros and cons paragraph
    assert "RC3" in rows[ID + "method/constitutional-ai"][0]         # CAI was proposed against the data cost
    assert "RC3" in rows[ID + "method/dpo"][0]                       # DPO quickens convergence, less GPU
    for m in ("method/urial", "method/rain"):
        assert {"RC3", "RC5"} <= rows[ID + m][0]                     # ITA: no training data, no alignment tax


def test_challenge_coverage(graph):
    rows = list(graph.ask(_q("challenge-coverage")))
    assert [r["code"] for r in rows] == [f"RC{i}" for i in range(1, 8)]
    ranked = sorted(rows, key=lambda r: -r["addressedBy"])
    assert {ranked[0]["code"], ranked[1]["code"]} == {"RC1", "RC3"}  # "the community mainly focuses on RC1 and RC3"
    rc7 = next(r for r in rows if r["code"] == "RC7")
    assert rc7["addressedBy"] == 0 and rc7["leftOpenBy"] > 0


def test_datasets_by_size(graph):
    rows = list(graph.ask(_q("datasets-by-size")))
    assert [r["dataset"].rsplit("/", 1)[-1] for r in rows[:3]] == ["opt-iml-bench", "flan-2022", "bactrian-x"]
    assert rows[0]["asPrinted"] == "18M" and rows[0]["tasks"] == 1991
    assert rows[-1]["dataset"] == ID + "dataset/natural-instructions" and rows[-1]["instructions"] == 61
    sizes = [r["instructions"] for r in rows]
    assert sizes == sorted(sizes, reverse=True)


def test_paper_levels(graph):
    rows = {r["paper"]: _split(r["levels"]) for r in graph.ask(_q("paper-levels"))}
    assert "1" in rows[ID + "paper/sanh-2021-multitask"]          # P3 / T0, human instructions
    assert "2" in rows[ID + "paper/ouyang-2022-training"]         # InstructGPT, human feedback
    assert "3" in rows[ID + "paper/bai-2022-constitutional"]      # principles
    assert "4" in rows[ID + "paper/yao-2023-value"]               # Value FULCRA / BaseAlign


def test_method_papers_with_benchmarks(graph):
    rows = list(graph.ask(_q("method-papers-with-benchmarks")))
    dpo = [r for r in rows if r["method"] == ID + "method/dpo" and r["levelLabel"] == "Human preferences"]
    assert dpo and dpo[0]["paper"] == ID + "paper/rafailov-2023-direct"
    assert "TruthfulQA" in _split(dpo[0]["benchmarks"])
    base = [r for r in rows if r["method"] == ID + "method/base-align"]
    assert base and base[0]["levelLabel"] == "Basic values"
    assert any("MoralPrompt" in b for b in _split(base[0]["benchmarks"]))


def test_schwartz_circumplex(graph):
    rows = list(graph.ask(_q("schwartz-circumplex")))
    assert [r["position"] for r in rows] == list(range(1, 11))
    by_value = {r["valueLabel"].split(" (")[0].lower(): r for r in rows}
    assert _split(by_value["hedonism"]["higherOrder"]) == {"Openness to change (Schwartz)", "Self-enhancement (Schwartz)"}
    assert "Self-enhancement" in by_value["benevolence"]["opposes"]
    assert "Conservation" in by_value["self-direction"]["opposes"]


def test_approaches_per_level(graph):
    rows = {r["level"]: r["approaches"].lower() for r in graph.ask(_q("approaches-per-level"))}
    assert "arena" in rows[1]                                         # 002: automatic chatbot arenas
    assert "human evaluation" in rows[2] and "reward" in rows[2]      # 002: human evaluation, reward model
    assert "classifier" in rows[3]                                    # Sec. 4.2: automatic morality classifier
    assert "survey" in rows[4] and "classifier" in rows[4]            # Sec. 5.2


def test_methods_by_learning_line(graph):
    rows = {(r["lineLabel"], r["paradigmLabel"].split()[0]): _split(r["names"]) for r in graph.ask(_q("methods-by-learning-line"))}
    value_rl = rows[("Value learning", "RL-based")]
    assert any("human feedback" in n.lower() for n in value_rl)
    assert "Direct Preference Optimization" in rows[("Imitation learning", "SFT-based")]


def test_classifiers_per_theory(graph):
    rows = {r["classifier"]: r for r in graph.ask(_q("classifiers-per-theory"))}
    delphi = rows[ID + "classifier/delphi"]
    assert {"ETHICS", "Moral Stories"} <= _split(delphi["trainedOn"])            # Sec. 4.2
    assert "Moral Foundations" in rows[ID + "classifier/denevil-value-classifier"]["theories"]
    assert "Schwartz" in rows[ID + "classifier/valuenet-value-classifier"]["theories"]


def test_papers_per_year_and_level(graph):
    rows = list(graph.ask(_q("papers-per-year-and-level")))
    counts = {(r["year"], r["level"]): r["papers"] for r in rows}
    assert counts[(2023, 1)] > 0 and counts[(2023, 4)] > 0
    assert sum(counts.values()) >= 100
    years = [r["year"] for r in rows]
    assert years == sorted(years)


def test_method_datasets(graph):
    rows = list(graph.ask(_q("method-datasets")))
    by_method: dict[str, list[dict]] = {}
    for r in rows:
        by_method.setdefault(r["method"], []).append(r)
    multitask = [r["dataset"].rsplit("/", 1)[-1] for r in by_method[ID + "method/multitask-instruction-tuning"]]
    assert multitask[:2] == ["opt-iml-bench", "flan-2022"]            # Table 1: 18M, then 15M instructions
    assert {"p3", "super-natinst", "natural-instructions"} <= set(multitask)
    demos = {r["dataset"]: r for r in by_method[ID + "method/behavior-cloning"]}
    assert demos[ID + "dataset/instructgpt-demonstrations"]["instructions"] == 13000  # Sec. 3.1: 13k prompts
    assert "Human demonstrations" in demos[ID + "dataset/instructgpt-demonstrations"]["goals"]
    assert ID + "dataset/beavertails" in {r["dataset"] for r in by_method[ID + "method/safe-rlhf"]}
    assert ID + "dataset/harmfulqa" in {r["dataset"] for r in by_method[ID + "method/red-instruct"]}


def test_unmeasured_resources(graph):
    rows = {r["node"]: r for r in graph.ask(_q("unmeasured-resources"))}
    # built-in evaluators measure the MFQ, the SVS and TruthfulQA; nothing installed measures HHH or the RVS yet
    assert ID + "instrument/mfq" not in rows and ID + "benchmark/truthfulqa" not in rows
    assert rows[ID + "benchmark/hhh-evaluation"]["levels"] == "3"
    assert ID + "instrument/svs" not in rows
    assert rows[ID + "instrument/rokeach-value-survey"]["kind"] == "Instrument"
    assert {r["kind"] for r in rows.values()} == {"Benchmark", "Instrument"}


def test_result_queries_are_empty_on_the_bare_graph(graph):
    """These two read run provenance (`--with-results`); tests/run/test_results_in_graph.py runs two tiny
    models and checks their answers."""
    assert list(graph.ask(_q("leaderboard-by-dimension"))) == []
    assert list(graph.ask(_q("model-levels"))) == []


def test_aligned_models_is_empty_on_the_bare_graph(graph):
    """Reads the provenance aligners write beside alignment.json (`--with-results OUTPUT`);
    tests/test_alignment_provenance.py aligns fake models and checks its answers."""
    assert list(graph.ask(_q("aligned-models"))) == []
