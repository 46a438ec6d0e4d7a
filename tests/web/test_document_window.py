"""The document page on a file kept in pieces: a window around the span asked for, never the whole file."""

from __future__ import annotations

import html
import re
from pathlib import Path

from fastapi.testclient import TestClient

from initiatives.interop.iati import importer
from initiatives.store import Store
from initiatives.web import document_view
from initiatives.web.app import create_app
from interop_paths import ACTIVITIES

PATH = ACTIVITIES / "iom-xm-dac-47066-v2.03.xml"


def test_a_large_document_is_shown_a_window_at_a_time(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(document_view, "WINDOW", 20_000)  # the file is ~320k characters: many windows
    text = PATH.read_text(encoding="utf-8")
    db = tmp_path / "w.db"
    store = Store.open(str(db))
    importer.import_file(store, PATH, text_chunk=4096)  # kept in pieces, as a 1 GB file would be
    rec = store.list_initiatives()[300]
    span = rec.sources["title"][0]
    doc_id = store.documents()[0].id
    store.close()
    with TestClient(create_app(str(db), data_dir=tmp_path / "data")) as client:
        page = client.get(f"/documents/{doc_id}", params={"start": span.start, "end": span.end}).text
        shown = html.unescape(re.sub(r"<[^>]+>", "", re.search(r'<pre class="doctext">(.*)</pre>', page, re.S).group(1)))
        assert len(shown) == 20_000 and shown in text  # one window, the file's own characters
        focus = html.unescape(re.sub(r"<[^>]+>", "", re.search(r'class="mark focus"[^>]*>(.*?)</a>', page, re.S).group(1)))
        assert focus == text[span.start:span.end] and rec.title in focus  # the span asked for (its element) is marked
        assert 'id="doc-window"' in page and "of {:,}".format(len(text)) in page
        nxt = re.search(r'href="/documents/\d+\?at=(\d+)" rel="next"', page).group(1)
        after = client.get(f"/documents/{doc_id}", params={"at": nxt}).text
        assert 'rel="prev"' in after and f"Characters {int(nxt) + 1:,}" in after
        line = next(i for i, x in enumerate(text.split("\n"), 1) if f"<iati-identifier>{rec.code}<" in x)
        by_line = client.get(f"/documents/{doc_id}", params={"line_from": line}).text
        focused = re.findall(r'<mark class="focus">(.*?)</mark>|class="mark focus"[^>]*>(.*?)</a>', by_line, re.S)
        assert f"<iati-identifier>{rec.code}</iati-identifier>" in html.unescape("".join(a + b for a, b in focused))
        assert client.get("/documents/999999").status_code == 404


def test_sources_of_a_record_from_a_document_in_pieces_are_read_from_its_pieces(tmp_path: Path) -> None:
    text = PATH.read_text(encoding="utf-8")
    db = tmp_path / "s.db"
    store = Store.open(str(db))
    importer.import_file(store, PATH, text_chunk=4096)
    rec = store.list_initiatives()[250]
    assert store.get_document(store.documents()[0].id, join_pieces=False).text == ""  # nothing joined
    store.close()
    with TestClient(create_app(str(db), data_dir=tmp_path / "data")) as client:
        title = client.get(f"/api/v1/initiatives/{rec.id}/sources").json()["fields"]["title"][0]
        assert title["quote"] == text[title["start"]:title["end"]] and rec.title in title["sentence"]
        assert title["line"] == text.count("\n", 0, title["start"]) + 1
        page = client.get(f"/initiatives/{rec.id}").text
        assert html.escape(rec.title, quote=False) in page and f'?start={title["start"]}&amp;end={title["end"]}' in page


def test_the_api_gives_a_large_document_a_part_at_a_time(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(document_view, "WINDOW", 10_000)
    text = PATH.read_text(encoding="utf-8")
    db = tmp_path / "a.db"
    store = Store.open(str(db))
    importer.import_file(store, PATH, text_chunk=4096)
    rec = store.list_initiatives()[100]
    span = rec.sources["title"][0]
    doc_id = store.documents()[0].id
    store.close()
    with TestClient(create_app(str(db), data_dir=tmp_path / "data")) as client:
        body = client.get(f"/api/v1/documents/{doc_id}", params={"start": span.start, "end": span.end}).json()
        assert body["length"] == len(text) and len(body["text"]) == 10_000
        assert body["text"] == text[body["offset"]:body["offset"] + 10_000]
        assert body["offset"] <= span.start < body["offset"] + 10_000
        assert any(s["start"] == span.start and s["field"] == "title" and s["initiative_id"] == rec.id
                   for s in body["spans"])
        assert client.get(f"/api/v1/documents/{doc_id}", params={"at": 20_000}).json()["offset"] == 20_000
        assert client.get(f"/api/v1/documents/{doc_id}", params={"at": -1}).status_code == 422
