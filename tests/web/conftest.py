from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from initiatives.store import Store
from initiatives.store.users import Users
from initiatives.web.app import create_app
from .seed import seed

PASSWORD = "correct-horse-1"
ROLES = ("viewer", "editor", "reviewer", "admin")


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One seeded SQLite file, copied for each test that writes."""
    path = tmp_path_factory.mktemp("seed") / "seed.db"
    store = Store.open(str(path))
    seed(store)
    users = Users(store)
    for role in ROLES:
        users.add(role, PASSWORD, role)
    store.close()
    return path


@pytest.fixture
def db(seeded_db: Path, tmp_path: Path) -> Path:
    target = tmp_path / "registry.db"
    src, dst = sqlite3.connect(seeded_db), sqlite3.connect(target)
    src.backup(dst)  # the seeded file may be in WAL mode: copy through SQLite, not as bytes
    src.close()
    dst.close()
    return target


@pytest.fixture
def app(db: Path, tmp_path: Path) -> Any:
    return create_app(str(db), data_dir=tmp_path / "data", max_upload_mb=1)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def tokens(app: Any) -> dict[str, str]:
    users: Users = app.state.users
    return {role: users.new_token(role, "test") for role in ROLES}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
