"""A cached snapshot of what the plugins contributed, so the graph path (`show`, `query`, ...) pays
nothing for installed plugins: no pluggy, no pydantic, no plugin import while nothing changed.

The key covers goalgraph's version, the plugin environment variables and the modification times of every
folder on sys.path (installing or removing a distribution touches its site-packages folder); the snapshot
also records each plugin module's file and mtime, so editing an editable plugin invalidates it too.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from goalgraph.registry.loader import ENV_DISABLE, ENV_LOAD, ENV_STRICT

FORMAT = 2   # 2: a plugin package's every module is stamped, not only its __init__


def _cache_path(key: str) -> Path:
    """One file per environment, so two virtual environments (or `goalgraph` and `python -m goalgraph`)
    sharing a cache folder do not keep invalidating each other's snapshot."""
    from goalgraph.util.paths import cache_dir

    return cache_dir() / f"plugins-{key[:16]}.json"


def environment_key() -> str:
    from goalgraph import __version__

    h = hashlib.sha256(f"{FORMAT}|{__version__}|{sys.executable}".encode())
    for var in (ENV_LOAD, ENV_DISABLE, ENV_STRICT):
        h.update(f"|{var}={os.environ.get(var)}".encode())
    cwd = os.getcwd()
    # sys.path[0] is the script's folder or the working directory, which differs between `goalgraph`,
    # `python -m goalgraph` and `python -c`; distributions are not discovered there in practice.
    for entry in sys.path[1:]:
        if not entry or os.path.abspath(entry) == cwd:
            continue
        try:
            h.update(f"|{entry}:{os.stat(entry or '.').st_mtime_ns}".encode())
        except OSError:
            h.update(f"|{entry}:-".encode())
    return h.hexdigest()


def _file_stamps(files: list[str]) -> dict[str, int]:
    stamps = {}
    for f in files:
        try:
            stamps[f] = os.stat(f).st_mtime_ns
        except OSError:
            stamps[f] = -1
    return stamps


def read() -> dict[str, Any] | None:
    """The cached snapshot if it still describes this environment, else None."""
    try:
        key = environment_key()
        data = json.loads(_cache_path(key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("key") != key:
        return None
    if _file_stamps(list(data.get("files", {}))) != data.get("files"):
        return None
    return data


def write(plugins: list[dict[str, Any]], ntriples: str, files: list[str]) -> None:
    from goalgraph.errors import GoalgraphError
    from goalgraph.util.atomic import write_text_atomic

    key = environment_key()
    data = {"key": key, "files": _file_stamps(sorted(set(files))), "plugins": plugins, "ntriples": ntriples}
    try:
        write_text_atomic(_cache_path(key), json.dumps(data))
    except GoalgraphError:
        pass  # no cache is only slower


def attach(graph, use_cache: bool = True) -> list[dict[str, Any]]:
    """Merge the plugins' contribution into `graph`; returns the plugin records as dicts."""
    from goalgraph.registry.attach import PLUGIN_GRAPH

    if use_cache:
        data = read()
        if data is not None:
            if data["ntriples"].strip():
                graph.merge_data(data["ntriples"], PLUGIN_GRAPH, label="plugin snapshot", fmt="N_TRIPLES",
                                 validate=False)
            return data["plugins"]
    return refresh(graph).to_dicts()


def refresh(graph):
    """Load every plugin into `graph` now and rewrite the snapshot; returns the live Registry."""
    from goalgraph.registry.attach import build_registry

    registry, ntriples = build_registry(graph)
    write(registry.to_dicts(), ntriples, [f for p in registry.plugins for f in p.files])
    graph.plugin_registry = registry
    graph.plugins = registry.to_dicts()
    return registry


def current_plugins(refresh_now: bool = False) -> list[dict[str, Any]]:
    """Plugin records from the snapshot when it still describes this environment, else loaded afresh."""
    if not refresh_now:
        data = read()
        if data is not None:
            return data["plugins"]
    from goalgraph.graph.api import GoalGraph

    return refresh(GoalGraph.load()).to_dicts()


def find_component(ref: str, kind: str | None = None) -> dict[str, Any]:
    """The loaded component `ref` (id or IRI) as a dict; an UnknownNodeError with suggestions otherwise."""
    import difflib

    from goalgraph.errors import UnknownNodeError

    comps = [c for p in current_plugins() if p.get("status") == "loaded" for c in p.get("components", [])
             if c.get("status") == "ok" and (kind is None or c.get("kind") == kind)]
    for c in comps:
        if ref in (c["id"], c["iri"]):
            return c
    close = difflib.get_close_matches(ref, [c["id"] for c in comps], n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else f" (known: {', '.join(sorted(c['id'] for c in comps))})"
    raise UnknownNodeError(f"no {kind or 'component'} named {ref!r}{hint}", close)
