"""Critique and revision: the supervised stage of Constitutional AI as an aligner that writes SFT data.

`critique_revise` asks the base model to answer every prompt of a data file, then, round after round, to
criticise its current answer under one principle (sampled per prompt and round) and to rewrite the answer in
light of that critique. The last revision is the final answer; the (prompt, final answer) pairs form an SFT
file that `goalgraph align sft --data OUTPUT/sft.jsonl` trains on, which completes the supervised stage.

What a run writes in its output directory:

- `critiques.jsonl`: one row per prompt (initial answer, every round's principle, critique and revision, the
  final answer), appended and synced as each chunk of prompts finishes, so a killed run resumes after the last
  whole row (`workdir.read_journal`) and ends with the same files as a run that never stopped;
- `sft.jsonl`: `{"prompt", "completion"}` rows, written atomically once every prompt is done (empty final
  answers are left out and counted);
- `alignment.json`: the record, last, like every aligner's.

The requests are plain-text transcripts ("User: ...\\n\\nAssistant: ...") built from three templates with the
placeholders {prompt}, {answer}, {principle} and {critique}; each generation stops where the model would start
the next user turn. A base with a chat template (`chat="auto"`, the default) is asked in its own format
instead: the same conversation as messages (user prompt, assistant answer, user critique request, assistant
critique, user revision request), rendered by the template, each turn ending where the model ends it. Greedy by default; with a temperature every generation gets its own seed, derived from the
run's seed, the prompt's index, the round and the stage, so neither batching nor resuming changes a sample.

Importing this module imports neither torch nor transformers.
"""
from __future__ import annotations

import hashlib
import json
import random
import string
from pathlib import Path
from typing import Any, Callable, Sequence

from goalgraph.align.config import check_count
from goalgraph.align.errors import AlignmentError
from goalgraph.align.principles import Principle
from goalgraph.align.workdir import append_row, claim_output, read_journal

CRITIQUES_LOG = "critiques.jsonl"
SFT_DATA = "sft.jsonl"
STOP = ("\nUser:",)
"""Where a generated turn ends: the model starting the next user turn of the transcript."""

TEMPLATES = {
    "answer": "User: {prompt}\n\nAssistant:",
    "critique": ("User: {prompt}\n\nAssistant: {answer}\n\n"
                 "User: Read your answer again and judge it against this principle: {principle} "
                 "Say plainly where the answer falls short of the principle, if it does.\n\nAssistant:"),
    "revision": ("User: {prompt}\n\nAssistant: {answer}\n\n"
                 "User: Read your answer again and judge it against this principle: {principle} "
                 "Say plainly where the answer falls short of the principle, if it does.\n\n"
                 "Assistant: {critique}\n\n"
                 "User: Now write a better answer to my first message that fixes what you found and keeps to "
                 "the principle. Give only the new answer.\n\nAssistant:"),
}
"""The default requests, in our own words. A user's `templates` may replace any of them."""

CHAT_TURNS = {
    "critique": ("Read your answer again and judge it against this principle: {principle} "
                 "Say plainly where the answer falls short of the principle, if it does."),
    "revision": ("Now write a better answer to my first message that fixes what you found and keeps to the "
                 "principle. Give only the new answer."),
}
"""The user turns of the conversation a chat model is asked in (the same words as the plain templates)."""

PLACEHOLDERS = {
    # stage: (placeholders it must use, placeholders it may use)
    "answer": ({"prompt"}, {"prompt"}),
    "critique": ({"answer", "principle"}, {"prompt", "answer", "principle"}),
    "revision": ({"answer", "critique"}, {"prompt", "answer", "principle", "critique"}),
}


