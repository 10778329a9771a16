"""Shared pieces of the plan tests: the fixture graph, a model config on disk, a fake evaluator record."""
from __future__ import annotations

import json
from pathlib import Path

from conftest import ID, REPO

FIXTURE = REPO / "tests" / "fixtures" / "plan" / "coverage.ttl"
TRUTHFULQA_DATA = REPO / "tests" / "fixtures" / "eval" / "truthfulqa_mc.jsonl"

# A Llama-shaped config (about 1.2B parameters): enough for the cost estimate to give seconds.
LLAMA_CONFIG = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 2048,
                "num_hidden_layers": 16, "num_attention_heads": 32, "num_key_value_heads": 8,
                "intermediate_size": 8192, "vocab_size": 128256, "tie_word_embeddings": True}


def model_dir(tmp: Path, config: dict | None = None, name: str = "model") -> Path:
    d = tmp / name
    d.mkdir(parents=True, exist_ok=True)
    (d / "config.json").write_text(json.dumps(config or LLAMA_CONFIG))
    return d


def fake_plugin(component_id: str, attaches_to: list[str], **data) -> dict:
    """A loaded plugin record with one evaluator, shaped like `ComponentRecord.to_dict()` output."""
    comp = {"id": component_id, "kind": "evaluator", "version": "9.9.9", "title": f"fake {component_id}",
            "iri": ID + "evaluator/" + component_id, "attaches_to": attaches_to, "needs": ["loglikelihood"],
            "requirements": {"accelerator": "none", "memory_gb": None, "packages": []}, "metrics": [],
            "implements": None, "implements_iri": None, "entry": "fake:Fake", "status": "ok", "error": None,
            "checks": [], "runnable": True, "model_kind": "causal-lm",
            "data": {"format": "fake rows", "fields": ["text"], "bundled": [], "bundled_items": None, "min_files": 1,
                     "requests_per_item": 2, "tokens_per_request": 10, **data}}
    return {"name": "fake", "distribution": "fake", "version": "9.9.9", "module": "fake", "status": "loaded",
            "error": None, "components": [comp], "datasets": [], "model_backends": [], "graphs": []}
