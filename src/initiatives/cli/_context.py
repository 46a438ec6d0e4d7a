"""What every command shares: the store it works on and who is making changes."""

from __future__ import annotations

import getpass
import os

import typer

from initiatives.store import DEFAULT_URL, Store

DB_OPTION = typer.Option(
    "--db", envvar="INITIATIVES_DB",
    help=f"Database: a SQLAlchemy URL (sqlite:///file.db, postgresql://...) or a file path. [default: {DEFAULT_URL}]",
)


def open_store(db: str | None) -> Store:
    return Store.open(db or DEFAULT_URL)


def default_author() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return os.environ.get("INITIATIVES_AUTHOR") or user