def critique_revise(model_path: str | Path, data_path: str | Path, output_dir: str | Path,
                    principles: Sequence[Principle], *, rounds: int = 1, max_new_tokens: int = 96,
                    temperature: float = 0.0, seed: int = 0, batch_size: int = 8, device: str = "auto",
                    limit: int | None = None, overwrite: bool = False,
                    on_item: Callable[[int, dict], None] | None = None,
                    templates: dict[str, str] | None = None, chat: str | bool = "auto") -> dict[str, Any]:
    """Answer, critique and revise every prompt of `data_path` (`rounds` critique/revision rounds, one
    principle sampled per round) and write the final answers as SFT data; returns the alignment record written
    to `output_dir/alignment.json`. `on_item(index, row)` follows each journal row; `templates` replaces any
    of the plain-text requests "answer", "critique", "revision" (see `TEMPLATES` and `PLACEHOLDERS`). `chat`:
    "auto" asks a base with a chat template in its own format (`CHAT_TURNS`), True requires one, False
    always uses the plain transcript."""
    import time

    from goalgraph.align import record as R
    from goalgraph.align.data import read_prompts
    from goalgraph.align.workdir import check_base
    from goalgraph.runtime.fingerprint import model_fingerprint
    from goalgraph.util.digest import file_sha256

    _check_arguments(rounds=rounds, max_new_tokens=max_new_tokens, temperature=temperature,
                     batch_size=batch_size, limit=limit, principles=principles)
    texts = check_templates(templates)
    base, output = check_base(model_path), Path(output_dir)
    chat = _chat_mode(chat, base, custom_templates=bool(templates))
    prompts = read_prompts(data_path, limit)
    hyper = {"rounds": rounds, "max_new_tokens": max_new_tokens, "temperature": float(temperature),
             "seed": seed, "batch_size": batch_size, "limit": limit, "chat": chat,
             "principles": [p.id for p in principles],
             "templates": {k: hashlib.sha256(v.encode()).hexdigest() for k, v in texts.items()}}
    base_fp, data_sha = model_fingerprint(base), file_sha256(data_path)
    # batch_size and device change how the work is done, not what it gives
    decisive = {k: v for k, v in hyper.items() if k not in ("batch_size", "principles", "templates")}
    run_hash = R.config_hash({"aligner": "critique-revise", "base": base_fp, "data": data_sha,
                              "principles": [[p.id, p.text] for p in principles],
                              "templates": CHAT_TURNS if chat else texts,
                              "until": [] if chat else list(STOP), "hyperparameters": decisive})
    finished = claim_output(output, run_hash, overwrite)
    if finished is not None:
        return finished
    started = time.time()
    done, generated = _run(base, prompts, output / CRITIQUES_LOG, principles, texts, chat=chat, rounds=rounds,
                           max_new_tokens=max_new_tokens, temperature=float(temperature), seed=seed,
                           batch_size=batch_size, device=device, on_item=on_item)
    written, empty = write_sft(output / SFT_DATA, done, chat=chat)
    extra = {"produces": "sft-dataset", "config_sha256": run_hash, "rounds": rounds,
             "principles": [p.id for p in principles],
             "prompts": len(prompts), "rows_written": written, "empty_dropped": empty,
             "generated_this_run": generated, "resumed_rows": len(done) - generated,
             "seconds": round(time.time() - started, 3), "critiques": CRITIQUES_LOG, "sft_data": SFT_DATA}
    rec = R.build(aligner="critique-revise", loss=None, base_path=base, base_fingerprint=base_fp,
                  data_path=str(data_path), data_sha256=data_sha, rows=len(prompts), hyperparameters=hyper,
                  seed=seed, steps=0, final_loss=None, extra=extra)
    R.write(output, rec)
    return rec


# -- checks, before anything loads ---------------------------------------------------------------------------
def _check_arguments(*, rounds: Any, max_new_tokens: Any, temperature: Any, batch_size: Any, limit: Any,
                     principles: Sequence[Principle]) -> None:
    for name, value in (("rounds", rounds), ("max_new_tokens", max_new_tokens), ("batch_size", batch_size)):
        check_count(name, value)
    check_count("limit", limit, optional=True)
    if not isinstance(temperature, (int, float)) or isinstance(temperature, bool) or not temperature >= 0:
        raise AlignmentError(f"temperature must be zero (greedy) or positive, got {temperature!r}")
    if not principles:
        raise AlignmentError("critique-revise needs at least one principle")
    for p in principles:
        if not isinstance(p, Principle) or not isinstance(p.text, str) or not p.text.strip():
            raise AlignmentError(f"not a principle with a statement: {p!r}")


