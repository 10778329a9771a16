"""lm-eval's tokenisation rules for log-likelihood requests, so our scores are comparable with its tables.

- trailing whitespace of the context moves to the front of the continuation;
- context+continuation are tokenised together and the continuation is what follows the context's tokens;
- an empty context becomes the prefix token (BOS, else EOS), unless the continuation already starts with it;
- special tokens follow the tokenizer's own default, except that a string already starting with the BOS
  text (a chat template's output) gets no second BOS.
"""
from __future__ import annotations

from typing import Any


class PairEncoder:
    """Encodes (context, continuation) pairs the lm-eval way, remembering each context's tokens."""

    def __init__(self, tokenizer: Any):
        self.tokenizer = tokenizer
        self.prefix_token_id = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
        bos = tokenizer.bos_token
        self._bos_text = bos if isinstance(bos, str) and bos else None
        self._contexts: dict[str, list[int]] = {}

    def encode(self, text: str, add_special_tokens: bool | None = None) -> list[int]:
        kwargs = {}
        if add_special_tokens is not None:
            kwargs["add_special_tokens"] = add_special_tokens
        elif self._bos_text and text.startswith(self._bos_text):
            kwargs["add_special_tokens"] = False
        return list(self.tokenizer.encode(text, **kwargs))

    def pair(self, context: str, continuation: str) -> tuple[list[int], list[int]]:
        if context == "":
            cont = self.encode(continuation, add_special_tokens=False)
            if cont and cont[0] == self.prefix_token_id:
                return cont[:1], cont[1:]
            return [self.prefix_token_id], cont
        n_spaces = len(context) - len(context.rstrip())
        if n_spaces:
            continuation = context[-n_spaces:] + continuation
            context = context[:-n_spaces]
        ctx = self._contexts.get(context)
        if ctx is None:
            ctx = self._contexts[context] = self.encode(context)
        whole = self.encode(context + continuation)
        return ctx, whole[len(ctx):]
