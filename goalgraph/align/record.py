"""The alignment record (`OUTPUT/alignment.json`): what was done to which model with which data, so an aligned
model can be traced back, compared against its base (`goalgraph report --compare` names the aligner from it)
and re-made. Written atomically, after the model files, so its presence means the directory is complete."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ID = "https://w3id.org/goalgraph/id/"
# The graph's method nodes (check with `goalgraph show ...`): SFT is the graph's instruction tuning (its aliases
# include "SFT" and "supervised fine-tuning"); the hinge loss is SLiC's.
METHODS = {
    "sft": ID + "method/instruction-tuning",
    "dpo": ID + "method/dpo",
    "ipo": ID + "method/ipo",
    "hinge": ID + "method/slic-hf",
}


def method_iri(aligner: str, loss: str | None = None) -> str:
    return METHODS[loss if aligner == "dpo" and loss else aligner]


def config_hash(config: dict[str, Any]) -> str:
    """A stable hash of everything that decides the trained weights."""
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()


def build(*, aligner: str, loss: str | None, base_path: str, base_fingerprint: str, data_path: str,
          data_sha256: str, rows: int, hyperparameters: dict[str, Any], seed: int, steps: int,
          final_loss: float | None, extra: dict[str, Any]) -> dict[str, Any]:
    import goalgraph

    return {
        "aligner": aligner,
        "method": method_iri(aligner, loss),
        "base_model": {"path": str(base_path), "fingerprint": base_fingerprint},
        "data": {"path": str(data_path), "sha256": data_sha256, "rows": rows},
        "hyperparameters": hyperparameters,
        "seed": seed,
        "steps": steps,
        "final_loss": final_loss,
        "goalgraph": goalgraph.__version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **extra,
    }


def write(output: Path, record: dict[str, Any]) -> None:
    from goalgraph.run.results import ALIGNMENT_RECORD
    from goalgraph.util.atomic import write_text_atomic

    write_text_atomic(Path(output) / ALIGNMENT_RECORD, json.dumps(record, indent=2) + "\n")
