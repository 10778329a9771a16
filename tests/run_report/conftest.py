"""Hand-built run directories (see runs.py) and the graph without plugins, once per session."""
from __future__ import annotations

import pytest

import goalgraph
from run_report.runs import make_after, make_before


@pytest.fixture(scope="session")
def plain_graph():
    return goalgraph.load(include_env=False, plugins=False)


@pytest.fixture(scope="session")
def runs(tmp_path_factory, plain_graph):
    root = tmp_path_factory.mktemp("runs")
    return make_before(root / "before", plain_graph), make_after(root / "after", plain_graph)
