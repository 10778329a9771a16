"""The alignment record (`OUTPUT/alignment.json`): what was done to which model with which data, so an aligned
model can be traced back, compared against its base (`goalgraph report --compare` names the aligner from it)
and re-made. Written atomically, after the model files, so its presence means the directory is complete.

Beside it goes `OUTPUT/provenance.ttl` (`goalgraph.align.provenance`): the same record as graph nodes, which
`--with-results OUTPUT` merges so the aligned model shows up next to its method node."""
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
    "principles-icl": ID + "method/in-context-principle-alignment",
    "critique-revise": ID + "method/constitutional-ai",
    "value-filter-sft": ID + "method/value-injection",
    "value-best-of-n": ID + "method/best-of-n",
}


def method_iri(aligner: str, loss: str | None = None) -> str:
    return METHODS[loss if aligner == "dpo" and loss else aligner]


def config_hash(config: dict[str, Any]) -> str:
    """A stable hash of everything that decides the trained weights."""
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()


def build(*, aligner: str, loss: str | None, base_path: str, base_fingerprint: str, data_path: str | None,
          data_sha256: str | None, rows: int, hyperparameters: dict[str, Any], seed: int, steps: int,
          final_loss: float | None, extra: dict[str, Any]) -> dict[str, Any]:
    import goalgraph

    return {
        "aligner": aligner,
        "method": method_iri(aligner, loss),
        "base_model": {"path": str(base_path), "fingerprint": base_fingerprint},
        "data": None if data_path is None else {"path": str(data_path), "sha256": data_sha256, "rows": rows},
        "hyperparameters": hyperparameters,
        "seed": seed,
        "steps": steps,
        "final_loss": final_loss,
        "goalgraph": goalgraph.__version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **extra,
    }


def write(output: Path, record: dict[str, Any]) -> None:
    """`provenance.ttl`, then `alignment.json`, each atomically. The record goes last because it is the marker
    the aligners trust: with it present they return the finished run without writing anything again, so a crash
    between the two must leave the record missing (the next run redoes both), never the provenance."""
    from goalgraph.align.provenance import to_turtle
    from goalgraph.run.locate import PROVENANCE
    from goalgraph.run.results import ALIGNMENT_RECORD
    from goalgraph.util.atomic import write_text_atomic

    output = Path(output)
    write_text_atomic(output / PROVENANCE, to_turtle(record, output))
    write_text_atomic(output / ALIGNMENT_RECORD, json.dumps(record, indent=2) + "\n")
