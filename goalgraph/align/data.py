"""Training data for the aligners: reading SFT and preference rows, rendering chats, and tokenising with the
evaluation's rules so that what a model is trained on is exactly what `goalgraph eval` later scores.

Row forms (TRL's column names, so TRL-style datasets load unchanged):

- SFT: `prompt` + `completion` (strings), or `prompt` + `completion` as message lists, or `messages` (a list of
  {"role", "content"} whose last turn is the assistant's: it is the completion, the turns before it the prompt);
- preference: `prompt` + `chosen` + `rejected` (strings), or the conversational form where `chosen` and
  `rejected` are message lists (`prompt` a message list too, or absent: then the turns that chosen and rejected
  share are the prompt).

Files are jsonl, json or csv (anything `goalgraph.evaluation.data.load_records` reads). Errors name the file and
the row as "item N", counted from 0 as `goalgraph eval` counts items (a JSON syntax error names its line).

Chats are rendered with the tokenizer's chat template when it has one (prompt with the generation prompt, then
the completion is what the whole conversation adds after it). Without a template each turn becomes
"role: content" on its own line and the prompt ends with "assistant:", so the completion is " content\n".

Tokenisation follows `goalgraph.runtime.tokens.PairEncoder` (lm-eval's rule): prompt and completion are
tokenised together, the completion's tokens are those after the prompt's own tokens, trailing whitespace of the
prompt moves to the completion, and an empty prompt becomes the BOS (else EOS) token. EOS is appended to every
completion. Prompt tokens get label -100 (no loss). Too long: the prompt loses tokens from its left (one is
always kept so the first completion token has something to be predicted from); a completion longer than the
window is cut on the right.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from goalgraph.align.errors import AlignmentDataError

Messages = list  # list of {"role": str, "content": str}
Text = str | Messages
IGNORE = -100


@dataclass(frozen=True)
class SFTRow:
    prompt: Text
    completion: Text


@dataclass(frozen=True)
class PreferenceRow:
    prompt: Text
    chosen: Text
    rejected: Text


@dataclass
class Encoded:
    """One tokenised example: `labels` is -100 on prompt tokens and the token id on completion tokens."""

    input_ids: list[int]
    labels: list[int]
    truncated: bool = False

    @property
    def n_completion(self) -> int:
        return sum(1 for t in self.labels if t != IGNORE)


# -- reading ----------------------------------------------------------------------------------------------------

def _load(path: str | Path) -> list[Any]:
    from goalgraph.errors import GoalgraphError
    from goalgraph.evaluation.data import load_records

    p = Path(path)
    if not p.is_file():
        raise AlignmentDataError(f"data file not found: {p}")
    try:
        records = load_records(str(p), who="aligner")
    except GoalgraphError as exc:
        raise AlignmentDataError(str(exc)) from None
    if not records:
        raise AlignmentDataError(f"{p}: no rows")
    return records


def _where(path: Any, n: int) -> str:
    return f"{path}: item {n}"


def _messages(value: Any, where: str, column: str) -> Messages:
    if not isinstance(value, list) or not value:
        raise AlignmentDataError(f"{where}: {column!r} must be a non-empty list of messages")
    for j, m in enumerate(value):
        if not (isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)):
            raise AlignmentDataError(f"{where}: {column}[{j}] must be an object with string 'role' and 'content'")
    return [{"role": m["role"], "content": m["content"]} for m in value]


def _text(value: Any, where: str, column: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise AlignmentDataError(f"{where}: {column!r} must be a string, got {type(value).__name__}")
    if not allow_empty and not value.strip():
        raise AlignmentDataError(f"{where}: {column!r} is empty")
    return value


def _row(record: Any, where: str) -> dict:
    if not isinstance(record, dict):
        raise AlignmentDataError(f"{where} is a {type(record).__name__}, expected an object")
    return record


def raw_records(path: str | Path) -> list[Any]:
    """The file's records as parsed, for aligners that pass rows on unchanged (a selection of them)."""
    return _load(path)


def read_prompts(path: str | Path, limit: int | None = None) -> list[str]:
    """The `prompt` text of every row (prompt-only, SFT and preference files all qualify), or of the first
    `limit`, for the aligners that generate their own answers; the first row without one raises an
    AlignmentDataError naming it."""
    records = _load(path)
    prompts = [_text(_row(r, _where(path, n)).get("prompt"), _where(path, n), "prompt")
               for n, r in enumerate(records)]
    return prompts[:limit] if limit else prompts


def read_sft(path: str | Path) -> list[SFTRow]:
    """SFT rows of a file; the first bad row raises an AlignmentDataError naming file and row."""
    rows = []
    for n, record in enumerate(_load(path)):
        where = _where(path, n)
        r = _row(record, where)
        if "messages" in r:
            msgs = _messages(r["messages"], where, "messages")
            if len(msgs) < 2 or msgs[-1]["role"] != "assistant":
                raise AlignmentDataError(f"{where}: 'messages' needs at least one turn before a final "
                                         "assistant turn")
            rows.append(SFTRow(msgs[:-1], msgs[-1:]))
        elif "prompt" in r and "completion" in r:
            if isinstance(r["prompt"], list) or isinstance(r["completion"], list):
                rows.append(SFTRow(_messages(r["prompt"], where, "prompt"),
                                   _assistant(_messages(r["completion"], where, "completion"), where, "completion")))
            else:
                rows.append(SFTRow(_text(r["prompt"], where, "prompt", allow_empty=True),
                                   _text(r["completion"], where, "completion")))
        else:
            raise AlignmentDataError(f"{where}: an SFT row needs 'prompt' and 'completion', or 'messages' "
                                     f"(it has: {', '.join(sorted(map(str, r))) or 'nothing'})")
    return rows


