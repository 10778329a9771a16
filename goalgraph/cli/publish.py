"""`goalgraph publish URL`: upload the bundled graph, plugin nodes and run results to a shared SPARQL 1.1 server,
one named graph per source. Without `--write` it only says what it would upload."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from goalgraph.cli.output import Format, emit_rows


def register(app: typer.Typer, handles_errors) -> None:
    """Add `goalgraph publish` to the app."""

    @app.command("publish")
    @handles_errors
    def publish_cmd(
        ctx: typer.Context,
        url: Annotated[Optional[str], typer.Argument(
            help="SPARQL query endpoint, e.g. http://127.0.0.1:7878/query (default: --store / GOALGRAPH_STORE).")] = None,
        write: Annotated[bool, typer.Option("--write", help="Really upload; without it, only list what would be "
                                            "uploaded.")] = False,
        with_results: Annotated[Optional[list[Path]], typer.Option(
            "--with-results", "-R", metavar="DIR", help="Also publish this run or aligned model directory (or every "
            "one under DIR) as graph/run/<dir name> (repeatable).")] = None,
        update_url: Annotated[Optional[str], typer.Option(help="SPARQL Update endpoint (default: derived from URL: "
                                                          "/update, or /ds/update for Fuseki's /ds/query).")] = None,
        store_url: Annotated[Optional[str], typer.Option(help="Graph Store protocol endpoint (default: /store, or "
                                                         "/ds/data for Fuseki's /ds/query).")] = None,
        timeout: Annotated[Optional[float], typer.Option(help="Seconds to wait for each request (default 10; "
                                                         "also GOALGRAPH_STORE_TIMEOUT).")] = None,
        fmt: Annotated[Format, typer.Option("--format", "-f", help="table, json or csv.")] = Format.table,
    ) -> None:
        """Upload the graph into named graphs on a SPARQL 1.1 server (Oxigraph, Fuseki), replacing only its own
        graphs, all-or-nothing. Read-only unless --write is given."""
        from goalgraph.errors import GoalgraphError
        from goalgraph.graph.remote import Endpoints, Http, RemoteStore
        from goalgraph.graph.sources import store_url as default_url
        from goalgraph.run.publish import collect, publish

        obj = ctx.obj or {}
        target = url or default_url(obj.get("store"))
        if not target:
            raise GoalgraphError("give the server's query URL: goalgraph publish http://127.0.0.1:7878/query")
        endpoints = Endpoints.from_url(target, update_url, store_url)
        parts = collect([*obj.get("results", []), *(with_results or [])], validate=obj.get("validate", True))
        if write:
            publish(RemoteStore(endpoints, Http(timeout)), parts)
        emit_rows([p.to_dict() for p in parts], ["graph", "source", "triples"], fmt)
        total = sum(p.triples for p in parts)
        verb = "published" if write else "would publish (dry run; add --write to upload)"
        print(f"{verb} {len(parts)} named graphs, {total} triples, to {endpoints.store}", file=sys.stderr)
