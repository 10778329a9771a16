"""Choosing the device and dtype: `auto` means the best accelerator present, and full precision on the CPU."""
from __future__ import annotations

from typing import Any

DEVICES = ("auto", "cpu", "cuda", "mps")
DTYPES = ("auto", "float32", "bfloat16", "float16")


def resolve_device(name: str = "auto") -> str:
    import torch

    from goalgraph.errors import EvaluationError

    if name not in DEVICES and not name.startswith("cuda:"):
        raise EvaluationError(f"unknown device {name!r} (choose from {', '.join(DEVICES)})")
    if name == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise EvaluationError("--device cuda was asked for, but torch sees no CUDA device")
    if name == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise EvaluationError("--device mps was asked for, but this torch has no MPS support")
    return name


def resolve_dtype(name: str, device: str, config: Any = None) -> Any:
    """`auto`: the checkpoint's own dtype on an accelerator, float32 on the CPU (half precision there is slow
    and less accurate)."""
    import torch

    from goalgraph.errors import EvaluationError

    if name not in DTYPES:
        raise EvaluationError(f"unknown dtype {name!r} (choose from {', '.join(DTYPES)})")
    if name != "auto":
        return getattr(torch, name)
    if device == "cpu":
        return torch.float32
    saved = getattr(config, "dtype", None) or getattr(config, "torch_dtype", None)
    if isinstance(saved, str):
        saved = getattr(torch, saved, None)
    return saved if isinstance(saved, torch.dtype) else torch.float32