def _assistant(msgs: Messages, where: str, column: str) -> Messages:
    if msgs[0]["role"] != "assistant":
        raise AlignmentDataError(f"{where}: {column!r} must start with an assistant turn")
    return msgs


def read_preferences(path: str | Path) -> list[PreferenceRow]:
    """Preference rows (`prompt`, `chosen`, `rejected`) of a file, plain or conversational."""
    rows = []
    for n, record in enumerate(_load(path)):
        where = _where(path, n)
        r = _row(record, where)
        missing = [c for c in ("chosen", "rejected") if c not in r]
        if missing:
            raise AlignmentDataError(f"{where}: a preference row needs 'prompt', 'chosen' and 'rejected' "
                                     f"(missing: {', '.join(missing)})")
        if isinstance(r["chosen"], list) or isinstance(r["rejected"], list):
            chosen = _messages(r["chosen"], where, "chosen")
            rejected = _messages(r["rejected"], where, "rejected")
            if "prompt" in r:
                prompt = _messages(r["prompt"], where, "prompt")
            else:       # implicit prompt: the turns both conversations share
                k = 0
                while k < min(len(chosen), len(rejected)) - 1 and chosen[k] == rejected[k]:
                    k += 1
                if k == 0:
                    raise AlignmentDataError(f"{where}: no 'prompt', and 'chosen' and 'rejected' share no turns")
                prompt, chosen, rejected = chosen[:k], chosen[k:], rejected[k:]
            rows.append(PreferenceRow(prompt, _assistant(chosen, where, "chosen"),
                                      _assistant(rejected, where, "rejected")))
        else:
            if "prompt" not in r:
                raise AlignmentDataError(f"{where}: a preference row needs 'prompt', 'chosen' and 'rejected' "
                                         "(missing: prompt)")
            chosen, rejected = _text(r["chosen"], where, "chosen"), _text(r["rejected"], where, "rejected")
            if chosen == rejected:
                raise AlignmentDataError(f"{where}: 'chosen' and 'rejected' are the same text")
            rows.append(PreferenceRow(_text(r["prompt"], where, "prompt", allow_empty=True), chosen, rejected))
    return rows


# -- rendering --------------------------------------------------------------------------------------------------

def _fallback(messages: Messages, generation_prompt: bool) -> str:
    text = "".join(f"{m['role']}: {m['content']}\n" for m in messages)
    return text + "assistant:" if generation_prompt else text


def render(prompt: Text, completion: Text, tokenizer: Any) -> tuple[str, str]:
    """(prompt text, completion text): plain strings pass through; message lists go through the chat template
    (or the fallback), and the completion is what the whole chat adds after the prompt's rendering."""
    if isinstance(prompt, str) and isinstance(completion, str):
        return prompt, completion
    if isinstance(prompt, str) or isinstance(completion, str):
        raise AlignmentDataError("a row mixes plain text and message lists")
    if getattr(tokenizer, "chat_template", None):
        try:
            head = tokenizer.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)
            whole = tokenizer.apply_chat_template(prompt + completion, tokenize=False)
        except Exception as exc:  # templates raise whatever jinja raises (e.g. "roles must alternate")
            from goalgraph.errors import one_line

            raise AlignmentDataError(f"the chat template failed: {one_line(exc)}") from None
    else:
        head, whole = _fallback(prompt, True), _fallback(prompt + completion, False)
    if not whole.startswith(head):
        raise AlignmentDataError("the chat template renders the prompt differently inside the whole "
                                 "conversation, so the completion cannot be split off")
    return head, whole[len(head):]


# -- tokenising -------------------------------------------------------------------------------------------------

def encode(encoder: Any, prompt: str, completion: str, *, eos_id: int | None, max_length: int,
           add_eos: bool = True) -> Encoded:
    """Tokenise one rendered pair with `encoder` (a PairEncoder): prompt tokens masked, EOS appended."""
    ctx, cont = encoder.pair(prompt, completion)
    ctx, cont = list(ctx), list(cont)
    if add_eos and eos_id is not None:
        cont.append(eos_id)
    if not cont:
        raise AlignmentDataError(f"the completion {completion[:40]!r} encodes to no tokens")
    truncated = False
    if len(ctx) + len(cont) > max_length:
        truncated = True
        if len(cont) >= max_length:
            ctx, cont = ctx[-1:], cont[:max_length - 1]
        else:
            ctx = ctx[-(max_length - len(cont)):]
    return Encoded(ctx + cont, [IGNORE] * len(ctx) + cont, truncated)


def encode_rows(rows: Sequence[Any], tokenizer: Any, *, max_length: int, fields: Sequence[str],
                source: str = "data") -> list[list[Encoded]]:
    """Each row's `fields` (completion columns, e.g. ("completion",) or ("chosen", "rejected")) encoded after
    its prompt; a row error names the row."""
    from goalgraph.runtime.tokens import PairEncoder

    encoder = PairEncoder(tokenizer)
    eos = tokenizer.eos_token_id
    out = []
    for n, row in enumerate(rows):
        try:
            pairs = [render(row.prompt, getattr(row, f), tokenizer) for f in fields]
            out.append([encode(encoder, p, c, eos_id=eos, max_length=max_length) for p, c in pairs])
        except AlignmentDataError as exc:
            raise AlignmentDataError(f"{_where(source, n)}: {exc}") from None
    return out
