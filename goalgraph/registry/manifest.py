"""Component manifests: what a component is and needs, readable without importing the component."""
from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Capability = Literal["loglikelihood", "generation", "embeddings"]
_ENTRY = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


class Requirements(BaseModel):
    """What must be true of the machine for the component to run."""

    model_config = ConfigDict(extra="forbid")

    accelerator: Literal["none", "optional", "required"] = "none"
    memory_gb: float | None = Field(default=None, ge=0, description="peak host memory, GiB")
    packages: list[str] = Field(default_factory=list, description="extra distributions it imports")


class Metric(BaseModel):
    """One number the component emits."""

    model_config = ConfigDict(extra="forbid")

    name: str
    higher_is_better: bool | None = Field(description="True/False for scores with a direction; None for profiles "
                                                      "such as value scores, where neither end is better")
    description: str = ""


class DataSpec(BaseModel):
    """The data a component reads, told without importing it, so `goalgraph plan` can say what to supply, in
    which shape, whether the plugin ships a default, and roughly what running it costs."""

    model_config = ConfigDict(extra="forbid")

    format: str = Field(default="", description="the native data format it reads, in words")
    fields: list[str] = Field(default_factory=list, description="names of the fields of one item")
    bundled: list[str] = Field(default_factory=list, description="`builtin:NAME` sources the plugin ships, "
                                                                  "used when no data is given")
    bundled_items: int | None = Field(default=None, ge=0, description="items in the first bundled source")
    min_files: int = Field(default=1, ge=1, description="data sources one run needs at least (a pairwise "
                                                         "judge compares two or more systems' files)")
    requests_per_item: int | None = Field(default=None, ge=0, description="model requests one item costs "
                                                                            "with the default options")
    tokens_per_request: int | None = Field(default=None, ge=0, description="a rough guess of the tokens one "
                                                                             "request processes")

    @field_validator("bundled")
    @classmethod
    def _builtin_sources(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not re.match(r"^builtin:[a-z0-9][a-z0-9_.-]*$", v)]
        if bad:
            raise ValueError(f"bundled sources are named builtin:NAME, got {bad[0]!r}")
        return value


class Manifest(BaseModel):
    """A component's identity card. `attaches_to` takes IRIs, `kind/slug` or `prefix:name` references;
    the registry resolves and checks them against the merged graph."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    kind: Literal["evaluator", "aligner"]
    version: str
    title: str
    description: str = ""
    entry: str = Field(description="'package.module:attr', imported on first use")
    attaches_to: list[str] = Field(min_length=1)
    needs: list[Capability] = Field(default_factory=list, description="what it needs from a model; empty: nothing")
    requirements: Requirements = Field(default_factory=Requirements)
    metrics: list[Metric] = Field(default_factory=list)
    implements: str | None = Field(default=None, description="the paper node whose method it implements")
    model_kind: Literal["causal-lm", "reward-model", "none"] = Field(
        default="causal-lm", description="which kind of model `--model` must be (the evaluator's model_kind); "
                                         "none: it scores answers handed to it and is not run on a model")
    data: DataSpec | None = Field(default=None, description="what it reads; None: not declared")

    @field_validator("entry")
    @classmethod
    def _entry_shape(cls, value: str) -> str:
        if not _ENTRY.match(value):
            raise ValueError("entry must look like 'package.module:attribute'")
        return value


class DatasetLoader(BaseModel):
    """A loader for a benchmark's data in its native format."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    entry: str
    attaches_to: list[str] = Field(min_length=1)
    description: str = ""

    _check_entry = field_validator("entry")(Manifest._entry_shape.__func__)


class ModelBackend(BaseModel):
    """A way to load and run models (transformers, vLLM, an API...)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    entry: str
    description: str = ""

    _check_entry = field_validator("entry")(Manifest._entry_shape.__func__)
