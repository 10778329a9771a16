"""Which keyword arguments a model's `forward` takes, asked once per model class (not on every batch).

transformers renames arguments between releases (`past_key_values` became `cache` in 5.x, with a warning on
each call under the old name); asking the signature lets one code path serve every supported release."""
from __future__ import annotations

import functools
from typing import Any


def forward_takes(model: Any, name: str) -> bool:
    """Whether `model.forward` has a parameter `name` (a peft wrapper is looked through to its base model)."""
    base = getattr(model, "get_base_model", None)
    return _takes(type(base() if callable(base) else model), name)


def cache_arg(model: Any) -> str:
    """The name under which `forward` takes a KV cache: `cache` (transformers 5) or `past_key_values`."""
    return "cache" if forward_takes(model, "cache") else "past_key_values"


def output_cache(out: Any) -> Any:
    """The KV cache a forward returned, under either name."""
    cache = getattr(out, "cache", None)
    return cache if cache is not None else out.past_key_values


@functools.lru_cache(maxsize=None)
def _takes(cls: type, name: str) -> bool:
    import inspect

    try:
        return name in inspect.signature(cls.forward).parameters
    except (TypeError, ValueError):
        return False
