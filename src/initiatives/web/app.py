"""The web application: REST API under /api/v1, server-rendered pages, static files. Everything is served
by the app itself (htmx from the `django-js-lib-htmx` package data, Swagger UI from `fastapi-offline`)."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import js_lib_htmx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from sqlalchemy import event
from starlette.middleware.sessions import SessionMiddleware

from initiatives import __version__ as VERSION
from initiatives.store import DEFAULT_URL, Store
from initiatives.store.users import Users
from initiatives.web import errors, templating
from initiatives.web.money import Rates

HERE = Path(__file__).parent
DEFAULT_MAX_UPLOAD_MB = 50


def _secret(users: Users) -> str:
    """The session-signing key: $INITIATIVES_SECRET, else one generated once and kept in the database
    (so several workers and restarts share it)."""
    env = os.environ.get("INITIATIVES_SECRET")
    if env:
        return env
    key = users.setting("session_secret")
    if not key:
        key = secrets.token_urlsafe(48)
        users.set_setting("session_secret", key)
    return str(key)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """While the server runs: the background vector keeper, when asked for (see `search.vector_keeper`)."""
    keeper = None
    if app.state.background_vectors:
        from initiatives.search.vector_keeper import VectorKeeper

        keeper = VectorKeeper(app.state.store)
        keeper.start()
    app.state.vector_keeper = keeper
    try:
        yield
    finally:
        if keeper is not None:
            keeper.stop()


def _sqlite_read_tuning(dbapi_connection: object, _record: object) -> None:
    """Serving reads many scattered rows: map the file into memory and keep a larger page cache."""
    cur = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA mmap_size=1073741824")
    cur.execute("PRAGMA cache_size=-65536")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


def create_app(db: str | None = None, *, store: Store | None = None, max_upload_mb: float | None = None,
               data_dir: str | Path | None = None, background_vectors: bool | None = None) -> FastAPI:
    """Build the app on a database URL or path (default $INITIATIVES_DB, else initiatives.db). With
    `background_vectors` (default $INITIATIVES_BACKGROUND_VECTORS=1, which `initiatives serve` sets) the server
    makes the vectors of new and changed records in a background thread while it runs."""
    store = store or Store.open(db or os.environ.get("INITIATIVES_DB") or DEFAULT_URL)
    if store.engine.dialect.name == "sqlite":
        event.listen(store.engine, "connect", _sqlite_read_tuning)
        store.engine.dispose()  # connections opened before (migrations) do not have the tuning
    users = Users(store)
    app = FastAPIOffline(
        title="initiatives",
        version=VERSION,
        description="An open registry of development and innovation initiatives. Read without signing in "
                    "(unless an admin turned anonymous read off); write with `Authorization: Bearer <token>`.",
        openapi_url="/api/v1/openapi.json",
        lifespan=_lifespan,
    )
    app.state.store = store
    app.state.users = users
    if background_vectors is None:
        background_vectors = os.environ.get("INITIATIVES_BACKGROUND_VECTORS") == "1"
    app.state.background_vectors = background_vectors
    limit_mb = max_upload_mb if max_upload_mb is not None else float(
        os.environ.get("INITIATIVES_MAX_UPLOAD_MB", DEFAULT_MAX_UPLOAD_MB))
    app.state.max_upload_bytes = int(limit_mb * 1024 * 1024)
    app.state.data_dir = Path(data_dir or os.environ.get("INITIATIVES_DATA_DIR") or "initiatives-data")
    rates_file = users.setting("rates_file")
    app.state.rates = Rates(Path(rates_file) if rates_file and Path(rates_file).is_file() else None)
    app.state.templates = templating.make(HERE / "templates")
    from initiatives.web.limits import BodyLimit

    app.add_middleware(BodyLimit, limit=app.state.max_upload_bytes)
    app.add_middleware(SessionMiddleware, secret_key=_secret(users), session_cookie="initiatives_session",
                       same_site="lax", https_only=False)
    app.mount("/static/htmx", StaticFiles(directory=Path(js_lib_htmx.__file__).parent / "static" / "htmx"),
              name="htmx")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    errors.install(app)

    from initiatives.web import api, discovery, pages

    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(discovery.router)
    return app


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory initiatives.web.app:app_from_env` (used with several workers)."""
    return create_app()
