"""The generative value profiler: a model answers everyday dilemmas, the answers are mapped to value distributions.

- `value_descriptions`: what each Schwartz value and moral foundation means, in our words (the zero-shot anchors);
- `scenarios.jsonl` (`SCENARIOS`): 68 everyday scenarios that put the ten Schwartz values in tension, each tagged
  with the values at stake;
- `evaluator.ValueProfile`: the `value-profile` evaluator (imported only when it runs).

Importing this package imports nothing heavy.
"""
from __future__ import annotations

import json
from pathlib import Path

SCENARIOS = Path(__file__).resolve().with_name("scenarios.jsonl")
BUILTIN_DATA = {"builtin:scenarios": SCENARIOS}


def load_scenarios(path: str | Path = SCENARIOS) -> list[dict]:
    """The scenarios of a JSONL file (default: the bundled set) as dicts: id, scenario, values."""
    with Path(path).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
