"""Plugins: pluggy hooks, manifests, fault-isolated loading, and components as graph nodes.

Plugin authors need only `hookimpl` and, optionally, the manifest models. Both are resolved lazily so the
graph path can read the plugin snapshot without importing pluggy or pydantic.
"""
from __future__ import annotations

__all__ = ["hookimpl", "hookspec", "Manifest", "Metric", "Requirements", "DatasetLoader", "ModelBackend"]


def __getattr__(name: str):
    if name in ("hookimpl", "hookspec"):
        from goalgraph.registry import markers

        return getattr(markers, name)
    if name in ("Manifest", "Metric", "Requirements", "DatasetLoader", "ModelBackend"):
        from goalgraph.registry import manifest

        return getattr(manifest, name)
    raise AttributeError(f"module 'goalgraph.registry' has no attribute {name!r}")
