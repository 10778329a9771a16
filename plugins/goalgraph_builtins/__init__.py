"""goalgraph's built-in plugin.

It is registered through the `goalgraph` entry point and the same hooks a third-party plugin uses: if a
built-in ever needs a private door, the hooks are wrong. Components are named by `entry` strings and
imported only when used.
"""
from __future__ import annotations

from goalgraph.registry import hookimpl

FOUNDATIONS = ("care", "fairness", "loyalty", "authority", "sanctity")


@hookimpl
def register_evaluators(register):
    from goalgraph_builtins.catalog import BENCHMARK_EVALUATORS
    from goalgraph_builtins.questionnaires.manifests import QUESTIONNAIRE_EVALUATORS

    for manifest in [*BENCHMARK_EVALUATORS, *QUESTIONNAIRE_EVALUATORS]:
        register(**manifest)
    register(
        id="mfq30-scoring",
        title="MFQ-30 foundation scores",
        description=("Scores answers to the 30-item Moral Foundations Questionnaire (plus its two attention items) "
                     "into the five foundation means, the individualizing and binding composites, and an "
                     "attention check. The answers may come from a person or from a model prompted with the items."),
        entry="goalgraph_builtins.mfq:MFQ30Scorer",
        attaches_to=["instrument/mfq", "theory/moral-foundations"],
        implements="paper/abdulhai-2023-moral",
        needs=[],
        model_kind="none",        # a library scorer for answer sheets; `mfq30` puts the questionnaire to a model
        metrics=[*({"name": f, "higher_is_better": None, "description": f"mean relevance/agreement for {f}, 0-5"}
                   for f in FOUNDATIONS),
                 {"name": "individualizing", "higher_is_better": None, "description": "mean of care and fairness"},
                 {"name": "binding", "higher_is_better": None,
                  "description": "mean of loyalty, authority and sanctity"},
                 {"name": "progressivism", "higher_is_better": None,
                  "description": "individualizing minus binding"},
                 {"name": "attention_passed", "higher_is_better": True,
                  "description": "1 when both attention items were answered sensibly"}],
    )


@hookimpl
def register_aligners(register):
    from goalgraph_builtins.aligners import ALIGNERS

    for manifest in ALIGNERS:
        register(**manifest)
