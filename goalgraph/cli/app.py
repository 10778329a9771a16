"""Typer app: search, show, query, ask, path, stats, validate, export (plugins, eval, plan, run and report live
beside it). `--with-results DIR` on show, query and ask merges run (and alignment) provenance like a `--graph` file."""
from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer

from goalgraph.cli.output import Format, emit_json, emit_rows, error

app = typer.Typer(
    help="Query the map of LLM alignment: goals, methods, benchmarks, value theories and papers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

GraphOpt = Annotated[
    Optional[list[Path]],
    typer.Option("--graph", "-g", metavar="FILE", help="Extra RDF file or folder to merge (repeatable). Also: GOALGRAPH_GRAPH."),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv.")]
StoreOpt = Annotated[
    Optional[str],
    typer.Option("--store", metavar="URL", help="Query this SPARQL 1.1 endpoint (e.g. http://127.0.0.1:7878/query, "
                 "filled by `goalgraph publish`) instead of the embedded graph. Also: GOALGRAPH_STORE."),
]
ResultsOpt = Annotated[
    Optional[list[Path]],
    typer.Option("--with-results", "-R", metavar="DIR", help="Merge the provenance.ttl of a `goalgraph run` "
                 "directory or an aligned model directory, or of every one under DIR (repeatable; SHACL-checked "
                 "like --graph files)."),
]


def handles_errors(fn: Callable) -> Callable:
    """Bad input becomes one line on stderr and exit code 2; nothing else leaks a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from goalgraph.errors import GoalgraphError

        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except GoalgraphError as exc:
            error(str(exc))
            raise typer.Exit(2) from None
        except BrokenPipeError:
            raise typer.Exit(0) from None
        except KeyboardInterrupt:
            raise typer.Exit(130) from None
        except Exception as exc:  # a bug, not bad input: still one line unless debugging
            if os.environ.get("GOALGRAPH_DEBUG"):
                raise
            error(f"internal error: {type(exc).__name__}: {exc} (set GOALGRAPH_DEBUG=1 for details)")
            raise typer.Exit(1) from None

    return wrapper


@app.callback()
def _root(
    ctx: typer.Context,
    graph: GraphOpt = None,
    no_validate: Annotated[bool, typer.Option("--no-validate", help="Skip SHACL checks of user files.")] = False,
    with_results: ResultsOpt = None,
    store: StoreOpt = None,
) -> None:
    ctx.obj = {"graph": list(graph or []), "validate": not no_validate, "results": list(with_results or []),
               "store": store}


def _load(ctx: typer.Context, extra: list[Path] | None = None, validate: bool | None = None,
          results: list[Path] | None = None):
    import goalgraph

    obj = ctx.obj or {}
    paths = [str(p) for p in [*obj.get("graph", []), *(extra or [])]]
    results = [*obj.get("results", []), *(results or [])]
    if results:
        from goalgraph.run.locate import provenance_files

        paths += [str(p) for p in provenance_files(results)]
    from goalgraph.graph.sources import store_url

    store = store_url(obj.get("store"))
    if store:
        return _load_remote(store, paths)
    check = obj.get("validate", True) if validate is None else validate
    return goalgraph.load(*paths, validate=check)


def _load_remote(url: str, paths: list[str]):
    """The graph on a SPARQL server holds what was published; local files are not merged into it."""
    from goalgraph.errors import GoalgraphError
    from goalgraph.graph.api import GoalGraph
    from goalgraph.graph.sources import ENV_VAR, env_paths

    if paths or env_paths():
        raise GoalgraphError(f"--store {url}: the server's graph cannot be merged with --graph, --with-results or "
                             f"{ENV_VAR} files; publish them first (`goalgraph publish --with-results DIR --write`) "
                             f"or drop --store")
    return GoalGraph.remote(url)


# ---------------------------------------------------------------------------------------------
@app.command()
@handles_errors
def search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="Words to look for in labels, aliases and slugs.")],
    kind: Annotated[Optional[str], typer.Option(help="Only this kind: method, benchmark, goal, paper, ...")] = None,
    limit: Annotated[int, typer.Option(help="At most this many results.")] = 20,
    graph: GraphOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Find nodes by name: exact, alias, substring and fuzzy matches, best first."""
    g = _load(ctx, graph)
    hits = g.search(text, limit=limit, kind=kind)
    rows = [{"node": h.iri, "label": h.label, "type": h.type.replace("gg:", ""), "score": h.score,
             "matched": "" if h.matched == h.label else h.matched} for h in hits]
    emit_rows(rows, ["node", "label", "type", "score", "matched"], fmt)


@app.command()
@handles_errors
def show(
    ctx: typer.Context,
    node: Annotated[str, typer.Argument(help="IRI, kind/slug, slug, label or alias (e.g. dpo).")],
    graph: GraphOpt = None,
    with_results: ResultsOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Everything about one node: type, description, links in and out by relation, papers."""
    g = _load(ctx, graph, results=with_results)
    view = g.show(node)
    if fmt is Format.json:
        emit_json(view.to_dict())
    elif fmt is Format.csv:
        rows = [{"direction": "attribute", "relation": k, "node": "", "label": str(v)}
                for k, vs in view.attributes.items() for v in vs]
        rows += [{"direction": "out", **link.to_dict()} for ls in view.outgoing.values() for link in ls]
        rows += [{"direction": "in", **link.to_dict()} for ls in view.incoming.values() for link in ls]
        rows += [{"direction": "paper", **link.to_dict()} for link in view.papers]
        emit_rows(rows, ["direction", "relation", "node", "label", "type"], fmt)
    else:
        from goalgraph.cli.render import print_node

        print_node(view)


@app.command()
@handles_errors
def query(
    ctx: typer.Context,
    sparql: Annotated[Optional[str], typer.Argument(help="A SPARQL SELECT/ASK/CONSTRUCT/DESCRIBE query.")] = None,
    file: Annotated[Optional[Path], typer.Option("--file", "-F", help="Read the query from this file.")] = None,
    graph: GraphOpt = None,
    with_results: ResultsOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Run a read-only SPARQL 1.1 query (standard prefixes gg:, ggid:, skos:, ... are predeclared)."""
    from goalgraph.errors import QueryError

    if file is not None:
        if sparql:
            raise QueryError("give the query as an argument or with --file, not both")
        try:
            sparql = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise QueryError(f"cannot read query file {file}: {exc.strerror or exc}") from None
    if not sparql:
        if sys.stdin is not None and not sys.stdin.isatty():
            sparql = sys.stdin.read()
        else:
            raise QueryError("no query given: pass it as an argument, with --file, or on stdin")
    g = _load(ctx, graph, results=with_results)
    _emit_result(g.query(sparql), fmt)


def _emit_result(result, fmt: Format) -> None:
    if result.kind == "ask":
        if fmt is Format.table:
            print("true" if result.boolean else "false")
        else:
            emit_rows(list(result), ["answer"], fmt)
    elif result.kind == "graph" and fmt is Format.table:
        sys.stdout.write(result.to_turtle())
    else:
        emit_rows(list(result), result.columns, fmt)


@app.command()
@handles_errors
def ask(
    ctx: typer.Context,
    name: Annotated[Optional[str], typer.Argument(help="Competency query name; omit to list them.")] = None,
    graph: GraphOpt = None,
    with_results: ResultsOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Named competency queries: the questions the graph is built to answer."""
    from goalgraph.graph.queries import get_query, list_queries

    if name is None:
        rows = [{"name": q.name, "question": q.question} for q in list_queries()]
        emit_rows(rows, ["name", "question"], fmt)
        return
    named = get_query(name)
    g = _load(ctx, graph, results=with_results)
    if fmt is Format.table:
        print(named.question)
    _emit_result(named.canonical(g.query(named.text)), fmt)


@app.command()
@handles_errors
def path(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="Start node.")],
    target: Annotated[str, typer.Argument(help="End node.")],
    graph: GraphOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Shortest chain of links between two nodes (links followed in either direction)."""
    g = _load(ctx, graph)
    steps = g.path(source, target)
    if fmt is Format.table:
        if not steps:
            print(g.label(source))
            return
        print(steps[0]["from_label"])
        for s in steps:
            arrow = f"--{s['relation']}-->" if s["direction"] == "->" else f"<--{s['relation']}--"
            print(f"  {arrow} {s['to_label']}  ({s['to'].rsplit('/id/', 1)[-1]})")
    else:
        emit_rows(steps, ["from", "from_label", "relation", "direction", "to", "to_label"], fmt)


@app.command()
@handles_errors
def stats(ctx: typer.Context, graph: GraphOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Size of the merged graph: triples, files, nodes, links, and instances per class."""
    g = _load(ctx, graph)
    s = g.stats()
    if fmt is Format.json:
        emit_json(s)
        return
    rows = [{"measure": k, "value": s[k]} for k in ("triples", "files", "user_files", "nodes", "links")]
    rows += [{"measure": cls, "value": n} for cls, n in s["classes"].items()]
    emit_rows(rows, ["measure", "value"], fmt)


@app.command()
@handles_errors
def validate(
    ctx: typer.Context,
    files: Annotated[Optional[list[Path]], typer.Argument(help="Files to check; none = the whole merged graph.")] = None,
    graph: GraphOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """SHACL-check files merged with the bundled graph; exit 2 when anything violates a shape."""
    from goalgraph.errors import ShapeViolationError

    g = _load(ctx, [*(graph or []), *(files or [])], validate=False)
    found = g.validate([str(f) for f in files] if files else None)
    violations = [v for v in found if v.severity == "Violation"]
    rows = [{"node": v.focus, "shape": v.shape, "path": v.path, "severity": v.severity, "message": v.message}
            for v in found]
    if rows or fmt is not Format.table:
        emit_rows(rows, ["node", "shape", "path", "severity", "message"], fmt)
    if violations:
        raise ShapeViolationError(f"{len(violations)} SHACL violation(s); first: {violations[0].line()}")
    if fmt is Format.table:
        print(f"conforms: {len(g)} triples checked against the shapes")


@app.command()
@handles_errors
def export(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", "-f", help="ttl, jsonld, nt, graphml or mermaid.")] = "ttl",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")] = None,
    around: Annotated[Optional[str], typer.Option(help="graphml/mermaid: only this node's neighbourhood.")] = None,
    depth: Annotated[int, typer.Option(help="Hops around --around.")] = 1,
    graph: GraphOpt = None,
) -> None:
    """Write the merged graph as Turtle, JSON-LD, N-Triples, GraphML or a Mermaid diagram."""
    from goalgraph.errors import GoalgraphError
    from goalgraph.graph.export import FORMATS

    if fmt not in FORMATS:
        raise GoalgraphError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    g = _load(ctx, graph)
    text = g.export(fmt, around=around, depth=depth)
    if output is None:
        sys.stdout.write(text)
        return
    from goalgraph.util.atomic import write_text_atomic

    write_text_atomic(output, text)
    print(f"wrote {output}", file=sys.stderr)


def _register_subcommands() -> None:
    from goalgraph.cli import align, evaluate, launch, plan, plugins, publish, report, run_plan

    plugins.register(app, handles_errors)
    evaluate.register(app, handles_errors)
    plan.register(app, handles_errors)
    run_plan.register(app, handles_errors)
    report.register(app, handles_errors)
    align.register(app, handles_errors)
    publish.register(app, handles_errors)
    launch.register(app, handles_errors)


_register_subcommands()
BUILTIN_COMMANDS = {"search", "show", "query", "ask", "path", "stats", "validate", "export", "plugins", "eval", "plan", "run",
                    "report", "align", "publish", "launch"}
