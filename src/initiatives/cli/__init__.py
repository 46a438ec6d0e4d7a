"""The `initiatives` command line (Typer + Rich). Each command group lives in its own module."""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console

from initiatives.errors import InitiativesError

app = typer.Typer(
    name="initiatives",
    help="A registry of development and innovation initiatives: ingest, audit, search and publish.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# Modules that add commands to `app` when imported.
COMMAND_MODULES = ("records", "ingest", "search", "audit", "serve")

for _name in COMMAND_MODULES:
    importlib.import_module(f"initiatives.cli.{_name}")

err = Console(stderr=True)


def main() -> None:
    try:
        app()
    except InitiativesError as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
