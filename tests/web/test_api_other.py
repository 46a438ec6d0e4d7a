"""REST API: organisations, countries, documents and uploads, findings, audit, exports, users and settings."""

from __future__ import annotations

import csv
import io
import json

import pytest

from .conftest import PASSWORD, bearer
from .seed import GOLD


def test_organizations(client):
    orgs = client.get("/api/v1/organizations", params={"q": "UNICEF"}).json()
    assert orgs and all("unicef" in (o["name"] + (o["acronym"] or "") + " ".join(o["aliases"])).lower() for o in orgs)
    busiest = max(orgs, key=lambda o: o["initiatives"])
    one = client.get(f"/api/v1/organizations/{busiest['id']}").json()
    assert len(one["initiatives"]) == busiest["initiatives"] > 0
    assert all(x["roles"] for x in one["initiatives"])
    assert client.get("/api/v1/organizations/99999").status_code == 404


def test_countries(client):
    rows = client.get("/api/v1/countries").json()
    bgd = next(r for r in rows if r["iso3"] == "BGD")
    assert bgd["name"] == "Bangladesh" and bgd["initiatives"] >= 2 and isinstance(bgd["groups"], list)
    assert len(client.get("/api/v1/countries", params={"all": "true"}).json()) > 240
    one = client.get("/api/v1/countries/bgd").json()
    assert one["iso3"] == "BGD" and len(one["initiatives"]) == bgd["initiatives"]
    assert client.get("/api/v1/countries/XXQ").status_code == 404


def test_documents_with_spans(client):
    docs = client.get("/api/v1/documents").json()
    assert len(docs) == 4 and "text" not in docs[0]
    doc = client.get(f"/api/v1/documents/{docs[0]['id']}").json()
    assert doc["text"] and doc["spans"]
    span = doc["spans"][0]
    assert doc["text"][span["start"]:span["end"]]
    assert client.get("/api/v1/documents/999").status_code == 404


def test_upload_ingests_and_summarises(client, tokens, tmp_path):
    data = json.loads((GOLD / "002_d5bd7149008d43e0.json").read_text())
    data["doc"] = "uploaded.txt"
    files = [("files", ("uploaded.json", json.dumps(data).encode(), "application/json"))]
    assert client.post("/api/v1/documents", files=files).status_code == 401
    assert client.post("/api/v1/documents", files=files, headers=bearer(tokens["viewer"])).status_code == 403
    r = client.post("/api/v1/documents", files=files, headers=bearer(tokens["editor"]))
    assert r.status_code == 200, r.text
    summary = r.json()["files"][0]
    assert summary["file"] == "uploaded.json" and summary["created"] == 4 and summary["error"] is None
    assert r.json()["ok"] is True
    again = client.post("/api/v1/documents", files=files, headers=bearer(tokens["editor"])).json()["files"][0]
    assert again["created"] == 0 and again["unchanged"] == 4


def test_an_iati_upload_is_streamed_like_an_import(client, tokens):
    """An IATI file goes through the streaming importer: its text in pieces, the document under its uploaded name."""
    from sqlalchemy import func, select

    from initiatives.store.tables import DocumentChunkRow
    from testdata import DATA

    body = (DATA / "iati" / "activities" / "netherlands-mfa-xm-dac-7-v2.03.xml").read_bytes()
    files = [("files", ("nl-mfa.xml", body, "application/xml"))]
    r = client.post("/api/v1/documents", files=files, headers=bearer(tokens["editor"]))
    assert r.status_code == 200, r.text
    summary = r.json()["files"][0]
    assert summary["error"] is None and summary["created"] > 10 and summary["organizations"] > 0
    docs = {d["name"]: d for d in client.get("/api/v1/documents").json()}
    assert "nl-mfa.xml" in docs
    store = client.app.state.store
    with store.transaction() as s:
        assert s.scalar(select(func.count()).select_from(DocumentChunkRow)) > 0
    rec = client.get(f"/api/v1/initiatives/{summary['initiative_ids'][0]}").json()
    assert rec["source_document"] == "nl-mfa.xml"
    again = client.post("/api/v1/documents", files=files, headers=bearer(tokens["editor"])).json()["files"][0]
    assert again["created"] == 0 and again["unchanged"] == summary["created"]


