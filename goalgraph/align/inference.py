"""Inference-time aligners: they change how the base model is asked, not its weights, and write a model spec
(`goalgraph.runtime.model_spec`) that every evaluator, `goalgraph run` and `goalgraph align` accept as a model.

- `principles_icl`: a system prompt assembled from principle nodes (or the user's own) wraps the base model;
- `value_best_of_n`: generation samples n answers and keeps the one whose value profile is closest to a
  target (reward = -distance). Given prompts (`data`), it also runs them now and records every candidate and
  its reward in `OUTPUT/best_of_n.jsonl`, appended prompt by prompt so a killed run resumes where it stopped.

Both write `OUTPUT/alignment.json` last, like the training aligners, with the same fields where they apply.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

from goalgraph.align.config import check_count
from goalgraph.align.errors import AlignmentError
from goalgraph.align.principles import Principle, system_prompt
from goalgraph.align.data import read_prompts
from goalgraph.align.workdir import append_row, check_base, claim_output, read_journal, read_json

BEST_OF_N_LOG = "best_of_n.jsonl"
PROMPT_STYLES = ("auto", "chat", "prefix")


def principles_icl(model_path: str | Path, output_dir: str | Path, principles: Sequence[Principle], *,
                   prompt_style: str = "auto", preamble: str | None = None, overwrite: bool = False) -> dict[str, Any]:
    """Write a prompted model spec holding `principles` as its system prompt; returns the alignment record.
    `prompt_style` auto uses the base's chat template when it has one, else writes the prompt before every
    context (`prefix`)."""
    if not principles:
        raise AlignmentError("principles-icl needs at least one principle")
    if prompt_style not in PROMPT_STYLES:
        raise AlignmentError(f"prompt_style must be one of {', '.join(PROMPT_STYLES)}, got {prompt_style!r}")
    base, output = check_base(model_path), Path(output_dir)
    style = prompt_style if prompt_style != "auto" else ("chat" if has_chat_template(base) else "prefix")
    prompt = system_prompt(principles, preamble)
    settings = {"system_prompt": prompt, "prompt_style": style,
                "principles": [{"id": p.id, "text": p.text} for p in principles]}
    hyper = {"principles": [p.id for p in principles], "prompt_style": style, "preamble": preamble}
    return _write_spec_model("principles-icl", "prompted", base, output, settings, hyper, overwrite=overwrite)


def value_best_of_n(model_path: str | Path, output_dir: str | Path, target: Any, *, n: int = 4,
                    temperature: float = 0.8, metric: str = "cosine", data_path: str | Path | None = None,
                    max_new_tokens: int = 64, seed: int = 0, device: str = "auto", limit: int | None = None,
                    overwrite: bool = False, reward: Callable[[Sequence[str]], list[float]] | None = None,
                    on_item: Callable[[int, dict], None] | None = None) -> dict[str, Any]:
    """Write a best-of-n model spec for the value profile `target` (a Target, or a file path); with
    `data_path`, answer its prompts now and record every candidate's reward. Returns the alignment record."""
    from goalgraph.align.value_reward import target_settings

    check_count("n", n)
    if not temperature > 0:
        raise AlignmentError(f"temperature must be positive, got {temperature}")
    if max_new_tokens < 1:
        raise AlignmentError(f"max_new_tokens must be at least 1, got {max_new_tokens}")
    base, output = check_base(model_path), Path(output_dir)
    settings = {"n": n, "temperature": float(temperature), **target_settings(target, metric)}
    prompts = read_prompts(data_path, limit) if data_path is not None else []
    hyper = {"n": n, "temperature": float(temperature), "metric": metric, "max_new_tokens": max_new_tokens,
             "seed": seed, "limit": limit, "target": settings["target"].get("name")}

    def run_prompts(spec_dir: Path) -> dict[str, Any]:
        return _answer_prompts(spec_dir, prompts, max_new_tokens=max_new_tokens, seed=seed, device=device,
                               reward=reward, on_item=on_item)

    return _write_spec_model("value-best-of-n", "best-of-n", base, output, settings, hyper, overwrite=overwrite,
                             data_path=data_path, rows=len(prompts), seed=seed,
                             before_record=run_prompts if prompts else None)


# -- the shared part -----------------------------------------------------------------------------------
def _write_spec_model(aligner: str, kind: str, base: str, output: Path, settings: dict[str, Any],
                      hyper: dict[str, Any], *, overwrite: bool, data_path: str | Path | None = None,
                      rows: int = 0, seed: int | None = None,
                      before_record: Callable[[Path], dict[str, Any]] | None = None) -> dict[str, Any]:
    import time

    from goalgraph.align import record as R
    from goalgraph.runtime.fingerprint import model_fingerprint
    from goalgraph.runtime.model_spec import ModelSpec, write_spec
    from goalgraph.util.digest import file_sha256

    base_fp = model_fingerprint(base)
    data_sha = file_sha256(data_path) if data_path is not None else None
    run_hash = R.config_hash({"aligner": aligner, "base": base_fp, "data": data_sha, "settings": settings,
                              "hyperparameters": hyper})
    finished = claim_output(output, run_hash, overwrite)
    if finished is not None:
        return finished
    started = time.time()
    write_spec(ModelSpec(kind, str(Path(base).resolve()) if Path(base).exists() else base, output, settings))
    extra: dict[str, Any] = {"produces": "model-spec", "config_sha256": run_hash}
    if before_record is not None:
        extra.update(before_record(output))
    extra["seconds"] = round(time.time() - started, 3)
    record = R.build(aligner=aligner, loss=None, base_path=base, base_fingerprint=base_fp,
                     data_path=None if data_path is None else str(data_path), data_sha256=data_sha, rows=rows,
                     hyperparameters=hyper, seed=seed if seed is not None else 0, steps=0, final_loss=None,
                     extra=extra)
    R.write(output, record)
    return record


def has_chat_template(source: str) -> bool:
    """Whether the base model's tokenizer files carry a chat template (read without loading anything)."""
    from goalgraph.runtime.model_spec import weights_source

    root = Path(weights_source(source))
    if (root / "chat_template.jinja").is_file() or (root / "chat_template.json").is_file():
        return True
    config = read_json(root / "tokenizer_config.json") or {}
    return bool(config.get("chat_template"))


def _answer_prompts(spec_dir: Path, prompts: list[str], *, max_new_tokens: int, seed: int, device: str,
                    reward: Callable[[Sequence[str]], list[float]] | None,
                    on_item: Callable[[int, dict], None] | None) -> dict[str, Any]:
    """Best-of-n over `prompts` through the spec just written; one JSONL row per prompt, appended and synced
    as it is chosen, so a rerun skips prompts already answered."""
    from goalgraph.runtime.causal_lm import CausalLM
    from goalgraph.runtime.requests import Generation

    log = spec_dir / BEST_OF_N_LOG
    done = read_journal(log)
    model = CausalLM.load(str(spec_dir), device=device)
    if reward is not None:
        model.reward = reward
    with log.open("a", encoding="utf-8") as fh:
        for i, prompt in enumerate(prompts):
            if i < len(done):
                continue
            choice = model.choose(Generation(prompt, max_new_tokens=max_new_tokens, seed=seed + i))
            row = {"index": i, **{k: choice[k] for k in ("prompt", "seed", "candidates", "rewards", "chosen")}}
            append_row(fh, row)
            done.append(row)
            if on_item:
                on_item(i, row)
    from goalgraph.runtime.wrapped import reward_summary

    return {"best_of_n": {"log": BEST_OF_N_LOG, **reward_summary(done)}}