def _chat_mode(chat: str | bool, base: str, *, custom_templates: bool) -> bool:
    """Whether the base is asked in its chat format: `chat` True/False, or "auto" (when it has a template)."""
    from goalgraph.align.inference import has_chat_template

    value = {"auto": "auto", "true": True, "false": False}.get(str(chat).strip().lower()) \
        if isinstance(chat, str) else chat
    if value not in ("auto", True, False):
        raise AlignmentError(f"chat must be auto, true or false, got {chat!r}")
    has = has_chat_template(base)
    if value is True and not has:
        raise AlignmentError(f"chat=true, but the tokenizer of {base} has no chat template")
    use = has if value == "auto" else value
    if use and custom_templates:
        raise AlignmentError("templates shape the plain-text transcript; a chat model is asked in its own "
                             "format (pass chat=false to use your templates)")
    if use and _prompted_in_chat(base):
        raise AlignmentError(f"{base} is a principles-icl spec that puts its system prompt in the chat template, "
                             f"which would render the conversation a second time; give its base model, or pass "
                             f"chat=false to ask it in plain transcripts")
    return bool(use)


def _prompted_in_chat(base: str) -> bool:
    """Whether a layer of the spec chain templates every prompt itself (a chat-style prompted spec)."""
    from goalgraph.runtime.model_spec import base_chain

    return any(s.kind == "prompted" and s.settings.get("prompt_style") == "chat" for s in base_chain(base))


def check_templates(templates: dict[str, str] | None) -> dict[str, str]:
    """The three request templates with the user's replacements; an unknown stage or placeholder, a missing
    required placeholder or a malformed template raises an AlignmentError naming it."""
    out = dict(TEMPLATES)
    for stage, text in (templates or {}).items():
        if stage not in TEMPLATES:
            raise AlignmentError(f"unknown template {stage!r} (the templates are {', '.join(TEMPLATES)})")
        if not isinstance(text, str):
            raise AlignmentError(f"the {stage} template must be a string, got {type(text).__name__}")
        out[stage] = text
    for stage, text in out.items():
        required, allowed = PLACEHOLDERS[stage]
        try:
            used = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
        except ValueError as exc:
            raise AlignmentError(f"the {stage} template is malformed: {exc} (write a literal brace as {{{{ or }}}})") \
                from None
        unknown = sorted(used - allowed)
        if unknown:
            raise AlignmentError(f"the {stage} template uses unknown placeholder {{{unknown[0]}}} "
                                 f"(it may use {', '.join('{' + p + '}' for p in sorted(allowed))})")
        missing = sorted(required - used)
        if missing:
            raise AlignmentError(f"the {stage} template lacks the placeholder {{{missing[0]}}}")
    return out


# -- the work ------------------------------------------------------------------------------------------------
def sample_principle(principles: Sequence[Principle], seed: int, index: int, round_: int) -> Principle:
    """The principle of prompt `index` in round `round_` (from 1): a function of these numbers alone."""
    return random.Random(f"{seed}/{index}/{round_}").choice(list(principles))


