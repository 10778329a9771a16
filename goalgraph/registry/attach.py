"""Binding plugins to the graph: plugin graphs are merged, components become `gg:Evaluator` / `gg:Aligner`
nodes with `gg:attachesTo` links, so SPARQL, `show`, `ask` and `path` see them."""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from goalgraph.errors import GoalgraphError, UnknownNodeError
from goalgraph.graph.namespaces import GG, PREFIXES
from goalgraph.registry.loader import ComponentRecord, PluginHost, PluginRecord, PluginSource, one_line

PLUGIN_GRAPH = "https://w3id.org/goalgraph/graph/plugins"


@dataclass
class Registry:
    """Everything the plugins contributed, after validation against the graph."""

    plugins: list[PluginRecord] = field(default_factory=list)
    host: PluginHost | None = None

    @property
    def components(self) -> list[ComponentRecord]:
        return [c for p in self.plugins if p.status == "loaded" for c in p.components if c.status == "ok"]

    def component(self, ref: str) -> ComponentRecord:
        for c in self.components:
            if ref in (c.id, c.iri):
                return c
        import difflib

        close = difflib.get_close_matches(ref, [c.id for c in self.components], n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnknownNodeError(f"no loaded component {ref!r}{hint}", close)

    def plugin(self, name: str) -> PluginRecord:
        for p in self.plugins:
            if name in (p.name, p.distribution):
                return p
        raise UnknownNodeError(f"no plugin named {name!r}; `goalgraph plugins list --all` shows them")

    def to_dicts(self) -> list[dict[str, Any]]:
        return [p.to_dict() for p in self.plugins]


# ---- what plugins hand to `register` ------------------------------------------------------------
def _component_register(rec: PluginRecord, kind: str):
    from pydantic import ValidationError

    from goalgraph.registry.manifest import Manifest

    def register(manifest: Any = None, **fields: Any) -> None:
        data = manifest if manifest is not None else fields
        try:
            if isinstance(data, Manifest):
                m = data
            else:
                m = Manifest(**{"kind": kind, "version": rec.version, **dict(data)})
        except (ValidationError, TypeError) as exc:
            raise GoalgraphError(f"bad manifest: {_pydantic_line(exc)}") from None
        if m.kind != kind:
            raise GoalgraphError(f"component {m.id!r} is a {m.kind}, registered as {kind}")
        rec.components.append(ComponentRecord(manifest=m, plugin=rec.name, version=m.version))

    return register


def _pydantic_line(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ())) or "manifest"
        return f"{where}: {first.get('msg')}"
    return one_line(exc)


def _graph_register(rec: PluginRecord):
    def register(path: str | os.PathLike | None = None, *, text: str | None = None, format: str = "turtle") -> None:
        if (path is None) == (text is None):
            raise GoalgraphError("register_graph: give a path or text=")
        if format.lower() not in ("turtle", "ttl"):
            raise GoalgraphError("register_graph: only Turtle is accepted")
        if path is not None:
            p = Path(path)
            rec.graphs.append((p.name, p.read_text(encoding="utf-8")))
            rec.files.append(str(p.resolve()))
        else:
            rec.graphs.append((f"graph {len(rec.graphs) + 1}", text))

    return register


def _model_register(rec: PluginRecord, model_cls: Any, target: str):
    from pydantic import ValidationError

    def register(spec: Any = None, **fields: Any) -> None:
        try:
            obj = spec if isinstance(spec, model_cls) else model_cls(**(spec or fields))
        except (ValidationError, TypeError) as exc:
            raise GoalgraphError(f"bad {model_cls.__name__}: {_pydantic_line(exc)}") from None
        getattr(rec, target).append(obj)

    return register


# ---- machine checks -----------------------------------------------------------------------------
def has_gpu() -> bool:
    """A GPU driver is present (checked without importing torch)."""
    return os.path.exists("/proc/driver/nvidia/version") or shutil.which("nvidia-smi") is not None


def _memory_gib() -> float | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return None


def requirement_checks(manifest: Any) -> tuple[list[str], bool]:
    """Human-readable checks and whether the component can run here."""
    from importlib.metadata import PackageNotFoundError, version

    req, checks, ok = manifest.requirements, [], True
    gpu = has_gpu()
    if req.accelerator == "required":
        checks.append(f"needs a GPU: {'found' if gpu else 'none here'}")
        ok &= gpu
    elif req.accelerator == "optional":
        checks.append(f"uses a GPU when present: {'found' if gpu else 'none here, runs on the CPU'}")
    if req.memory_gb is not None:
        mem = _memory_gib()
        enough = mem is None or mem >= req.memory_gb
        checks.append(f"needs {req.memory_gb:g} GiB memory: {mem:.1f} GiB here" if mem else
                      f"needs {req.memory_gb:g} GiB memory: unknown here")
        ok &= enough
    for pkg in req.packages:
        try:
            checks.append(f"needs {pkg}: {version(pkg)} installed")
        except PackageNotFoundError:
            checks.append(f"needs {pkg}: not installed")
            ok = False
    return checks, ok


