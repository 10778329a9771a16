"""Finding, loading and isolating plugins.

Every plugin is a module named by an entry point in the group `goalgraph` (built-ins included). Each is
imported, registered with pluggy and checked on its own; a plugin that fails to import, implements a
misspelled hook, hands over a bad manifest or raises inside a hook is marked `failed` with its error and
everything else goes on. `GOALGRAPH_STRICT_PLUGINS=1` turns the first failure into an error instead.
"""
from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from goalgraph.errors import GoalgraphError
from goalgraph.errors import one_line as _one_line

GROUP = "goalgraph"
HOOKS = ("register_evaluators", "register_aligners", "register_graph", "register_datasets",
         "register_model_backends")
ENV_STRICT = "GOALGRAPH_STRICT_PLUGINS"
ENV_LOAD = "GOALGRAPH_LOAD_PLUGINS"
ENV_DISABLE = "GOALGRAPH_DISABLE_PLUGINS"


class PluginError(GoalgraphError):
    """A plugin could not be loaded or used."""


@dataclass
class PluginSource:
    """One entry point: where a plugin comes from. Tests build these directly."""

    name: str                      # plugin name: the entry point's name
    version: str
    module: str                    # entry point value, 'package.module'
    load: Callable[[], Any]
    requires: list[str] = field(default_factory=list)  # the distribution's Requires-Dist lines
    distribution: str = ""
    files: list[str] = field(default_factory=list)     # files whose change invalidates cached snapshots


@dataclass
class ComponentRecord:
    """A registered component: its manifest, where it came from, and whether it was accepted."""

    manifest: Any                  # goalgraph.registry.manifest.Manifest
    plugin: str
    version: str
    attaches_to: list[str] = field(default_factory=list)  # resolved IRIs
    status: str = "ok"             # ok | rejected
    error: str | None = None
    checks: list[str] = field(default_factory=list)
    runnable: bool = True
    implements_iri: str | None = None

    @property
    def id(self) -> str:
        return self.manifest.id

    @property
    def kind(self) -> str:
        return self.manifest.kind

    @property
    def iri(self) -> str:
        from goalgraph.graph.namespaces import node_iri

        return node_iri(self.kind, self.id)

    def load(self) -> Any:
        """Import the component (first use only); a failure is a PluginError, never a crash."""
        return import_entry(self.manifest.entry, f"component {self.id!r} of plugin {self.plugin!r}")

    def to_dict(self) -> dict[str, Any]:
        m = self.manifest
        return {
            "id": m.id, "kind": m.kind, "version": m.version, "title": m.title, "iri": self.iri,
            "attaches_to": self.attaches_to or list(m.attaches_to), "needs": list(m.needs),
            "requirements": m.requirements.model_dump(), "metrics": [x.model_dump() for x in m.metrics],
            "implements": m.implements, "entry": m.entry, "status": self.status, "error": self.error,
            "checks": self.checks, "runnable": self.runnable, "implements_iri": self.implements_iri,
            "model_kind": m.model_kind, "data": m.data.model_dump() if m.data is not None else None,
        }


@dataclass
class PluginRecord:
    """One plugin distribution and what became of it."""

    name: str
    version: str
    module: str
    distribution: str = ""
    status: str = "loaded"         # loaded | failed | disabled | incompatible
    error: str | None = None
    components: list[ComponentRecord] = field(default_factory=list)
    graphs: list[tuple[str, str]] = field(default_factory=list)   # (label, turtle text)
    datasets: list[Any] = field(default_factory=list)
    backends: list[Any] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        self.status = "failed"
        self.error = message if self.error is None else f"{self.error}; {message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "distribution": self.distribution or self.name, "version": self.version,
            "module": self.module, "status": self.status,
            "error": self.error, "components": [c.to_dict() for c in self.components],
            "datasets": [d.model_dump() for d in self.datasets],
            "model_backends": [b.model_dump() for b in self.backends],
            "graphs": [label for label, _ in self.graphs],
        }


def one_line(exc: BaseException) -> str:
    """Failures of third-party code are reported with their exception type."""
    return _one_line(exc, with_type=True)


def import_entry(entry: str, what: str) -> Any:
    """Resolve 'package.module:attr.sub'."""
    module_name, _, attr = entry.partition(":")
    try:
        obj = importlib.import_module(module_name)
        for part in filter(None, attr.split(".")):
            obj = getattr(obj, part)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # any import-time failure of third-party code, SystemExit included
        raise PluginError(f"cannot import {what} ({entry}): {one_line(exc)}") from None
    return obj


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _names_from_env(var: str) -> set[str] | None:
    raw = os.environ.get(var)
    if raw is None:
        return None
    return {_norm(x) for x in raw.split(",") if x.strip()}


def discover_sources() -> list[PluginSource]:
    """Entry points of the group `goalgraph`, one PluginSource per entry point."""
    from importlib.metadata import entry_points

    out = []
    for ep in entry_points(group=GROUP):
        dist = ep.dist
        dist_name = dist.metadata["Name"] if dist is not None else ep.name
        version = dist.version if dist is not None else "0"
        requires = list(dist.requires or []) if dist is not None else []
        out.append(PluginSource(name=ep.name, version=version, module=ep.value, load=ep.load, requires=requires,
                                distribution=dist_name))
    return sorted(out, key=lambda s: _norm(s.name))


