"""Shared fixtures: real stores (a SQLite file, and a PostgreSQL server this test run starts)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from initiatives.store import Store

from testdata import DATA, GOLD, SEEDS, SHARED

_db_counter = itertools.count(1)


def pytest_configure(config: pytest.Config) -> None:
    if not (SEEDS.is_dir() and any(SEEDS.iterdir()) and GOLD.is_dir() and DATA.is_dir()):
        raise pytest.UsageError(f"the shared test data is missing: expected seeds/, gold/ and data/ in {SHARED}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    """One PostgreSQL server for the whole run. Set INITIATIVES_SKIP_POSTGRES=1 to skip (never in CI)."""
    if os.environ.get("INITIATIVES_SKIP_POSTGRES") == "1" and not os.environ.get("CI"):
        pytest.skip("INITIATIVES_SKIP_POSTGRES=1")
    from pg_server import start_server

    server = start_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'registry.db'}"


@pytest.fixture
def pg_url(pg_server: object) -> str:
    return pg_server.create_database(f"t{next(_db_counter)}")  # type: ignore[attr-defined]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database URL: once a SQLite file, once a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store.open(db_url)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[Store]:
    s = Store.open(sqlite_url)
    try:
        yield s
    finally:
        s.close()