def test_upload_bad_files_store_nothing(client, tokens):
    h = bearer(tokens["editor"])
    before = client.get("/api/v1/initiatives", params={"facets": "false"}).json()["total"]
    unsupported = client.post("/api/v1/documents", headers=h, files=[
        ("files", ("ok.json", b'{"records": [{"title": "fine"}]}', "application/json")),
        ("files", ("virus.exe", b"MZ", "application/octet-stream"))])
    assert unsupported.status_code == 415 and unsupported.json()["field"] == "files"
    assert "virus.exe" in unsupported.json()["error"]
    oversize = client.post("/api/v1/documents", headers=h, files=[("files", ("big.json", b" " * (2 * 1024 * 1024), "application/json"))])
    assert oversize.status_code == 413 and oversize.json()["field"] == "files"
    def chunks():  # no Content-Length: the limit holds while the body arrives
        boundary = b"--xyz\r\n"
        yield boundary + b'Content-Disposition: form-data; name="files"; filename="big.json"\r\n\r\n'
        for _ in range(40):
            yield b" " * 65536
        yield b"\r\n--xyz--\r\n"
    chunked = client.post("/api/v1/documents", headers=h | {"Content-Type": "multipart/form-data; boundary=xyz"},
                          content=chunks())
    assert chunked.status_code == 413
    broken = client.post("/api/v1/documents", headers=h, files=[
        ("files", ("broken.json", b'{"records": [{"title": "a", "countries": ["Narnia"]}]}', "application/json"))])
    assert broken.status_code == 200
    result = broken.json()["files"][0]
    assert broken.json()["ok"] is False and "countries" in result["error"] and "broken.json" in result["error"]
    wrong_field = client.post("/api/v1/documents", headers=h, files=[("upload", ("a.json", b"{}", "application/json"))])
    assert wrong_field.status_code == 422 and wrong_field.json()["field"] == "upload"
    after = client.get("/api/v1/initiatives", params={"facets": "false"}).json()["total"]
    assert after == before


def test_findings_page_through_with_limit_and_offset(client):
    every = client.get("/api/v1/findings")
    total = int(every.headers["X-Total-Count"])
    assert total == len(every.json()) > 4
    first = client.get("/api/v1/findings", params={"limit": 3})
    rest = client.get("/api/v1/findings", params={"limit": 3, "offset": 3})
    assert first.headers["X-Total-Count"] == rest.headers["X-Total-Count"] == str(total)
    assert [f["id"] for f in first.json() + rest.json()] == [f["id"] for f in every.json()[:6]]
    open_ = client.get("/api/v1/findings", params={"status": "open", "limit": 1})
    assert int(open_.headers["X-Total-Count"]) == sum(f["status"] == "open" for f in every.json())
    assert client.get("/api/v1/findings", params={"limit": 0}).status_code == 422


def test_findings_filter_and_review(client, tokens):
    open_ = client.get("/api/v1/findings", params={"status": "open"}).json()
    assert open_ and all(f["status"] == "open" for f in open_)
    rule = open_[0]["rule"]
    assert all(f["rule"] == rule for f in client.get("/api/v1/findings", params={"rule": rule}).json())
    assert client.get("/api/v1/findings", params={"status": "maybe"}).json()["field"] == "status"
    fid = open_[0]["id"]
    body = {"status": "resolved", "comment": "fixed the title"}
    assert client.patch(f"/api/v1/findings/{fid}", json=body, headers=bearer(tokens["editor"])).status_code == 403
    r = client.patch(f"/api/v1/findings/{fid}", json=body, headers=bearer(tokens["reviewer"]))
    assert r.status_code == 200 and r.json()["status"] == "resolved" and r.json()["comment"] == "fixed the title"
    stored = client.get(f"/api/v1/findings/{fid}").json()
    assert stored["status"] == "resolved"
    assert stored["history"][-1] | {"at": None} == {"at": None, "by": "reviewer", "from": "open", "to": "resolved",
                                                    "comment": "fixed the title"}
    bad = client.patch(f"/api/v1/findings/{fid}", json={"status": "done"}, headers=bearer(tokens["reviewer"]))
    assert bad.status_code == 422 and bad.json()["field"] == "status"
    assert client.patch("/api/v1/findings/99999", json=body, headers=bearer(tokens["reviewer"])).status_code == 404
    assert client.get("/api/v1/findings/99999").status_code == 404