# ---- building ------------------------------------------------------------------------------------
def build_registry(graph, sources: list[PluginSource] | None = None) -> tuple[Registry, str]:
    """Load every plugin, merge its graph, check its components; returns the registry and the N-Triples
    of everything it added to `graph`."""
    from goalgraph.registry.manifest import DatasetLoader, ModelBackend

    host = PluginHost().load(sources)
    host.call("register_graph", _graph_register)
    plugin_nt: list[str] = []
    for rec in host.records.values():
        if rec.status != "loaded":
            continue
        for i, (label, text) in enumerate(rec.graphs):
            name = f"{PLUGIN_GRAPH}/{rec.name}/{i}"
            try:
                graph.merge_data(text, name, label=f"plugin {rec.name!r} graph {label}")
            except GoalgraphError as exc:
                rec.fail(str(exc))
                host.report_failure(rec)
                continue
            plugin_nt.append(_graph_ntriples(graph, name))
    host.call("register_evaluators", lambda rec: _component_register(rec, "evaluator"))
    host.call("register_aligners", lambda rec: _component_register(rec, "aligner"))
    host.call("register_datasets", lambda rec: _model_register(rec, DatasetLoader, "datasets"))
    host.call("register_model_backends", lambda rec: _model_register(rec, ModelBackend, "backends"))

    for rec in host.records.values():
        if rec.status == "loaded":
            _resolve_loaders(graph, rec)
    seen: dict[str, str] = {}
    lines: list[str] = []
    for rec in host.records.values():
        if rec.status != "loaded":
            rec.components = [] if rec.status == "failed" else rec.components
            continue
        for comp in rec.components:
            _check_component(graph, comp, seen)
            if comp.status == "ok":
                seen[comp.id] = rec.name
                lines.extend(component_triples(comp, rec))
            else:
                rec.error = f"{rec.error + '; ' if rec.error else ''}{comp.id}: {comp.error}"
    nt = "\n".join(lines) + "\n"
    if lines:
        graph.merge_data(nt, f"{PLUGIN_GRAPH}/components", label="plugin components", fmt="N_TRIPLES", validate=False)
    return Registry(plugins=list(host.records.values()), host=host), "".join(plugin_nt) + nt


def _resolve_loaders(graph, rec: PluginRecord) -> None:
    """Dataset loaders must be bound to nodes that exist; unknown ones are dropped with the reason."""
    kept = []
    for loader in rec.datasets:
        try:
            kept.append(loader.model_copy(update={"attaches_to": [graph.resolve(r) for r in loader.attaches_to]}))
        except UnknownNodeError as exc:
            rec.error = f"{rec.error + '; ' if rec.error else ''}dataset loader {loader.id}: attaches_to {exc}"
    rec.datasets = kept


def _check_component(graph, comp: ComponentRecord, seen: dict[str, str]) -> None:
    if comp.id in seen:
        comp.status, comp.error = "rejected", f"component id {comp.id!r} is already registered by {seen[comp.id]!r}"
        return
    resolved, problems = [], []
    for ref in comp.manifest.attaches_to:
        try:
            resolved.append(graph.resolve(ref))
        except UnknownNodeError as exc:
            problems.append(f"attaches_to {exc}")
    if comp.manifest.implements:
        try:
            comp.implements_iri = graph.resolve(comp.manifest.implements)
        except UnknownNodeError as exc:
            problems.append(f"implements {exc}")
    comp.attaches_to = resolved
    comp.checks, comp.runnable = requirement_checks(comp.manifest)
    if problems:
        comp.status, comp.error = "rejected", "; ".join(problems)


def _lit(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def component_triples(comp: ComponentRecord, rec: PluginRecord) -> list[str]:
    """The N-Triples that make a component a node of the graph."""
    m, s = comp.manifest, f"<{comp.iri}>"
    cls = "Evaluator" if m.kind == "evaluator" else "Aligner"
    rdfs, dct, schema = PREFIXES["rdfs"], PREFIXES["dcterms"], PREFIXES["schema"]
    out = [f"{s} <{PREFIXES['rdf']}type> <{GG}{cls}> .",
           f"{s} <{rdfs}label> {_lit(m.title)} .",
           f"{s} <{schema}softwareVersion> {_lit(m.version)} .",
           f"{s} <{GG}distribution> {_lit(rec.distribution or rec.name)} .",
           f"{s} <{GG}entryPoint> {_lit(m.entry)} .",
           f"{s} <{GG}accelerator> {_lit(m.requirements.accelerator)} .",
           f'{s} <{GG}runnableHere> "{str(comp.runnable).lower()}"^^<{PREFIXES["xsd"]}boolean> .']
    if m.description:
        out.append(f"{s} <{dct}description> {_lit(m.description)} .")
    out += [f"{s} <{GG}attachesTo> <{iri}> ." for iri in comp.attaches_to]
    out += [f"{s} <{GG}needs> {_lit(n)} ." for n in m.needs]
    out += [f"{s} <{GG}emitsMetric> {_lit(x.name)} ." for x in m.metrics]
    if comp.implements_iri:
        out.append(f"{s} <{GG}implements> <{comp.implements_iri}> .")
    return out


def _graph_ntriples(graph, name: str) -> str:
    import pyoxigraph as ox

    return "".join(f"{q.subject} {q.predicate} {q.object} .\n"
                   for q in graph.store.quads_for_pattern(None, None, None, ox.NamedNode(name)))
