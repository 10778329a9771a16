"""`OUTPUT/provenance.ttl`: an aligned model's `alignment.json` told in PROV-O and ML-Schema, so that
`--with-results OUTPUT` puts the model into the graph next to its method node.

    aligned model (gg:AlignedModel)  --gg:alignedWith-->  method node;  --gg:alignedBy-->  aligner node
        |  --prov:wasGeneratedBy-->  alignment run (gg:AlignmentRun)  --mls:executes-->  aligner node
        |                                  --gg:usesMethod-->  method node
        |                                  --prov:used-->  base model (gg:Model), data file (gg:DataFile)
        --prov:wasDerivedFrom-->  base model

Models are `id/model/<fingerprint[:16]>` with the fingerprint `goalgraph run` records for a model directory
(`model_fingerprint(path)`, no settings), so a run of the aligned model, or of its base, describes the same
node. The Turtle is written by the run provenance's own writer: every subject, predicate and object sorted,
literals escaped by hand, no RDF library imported.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from goalgraph.graph.namespaces import model_iri, node_iri
from goalgraph.util.turtle_writer import (Triples, component_iri, double_literal, finite_number, method_node_iri,
                                          string_literal, typed_literal)

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


def alignment_iri(record: dict[str, Any], fingerprint: str) -> str:
    """The alignment run: named by the record's config hash (what the aligners take as "this very run"), or by
    the aligned model's fingerprint when the record has none."""
    config = record.get("config_sha256")
    return node_iri("alignment", (config if isinstance(config, str) and _HEX64.match(config) else fingerprint)[:16])


def to_turtle(record: dict[str, Any], model_dir: str | Path, fingerprint: str | None = None) -> str:
    """The Turtle text of an alignment record for the model in `model_dir` (fingerprinted now unless given)."""
    from goalgraph.run.runner import model_name

    if fingerprint is None:
        from goalgraph.runtime.fingerprint import model_fingerprint

        fingerprint = model_fingerprint(str(model_dir))
    t = Triples()
    path = str(model_dir)
    model, run = model_iri(fingerprint), alignment_iri(record, fingerprint)
    method = method_node_iri(str(record.get("method") or ""))
    aligner = str(record.get("aligner") or "")
    aligner_iri = component_iri("aligner", aligner)
    label = model_name(path)

    t.add(model, "a", "gg:AlignedModel")
    t.add(model, "rdfs:label", string_literal(label))
    t.add(model, "gg:fingerprint", string_literal(fingerprint))
    t.add(model, "gg:modelPath", string_literal(path))
    t.link(model, "gg:alignedWith", method)
    t.link(model, "gg:alignedBy", aligner_iri)
    t.link(model, "prov:wasGeneratedBy", run)

    base = record.get("base_model") if isinstance(record.get("base_model"), dict) else {}
    base_fp, base_path = str(base.get("fingerprint") or ""), str(base.get("path") or "")
    base_iri = model_iri(base_fp) if _HEX64.match(base_fp) else None
    if base_iri:
        t.add(base_iri, "a", "gg:Model")
        t.add(base_iri, "rdfs:label", string_literal(model_name(base_path) if base_path else base_fp[:16]))
        t.add(base_iri, "gg:fingerprint", string_literal(base_fp))
        t.add(base_iri, "gg:modelPath", string_literal(base_path or base_fp))
        t.link(model, "prov:wasDerivedFrom", base_iri)

    t.add(run, "a", "gg:AlignmentRun")
    source = f" of {model_name(base_path)}" if base_path else ""
    t.add(run, "rdfs:label", string_literal(f"{aligner or 'unnamed aligner'} alignment{source} into {label}"))
    t.link(run, "mls:executes", aligner_iri)
    t.link(run, "gg:usesMethod", method)
    t.link(run, "mls:realizes", method)
    t.link(run, "mls:hasOutput", model)
    for used in (base_iri, _data_file(t, record.get("data"))):
        t.link(run, "prov:used", used)
        t.link(run, "mls:hasInput", used)
    hyper = record.get("hyperparameters")
    if isinstance(hyper, dict):
        t.add(run, "gg:hyperparameters", string_literal(json.dumps(hyper, sort_keys=True, separators=(",", ":"),
                                                            ensure_ascii=False, default=str)))
    for key, predicate in (("seed", "gg:randomSeed"), ("steps", "gg:steps")):
        value = record.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            t.add(run, predicate, typed_literal(value, "integer"))
    loss = finite_number(record.get("final_loss"))
    if loss is not None:
        t.add(run, "gg:finalLoss", double_literal(loss))
    created = record.get("created")
    if isinstance(created, str) and _DATETIME.match(created):
        t.add(run, "prov:endedAtTime", typed_literal(created, "dateTime"))
    if record.get("goalgraph"):
        t.add(run, "gg:goalgraphVersion", string_literal(record["goalgraph"]))
    return t.turtle()


def _data_file(t: Triples, data: Any) -> str | None:
    """The data file node (none for inference-time aligners that read nothing): named by its path and bytes,
    so two paths to the same bytes keep their own labels and share the gg:sha256 literal."""
    if not isinstance(data, dict) or not _HEX64.match(str(data.get("sha256") or "")):
        return None
    sha, path = str(data["sha256"]), str(data.get("path") or "")
    iri = node_iri("data-file", hashlib.sha256(f"{path}\0{sha}".encode()).hexdigest()[:16])
    t.add(iri, "a", "gg:DataFile")
    t.add(iri, "rdfs:label", string_literal(Path(path).name or path or sha[:16]))
    t.add(iri, "gg:sha256", string_literal(sha))
    t.add(iri, "gg:dataPath", string_literal(path))
    rows = data.get("rows")
    if isinstance(rows, int) and not isinstance(rows, bool) and rows >= 0:
        t.add(iri, "gg:itemCount", typed_literal(rows, "integer"))
    return iri


__all__ = ["alignment_iri", "model_iri", "to_turtle"]