def test_bulk_review_is_all_or_nothing(client, tokens):
    h = bearer(tokens["reviewer"])
    ids = [f["id"] for f in client.get("/api/v1/findings", params={"status": "open"}).json()[:3]]
    bad = client.post("/api/v1/findings/bulk", json={"ids": [*ids, 99999], "status": "waived"}, headers=h)
    assert bad.status_code == 422 and bad.json()["field"] == "ids"
    assert all(client.get(f"/api/v1/findings/{i}").json()["status"] == "open" for i in ids)
    ok = client.post("/api/v1/findings/bulk", json={"ids": ids, "status": "waived", "comment": "known"}, headers=h)
    assert ok.status_code == 200 and ok.json()["changed"] == 3
    assert all(client.get(f"/api/v1/findings/{i}").json()["status"] == "waived" for i in ids)


def test_audit_endpoint(client, tokens):
    import importlib.util

    assert client.post("/api/v1/audit", headers=bearer(tokens["editor"])).status_code == 403
    r = client.post("/api/v1/audit", headers=bearer(tokens["reviewer"]))
    if importlib.util.find_spec("initiatives.audit.runner") is not None:
        assert r.status_code == 200 and {"new", "seen_again", "auto_resolved"} <= set(r.json()["summary"])
    else:
        assert r.status_code == 503 and r.json()["service"] == "audit" and "not installed" in r.json()["error"]


