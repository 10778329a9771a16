"""What a plan run leaves behind, as a pydantic model: the contract between `goalgraph run` (which writes
`DIR/results.json`) and `goalgraph report` / `--with-results` (which read it).

A run directory holds:

    results.json             this model
    provenance.ttl           PROV-O / ML-Schema / DQV account of the run, valid against ontology/shapes.ttl
                             (see docs/running.md)
    plan.json                the plan as it was run (a copy, so the directory stands on its own)
    steps/<step-id>.json     each step's full `goalgraph eval` result document
    steps/<step-id>.samples.jsonl   its per-item records
    requests/                the resumable request store of the run's model(s)
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

RESULTS_FORMAT = "goalgraph-results/1"
ALIGNMENT_RECORD = "alignment.json"
"""File name of the alignment record inside an aligned model's directory (written by `goalgraph align`):
at least {"aligner": component id, "method": method node IRI}; `report --compare` names the aligner from it."""

StepState = Literal["done", "failed", "skipped", "pending"]
"""done: finished now or in an earlier attempt; failed: raised (its `error` says why) and the run went on;
skipped: not runnable in this plan (status other than runnable, or over budget); pending: not reached yet."""


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class RunInfo(_Open):
    id: str                                   # slug, unique per run directory
    iri: str                                  # https://w3id.org/goalgraph/id/run/<id>
    started: str                              # ISO 8601 UTC of the first attempt
    ended: str | None = None                  # of the latest attempt that finished
    attempts: int = 1
    goalgraph: str
    device: str | None = None
    command: str = ""


class PlanInfo(_Open):
    path: str
    sha256: str
    title: str
    goal: dict[str, Any]                      # NodeRef of the plan's goal
    theory: dict[str, Any] | None = None


class ModelInfo(_Open):
    path: str
    fingerprint: str
    iri: str                                  # https://w3id.org/goalgraph/id/model/<fingerprint[:16]>
    describe: dict[str, Any] = Field(default_factory=dict)   # CausalLM.describe() of the first step that ran
    alignment: dict[str, Any] | None = None   # the model's alignment record, when it has one
    name: str | None = None                   # the model directory's name (the label in provenance.ttl)


class StepResult(_Open):
    id: str
    node: str
    label: str
    kind: str
    evaluator: str | None = None
    evaluator_version: str | None = None
    state: StepState
    error: str | None = None
    goals: list[str] = Field(default_factory=list)
    levels: list[int] = Field(default_factory=list)
    dimensions: list[str] = Field(default_factory=list)
    citations: list[str] = Field(default_factory=list)
    metrics: dict[str, Any] = Field(default_factory=dict)
    values: dict[str, Any] | None = None      # the `values` block of the eval result (see evaluation/value_link.py)
    result_file: str | None = None            # relative to the run directory
    samples_file: str | None = None
    seconds: float | None = None              # the evaluator's own time (its result's timing.total_s)
    spec_sha256: str | None = None            # what makes a finished step reusable on a re-run
    # added by `goalgraph run` (all optional, so older files still read):
    order: int | None = None                  # the step's position in the plan
    reason: str | None = None                 # why a skipped step did not run
    evaluator_iri: str | None = None          # the component node the step executed
    metric_directions: dict[str, bool | None] = Field(default_factory=dict)   # from the manifest
    requests: dict[str, int] | None = None    # total, unique, from_store, computed (of the attempt that ran it)
    items: int | None = None
    data: list[dict[str, Any]] = Field(default_factory=list)   # each source with its sha256
    reused: bool = False                      # true when an earlier attempt's result was kept
    ended: str | None = None                  # ISO 8601 UTC when the step's result was written


class RunResults(_Open):
    format: Literal["goalgraph-results/1"] = RESULTS_FORMAT
    run: RunInfo
    plan: PlanInfo
    model: ModelInfo
    steps: list[StepResult]
    summary: dict[str, int] = Field(default_factory=dict)   # count per state
