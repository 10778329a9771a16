"""Every hook a goalgraph plugin can implement — the table of contents of the plugin API.

Each hook receives a `register` callable (the `llm` style): the host validates what a plugin hands it,
dedupes names and records which plugin registered what, so one bad registration rejects only itself.
docs/plugins.md documents each hook with its signature and an example; a test keeps the two in step.
"""
from __future__ import annotations

from typing import Any, Callable

from goalgraph.registry.markers import hookspec


@hookspec
def register_evaluators(register: Callable[..., None]) -> None:
    """Register evaluator components: `register(manifest)` with a `Manifest` or a dict of its fields.

    The manifest names the component's class as `entry="package.module:Class"`; it is imported only when
    the component is first used.
    """


@hookspec
def register_aligners(register: Callable[..., None]) -> None:
    """Register aligner components: `register(manifest)`, as for evaluators, with `kind="aligner"`."""


@hookspec
def register_graph(register: Callable[..., None]) -> None:
    """Contribute RDF: `register(path)` or `register(text=..., format="turtle")`.

    The data is SHACL-validated against the bundled shapes before it is merged; a file that fails is
    rejected with the node and shape named, and the plugin is reported as failed.
    """


@hookspec
def register_datasets(register: Callable[..., None]) -> None:
    """Register dataset loaders bound to benchmark nodes:
    `register(id=..., attaches_to=[...], entry="module:function", description=...)`."""


@hookspec
def register_model_backends(register: Callable[..., None]) -> None:
    """Register model backends: `register(name=..., entry="module:Class", description=...)`."""


@hookspec
def register_commands(cli: Any) -> None:
    """Add commands to the Typer app `cli` (`@cli.command()`). Only called when a command the core does not
    define is asked for, or for `goalgraph --help`, so plugins never slow the built-in commands."""
