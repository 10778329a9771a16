"""The evaluation plan: what to measure for a goal, with what, why, and according to which papers.

This is the contract between `goalgraph plan` (which writes it), `goalgraph run` (which executes it) and
anyone who edits a plan by hand. It is a pydantic model; `plan.schema.json` beside this file is its JSON
schema (a test keeps them equal). Everything in a plan is derived from the graph and the request, with no
clock and no randomness, so the same graph and inputs give a byte-identical file.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PLAN_FORMAT = "goalgraph-plan/1"

Status = Literal["runnable", "needs-data", "needs-plugin", "manual"]
"""runnable: an installed evaluator and its data are at hand; needs-data: the evaluator is installed but the user
must supply the benchmark's files (`--data NODE=PATH`); needs-plugin: nothing installed can run it; manual: it is
done by people (human evaluation)."""

StepKind = Literal["benchmark", "instrument", "classifier", "approach", "theory", "goal"]
STATUS_ORDER: dict[str, int] = {"runnable": 0, "needs-data": 1, "needs-plugin": 2, "manual": 3}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NodeRef(_Strict):
    """A graph node named in the plan: its IRI and label (and goal level, for goals)."""

    iri: str
    label: str
    level: int | None = None


class Reason(_Strict):
    """One reason a step is in the plan, read off a graph relation.

    `relation` is one of: evaluates-goal, measures-aspect, level-limitation, operationalises-theory,
    based-on-theory, measures-dimension, evaluator-implements, requested-aspect, language."""

    relation: str
    node: str | None = None          # the node the relation points at (goal, aspect, theory, dimension, paper)
    label: str = ""
    text: str = ""                   # a sentence for people: the limitation, the aspect's description ...
    citations: list[str] = Field(default_factory=list, description="paper IRIs this reason rests on")


class DataRequirement(_Strict):
    """What the step needs to read, and whether it is at hand."""

    sources: list[str] = Field(default_factory=list, description="files or hub ids bound to the step "
                                                                   "(`builtin:NAME` for data a plugin ships)")
    format: str = ""                  # the native schema the evaluator reads, in words
    fields: list[str] = Field(default_factory=list)
    license: str | None = None        # of the benchmark's data, where the graph knows it
    items: int | None = None          # item count, where the graph knows it
    note: str = ""                    # e.g. "item texts are the user's to supply"


class Cost(_Strict):
    """An estimate, for ordering and budgets: requests and tokens from the graph's counts, seconds from the
    device and the model's size when given."""

    requests: int | None = None
    tokens: int | None = None
    seconds: float | None = None
    basis: str = ""                   # how the figure was reached, in words


class Step(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$", description="unique within the plan; names the step's "
                                                                   "output files")
    order: int = Field(ge=1)
    node: str = Field(description="IRI of the benchmark, instrument, classifier or approach measured")
    label: str
    kind: StepKind
    evaluator: str | None = Field(default=None, description="component id that runs it (`goalgraph plugins "
                                                             "list`), or None")
    evaluator_version: str | None = None
    status: Status
    within_budget: bool = True
    goals: list[str] = Field(default_factory=list, description="IRIs of the plan's goals this step evaluates")
    levels: list[int] = Field(default_factory=list, description="goal levels 1..4 those goals belong to")
    aspects: list[str] = Field(default_factory=list)
    dimensions: list[str] = Field(default_factory=list, description="value dimensions it measures")
    why: list[Reason] = Field(min_length=1)
    citations: list[str] = Field(min_length=1, description="paper node IRIs")
    data: DataRequirement = Field(default_factory=DataRequirement)
    options: dict[str, str | int | float | bool] = Field(default_factory=dict, description="evaluator options")
    cost: Cost = Field(default_factory=Cost)


class CoverageGap(_Strict):
    """Something the literature says should be measured that nothing installed can run."""

    node: str
    label: str
    kind: str                         # benchmark, instrument, classifier, approach, dimension, aspect
    reason: str                       # needs-plugin, manual, no-resource
    citations: list[str] = Field(default_factory=list)


class Coverage(_Strict):
    runnable: list[str] = Field(default_factory=list, description="step ids that can run now")
    gaps: list[CoverageGap] = Field(default_factory=list)


class BibEntry(_Strict):
    iri: str
    key: str                          # the BibTeX key (stable: derived from the paper's slug)
    title: str
    authors: list[str] = Field(default_factory=list)
    year: int | None = None
    venue: str | None = None
    arxiv: str | None = None
    url: str | None = None


class PlanRequest(_Strict):
    """The inputs the plan was made from, as the user gave them (resolved IRIs beside)."""

    goal: str
    theory: str | None = None
    aspects: list[str] = Field(default_factory=list)
    model: str | None = None
    device: Literal["cpu", "gpu"] | None = None
    budget_hours: float | None = Field(default=None, gt=0)
    language: str | None = None
    data: dict[str, str] = Field(default_factory=dict, description="node reference -> data source bindings")


class GraphInfo(_Strict):
    """Which graph the plan was made from: a digest of its triples and of the installed components."""

    digest: str
    triples: int
    goalgraph: str
    components: list[str] = Field(default_factory=list, description="id@version of every installed evaluator")


class Plan(_Strict):
    format: Literal["goalgraph-plan/1"] = PLAN_FORMAT
    title: str
    goal: NodeRef
    goals: list[NodeRef] = Field(description="the goal and every sub-goal under it")
    theory: NodeRef | None = None
    request: PlanRequest
    graph: GraphInfo
    steps: list[Step]
    coverage: Coverage
    bibliography: list[BibEntry]
    estimated_hours: float | None = None

    def step(self, ref: str) -> Step:
        """A step by id or node IRI."""
        for s in self.steps:
            if ref in (s.id, s.node):
                return s
        raise KeyError(ref)

    def runnable_steps(self) -> list[Step]:
        """Steps `goalgraph run` executes, in plan order."""
        return sorted((s for s in self.steps if s.status == "runnable" and s.within_budget), key=lambda s: s.order)


def plan_json_schema() -> dict[str, Any]:
    """The JSON schema of a plan file (what `plan.schema.json` holds)."""
    return Plan.model_json_schema()
