"""Fails on import, the way a plugin with a missing dependency does."""
import goalgraph_example_missing_dependency  # noqa: F401
