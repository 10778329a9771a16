"""goalgraph: the map of LLM alignment as an RDF graph, and the plugins that act on it.

`import goalgraph` stays cheap: the graph is only parsed when `goalgraph.load()` is called,
and nothing here imports torch, transformers or rdflib.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"
__all__ = ["load", "GoalGraph", "GoalgraphError", "__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from goalgraph.errors import GoalgraphError
    from goalgraph.graph.api import GoalGraph


def load(*paths: str, validate: bool = True, include_env: bool = True, plugins: bool = True) -> "GoalGraph":
    """Load the bundled graph merged with user files (Turtle, N-Triples, JSON-LD, RDF/XML, ...) and with
    what installed plugins contribute (their graphs and their components as gg:Evaluator/gg:Aligner nodes)."""
    from goalgraph.graph.api import GoalGraph

    graph = GoalGraph.load(*paths, validate=validate, include_env=include_env)
    if plugins:
        from goalgraph.registry.snapshot import attach

        graph.plugins = attach(graph)
    return graph


def __getattr__(name: str):
    if name == "GoalGraph":
        from goalgraph.graph.api import GoalGraph

        return GoalGraph
    if name == "GoalgraphError":
        from goalgraph.errors import GoalgraphError

        return GoalgraphError
    raise AttributeError(f"module 'goalgraph' has no attribute {name!r}")
