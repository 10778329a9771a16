"""Evaluation plans: the graph's answer to "what should I measure for this goal, with what, and why?"."""
