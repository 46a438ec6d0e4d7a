"""`initiatives serve` (the web UI and REST API) and `initiatives user ...` (web users and API tokens)."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from initiatives.cli import app
from initiatives.cli._context import DB_OPTION, open_store
from initiatives.errors import InputError
from initiatives.store.users import ROLES, Users

out = Console(highlight=False)
Db = Annotated[str | None, DB_OPTION]

user_app = typer.Typer(help="Web users, roles and API tokens.", no_args_is_help=True)
app.add_typer(user_app, name="user")


@app.command()
def serve(
    db: Db = None,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
    max_upload_mb: Annotated[float, typer.Option("--max-upload-mb", help="Largest upload accepted")] = 50,
    data_dir: Annotated[str | None, typer.Option(help="Folder for loaded rates files [default: initiatives-data]")] = None,
) -> None:
    """Serve the web UI and the REST API (docs at /docs) on http://HOST:PORT."""
    import uvicorn

    store = open_store(db)  # creates or migrates the database before any worker starts
    os.environ["INITIATIVES_DB"] = store.url
    os.environ["INITIATIVES_MAX_UPLOAD_MB"] = str(max_upload_mb)
    # a server embeds edits and uploads while answering other requests: one torch thread each (see embeddings.py)
    os.environ.setdefault("INITIATIVES_EMBED_THREADS", "1")
    # records stored by ingest or import without vectors get them in the background (search.vector_keeper)
    os.environ.setdefault("INITIATIVES_BACKGROUND_VECTORS", "1")
    if data_dir:
        os.environ["INITIATIVES_DATA_DIR"] = data_dir
    store.close()
    out.print(f"Serving on [bold]http://{host}:{port}[/] (API docs at /docs). Press Ctrl+C to stop.")
    from initiatives.web.server import PROTOCOL

    uvicorn.run("initiatives.web.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                http=PROTOCOL, log_level="warning")


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="Sign-in name")],
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}")] = "viewer",
    password: Annotated[str | None, typer.Option(help="Password (asked for when left out)")] = None,
    db: Db = None,
) -> None:
    """Add a web user."""
    if role not in ROLES:
        raise InputError(f"unknown role {role!r} (one of {', '.join(ROLES)})", field="--role")
    if password is None:
        password = os.environ.get("INITIATIVES_PASSWORD") or typer.prompt("Password", hide_input=True,
                                                                          confirmation_prompt=True)
    user = Users(open_store(db)).add(name, password, role)
    out.print(f"User [bold]{user.name}[/] added as {user.role}.")


@user_app.command("role")
def user_role(name: str, role: str, db: Db = None) -> None:
    """Change a user's role."""
    user = Users(open_store(db)).set_role(name, role)
    out.print(f"{user.name} is now {user.role}.")


@user_app.command("remove")
def user_remove(name: str, db: Db = None) -> None:
    """Remove a user (and their API tokens)."""
    Users(open_store(db)).remove(name)
    out.print(f"User {name} removed.")


@user_app.command("list")
def user_list(db: Db = None) -> None:
    """List web users and their roles."""
    table = Table("name", "role")
    for u in Users(open_store(db)).all():
        table.add_row(u.name, u.role)
    out.print(table)


@user_app.command("token")
def user_token(name: str, label: Annotated[str, typer.Option(help="What the token is for")] = "cli",
               db: Db = None) -> None:
    """Create an API token for a user (printed once; send it as `Authorization: Bearer <token>`)."""
    out.print(Users(open_store(db)).new_token(name, label), soft_wrap=True)


@app.command("anonymous-read")
def anonymous_read(allow: Annotated[bool, typer.Argument(help="on/off", parser=lambda v: v.lower() in ("on", "true", "1", "yes"))],
                   db: Db = None) -> None:
    """Allow or forbid reading the registry without signing in."""
    Users(open_store(db)).set_setting("anonymous_read", allow)
    out.print(f"Anonymous read is {'on' if allow else 'off'}.")
