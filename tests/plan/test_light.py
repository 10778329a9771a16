"""`goalgraph plan` stays on the graph path: no torch, no transformers; and the size estimate is honest."""
from __future__ import annotations

from conftest import modules_loaded_by_cli
from plan.helpers import LLAMA_CONFIG

from goalgraph.plan.cost import estimate_parameters

HEAVY = ("torch", "transformers", "sentence_transformers")


def test_building_and_rendering_a_plan_imports_no_torch(tmp_path):
    out = str(tmp_path / "p.md")
    loaded = modules_loaded_by_cli(["plan", "--goal", "basic-values", "--theory", "schwartz-basic-values", "-o", out],
                                   ["plan", "--goal", "human-preferences", "--format", "json"])
    assert not loaded & set(HEAVY), f"heavy modules loaded: {loaded}"
    assert (tmp_path / "p.md").is_file() and (tmp_path / "p.bib").is_file()


def test_parameter_estimate_for_known_shapes():
    # GPT-2 small: 124M with tied embeddings (the position table, ~0.8M, is not counted)
    gpt2 = {"model_type": "gpt2", "n_embd": 768, "n_layer": 12, "n_head": 12, "vocab_size": 50257,
            "activation_function": "gelu_new"}
    assert abs(estimate_parameters(gpt2) - 124.4e6) / 124.4e6 < 0.02
    # Llama 3.2 1B: 1.24B
    assert abs(estimate_parameters(LLAMA_CONFIG) - 1.236e9) / 1.236e9 < 0.02
    assert estimate_parameters({"model_type": "mystery"}) is None
