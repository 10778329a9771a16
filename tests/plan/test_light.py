"""`goalgraph plan` stays on the graph path: no torch, no transformers; and the size estimate is honest."""
from __future__ import annotations

import subprocess
import sys

from plan.helpers import LLAMA_CONFIG

from goalgraph.plan.cost import estimate_parameters

HEAVY = ("torch", "transformers", "sentence_transformers")


def test_building_and_rendering_a_plan_imports_no_torch(tmp_path):
    code = (
        "import io, contextlib, sys\n"
        "from goalgraph.cli import main\n"
        f"out = {str(tmp_path / 'p.md')!r}\n"
        "for argv in (['plan', '--goal', 'basic-values', '--theory', 'schwartz-basic-values', '-o', out],\n"
        "             ['plan', '--goal', 'human-preferences', '--format', 'json']):\n"
        "    buf = io.StringIO()\n"
        "    try:\n"
        "        with contextlib.redirect_stdout(buf):\n"
        "            main(argv)\n"
        "    except SystemExit as e:\n"
        "        assert not e.code, e.code\n"
        f"print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "", f"heavy modules loaded: {r.stdout}"
    assert (tmp_path / "p.md").is_file() and (tmp_path / "p.bib").is_file()


def test_parameter_estimate_for_known_shapes():
    # GPT-2 small: 124M with tied embeddings (the position table, ~0.8M, is not counted)
    gpt2 = {"model_type": "gpt2", "n_embd": 768, "n_layer": 12, "n_head": 12, "vocab_size": 50257,
            "activation_function": "gelu_new"}
    assert abs(estimate_parameters(gpt2) - 124.4e6) / 124.4e6 < 0.02
    # Llama 3.2 1B: 1.24B
    assert abs(estimate_parameters(LLAMA_CONFIG) - 1.236e9) / 1.236e9 < 0.02
    assert estimate_parameters({"model_type": "mystery"}) is None
