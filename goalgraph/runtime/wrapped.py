"""Loading a model spec (`goalgraph-model.json`) as a model every evaluator can use.

- `prompted`: the base CausalLM with a system prompt, as the chat template's system turn (`prompt_style:
  chat`) or written before every context and prompt (`prefix`, for base models without a template). Log-
  likelihoods and generations both see it.
- `best-of-n`: generation draws n samples from the (possibly prompted) base and returns the one whose value
  profile is closest to the spec's target (reward = -distance); log-likelihood requests go to the base
  unchanged, because best-of-n is a way of choosing among samples and says nothing about the probability of
  a given text. Every choice is kept in `choices` and summarised by `describe()`.

Specs nest (best-of-n over a prompted model); the loaded object's `source` is the outermost spec directory,
so its fingerprint, and so the request store's key, covers every layer.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from goalgraph.errors import EvaluationError
from goalgraph.runtime.model_spec import ModelSpec, base_chain
from goalgraph.runtime.requests import Generation, Loglikelihood

Progress = Callable[[list[int], list[Any]], None]


def load_spec(cls: Any, source: str, *, chat: bool = False, system_prompt: str | None = None,
              **load_options: Any) -> Any:
    """Load the weights at the bottom of `source`'s spec chain with `cls.load`, then apply each layer."""
    chain = base_chain(source)
    prompted = [s for s in chain if s.kind == "prompted"]
    if len(prompted) > 1:
        raise EvaluationError(f"{source}: more than one prompted layer; a model takes one system prompt")
    if prompted and system_prompt:
        raise EvaluationError(f"{source} already sets a system prompt (principles-icl); drop --system-prompt")
    style = prompted[0].settings.get("prompt_style", "prefix") if prompted else None
    lm = cls.load(chain[-1].base, chat=chat or style == "chat",
                  system_prompt=prompted[0].settings["system_prompt"] if prompted else system_prompt,
                  prompt_style=style or "chat", **load_options)
    lm.source = str(source)  # the outermost spec: its fingerprint covers every layer
    model: Any = lm
    for spec in reversed(chain):
        if spec.kind == "best-of-n":
            model = BestOfN(model, spec)
    return model


class BestOfN:
    """Best-of-n decoding under a value-distance reward, over any model with `samples()` and `loglikelihood()`."""

    def __init__(self, base: Any, spec: ModelSpec, reward: Callable[[Sequence[str]], list[float]] | None = None):
        self.base, self.spec = base, spec
        self.n = int(spec.settings["n"])
        self.temperature = float(spec.settings.get("temperature", 1.0))
        self._reward = reward
        self.choices: list[dict[str, Any]] = []

    @property
    def reward(self) -> Callable[[Sequence[str]], list[float]]:
        """The spec's value reward, built on first use; assignable (a caller that already has one)."""
        if self._reward is None:
            from goalgraph.align.value_reward import reward_from_spec

            self._reward = reward_from_spec(self.spec.settings)
        return self._reward

    @reward.setter
    def reward(self, fn: Callable[[Sequence[str]], list[float]]) -> None:
        self._reward = fn

    # the attributes evaluators and the runner read (fingerprint, device, ...) are the base model's
    def __getattr__(self, name: str) -> Any:
        return getattr(self.base, name)

    def describe(self) -> dict[str, Any]:
        return {**self.base.describe(),
                "best_of_n": {"n": self.n, "temperature": self.temperature, "metric": self.spec.settings.get("metric"),
                              "target": (self.spec.settings.get("target") or {}).get("name"),
                              **reward_summary(self.choices)}}

    def loglikelihood(self, requests: Sequence[Loglikelihood], on_done: Progress | None = None) -> list:
        return self.base.loglikelihood(requests, on_done=on_done)

    def generate(self, requests: Sequence[Generation], on_done: Progress | None = None) -> list[str]:
        answers = []
        for i, request in enumerate(requests):
            best = self.choose(request)["text"]
            answers.append(best)
            if on_done:
                on_done([i], [best])
        return answers

    def choose(self, request: Generation) -> dict[str, Any]:
        """Sample n answers to `request` (its own temperature when it samples, else the spec's; its seed),
        reward each, and return the record of the choice: candidates, rewards, chosen index (the first best)."""
        from dataclasses import replace

        sampled = request if request.temperature > 0 else replace(request, temperature=self.temperature)
        candidates = self.base.samples(sampled, self.n)
        from goalgraph.align.value_reward import best_index

        rewards = [None if r is None else float(r) for r in self.reward(candidates)]
        if len(rewards) != len(candidates):
            raise EvaluationError(f"the reward gave {len(rewards)} scores for {len(candidates)} samples")
        chosen = best_index(rewards)
        record = {"prompt": request.prompt, "seed": sampled.seed, "candidates": candidates, "rewards": rewards,
                  "chosen": chosen, "text": candidates[chosen]}
        self.choices.append(record)
        return record


def reward_summary(choices: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Prompts answered, and the mean reward of the chosen samples and of all samples (None where none scored)."""
    chosen = [c["rewards"][c["chosen"]] for c in choices if c["rewards"][c["chosen"]] is not None]
    every = [r for c in choices for r in c["rewards"] if r is not None]
    return {"prompts": len(choices),
            "mean_chosen_reward": sum(chosen) / len(chosen) if chosen else None,
            "mean_sample_reward": sum(every) / len(every) if every else None}
