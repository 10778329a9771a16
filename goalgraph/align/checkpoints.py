"""Training checkpoints, so a killed run resumes where it stopped instead of starting over.

`OUTPUT/checkpoints/step-K/` holds the trainable weights (`model.safetensors`), the optimizer, scheduler and
RNG states (`trainer.pt`, read back with `weights_only=True`: plain tensors and numbers, nothing executable),
any extra tensors of the run such as precomputed reference log-probs (`extra.safetensors`) and `state.json`
(step, config hash, loss history). Each is written into a hidden temp folder that is renamed into place when
complete, so a kill mid-write leaves no half checkpoint; only the newest `keep` are kept.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from goalgraph.align.errors import AlignmentError

CHECKPOINTS = "checkpoints"
_STEP = re.compile(r"^step-(\d+)$")


def checkpoint_dirs(output: Path) -> list[Path]:
    """Complete checkpoints, oldest first (a folder without state.json is not one)."""
    root = Path(output) / CHECKPOINTS
    if not root.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in root.iterdir()
             if (m := _STEP.match(p.name)) and (p / "state.json").is_file()]
    return [p for _, p in sorted(found)]


def read_state(path: Path) -> dict[str, Any]:
    try:
        state = json.loads((path / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AlignmentError(f"{path}: unreadable checkpoint state: {exc}") from None
    if not isinstance(state, dict) or not isinstance(state.get("step"), int):
        raise AlignmentError(f"{path}: checkpoint state has no step")
    return state


def save(output: Path, step: int, *, model: Any, trainer: dict[str, Any], extra: dict[str, Any],
         state: dict[str, Any], keep: int = 2) -> Path:
    import torch
    from safetensors.torch import save_file

    root = Path(output) / CHECKPOINTS
    root.mkdir(parents=True, exist_ok=True)
    final = root / f"step-{step}"
    tmp = root / f".tmp-step-{step}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        save_file(trainable_state(model), str(tmp / "model.safetensors"))
        torch.save(trainer, tmp / "trainer.pt")
        if extra:
            save_file({k: v.contiguous() for k, v in extra.items()}, str(tmp / "extra.safetensors"))
        (tmp / "state.json").write_text(json.dumps({**state, "step": step}, indent=1), encoding="utf-8")
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for old in checkpoint_dirs(output)[:-keep] if keep > 0 else []:
        shutil.rmtree(old, ignore_errors=True)
    return final


def load(path: Path, model: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Load the weights into `model`; return (trainer states, extra tensors)."""
    import torch
    from safetensors.torch import load_file

    weights = load_file(str(path / "model.safetensors"))
    missing = set(trainable_state(model)) - set(weights)
    if missing:
        raise AlignmentError(f"{path}: checkpoint lacks weights such as {min(missing)!r}")
    model.load_state_dict(weights, strict=False)
    trainer = torch.load(path / "trainer.pt", weights_only=True)
    extra_file = path / "extra.safetensors"
    extra = load_file(str(extra_file)) if extra_file.is_file() else {}
    return trainer, extra


def trainable_state(model: Any) -> dict[str, Any]:
    """The parameters that training changes (all of them for full fine-tuning, the adapters under LoRA),
    copied apart so tied weights (GPT-2's embedding and head) do not trip safetensors' shared-memory check."""
    names = {n for n, p in model.named_parameters() if p.requires_grad}
    return {n: t.detach().clone().contiguous() for n, t in model.state_dict().items() if n in names}


def clear(output: Path) -> None:
    shutil.rmtree(Path(output) / CHECKPOINTS, ignore_errors=True)
