"""The bundled graph without plugins, and the two theories the value tests use, loaded once per session."""
from __future__ import annotations

import pytest

import goalgraph
from goalgraph.values import load_theory


@pytest.fixture(scope="session")
def graph():
    return goalgraph.load(include_env=False, plugins=False)


@pytest.fixture(scope="session")
def schwartz(graph):
    return load_theory(graph, "schwartz-basic-values")


@pytest.fixture(scope="session")
def mft(graph):
    return load_theory(graph, "moral-foundations")
