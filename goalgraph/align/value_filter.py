"""`value-filter-sft`: keep the training rows whose values are closest to a target profile, then fine-tune on
them (the data-selection form of value injection, Kang et al. 2023: a target value distribution decides which
samples the model learns from).

Each SFT row's completion is profiled with the value-distance reward (`value_reward`: the value-profile
evaluator's profiler, distance to the target as a distribution). Rows are ranked by distance (ties keep file
order) and the closest `keep` share is kept (at least `min_rows`), or every row within `max_distance` when
that is given; a completion with no letter in it is never kept. What was decided is written before training:

    OUTPUT/value_filter/scores.jsonl     every row: index, distance (null: no profile), kept
    OUTPUT/value_filter/selected.jsonl   the kept rows as they were in the data file
    OUTPUT/value_filter/filter.json      the hash of the data, target and filter options that decided it

then `train("sft", ...)` fine-tunes on `selected.jsonl` into OUTPUT and writes the alignment record with the
filter's settings and figures. A rerun with the same data, target and options reuses the selection without
profiling again, and the training resumes from its last checkpoint (or returns the finished record); other data
or options are refused before anything is rewritten, unless overwrite.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from goalgraph.align.config import check_count
from goalgraph.align.errors import AlignmentError

FILTER_DIR = "value_filter"
FILTER_KEY = "filter.json"   # in FILTER_DIR: the hash of what decided the selection, written last


def value_filter_sft(model_path: str | Path, data_path: str | Path, output_dir: str | Path, target: Any, *,
                     keep: float = 0.5, max_distance: float | None = None, min_rows: int = 1,
                     metric: str = "cosine", overwrite: bool = False, on_step: Any = None, reward: Any = None,
                     **hyperparameters: Any) -> dict[str, Any]:
    """Select rows of `data_path` by value distance to `target` (a target file or Target), then SFT on them;
    returns the alignment record. `hyperparameters` are those of `train_sft`; `reward` replaces the
    value-distance reward (texts -> rewards, higher is closer), for tests and other profilers."""
    from goalgraph.align.config import make_config
    from goalgraph.align.data import read_sft
    from goalgraph.align.train import train
    from goalgraph.align.value_reward import reward_from_spec, target_settings

    if not 0.0 < keep <= 1.0:
        raise AlignmentError(f"keep must be a share in (0, 1], got {keep}")
    if max_distance is not None and max_distance < 0:
        raise AlignmentError(f"max_distance must be 0 or more, got {max_distance}")
    check_count("min_rows", min_rows)
    make_config("sft", hyperparameters)               # a bad hyper-parameter fails before any profiling
    from goalgraph.util.digest import file_sha256

    output = Path(output_dir)
    _check_output(output, overwrite)
    settings = target_settings(target, metric)
    rows = read_sft(data_path)
    data_sha = file_sha256(data_path)
    key = _filter_key(data_sha, settings, keep=keep, max_distance=max_distance, min_rows=min_rows)
    earlier = _earlier_selection(output, key, overwrite)
    if earlier is not None:                # the same filter ran before: its selection stands, nothing is redone
        distances, kept = earlier
    else:
        texts = [_plain(r.completion) for r in rows]
        rewards = (reward or reward_from_spec(settings))(texts)
        if len(rewards) != len(rows):
            raise AlignmentError(f"the reward gave {len(rewards)} scores for {len(rows)} rows")
        distances = [None if r is None else -float(r) for r in rewards]
        kept = select(distances, keep=keep, max_distance=max_distance, min_rows=min_rows)
        if not kept:
            raise AlignmentError(f"no row of {data_path} is within max_distance={max_distance} of the target")
        _write_selection(output, data_path, distances, kept, key)
    selected = output / FILTER_DIR / "selected.jsonl"
    chosen = [distances[i] for i in kept]
    scored = [d for d in distances if d is not None]
    summary = {"source": {"path": str(data_path), "rows": len(rows)}, "kept": len(kept),
               "keep": keep, "max_distance": max_distance, "min_rows": min_rows, "metric": settings["metric"],
               "target": settings["target"]["name"], "target_path": settings["target"]["path"],
               "mean_distance_kept": sum(chosen) / len(chosen),
               "mean_distance_all": sum(scored) / len(scored) if scored else None,
               "scores": f"{FILTER_DIR}/scores.jsonl", "selected": f"{FILTER_DIR}/selected.jsonl"}
    summary["source"]["sha256"] = data_sha
    return train("sft", model_path, selected, output, overwrite=overwrite, on_step=on_step,
                 record_as="value-filter-sft", keep_paths=(FILTER_DIR,),
                 record_extra={"value_filter": summary, "target": settings["target"]}, **hyperparameters)


def select(distances: list[float | None], *, keep: float = 0.5, max_distance: float | None = None,
           min_rows: int = 1) -> list[int]:
    """Indices of the kept rows, in file order: those within `max_distance`, or else the closest
    ceil(keep * scored) (at least `min_rows`); rows without a distance are never kept."""
    import math

    scored = sorted((d, i) for i, d in enumerate(distances) if d is not None)
    if max_distance is not None:
        chosen = [i for d, i in scored if d <= max_distance]
    else:
        chosen = [i for _, i in scored[:max(min_rows, math.ceil(keep * len(scored)))]]
    return sorted(chosen)


def _plain(text: Any) -> str:
    """A completion as text (the content of its messages when it is a conversation)."""
    if isinstance(text, list):
        return "\n".join(str(m.get("content", "")) for m in text if isinstance(m, dict))
    return str(text)


def _check_output(output: Path, overwrite: bool) -> None:
    """Refuse, before writing anything, an output that holds neither this aligner's work nor nothing."""
    if output.exists() and not output.is_dir():
        raise AlignmentError(f"the output {output} exists and is not a directory")
    if overwrite or not output.is_dir() or not any(output.iterdir()) or (output / FILTER_DIR).is_dir():
        return
    raise AlignmentError(f"the output directory {output} is not empty (pass overwrite (--overwrite) to write "
                         f"into it)")


