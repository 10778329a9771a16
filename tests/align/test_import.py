"""Importing the aligners must stay cheap: no torch, no transformers until a function needs them."""
from __future__ import annotations

import subprocess
import sys

MODULES = ["goalgraph.align", "goalgraph.align.losses", "goalgraph.align.data", "goalgraph.align.logprobs",
           "goalgraph.align.objectives", "goalgraph.align.config", "goalgraph.align.checkpoints",
           "goalgraph.align.record", "goalgraph.align.train", "goalgraph.align.critique",
           "goalgraph.align.inference", "goalgraph.align.principles", "goalgraph.align.workdir",
           "goalgraph.align.value_reward", "goalgraph.align.value_filter", "goalgraph.runtime.model_spec",
           "goalgraph.runtime.wrapped", "goalgraph_builtins.aligners"]


def test_importing_goalgraph_align_loads_no_torch():
    probe = ("import importlib, sys\n"
             f"for m in {MODULES!r}: importlib.import_module(m)\n"
             "import goalgraph.align as A\n"
             "for name in A.__all__: getattr(A, name)\n"
             "print(sorted(m for m in ('torch', 'transformers', 'safetensors', 'sentence_transformers', 'peft') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"
