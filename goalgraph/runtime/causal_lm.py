"""The causal-LM adapter: a transformers model behind the request contract (loglikelihood, generate).

`CausalLM.load("path/or/hub-id", device="auto", dtype="auto", batch_size=8)` — a local directory loads
offline; a hub id needs a network and records the commit it resolved to. `trust_remote_code` stays off unless
asked. Chat templates are opt-in (`chat=True`): each context becomes a user turn of the model's template.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from goalgraph.errors import EvaluationError
from goalgraph.runtime.loading import check_model_source, first_line
from goalgraph.runtime.requests import Generation, Loglikelihood
from goalgraph.runtime.scoring import BatchSize, parse_batch_size, score_plain, score_shared
from goalgraph.runtime.tokens import PairEncoder

Progress = Callable[[list[int], list[Any]], None]


class CausalLM:
    def __init__(self, model: Any, tokenizer: Any, *, source: str, device: str, dtype: Any, batch_size: BatchSize,
                 revision: str | None = None, chat: bool = False, system_prompt: str | None = None,
                 share_prefix: bool = True, prompt_style: str = "chat"):
        self.model, self.tokenizer = model, tokenizer
        self.source, self.device, self.dtype, self.revision = source, device, dtype, revision
        self.batch = batch_size
        self.chat, self.system_prompt = chat, system_prompt
        # "prefix": the system prompt is written before every context and prompt, for models without a chat
        # template (a principle-prompted spec chooses it); "chat": it is the template's system turn.
        self.prompt_style = prompt_style
        self.share_prefix = share_prefix and _supports_shared_cache(model)
        self.encoder = PairEncoder(tokenizer)
        self.max_length = _max_length(model, tokenizer)
        if tokenizer.pad_token_id is None and tokenizer.eos_token is not None:
            tokenizer.pad_token = tokenizer.eos_token     # padding is always masked; any real token will do
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        self.stats = {"tokens_run": 0, "tokens_plain": 0}
        self._fingerprint: str | None = None

    # -- loading ------------------------------------------------------------------------------------------------
    @classmethod
    def load(cls, source: str, *, device: str = "auto", dtype: str = "auto", batch_size: int | str = "auto",
             revision: str | None = None, trust_remote_code: bool = False, chat: bool = False,
             system_prompt: str | None = None, share_prefix: bool = True, prompt_style: str = "chat") -> "CausalLM":
        from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

        from goalgraph.runtime.device import resolve_device, resolve_dtype
        from goalgraph.runtime.model_spec import is_spec_dir

        if is_spec_dir(source):
            from goalgraph.runtime.wrapped import load_spec

            return load_spec(cls, source, device=device, dtype=dtype, batch_size=batch_size, revision=revision,
                             trust_remote_code=trust_remote_code, chat=chat, system_prompt=system_prompt,
                             share_prefix=share_prefix)
        check_model_source(source)
        dev = resolve_device(device)
        common = {"revision": revision, "trust_remote_code": trust_remote_code}
        try:
            config = AutoConfig.from_pretrained(source, **common)
            torch_dtype = resolve_dtype(dtype, dev, config)
            tokenizer = AutoTokenizer.from_pretrained(source, **common)
            model = AutoModelForCausalLM.from_pretrained(source, config=config, dtype=torch_dtype, **common)
        except EvaluationError:
            raise
        except Exception as exc:  # transformers raises OSError/ValueError/KeyError/... for unusable models
            raise EvaluationError(f"cannot load model {source!r}: {first_line(exc)}") from None
        # Frozen weights: no forward pass builds an autograd graph, and unlike a process-wide
        # set_grad_enabled(False) this leaves gradients on for anything else in the process (a training loop).
        model.to(dev).eval().requires_grad_(False)
        resolved = getattr(config, "_commit_hash", None) or revision
        return cls(model, tokenizer, source=source, device=dev, dtype=torch_dtype,
                   batch_size=parse_batch_size(batch_size, dev),
                   revision=resolved, chat=chat, system_prompt=system_prompt, share_prefix=share_prefix,
                   prompt_style=prompt_style)

    @property
    def fingerprint(self) -> str:
        """Identifies this model and every setting that changes its answers (the request store's key half)."""
        if self._fingerprint is None:
            from goalgraph.runtime.fingerprint import model_fingerprint

            settings = {"prompt_style": "prefix"} if self.prompt_style == "prefix" and self.system_prompt else {}
            self._fingerprint = model_fingerprint(self.source, self.revision, dtype=str(self.dtype), chat=self.chat,
                                                  system_prompt=self.system_prompt, **settings)
        return self._fingerprint

    def describe(self) -> dict[str, Any]:
        return {"source": self.source, "revision": self.revision, "device": self.device,
                "dtype": str(self.dtype).removeprefix("torch."), "batch_size": self.batch.value,
                "batch_size_auto": self.batch.auto, "chat_template": self.chat, "max_length": self.max_length,
                "shared_prefix": self.share_prefix, "fingerprint": self.fingerprint,
                "tokens_run": self.stats["tokens_run"], "tokens_without_sharing": self.stats["tokens_plain"],
                "parameters": sum(p.numel() for p in self.model.parameters())}

    # -- the contract -------------------------------------------------------------------------------------------
    def loglikelihood(self, requests: Sequence[Loglikelihood], on_done: Progress | None = None) -> list[tuple[float, bool]]:
        """(summed log-prob, is_greedy) per request, in order; `on_done(indices, answers)` after each batch."""
        answers: list[Any] = [None] * len(requests)

        def done(idx: list[int], ans: list[Any]) -> None:
            for i, a in zip(idx, ans):
                answers[i] = a
            if on_done:
                on_done(idx, ans)

        fits, long = [], []
        for i, r in enumerate(requests):
            ctx, cont = self.encoder.pair(self.wrap_prompt(r.context), r.continuation)
            if not cont:
                raise EvaluationError(f"request {i}: the continuation {r.continuation!r} encodes to no tokens")
            if len(cont) > self.max_length:
                raise EvaluationError(f"request {i}: continuation of {len(cont)} tokens exceeds the model's "
                                      f"{self.max_length}-token window")
            (fits if len(ctx) + len(cont) <= self.max_length + 1 else long).append((i, ctx, cont))
        common = {"batch": self.batch, "pad_id": self.pad_id, "device": self.device, "on_done": done}
        if fits and self.share_prefix:
            stats = score_shared(self.model, [(c, k) for _, c, k in fits], [i for i, _, _ in fits], **common)
            for key in self.stats:
                self.stats[key] += stats[key]
        elif fits:
            long = fits + long
        if long:
            plain_tokens = sum(min(len(c) + len(k) - 1, self.max_length) for _, c, k in long)
            self.stats["tokens_run"] += plain_tokens
            self.stats["tokens_plain"] += plain_tokens
            score_plain(self.model, [(c, k) for _, c, k in long], [i for i, _, _ in long],
                        max_length=self.max_length, **common)
        return answers

    def generate(self, requests: Sequence[Generation], on_done: Progress | None = None) -> list[str]:
        """Generated text per request, cut at the first stop string. Greedy requests are batched (left-padded);
        sampled ones run one at a time under their own seed, so batching never changes a sample."""
        answers: list[Any] = [None] * len(requests)
        order = sorted(range(len(requests)), key=lambda i: -len(requests[i].prompt))
        greedy = [i for i in order if requests[i].temperature <= 0]
        sampled = [i for i in order if requests[i].temperature > 0]
        batches = [greedy[k:k + self.batch.value] for k in range(0, len(greedy), self.batch.value)]
        batches += [[i] for i in sampled]
        for idx in batches:
            texts = [group[0] for group in self._generate_batch([requests[i] for i in idx])]
            for i, t in zip(idx, texts):
                answers[i] = t
            if on_done:
                on_done(list(idx), texts)
        return answers

    def samples(self, request: Generation, n: int) -> list[str]:
        """`n` samples for one sampled request, drawn in one batched call under the request's seed (what
        best-of-n decoding needs): the same request and n always give the same n texts."""
        if request.temperature <= 0:
            raise EvaluationError("samples() needs a request with temperature > 0")
        return self._generate_batch([request], n)[0]

    def _generate_batch(self, reqs: Sequence[Generation], n: int = 1) -> list[list[str]]:
        """`n` texts for each of `reqs` (which share their sampling settings), from one `model.generate`."""
        import torch

        self.tokenizer.padding_side = "left"
        r0 = reqs[0]
        prompts = [self.wrap_prompt(r.prompt) for r in reqs]
        new_tokens = max(r.max_new_tokens for r in reqs)
        room = self.max_length - new_tokens
        if room < 1:
            raise EvaluationError(f"max_new_tokens={new_tokens} leaves no room for a prompt in the model's "
                                  f"{self.max_length}-token window")
        # As lm-eval does: keep the end of a long prompt, so prompt + answer fit the window.
        self.tokenizer.truncation_side = "left"
        enc = self.tokenizer(prompts, return_tensors="pt", padding=True, truncation=True, max_length=room,
                             add_special_tokens=not (self.chat and self.tokenizer.bos_token and
                                                     prompts[0].startswith(self.tokenizer.bos_token)))
        enc = {k: v.to(self.device) for k, v in enc.items()}
        kwargs: dict[str, Any] = {"max_new_tokens": new_tokens, "pad_token_id": self.pad_id}
        if r0.temperature > 0:
            torch.manual_seed(r0.seed)
            kwargs.update(do_sample=True, temperature=r0.temperature)
        else:
            kwargs.update(do_sample=False)
        if n > 1:
            kwargs["num_return_sequences"] = n
        stops = sorted({s for r in reqs for s in r.until})
        if stops:
            kwargs.update(stop_strings=stops, tokenizer=self.tokenizer)
        out = self.model.generate(**enc, **kwargs)
        width = enc["input_ids"].shape[1]
        groups = []
        for k, r in enumerate(reqs):
            rows = out[k * n:(k + 1) * n, width:width + r.max_new_tokens]
            groups.append([_cut(self.tokenizer.decode(row, skip_special_tokens=True), r.until) for row in rows])
        return groups

    def wrap_prompt(self, text: str) -> str:
        """The text the model actually reads for a context or prompt: the chat template's turns, or the
        system prompt written before it (an empty context gets the system prompt alone, so the
        continuation is scored right after it and keeps its own leading whitespace)."""
        if self.chat:
            return self._chat(text)
        if self.prompt_style == "prefix" and self.system_prompt:
            return f"{self.system_prompt}\n\n{text}" if text else self.system_prompt
        return text

    def _chat(self, text: str) -> str:
        messages = ([{"role": "system", "content": self.system_prompt}] if self.system_prompt else [])
        messages.append({"role": "user", "content": text})
        try:
            return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        except Exception as exc:  # no template, or one that rejects system turns
            raise EvaluationError(f"chat template of {self.source!r} failed: {first_line(exc)}") from None


def _cut(text: str, until: Sequence[str]) -> str:
    for stop in until:
        if stop and stop in text:
            text = text[:text.index(stop)]
    return text




def _max_length(model: Any, tokenizer: Any) -> int:
    config = model.config
    for attr in ("n_positions", "max_position_embeddings", "n_ctx", "seq_length"):
        value = getattr(config, attr, None)
        if isinstance(value, int) and value > 0:
            return value
    limit = getattr(tokenizer, "model_max_length", None)
    return limit if isinstance(limit, int) and 0 < limit < 1_000_000 else 2048


def _supports_shared_cache(model: Any) -> bool:
    """Prefix reuse needs a plain key/value cache: no sliding windows, no recurrent or hybrid layers."""
    config = model.config
    if getattr(config, "is_encoder_decoder", False) or getattr(config, "sliding_window", None):
        return False
    layer_types = getattr(config, "layer_types", None)
    return not layer_types or all(t == "full_attention" for t in layer_types)
