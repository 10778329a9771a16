"""The graph path stays light: `import goalgraph` and `goalgraph show` never load torch or transformers."""
from __future__ import annotations

import subprocess
import sys

from conftest import modules_loaded_by_cli

HEAVY = ("torch", "transformers", "sentence_transformers")


def _loaded_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in %r)))" % (HEAVY + ("rdflib", "pyshacl", "pandas", "pluggy", "pydantic"),)
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return set(r.stdout.split()[-1:] and r.stdout.split() or [])


def test_import_goalgraph_is_light():
    loaded = _loaded_after("import goalgraph")
    assert not loaded, loaded


def test_show_search_query_plan_path_do_not_import_heavy_modules():
    _loaded_after("import goalgraph; goalgraph.load()")  # builds the plugin snapshot the CLI then reads
    loaded = modules_loaded_by_cli(["show", "dpo"], ["search", "truthful"], ["query", "ASK { ?s ?p ?o }"],
                                   ["ask", "goal-evolution"])
    assert not ({m.split('.')[0] for m in loaded} & set(HEAVY)), loaded
    # rdflib and pyshacl are only for parsing unusual formats and validation; pluggy and pydantic only for
    # (re)loading plugins, which the snapshot spares the graph path.
    assert not ({m.split('.')[0] for m in loaded} & {"rdflib", "pyshacl", "pluggy", "pydantic"}), loaded