def test_export_of_a_selection(client):
    formats = client.get("/api/v1/formats").json()
    assert {"json", "csv"} <= set(formats)
    r = client.get("/api/v1/export", params={"format": "csv", "country": "BGD"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    listed = client.get("/api/v1/initiatives", params={"country": "BGD", "facets": "false"}).json()["total"]
    assert len(rows) == listed and all("BGD" in row["countries"] for row in rows)
    data = client.get("/api/v1/export", params={"format": "json", "kind": "pilot"}).json()
    assert data["records"] and all(rec["kind"] == "pilot" for rec in data["records"])
    ids = {rec["id"] for rec in data["records"]}
    assert all(ids & set(f["initiative_ids"]) for f in data["findings"])
    assert client.get("/api/v1/export", params={"format": "pdf"}).json()["field"] == "format"


def test_anonymous_read_can_be_turned_off(client, tokens):
    h = bearer(tokens["admin"])
    assert client.patch("/api/v1/settings", json={"anonymous_read": False}, headers=bearer(tokens["reviewer"])).status_code == 403
    r = client.patch("/api/v1/settings", json={"anonymous_read": False}, headers=h)
    assert r.status_code == 200 and r.json()["anonymous_read"] is False
    assert client.get("/api/v1/initiatives/1").status_code == 401
    assert client.get("/api/v1/initiatives/1", headers=bearer(tokens["viewer"])).status_code == 200
    assert client.get("/explore", headers={"accept": "text/html"}, follow_redirects=False).status_code == 303
    assert client.get("/api/v1/initiatives/1", headers=bearer("ini_not-a-token")).status_code == 401
    client.patch("/api/v1/settings", json={"anonymous_read": True}, headers=h)
    assert client.get("/api/v1/initiatives/1").status_code == 200


def test_users_and_tokens(client, tokens, app):
    h = bearer(tokens["admin"])
    assert client.get("/api/v1/users", headers=bearer(tokens["editor"])).status_code == 403
    r = client.post("/api/v1/users", json={"name": "ana", "password": "long-enough", "role": "reviewer"}, headers=h)
    assert r.status_code == 201 and r.json()["role"] == "reviewer"
    dup = client.post("/api/v1/users", json={"name": "ana", "password": "long-enough"}, headers=h)
    assert dup.status_code == 422 and dup.json()["field"] == "name"
    short = client.post("/api/v1/users", json={"name": "bo", "password": "short"}, headers=h)
    assert short.status_code == 422 and short.json()["field"] == "password"
    tok = client.post("/api/v1/users/ana/tokens", json={"label": "script"}, headers=h).json()["token"]
    assert client.get("/api/v1/me", headers=bearer(tok)).json() == {"name": "ana", "role": "reviewer"}
    from sqlalchemy import text

    with app.state.store.engine.connect() as conn:
        stored = conn.execute(text("select password_hash from users where name='ana'")).scalar()
    assert stored.startswith("$argon2") and "long-enough" not in stored


def test_session_writes_need_csrf(client):
    page = client.get("/login")
    import re

    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"name": "reviewer", "password": PASSWORD, "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    # the session (and its CSRF token) is renewed at sign-in
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/review").text).group(1)
    fid = client.get("/api/v1/findings", params={"status": "open"}).json()[0]["id"]
    body = {"status": "acknowledged"}
    assert client.patch(f"/api/v1/findings/{fid}", json=body).status_code == 403
    assert client.patch(f"/api/v1/findings/{fid}", json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
    ok = client.patch(f"/api/v1/findings/{fid}", json=body, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200


@pytest.mark.parametrize("path", ["/docs", "/api/v1/openapi.json"])
def test_openapi_docs_are_served_locally(client, path):
    r = client.get(path)
    assert r.status_code == 200
    assert "cdn." not in r.text and "unpkg" not in r.text


def test_admin_loads_a_rates_file(client, tokens):
    """An admin can load an ECB-format rates file; a currency it adds becomes convertible."""
    h = bearer(tokens["admin"])
    before = client.get("/api/v1/stats").json()
    client.post("/api/v1/initiatives", json={"title": "Fund in pesos", "kind": "fund", "start": "2024-03",
                                             "budget": {"amount": 1000, "currency": "ARS"}}, headers=bearer(tokens["editor"]))
    assert client.get("/api/v1/stats").json()["budget"]["unconverted"].get("ARS") == 1000
    rates = "Date,USD,ARS,\n2024-03-01,1.08,900.0,\n2024-02-01,1.08,880.0,\n"
    files = [("files", ("eurofxref-hist.csv", rates.encode(), "text/csv"))]
    assert client.post("/api/v1/rates", files=files, headers=bearer(tokens["editor"])).status_code == 403
    r = client.post("/api/v1/rates", files=files, headers=h)
    assert r.status_code == 200 and "ARS" in r.json()["currencies"]
    after = client.get("/api/v1/stats").json()
    assert "ARS" not in after["budget"]["unconverted"]
    assert after["budget"]["usd"] == pytest.approx(before["budget"]["usd"] + 1000 / 900 * 1.08, abs=0.05)
    bad = client.post("/api/v1/rates", files=[("files", ("rates.csv", b"not,a\nrates,file\n", "text/csv"))], headers=h)
    assert bad.status_code == 422 and bad.json()["field"] == "files"
    assert client.post("/api/v1/rates", files=[("files", ("rates.pdf", b"%PDF", "application/pdf"))], headers=h).status_code == 415


def test_document_upload_needs_the_ingest_engine(client, tokens):
    """A .txt document goes to initiatives.ingest.extract; without it the answer is 503, and nothing is stored."""
    from initiatives.web import services

    seed_text = (GOLD.parent / "seeds" / "002_d5bd7149008d43e0.txt").read_bytes()
    r = client.post("/api/v1/documents", headers=bearer(tokens["editor"]),
                    files=[("files", ("press.txt", seed_text, "text/plain"))])
    if services._extractor() is None:
        assert r.status_code == 503 and r.json()["service"] == "ingest"
        assert len(client.get("/api/v1/documents").json()) == 4
    else:
        assert r.status_code == 200 and r.json()["files"][0]["error"] is None


def test_user_admin_changes(client, tokens):
    h = bearer(tokens["admin"])
    client.post("/api/v1/users", json={"name": "temp", "password": "long-enough"}, headers=h)
    r = client.patch("/api/v1/users/temp", json={"role": "editor"}, headers=h)
    assert r.status_code == 200 and r.json()["role"] == "editor"
    assert client.patch("/api/v1/users/temp", json={"role": "king"}, headers=h).json()["field"] == "role"
    assert client.patch("/api/v1/users/nobody", json={"role": "editor"}, headers=h).status_code == 404
    assert client.delete("/api/v1/users/admin", headers=h).status_code == 422  # not yourself
    assert client.delete("/api/v1/users/temp", headers=h).status_code == 204
    assert "temp" not in [u["name"] for u in client.get("/api/v1/users", headers=h).json()]
    mine = client.post("/api/v1/me/tokens", json={"label": "laptop"}, headers=bearer(tokens["viewer"]))
    assert mine.status_code == 201 and mine.json()["user"] == "viewer"


def test_iati_export_names_the_publisher_given(client) -> None:  # type: ignore[no-untyped-def]
    from lxml import etree

    from initiatives.interop.iati import writer

    r = client.get("/api/v1/export", params={"format": "iati", "kind": "pilot", "reporting_org": "XM-OCHA-TEST:Test office"})
    assert r.status_code == 200 and writer.validate(r.text) == []
    root = etree.fromstring(r.content)
    refs = {e.get("ref") for e in root.iter("reporting-org")}
    assert refs == {"XM-OCHA-TEST"} and root.find("iati-activity/iati-identifier").text.startswith("XM-OCHA-TEST-")
    bad = client.get("/api/v1/export", params={"format": "iati", "reporting_org": "has space"})
    assert bad.status_code == 422 and bad.json()["field"] == "reporting_org"