def _filter_key(data_sha256: str, settings: dict[str, Any], **options: Any) -> str:
    """What decides the selection: the data, the target and metric, and the filter's options."""
    import hashlib

    doc = {"data_sha256": data_sha256, "target": settings, "options": options}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def _earlier_selection(output: Path, key: str, overwrite: bool) -> tuple[list[float | None], list[int]] | None:
    """(distances, kept) of a selection this very filter wrote before; None when there is none (or overwrite).
    A selection made with other data or settings is refused before anything is profiled or rewritten."""
    from goalgraph.align.workdir import read_json

    folder = output / FILTER_DIR
    marker = read_json(folder / FILTER_KEY)
    if overwrite or marker is None:
        return None
    if marker.get("filter_sha256") != key:
        raise AlignmentError(f"{output} already holds a value-filter-sft selection made from other data or filter "
                             f"settings (pass overwrite (--overwrite) to replace it)")
    scores = [json.loads(line) for line in (folder / "scores.jsonl").read_text(encoding="utf-8").splitlines()]
    return [s["distance"] for s in scores], [s["index"] for s in scores if s["kept"]]


def _write_selection(output: Path, data_path: str | Path, distances: list[float | None],
                     kept: list[int], key: str) -> Path:
    from goalgraph.align.data import raw_records
    from goalgraph.util.atomic import write_text_atomic

    folder = output / FILTER_DIR
    folder.mkdir(parents=True, exist_ok=True)
    records = raw_records(data_path)
    keep = set(kept)
    scores = [{"index": i, "distance": d, "kept": i in keep} for i, d in enumerate(distances)]
    write_text_atomic(folder / "scores.jsonl", "".join(json.dumps(s) + "\n" for s in scores))
    selected = folder / "selected.jsonl"
    write_text_atomic(selected, "".join(json.dumps(records[i], ensure_ascii=False) + "\n" for i in kept))
    write_text_atomic(folder / FILTER_KEY, json.dumps({"filter_sha256": key}) + "\n")   # last: the selection is whole
    return selected
