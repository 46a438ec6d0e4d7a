"""Server-rendered pages: reading, signing in, editing with inline errors, reviewing, uploading."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from initiatives.web.money import Rates

from .conftest import PASSWORD

HTML = {"accept": "text/html"}


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client: TestClient, name: str) -> str:
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    return csrf_of(client.get("/").text)


@pytest.mark.parametrize("path", ["/", "/explore", "/explore?q=data&kind=project", "/initiatives/3", "/review",
                                  "/organizations", "/organizations/1", "/countries", "/countries/BGD",
                                  "/documents", "/documents/1", "/login", "/countries/NPL/elsewhere",
                                  "/initiatives/3/similar"])
def test_pages_render_with_labels(client, path):
    r = client.get(path, headers=HTML)
    assert r.status_code == 200
    html = r.text
    assert "<main" in html and "cdn" not in html.lower()
    for input_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html):
        assert f'for="{input_id}"' in html, f"{path}: control #{input_id} has no label"


def test_home_shows_totals_charts_and_map(client):
    html = client.get("/").text
    assert "56</strong> initiatives" in html
    assert 'href="/explore?sdg=' in html  # SDG chart bars filter Explore
    assert 'href="/explore?country=BGD"' in html  # the map filters Explore
    assert client.get("/map/world.svg").headers["content-type"].startswith("image/svg+xml")


def test_every_country_with_initiatives_is_on_the_map_or_listed_under_it(client):
    html = client.get("/").text
    counted = {c["iso3"] for c in client.get("/api/v1/countries").json() if c["initiatives"]}
    on_map = set(re.findall(r'<a href="/explore\?country=([A-Z]{3})" aria-label', html))
    off_map = html[html.index('id="off-map"'):]
    listed = set(re.findall(r'data-country="([A-Z]{3})"', off_map[:off_map.index("</p>")]))
    assert counted == on_map | listed and not on_map & listed
    assert "FJI" in listed and "Fiji" in off_map  # a small island State the shapes leave out


def test_explore_facets_snippets_and_export_links(client):
    html = client.get("/explore", params={"q": "youth", "kind": "partnership"}).text
    total = int(re.search(r'<span id="total">(\d+)</span>', html).group(1))
    api_total = client.get("/api/v1/initiatives", params={"q": "youth", "kind": "partnership"}).json()["total"]
    assert total == api_total > 0
    assert "<mark>" in html.lower() or "<mark>youth" in html.lower()
    assert 'data-export="csv"' in html and "kind=partnership" in html
    bad = client.get("/explore", params={"sdg": "99"})
    assert bad.status_code == 200 and "out of range" in bad.text
    typed = client.get("/explore", params={"q": "water sdg:99"})  # a bad filter in the search box
    assert typed.status_code == 200 and "SDG &#39;99&#39; does not exist" in typed.text and 'value="water sdg:99"' in typed.text
    long = client.get("/explore", params={"q": "word " * 250})
    assert long.status_code == 200 and "the limit is 1000" in long.text


def test_initiative_page_shows_sources_and_document_highlight(client):
    rid = client.get("/api/v1/initiatives", params={"q": "UPSHIFT"}).json()["items"][0]["id"]
    html = client.get(f"/initiatives/{rid}").text
    src = client.get(f"/api/v1/initiatives/{rid}/sources").json()["fields"]["title"][0]
    assert f'/documents/{src["document_id"]}?start={src["start"]}&amp;end={src["end"]}#focus' in html
    doc = client.get(f'/documents/{src["document_id"]}', params={"start": src["start"], "end": src["end"]}).text
    assert 'id="focus"' in doc and 'class="mark focus"' in doc


def test_edit_form_inline_errors_and_save(client):
    csrf = sign_in(client, "editor")
    page = client.get("/initiatives/5").text
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    bad = client.post("/initiatives/5/edit", data={"csrf_token": csrf, "version": version, "countries": "Narnia",
                                                   "start": "2020-14", "title": "Kept title"})
    assert bad.status_code == 422
    assert 'id="err-countries"' in bad.text and 'id="err-start"' in bad.text
    assert 'value="Kept title"' in bad.text  # what the person typed is kept
    ok = client.post("/initiatives/5/edit", data={"csrf_token": csrf, "version": version, "countries": "NPL; BGD",
                                                  "reason": "from the report"}, follow_redirects=False)
    assert ok.status_code == 303
    rec = client.get("/api/v1/initiatives/5").json()
    assert rec["countries"] == ["NPL", "BGD"] and rec["version"] == int(version) + 1
    stale = client.post("/initiatives/5/edit", data={"csrf_token": csrf, "version": version, "title": "Other"})
    assert stale.status_code == 409 and "Someone else changed this record" in stale.text
    forged = client.post("/initiatives/5/edit", data={"csrf_token": "nope", "version": version, "title": "x"})
    assert forged.status_code == 403
    history = client.get("/api/v1/initiatives/5/history").json()
    assert history[-1]["author"] == "editor" and history[-1]["reason"] == "from the report"


def test_viewer_cannot_edit_and_sees_no_form(client):
    csrf = sign_in(client, "viewer")
    assert 'action="/initiatives/5/edit"' not in client.get("/initiatives/5").text
    r = client.post("/initiatives/5/edit", data={"csrf_token": csrf, "title": "x"}, headers=HTML)
    assert r.status_code == 403


def test_finding_links_to_its_field_and_review_actions(client):
    csrf = sign_in(client, "reviewer")
    finding = next(f for f in client.get("/api/v1/findings", params={"status": "open"}).json() if f["initiative_ids"])
    rid = finding["initiative_ids"][0]
    html = client.get(f"/initiatives/{rid}").text
    anchor = f"edit-{finding['field']}" if finding["field"] else "edit"
    assert f'href="/initiatives/{rid}#{anchor}"' in html
    r = client.post(f"/findings/{finding['id']}/status", data={"csrf_token": csrf, "status": "resolved",
                                                              "comment": "checked", "next": "/review"},
                    follow_redirects=False)
    assert r.status_code == 303
    after = client.get(f"/api/v1/findings/{finding['id']}").json()
    assert after["status"] == "resolved" and after["comment"] == "checked"
    ids = [f["id"] for f in client.get("/api/v1/findings", params={"status": "open"}).json()[:2]]
    r = client.post("/review/bulk", data={"csrf_token": csrf, "ids": [str(i) for i in ids], "status": "acknowledged",
                                          "comment": "seen"}, follow_redirects=False)
    assert r.status_code == 303
    assert all(client.get(f"/api/v1/findings/{i}").json()["status"] == "acknowledged" for i in ids)


def test_wrong_password(client):
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"name": "admin", "password": "wrong-one", "csrf_token": token})
    assert r.status_code == 401 and "Wrong name or password" in r.text


def test_upload_page_summary(client):
    csrf = sign_in(client, "editor")
    body = b'{"records": [{"title": "Community radio pilot", "kind": "pilot", "countries": ["MLI"]}]}'
    r = client.post("/upload", data={"csrf_token": csrf}, files=[("files", ("radio.json", body, "application/json"))],
                    headers={"HX-Request": "true"})
    assert r.status_code == 200 and "Ingest summary" in r.text and "radio.json" in r.text
    assert client.get("/api/v1/initiatives", params={"q": "Community radio"}).json()["total"] == 1
    no_csrf = client.post("/upload", files=[("files", ("radio.json", body, "application/json"))])
    assert no_csrf.status_code in (400, 403)


def test_admin_turns_anonymous_read_off(client):
    csrf = sign_in(client, "admin")
    r = client.post("/admin/settings", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    anonymous = TestClient(client.app)
    assert anonymous.get("/api/v1/initiatives/1").status_code == 401


def test_money_in_usd_at_the_amounts_date():
    rates = Rates()
    eur_2015 = rates.to_usd(Decimal(1000), "EUR", "2015-06")
    eur_2022 = rates.to_usd(Decimal(1000), "EUR", "2022-10")
    assert Decimal(1050) < eur_2015 < Decimal(1150) and Decimal(950) < eur_2022 < Decimal(1010)
    assert rates.to_usd(Decimal(5), "USD", None) == Decimal(5)
    totals = rates.total([(Decimal(100), "USD", None), (Decimal(2), "BTC", "2021"), (Decimal(3), "BTC", None)])
    assert totals.usd == Decimal(100) and totals.unconverted == {"BTC": Decimal(5)}


def test_unconverted_amounts_are_shown_apart(client, tokens):
    from .conftest import bearer

    client.post("/api/v1/initiatives", json={"title": "Crypto fund", "kind": "fund", "budget": {"amount": 12, "currency": "BTC"}},
                headers=bearer(tokens["editor"]))
    stats = client.get("/api/v1/stats").json()
    assert stats["budget"]["unconverted"]["BTC"] == 12
    assert "12 BTC" in client.get("/").text


def test_explore_says_when_it_matched_some_of_the_words(client):
    html = client.get("/explore", params={"q": "citizens taking part in policy making through ICT"}).text
    assert 'id="relaxed-note"' in html and "ROA 245-8A" in html
    api = client.get("/api/v1/initiatives", params={"q": "citizens taking part in policy making through ICT"}).json()
    assert api["relaxed"] and api["total"] == int(re.search(r'<span id="total">(\d+)</span>', html).group(1))
    assert 'id="relaxed-note"' not in client.get("/explore", params={"q": "youth"}).text


def test_review_queue_comes_a_page_at_a_time_with_true_counts_per_rule(client, monkeypatch):
    """A registry with thousands of findings: the queue shows one page of them (here 3) grouped by rule, the
    totals per rule and severity count every finding that matches, and the pages together show each once."""
    from initiatives.web import pages

    monkeypatch.setattr(pages, "REVIEW_PAGE", 3)
    every = client.get("/api/v1/findings").json()
    open_ = [f for f in every if f["status"] == "open"]
    n_pages = -(-len(open_) // 3)
    assert n_pages >= 2
    first = client.get("/review").text
    assert f"{len(open_)} findings; 1–3 shown." in first and f"Page 1 of {n_pages}" in first
    by_rule = {}
    for f in open_:
        by_rule[f["rule"]] = by_rule.get(f["rule"], 0) + 1
    top = sorted(by_rule)[0]  # the first page opens with the first rule by name, counted whole
    assert f'<h2 id="rule-{top}">{top} <span class="count">{by_rule[top]}</span></h2>' in first
    shown = []
    for page in range(1, n_pages + 1):
        html = client.get("/review", params={"page": page}).text
        shown += re.findall(r'<li class="finding [^"]*" id="finding-(\d+)"', html)
    assert sorted(map(int, shown)) == sorted(f["id"] for f in open_)
    assert "Page 1 of" in client.get("/review", params={"page": "x"}).text
