"""Hand-made models for evaluator tests: answers come from tables the test writes, so every metric can be
computed by hand. A request the table lacks raises KeyError, so a test notices an unexpected request."""
from __future__ import annotations

from typing import Callable


class TableLM:
    """`loglikelihood` from {(context, continuation): logprob}, or from `fn(context, continuation)`;
    `generate` from {prompt: text}; `reward` from {(prompt, response): reward}. Every request is recorded."""

    def __init__(self, logprobs: dict | None = None, fn: Callable[[str, str], float] | None = None,
                 generations: dict | None = None, rewards: dict | None = None, greedy: bool = False):
        self.logprobs, self.fn = logprobs or {}, fn
        self.generations, self.rewards = generations or {}, rewards or {}
        self.greedy = greedy
        self.seen: list = []

    def loglikelihood(self, requests, on_done=None):
        self.seen.extend(requests)
        out = []
        for r in requests:
            key = (r.context, r.continuation)
            out.append((self.logprobs[key] if self.fn is None else self.fn(*key), self.greedy))
        return self._done(out, on_done)

    def generate(self, requests, on_done=None):
        self.seen.extend(requests)
        return self._done([self.generations[r.prompt] for r in requests], on_done)

    def reward(self, requests, on_done=None):
        self.seen.extend(requests)
        return self._done([self.rewards[(r.prompt, r.response)] for r in requests], on_done)

    @staticmethod
    def _done(answers, on_done):
        """Like the real adapters: report answers as they finish (one batch here)."""
        if on_done is not None:
            on_done(list(range(len(answers))), answers)
        return answers
