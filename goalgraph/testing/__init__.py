"""Helpers for testing goalgraph and its plugins offline: tiny models built from nothing but our own text."""
