"""The reward-model adapter: a transformers sequence classifier behind the `reward` request.

`RewardModel.load("path/or/hub-id", device="auto", dtype="auto", batch_size=8)` loads
AutoModelForSequenceClassification and its tokenizer; `reward([RewardScore(prompt, response), ...])` returns one
float per request, in request order.

How a (prompt, response) pair becomes text:

- if the tokenizer has a chat template, the pair is the conversation
  `[{"role": "user", "content": prompt}, {"role": "assistant", "content": response}]` rendered by that template
  (no generation prompt; a template whose output already starts with the BOS text gets no second BOS);
- otherwise the text is `prompt + "\\n\\n" + response`, tokenised with the tokenizer's own special tokens.

How logits become a reward:

- one output (`num_labels == 1`, the usual reward head): the reward is that logit;
- several outputs (e.g. a two-class "bad/good" classifier): the reward is the logit of the last label minus the
  logit of the first (for two labels, the log-odds of "good" over "bad").

Batching never changes a score: rows are sorted by length, right-padded (real tokens keep positions 0..n-1, and
causal attention never looks at the padding behind them), and the model's own pooling reads the last token that
is not padding, which is why the model's `pad_token_id` is set (to the tokenizer's pad token, or EOS when the
tokenizer has none, as GPT-2-style classifiers need). A text longer than the model's window keeps its end (where
the score is read) and its first token when that is a special token (BOS/CLS).
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from goalgraph.errors import EvaluationError
from goalgraph.runtime.loading import check_model_source, first_line
from goalgraph.runtime.requests import RewardScore
from goalgraph.runtime.scoring import BatchSize, pad_rows, parse_batch_size, retry_on_oom

Progress = Callable[[list[int], list[Any]], None]
_HEAD_NAMES = ("ForSequenceClassification", "RewardModel", "ForReward")


class RewardModel:
    kind = "reward-model"

    def __init__(self, model: Any, tokenizer: Any, *, source: str, device: str, dtype: Any, batch_size: BatchSize,
                 revision: str | None = None):
        self.model, self.tokenizer = model, tokenizer
        self.source, self.device, self.dtype, self.revision = source, device, dtype, revision
        self.batch = batch_size
        self.num_labels = int(getattr(model.config, "num_labels", 1) or 1)
        self.chat = bool(getattr(tokenizer, "chat_template", None))
        self.max_length = _max_length(model, tokenizer)
        if tokenizer.pad_token_id is None and tokenizer.eos_token_id is not None:
            tokenizer.pad_token = tokenizer.eos_token
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        if getattr(model.config, "pad_token_id", None) is None:
            model.config.pad_token_id = self.pad_id
        self._special = set(getattr(tokenizer, "all_special_ids", []) or [])
        self._fingerprint: str | None = None

    # -- loading ------------------------------------------------------------------------------------------------
    @classmethod
    def load(cls, path_or_hub_id: str, device: str = "auto", dtype: str = "auto", batch_size: int | str = 8,
             trust_remote_code: bool = False, revision: str | None = None) -> "RewardModel":
        source = str(path_or_hub_id)
        from goalgraph.runtime.model_spec import is_spec_dir

        if is_spec_dir(source):
            raise EvaluationError(f"{source} is a model spec (a wrapped causal LM); a reward model must be "
                                  f"a weights directory or hub id")
        check_model_source(source, "reward model")
        from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

        from goalgraph.runtime.device import resolve_device, resolve_dtype

        dev = resolve_device(device)
        batch = parse_batch_size(batch_size, dev)
        common = {"revision": revision, "trust_remote_code": trust_remote_code}
        try:
            config = AutoConfig.from_pretrained(source, **common)
        except Exception as exc:  # OSError, ValueError, KeyError...: one line for the user
            raise EvaluationError(f"cannot load reward model {source!r}: {first_line(exc)}") from None
        _check_classifier(source, config)
        try:
            torch_dtype = resolve_dtype(dtype, dev, config)
            tokenizer = AutoTokenizer.from_pretrained(source, **common)
            model, info = AutoModelForSequenceClassification.from_pretrained(
                source, config=config, dtype=torch_dtype, output_loading_info=True, **common)
        except EvaluationError:
            raise
        except Exception as exc:  # unsupported architecture, corrupt weights, missing tokenizer...
            raise EvaluationError(f"cannot load reward model {source!r}: {first_line(exc)}") from None
        prefix = getattr(model, "base_model_prefix", "") or ""
        head_missing = [k for k in (info or {}).get("missing_keys", []) if not (prefix and k.startswith(prefix + "."))]
        if head_missing:
            raise EvaluationError(f"{source} has no trained classification head (missing {min(head_missing)}): "
                                  "not a sequence-classification reward model")
        model.to(dev).eval()
        resolved = getattr(config, "_commit_hash", None) or revision
        return cls(model, tokenizer, source=source, device=dev, dtype=torch_dtype, batch_size=batch, revision=resolved)

    @property
    def fingerprint(self) -> str:
        """SHA-256 over config.json, the tokenizer files and each weight file's name, size and first MiB (plus its
        last MiB), with the settings that change a reward (dtype, text formatting, reward rule) mixed in."""
        if self._fingerprint is None:
            from goalgraph.runtime.fingerprint import model_fingerprint

            self._fingerprint = model_fingerprint(self.source, self.revision, kind=self.kind, dtype=str(self.dtype),
                                                  chat_template=self.chat, num_labels=self.num_labels,
                                                  separator="\n\n", reward="logit0|last-first")
        return self._fingerprint

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": self.source, "revision": self.revision,
                "dtype": str(self.dtype).removeprefix("torch."), "device": self.device, "num_labels": self.num_labels,
                "chat_template": self.chat, "batch_size": self.batch.value, "max_length": self.max_length,
                "fingerprint": self.fingerprint}

    # -- the contract -------------------------------------------------------------------------------------------
    def text(self, prompt: str, response: str) -> str:
        """The text the classifier reads for one (prompt, response) pair."""
        if not self.chat:
            return prompt + "\n\n" + response
        messages = [{"role": "user", "content": prompt}, {"role": "assistant", "content": response}]
        try:
            return self.tokenizer.apply_chat_template(messages, tokenize=False)
        except Exception as exc:  # a template that rejects this conversation
            raise EvaluationError(f"chat template of {self.source!r} failed: {first_line(exc)}") from None

    def encode(self, prompt: str, response: str) -> list[int]:
        text = self.text(prompt, response)
        bos = self.tokenizer.bos_token
        kwargs = {"add_special_tokens": False} if self.chat and isinstance(bos, str) and bos and text.startswith(bos) else {}
        ids = list(self.tokenizer.encode(text, **kwargs))
        if not ids:
            raise EvaluationError("a reward request encodes to no tokens (empty prompt and response?)")
        if len(ids) > self.max_length:
            keep_first = ids[0] in self._special
            ids = ids[:1] + ids[-(self.max_length - 1):] if keep_first else ids[-self.max_length:]
        return ids

    def reward(self, requests: Sequence[RewardScore], on_done: Progress | None = None) -> list[float]:
        """One reward per request, in request order; `on_done(indices, rewards)` after each batch."""
        import torch

        rows = [(i, self.encode(r.prompt, r.response)) for i, r in enumerate(requests)]
        rows.sort(key=lambda row: -len(row[1]))
        answers: list[Any] = [None] * len(requests)
        pos = 0
        with torch.inference_mode():
            while pos < len(rows):
                def step(size: int) -> int:
                    chunk = rows[pos:pos + size]
                    values = self._forward([ids for _, ids in chunk])
                    idx = [i for i, _ in chunk]
                    for i, v in zip(idx, values):
                        answers[i] = v
                    if on_done:
                        on_done(idx, values)
                    return len(chunk)
                pos += retry_on_oom(self.batch, step)
        return answers

    def _forward(self, rows: list[list[int]]) -> list[float]:
        ids, mask = pad_rows(rows, self.pad_id, self.device)
        logits = self.model(input_ids=ids, attention_mask=mask).logits.float()
        return rewards_from_logits(logits)


def rewards_from_logits(logits: Any) -> list[float]:
    """[batch, num_labels] logits → rewards: the logit itself for one label, last minus first otherwise."""
    if logits.shape[-1] == 1:
        values = logits[..., 0]
    else:
        values = logits[..., -1] - logits[..., 0]
    return [float(v) for v in values.reshape(-1).tolist()]




def _check_classifier(source: str, config: Any) -> None:
    archs = list(getattr(config, "architectures", None) or [])
    if archs and not any(any(h in a for h in _HEAD_NAMES) for a in archs):
        raise EvaluationError(f"{source} is a {archs[0]}, not a sequence-classification reward model "
                              "(reward-model needs AutoModelForSequenceClassification weights)")


def _max_length(model: Any, tokenizer: Any) -> int:
    """The smaller of the model's position limit and the tokenizer's (RoBERTa-style models say 514 and 512)."""
    limits = []
    for attr in ("n_positions", "max_position_embeddings", "n_ctx", "seq_length"):
        value = getattr(model.config, attr, None)
        if isinstance(value, int) and value > 0:
            limits.append(value)
            break
    value = getattr(tokenizer, "model_max_length", None)
    if isinstance(value, int) and 0 < value < 1_000_000:
        limits.append(value)
    return min(limits) if limits else 2048
