"""Questionnaires put to language models: published scoring keys (`keys`), our prompts (`prompts`) and the
evaluators (`evaluators`). Importing the package imports none of them."""
