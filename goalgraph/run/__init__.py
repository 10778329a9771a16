"""Running plans: the plan runner, its results and provenance, and reports."""