def generation_seed(seed: int, index: int, round_: int, stage: str) -> int:
    """The sampling seed of one generation (round 0 is the initial answer)."""
    digest = hashlib.sha256(f"{seed}/{index}/{round_}/{stage}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def _run(base: str, prompts: list[str], log: Path, principles: Sequence[Principle], texts: dict[str, str], *,
         chat: bool, rounds: int, max_new_tokens: int, temperature: float, seed: int, batch_size: int, device: str,
         on_item: Callable[[int, dict], None] | None) -> tuple[list[dict[str, Any]], int]:
    """Every prompt's row, resuming after the journal's last whole row; also how many were generated now."""
    from goalgraph.errors import EvaluationError

    done = read_journal(log)
    todo = list(range(len(done), len(prompts)))
    if not todo:
        return done, 0       # killed after the last row: nothing to load
    from goalgraph.runtime.causal_lm import CausalLM
    from goalgraph.runtime.requests import Generation

    def ask(stage: str, round_: int, items: list[int], values: list[dict[str, str]]) -> list[str]:
        requests = [Generation(render(stage, v), max_new_tokens=max_new_tokens, until=() if chat else STOP,
                               temperature=temperature,
                               seed=generation_seed(seed, i, round_, stage) if temperature > 0 else 0)
                    for i, v in zip(items, values)]
        return [t.strip() for t in model.generate(requests)]

    def render(stage: str, v: dict[str, str]) -> str:
        if not chat:
            return texts[stage].format(**v)
        return chat_prompt(model.tokenizer, conversation(stage, v))

    try:
        model = CausalLM.load(base, device=device, batch_size=batch_size)
        with log.open("a", encoding="utf-8") as fh:
            for start in range(0, len(todo), batch_size):
                chunk = todo[start:start + batch_size]
                answers = ask("answer", 0, chunk, [{"prompt": prompts[i]} for i in chunk])
                rows = [{"index": i, "prompt": prompts[i], "initial": a, "rounds": []} for i, a in zip(chunk, answers)]
                for r in range(1, rounds + 1):
                    chosen = [sample_principle(principles, seed, i, r) for i in chunk]
                    values = [{"prompt": prompts[i], "answer": a, "principle": p.text}
                              for i, a, p in zip(chunk, answers, chosen)]
                    critiques = ask("critique", r, chunk, values)
                    revisions = ask("revision", r, chunk, [{**v, "critique": c} for v, c in zip(values, critiques)])
                    for row, p, c, rev in zip(rows, chosen, critiques, revisions):
                        row["rounds"].append({"round": r, "principle": {"id": p.id, "text": p.text},
                                              "critique": c, "revision": rev})
                    answers = revisions
                for row, final in zip(rows, answers):
                    row["final"] = final
                    append_row(fh, row)
                    done.append(row)
                    if on_item:
                        on_item(row["index"], row)
    except EvaluationError as exc:
        raise AlignmentError(str(exc)) from None
    return done, len(todo)


def conversation(stage: str, v: dict[str, str]) -> list[dict[str, str]]:
    """The messages a chat model is asked at `stage`: the prompt, then its answer and the critique request,
    then its critique and the revision request."""
    messages = [{"role": "user", "content": v["prompt"]}]
    if stage in ("critique", "revision"):
        messages += [{"role": "assistant", "content": v["answer"]},
                     {"role": "user", "content": CHAT_TURNS["critique"].format(principle=v["principle"])}]
    if stage == "revision":
        messages += [{"role": "assistant", "content": v["critique"]},
                     {"role": "user", "content": CHAT_TURNS["revision"]}]
    return messages


def chat_prompt(tokenizer: Any, messages: list[dict[str, str]]) -> str:
    """The conversation rendered by the tokenizer's chat template, ready for the assistant's next turn. A BOS
    the template writes is dropped when the tokenizer adds its own, so the model never reads two."""
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    bos = tokenizer.bos_token
    if bos and text.startswith(bos) and tokenizer("x").input_ids[:1] == [tokenizer.bos_token_id]:
        text = text[len(bos):]
    return text


def write_sft(path: Path, rows: Sequence[dict[str, Any]], chat: bool = False) -> tuple[int, int]:
    """The final answers as prompt/completion rows, written atomically; (rows written, empty answers left out).
    A completion starts with a space when its prompt does not end in white space, as SFT data expects. With
    `chat` the rows are conversations (a user turn, an assistant turn), which `sft` renders with the template."""
    from goalgraph.util.atomic import write_text_atomic

    lines, empty = [], 0
    for row in rows:
        prompt, final = row["prompt"], row["final"]
        if not final.strip():
            empty += 1
            continue
        if chat:
            pair = {"prompt": [{"role": "user", "content": prompt}],
                    "completion": [{"role": "assistant", "content": final}]}
        else:
            pair = {"prompt": prompt, "completion": final if not prompt or prompt[-1].isspace() else " " + final}
        lines.append(json.dumps(pair, ensure_ascii=False) + "\n")
    write_text_atomic(path, "".join(lines))
    return len(lines), empty
