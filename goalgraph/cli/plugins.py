"""`goalgraph plugins ...`: see what is installed, what loaded, what failed and why."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from goalgraph.cli.output import Format, emit_json, emit_rows

plugins_app = typer.Typer(help="Installed plugins and the components they bind to graph nodes.",
                          no_args_is_help=True, rich_markup_mode=None)


def fresh_registry():
    """Load every plugin now (no cache), refresh the snapshot the graph path reads, return both."""
    from goalgraph.graph.api import GoalGraph
    from goalgraph.registry import snapshot

    graph = GoalGraph.load()
    return graph, snapshot.refresh(graph)


def plugin_dicts(refresh: bool) -> list[dict]:
    """Plugin records from the snapshot when it still describes this environment, else loaded afresh."""
    from goalgraph.registry import snapshot

    return snapshot.current_plugins(refresh)


def _status_line(p: dict) -> str:
    comps = ", ".join(f"{c['id']} -> {', '.join(a.rsplit('/id/', 1)[-1] for a in c['attaches_to'])}"
                      for c in p["components"] if c["status"] == "ok")
    return comps


def list_plugins(fmt_json: bool, show_all: bool, refresh: bool = False) -> None:
    rows = [p for p in plugin_dicts(refresh) if show_all or p["status"] != "disabled"]
    if fmt_json:
        emit_json(rows)
        return
    table = [{"name": p["name"], "version": p["version"], "status": p["status"], "components": _status_line(p),
              "error": p["error"] or ""} for p in rows]
    emit_rows(table, ["name", "version", "status", "components", "error"], Format.table)


def plugin_info(name: str, fmt: Format, refresh: bool = False) -> None:
    from goalgraph.errors import UnknownNodeError

    found = [p for p in plugin_dicts(refresh) if name in (p["name"], p["distribution"])]
    if not found:
        raise UnknownNodeError(f"no plugin named {name!r}; `goalgraph plugins list --all` shows them")
    p = found[0]
    if fmt is Format.json:
        emit_json(p)
        return
    print(f"{p['name']} {p['version']} ({p['distribution']}): {p['status']}")
    print(f"  module: {p['module']}")
    if p["error"]:
        print(f"  error: {p['error']}")
    for c in p["components"]:
        print(f"  {c['kind']} {c['id']} [{c['status']}] {c['title']}")
        print(f"    entry: {c['entry']}")
        print(f"    attaches to: {', '.join(c['attaches_to'])}")
        print(f"    needs from a model: {', '.join(c['needs']) or 'nothing'}")
        for check in c["checks"]:
            print(f"    check: {check}")
        if c["metrics"]:
            print(f"    metrics: {', '.join(m['name'] for m in c['metrics'])}")
        if c["error"]:
            print(f"    error: {c['error']}")
    for d in p["datasets"]:
        print(f"  dataset loader {d['id']} -> {', '.join(d['attaches_to'])} ({d['entry']})")
    for b in p["model_backends"]:
        print(f"  model backend {b['name']} ({b['entry']})")
    for g in p["graphs"]:
        print(f"  graph: {g}")


def register(app: typer.Typer, handles_errors) -> None:
    @plugins_app.command("list")
    @handles_errors
    def list_cmd(
        as_json: Annotated[bool, typer.Option("--json", help="A JSON array, one object per plugin.")] = False,
        show_all: Annotated[bool, typer.Option("--all", help="Include disabled plugins.")] = False,
        refresh: Annotated[bool, typer.Option("--refresh", help="Import every plugin again instead of "
                                              "reading the snapshot taken when the environment last changed.")] = False,
    ) -> None:
        """Every plugin with its status (loaded, failed, disabled, incompatible), error and components."""
        list_plugins(as_json, show_all, refresh)

    @plugins_app.command("info")
    @handles_errors
    def info_cmd(
        name: Annotated[str, typer.Argument(help="Plugin (entry point) or distribution name.")],
        fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json.")] = Format.table,
        refresh: Annotated[bool, typer.Option("--refresh", help="Import every plugin again.")] = False,
    ) -> None:
        """One plugin in full: components, requirement checks, metrics, loaders, backends, graphs."""
        plugin_info(name, fmt, refresh)

    @plugins_app.command("install")
    @handles_errors
    def install_cmd(
        names: Annotated[Optional[list[str]], typer.Argument(help="Distributions to install (pip requirement specs).")] = None,
        editable: Annotated[Optional[list[Path]],
                            typer.Option("-e", "--editable", help="Install a local project in editable mode.")] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Ask pip what it would do; change nothing.")] = False,
        allow_url: Annotated[bool, typer.Option("--allow-url", help="Permit URL and VCS requirements.")] = False,
        restore: Annotated[bool, typer.Option("--restore", help="Reinstall every plugin recorded in the lock file.")] = False,
        no_build_isolation: Annotated[bool, typer.Option("--no-build-isolation", help="Passed to pip.")] = False,
    ) -> None:
        """pip install plugins into goalgraph's environment, with the installed goalgraph version pinned."""
        from goalgraph.registry import install as inst

        if restore:
            result = inst.restore(dry_run=dry_run, no_build_isolation=no_build_isolation)
            if result is None:
                print(f"nothing to restore: {inst.lock_path()} lists no plugins")
                return
        else:
            result = inst.install(list(names or []), [str(p) for p in editable or []], dry_run=dry_run,
                                  allow_url=allow_url, no_build_isolation=no_build_isolation)
        if dry_run:
            print(result.output.strip())
            return
        _report_after_change()

    @plugins_app.command("uninstall")
    @handles_errors
    def uninstall_cmd(
        names: Annotated[list[str], typer.Argument(help="Plugin distributions to remove.")],
    ) -> None:
        """pip uninstall plugin distributions and forget them in the lock file."""
        from goalgraph.registry import install as inst

        inst.uninstall(names)
        _report_after_change()

    @plugins_app.command("new")
    @handles_errors
    def new_cmd(
        name: Annotated[str, typer.Argument(help="Distribution name, e.g. goalgraph-toxicity.")],
        directory: Annotated[Path, typer.Option("--dir", help="Where to create it.")] = Path("."),
    ) -> None:
        """Scaffold a plugin: pyproject with the entry point, a component with a manifest, a passing test."""
        from goalgraph.registry.scaffold import scaffold

        target = scaffold(name, directory)
        print(f"created {target}: install it with `goalgraph plugins install -e {target}`")

    app.add_typer(plugins_app, name="plugins")


def _report_after_change() -> None:
    import sys

    _graph, registry = fresh_registry()
    for p in registry.plugins:
        line = f"{p.name} {p.version}: {p.status}"
        if p.error:
            line += f" ({p.error})"
        print(line, file=sys.stderr)