_GOALGRAPH_REQ = re.compile(r"^\s*goalgraph\s*(?:\[[^\]]*\])?\s*\(?([^;)]*)\)?\s*(?:;(.*))?$", re.IGNORECASE)


def incompatibility(source: PluginSource) -> str | None:
    """Why this plugin cannot run with the installed goalgraph, if it says which versions it needs."""
    from goalgraph import __version__

    for line in source.requires:
        m = _GOALGRAPH_REQ.match(line)
        if not m or not m.group(1).strip():
            continue
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        if m.group(2):  # an environment marker: only extras-free requirements bind the host
            from packaging.markers import InvalidMarker, Marker

            try:
                if not Marker(m.group(2)).evaluate({"extra": ""}):
                    continue
            except InvalidMarker:
                continue
        try:
            spec = SpecifierSet(m.group(1).strip())
        except InvalidSpecifier:
            continue
        if not spec.contains(__version__, prereleases=True):
            return f"needs goalgraph{spec}, installed is {__version__}"
    return None


def _unknown_hooks(pm, plugin) -> list[str]:
    """Hook implementations with no matching spec: what pluggy's check_pending() reports, per plugin."""
    names = []
    for caller in pm.get_hookcallers(plugin) or []:
        if not caller.has_spec():
            impls = [i for i in caller.get_hookimpls() if i.plugin is plugin]
            if any(not i.optionalhook for i in impls):
                names.append(caller.name)
    return names


def _did_you_mean(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name, [*HOOKS, "register_commands"], n=1)
    return f" (did you mean {close[0]}?)" if close else ""


class PluginHost:
    """The pluggy manager plus the records of every plugin it tried to load."""

    def __init__(self) -> None:
        import pluggy

        from goalgraph.registry import hookspecs
        from goalgraph.registry.markers import PROJECT

        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.records: dict[str, PluginRecord] = {}
        self.strict = os.environ.get(ENV_STRICT, "") not in ("", "0", "false", "no")

    # -- loading ---------------------------------------------------------------------------
    def load(self, sources: Iterable[PluginSource] | None = None) -> "PluginHost":
        sources = discover_sources() if sources is None else list(sources)
        only, disabled = _names_from_env(ENV_LOAD), _names_from_env(ENV_DISABLE) or set()
        for src in sources:
            rec = PluginRecord(src.name, src.version, src.module, distribution=src.distribution or src.name,
                               files=list(src.files))
            if rec.name in self.records:
                rec.fail(f"a plugin named {rec.name!r} is already loaded")
                self.report_failure(rec)
                continue
            self.records[rec.name] = rec
            names = {_norm(src.name), _norm(src.distribution or src.name)}
            if (only is not None and not names & only) or names & disabled:
                rec.status = "disabled"
                continue
            why = incompatibility(src)
            if why:
                rec.status, rec.error = "incompatible", why
                continue
            self._register(src, rec)
        return self

    def _register(self, src: PluginSource, rec: PluginRecord) -> None:
        from pluggy import PluginValidationError

        try:
            plugin = src.load()
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # SystemExit from a plugin's import must not end the host either
            rec.fail(f"import failed: {one_line(exc)}")
            return self.report_failure(rec)
        mod_file = getattr(plugin, "__file__", None)
        if mod_file:
            rec.files.append(mod_file)
        # A package's hooks import its other modules (manifests often live there): editing any of them must
        # invalidate the snapshot too, not only the package's __init__.
        for folder in getattr(plugin, "__path__", None) or []:
            rec.files.extend(sorted(str(f) for f in Path(folder).rglob("*.py") if str(f) != mod_file))
        try:
            self.pm.register(plugin, name=rec.name)
        except (PluginValidationError, ValueError) as exc:
            rec.fail(f"invalid hook implementation: {one_line(exc)}")
            return self.report_failure(rec)
        unknown = _unknown_hooks(self.pm, plugin)
        if unknown:
            self.pm.unregister(plugin)
            rec.fail("; ".join(f"unknown hook {n!r}{_did_you_mean(n)}" for n in unknown))
            return self.report_failure(rec)
        return None

    def report_failure(self, rec: PluginRecord) -> None:
        if self.strict:
            raise PluginError(f"plugin {rec.name!r} failed: {rec.error} ({ENV_STRICT} is set)")

    # -- calling hooks, one plugin at a time -----------------------------------------------
    def call(self, hook: str, make_register: Callable[[PluginRecord], Callable[..., None]]) -> None:
        """Call one hook on every loaded plugin separately, so one raising plugin fails alone."""
        caller = getattr(self.pm.hook, hook)
        for impl in reversed(caller.get_hookimpls()):
            rec = self.records.get(impl.plugin_name)
            if rec is None or rec.status != "loaded":
                continue
            try:
                impl.function(register=make_register(rec))
            except KeyboardInterrupt:
                raise
            except BaseException as exc:
                rec.fail(f"{hook} raised {one_line(exc)}")
                self.report_failure(rec)

    def call_commands(self, cli: Any) -> None:
        for impl in reversed(self.pm.hook.register_commands.get_hookimpls()):
            rec = self.records.get(impl.plugin_name)
            if rec is None or rec.status != "loaded":
                continue
            try:
                impl.function(cli=cli)
            except KeyboardInterrupt:
                raise
            except BaseException as exc:
                rec.fail(f"register_commands raised {one_line(exc)}")
                self.report_failure(rec)
