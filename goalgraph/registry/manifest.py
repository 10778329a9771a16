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
