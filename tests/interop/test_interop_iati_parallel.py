"""The parallel IATI import (reader in a worker process, packed rows through a queue) stores exactly what the
sequential one stores, and a critical problem still stores nothing and names file and line."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pytest
from sqlalchemy import select

from initiatives.errors import InputError
from initiatives.interop.iati import importer, reader
from initiatives.store import Store, bulk, facets
from initiatives.store.repository import natural_key
from initiatives.store.tables import SearchEntryRow, SourceRow
from interop_paths import ACTIVITIES

FILES = sorted(ACTIVITIES.glob("*.xml"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
@pytest.mark.parametrize("encode", [True, False])
def test_packed_rows_are_the_rows_of_the_mapped_record(path: Path, encode: bool) -> None:
    """`stream_packed` builds the rows straight from the mapped values: the same as packing the record."""
    sha = reader.file_sha256(path)
    f_packed: list = []
    f_records: list = []
    packed = list(reader.stream_packed(path, sha, f_packed, encode=encode))
    expected = [bulk.pack(rec, natural_key(rec), source, encode=encode)
                for rec, source in reader.stream(path, sha, f_records)]
    assert len(packed) == len(expected) > 0
    for got, want in zip(packed, expected, strict=True):
        assert got == want
    assert [f.message for f in f_packed] == [f.message for f in f_records]


@pytest.mark.parametrize("encode", [True, False])
def test_packed_rows_cross_the_pipe_unchanged(encode: bool) -> None:
    """What the worker sends (MessagePack) decodes to the very rows it packed, budget amounts as Decimal."""
    from decimal import Decimal

    from initiatives.interop.iati import pipeline

    for path in FILES:
        packed = list(reader.stream_packed(path, "", [], encode=encode, compact=True, defer_spans=True,
                                           keep_xml=False))
        back = pipeline.decode_packs(pipeline.encode_packs(packed))
        assert back == packed and all(type(a) is type(b) for p, q in zip(back, packed) for a, b in zip(p.row, q.row))
    amounts = [p.row[bulk.ROW_COLS.index("budget_amount")] for p in back]
    assert any(isinstance(a, Decimal) for a in amounts)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_unpack_gives_the_record_back(path: Path) -> None:
    for rec, source in reader.stream(path, reader.file_sha256(path), []):
        for encode in (True, False):
            back = bulk.unpack(bulk.pack(rec, natural_key(rec), source, encode=encode))
            assert back.model_dump() == rec.model_dump()


def _stored(store: Store) -> tuple[list, list, list, list]:
    strip = lambda r: r.model_dump(exclude={"id", "created_at", "updated_at"})  # noqa: E731
    with store.transaction() as s:
        bodies = list(s.scalars(select(SearchEntryRow.body).order_by(SearchEntryRow.initiative_id)))
    spans = sorted((a, b, f) for d in store.documents() for a, b, f, _i in facets.spans_in_document(store, d.sha256))
    findings = sorted((f.rule, f.record, f.message, tuple(f.initiative_ids)) for f in store.findings())
    return [strip(r) for r in store.list_initiatives()], bodies, spans, findings


def test_parallel_import_stores_what_the_sequential_one_stores(tmp_path: Path) -> None:
    path = ACTIVITIES / "covid19-multi-publisher-v2.03-dportal-extract.xml"
    one = Store.open(str(tmp_path / "one.db"))
    two = Store.open(str(tmp_path / "two.db"))
    a = importer.import_file(one, path, chunk=70, parallel=False)
    b = importer.import_file(two, path, chunk=70, parallel=True)
    assert a.summary.created == b.summary.created == 401 and a.findings == b.findings > 0
    assert _stored(one) == _stored(two)
    assert mp.active_children() == []
    again = importer.import_file(two, path, chunk=70, parallel=True)  # stored already: the ORM path, unchanged
    assert again.summary.created == 0 and again.summary.unchanged == 401
    assert _stored(one) == _stored(two)


def test_spans_found_by_the_inserting_process_in_small_blocks_are_the_readers(tmp_path: Path, monkeypatch) -> None:
    """The reader process leaves the spans to the inserting one, which finds them in the text it decodes a
    block at a time (here 4 KB, so that activities straddle blocks and old text is let go): the same spans."""
    path = ACTIVITIES / "iom-xm-dac-47066-v2.03.xml"
    monkeypatch.setattr(reader._Window, "BLOCK", 4096)
    one = Store.open(str(tmp_path / "one.db"))
    two = Store.open(str(tmp_path / "two.db"))
    importer.import_file(one, path, chunk=50, parallel=False, text_chunk=4096)
    importer.import_file(two, path, chunk=50, parallel=True, text_chunk=4096)
    stored = _stored(two)
    assert _stored(one) == stored and len(stored[2]) > 577 * 5
    text = path.read_text(encoding="utf-8")
    rec = two.list_initiatives()[-1]
    code = rec.sources["code"][0]
    assert text[code.start:code.end] == f"<iati-identifier>{rec.code}</iati-identifier>"


def test_parallel_import_updates_changed_records_as_the_sequential_one(tmp_path: Path) -> None:
    path = ACTIVITIES / "dfid-gb-gov-1-albania-v2.01.xml"
    changed = tmp_path / path.name
    stores = []
    for parallel in (False, True):
        store = Store.open(str(tmp_path / f"r{parallel}.db"))
        importer.import_file(store, path, parallel=parallel)
        first = store.list_initiatives()[0]
        changed.write_text(path.read_text(encoding="utf-8").replace(first.title, first.title + " (phase two)", 1),
                           encoding="utf-8")
        again = importer.import_file(store, changed, parallel=parallel)
        assert again.summary.created == 0 and again.summary.updated + again.summary.unchanged == 8
        assert store.get_initiative(first.id).title == first.title + " (phase two)"
        stores.append(store)
    assert _stored(stores[0]) == _stored(stores[1])


def test_parallel_import_of_a_file_broken_near_the_end_stores_nothing(tmp_path: Path) -> None:
    text = (ACTIVITIES / "covid19-multi-publisher-v2.03-dportal-extract.xml").read_text(encoding="utf-8")
    cut = text.rindex("</iati-activity>")
    broken = tmp_path / "broken.xml"
    broken.write_text(text[:cut] + "</iati-activity-x>" + text[cut + 16:], encoding="utf-8")
    errors = []
    for parallel in (False, True):
        store = Store.open(str(tmp_path / f"r{parallel}.db"))
        with pytest.raises(InputError, match="malformed XML") as exc:
            importer.import_file(store, broken, chunk=50, text_chunk=4096, parallel=parallel)
        assert store.count_initiatives() == 0 and store.documents() == [] and store.findings() == []
        errors.append((str(exc.value), exc.value.file, exc.value.line))
    assert errors[0] == errors[1] and errors[1][1] == str(broken)
    assert errors[1][2] == text.count("\n", 0, cut) + 1  # the line of the bad closing tag
    assert mp.active_children() == []


def test_parallel_import_on_each_database(store: Store) -> None:
    """SQLite (JSON encoded in the worker) and PostgreSQL (plain values): same records as the sequential path."""
    path = ACTIVITIES / "dfid-gb-gov-1-albania-v2.01.xml"
    result = importer.import_file(store, path, chunk=3, text_chunk=2048, parallel=True)
    assert result.summary.created == 8
    rec = store.find_initiative(store.list_initiatives()[0].code)
    doc = store.get_document(path.name)
    assert doc.text == path.read_text(encoding="utf-8").strip()  # decoded by the importing process, in pieces
    title = rec.sources["title"][0]
    assert doc.text[title.start:title.end].startswith("<title>") and rec.title in doc.text[title.start:title.end]
    assert rec.extras["identifier"] == rec.code
    again = importer.import_file(store, path, chunk=3, parallel=True)
    assert again.summary.unchanged == 8 and again.summary.created == 0


def test_imported_spans_are_kept_on_the_row_and_read_back_everywhere(tmp_path: Path) -> None:
    """An imported activity's spans are one value on its row, not a `sources` row each; the record, the
    document view and an edit (which turns them into rows) all see the same spans."""
    from sqlalchemy import func

    path = ACTIVITIES / "dfid-gb-gov-1-albania-v2.01.xml"
    store = Store.open(str(tmp_path / "r.db"))
    importer.import_file(store, path, parallel=True)
    with store.transaction() as s:
        assert s.scalar(select(func.count()).select_from(SourceRow)) == 0
    recs = store.list_initiatives()
    doc = store.get_document(path.name)
    marks = facets.spans_in_document(store, doc.sha256)
    assert sorted((sp.start, sp.end, f, r.id) for r in recs for f, sps in r.sources.items() for sp in sps) == sorted(marks)
    assert all(doc.text[a:b].startswith("<") for a, b, _f, _i in marks)
    assert facets.read_initiative(store, recs[0].id).sources == recs[0].sources
    store.update_initiative(recs[0].id, {"title": "Another title"}, author="t")
    after = store.get_initiative(recs[0].id)
    assert after.title == "Another title" and after.sources == recs[0].sources
    assert sorted(facets.spans_in_document(store, doc.sha256)) == sorted(marks)


def test_downgrade_from_0006_turns_compact_spans_into_rows(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import text

    from initiatives.store.migrate import alembic_config

    path = ACTIVITIES / "dfid-gb-gov-1-albania-v2.01.xml"
    store = Store.open(str(tmp_path / "r.db"))
    importer.import_file(store, path, parallel=False)
    spans = sorted((r.id, f, sp.start, sp.end) for r in store.list_initiatives() for f, sps in r.sources.items()
                   for sp in sps)
    cfg = alembic_config(store.engine)
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005_interop_document_chunks")
    with store.engine.connect() as conn:
        rows = conn.execute(text('SELECT initiative_id, field, start, "end" FROM sources')).all()
        assert "source_spans" not in [c[1] for c in conn.execute(text("PRAGMA table_info(initiatives)"))]
    assert sorted(tuple(r) for r in rows) == spans and len(spans) > 8
    store.close()
    again = Store.open(str(tmp_path / "r.db"))  # upgrade again: the spans are the rows now
    assert sorted((r.id, f, sp.start, sp.end) for r in again.list_initiatives() for f, sps in r.sources.items()
                  for sp in sps) == spans


def test_parallel_import_indexes_every_chunk_for_search(tmp_path: Path, monkeypatch) -> None:
    """In parallel mode the full-text index is filled chunk by chunk while the worker reads on: records of the
    first and the last chunk are found, once each, and the insert trigger is back afterwards."""
    from sqlalchemy import text as sql

    from initiatives.search import search

    path = ACTIVITIES / "covid19-multi-publisher-v2.03-dportal-extract.xml"
    store = Store.open(str(tmp_path / "f.db"))
    monkeypatch.setattr(importer, "FTS_EVERY", 100)  # several statements, the last at the end
    importer.import_file(store, path, chunk=64, parallel=True)
    recs = store.list_initiatives()
    with store.transaction() as s:
        assert s.execute(sql("SELECT count(*) FROM search_fts")).scalar() == len(recs) == 401
        assert s.execute(sql("SELECT count(*) FROM sqlite_master WHERE name = 'search_entries_ai'")).scalar() == 1
    for rec in (recs[0], recs[-1]):
        assert rec.id in [h.initiative.id for h in search(store, f'"{rec.code}"').hits]


def test_a_worker_only_for_a_large_file_on_sqlite(tmp_path: Path, store: Store) -> None:
    small = ACTIVITIES / "dfid-gb-gov-1-albania-v2.01.xml"
    assert small.stat().st_size < importer.PARALLEL_MIN_BYTES and not importer.worth_a_worker(store, small)
    big = tmp_path / "big.xml"
    with big.open("wb") as fh:
        fh.truncate(importer.PARALLEL_MIN_BYTES)
    if store.engine.dialect.name != "sqlite":
        assert not importer.worth_a_worker(store, big)


@pytest.mark.parametrize("path", FILES[:4], ids=lambda p: p.name)
def test_spans_packed_as_one_value_give_the_same_record(path: Path) -> None:
    """The importers pack an activity's spans as one `source_spans` value: the same record comes back."""
    sha = reader.file_sha256(path)
    compact = list(reader.stream_packed(path, sha, [], compact=True))
    plain = list(reader.stream_packed(path, sha, []))
    assert all(p.spans_json and not p.sources for p in compact if p.row[0])
    for a, b in zip(compact, plain, strict=True):
        assert bulk.spans_of(a) == b.sources
        assert bulk.unpack(a).model_dump() == bulk.unpack(b).model_dump()


_ODD = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
 <iati-activity default-currency="ZZZ">
  <reporting-org ref="XM-1" type="10"><narrative>Reporter</narrative></reporting-org>
 </iati-activity>
 <iati-activity default-currency="USD"><iati-identifier>XM-1-A</iati-identifier><title><narrative>Piped water for towns</narrative></title><activity-status code="9"/><recipient-country code="KE"/><recipient-country code="QQ"/></iati-activity>
 <iati-activity>
  <iati-identifier>XM-1-B</iati-identifier>
  <title><narrative>Seed banks</narrative></title>
  <budget><period-start iso-date="2024-01-01"/><period-end iso-date="2024-12-31"/><value currency="XYZ">1000</value></budget>
  <participating-org role="4" type="99"><narrative>Cooperative</narrative></participating-org>
 </iati-activity>
 <iati-activity>
  <title><narrative>No identifier here</narrative></title>
  <activity-date type="1" iso-date="2024-13-45"/>
 </iati-activity>
</iati-activities>
"""


@pytest.mark.parametrize("chunk", [1, 2, 50])
def test_activities_the_reader_leaves_to_be_located_store_what_the_sequential_reader_stores(tmp_path: Path,
                                                                                            chunk: int) -> None:
    """The reader process does not read the text: the importing process locates each activity (offsets, lines)
    and completes the reader's findings. Odd activities (no identifier nor title, an unknown budget currency,
    one activity on one line among indented ones, problems before the identifier) come out the same."""
    path = tmp_path / "odd.xml"
    path.write_text(_ODD, encoding="utf-8")
    stores = []
    for parallel in (False, True):
        store = Store.open(str(tmp_path / f"{parallel}-{chunk}.db"))
        result = importer.import_file(store, path, chunk=chunk, parallel=parallel)
        assert result.summary.created == 4 and result.findings >= 5
        stores.append(store)
    assert _stored(stores[0]) == _stored(stores[1])
    found = stores[1].findings()
    lines = {f.record: f.source_lines for f in found}
    assert lines["line 3"] == (3, 5)  # problems of an activity with no identifier name its line
    assert lines["XM-1-A"] == (6, 6)
    assert lines["line 13"] == (13, 16)
    assert any(f.message.startswith("odd.xml:13: ") and "not a date" in f.message for f in found)
    by_title = {r.title: r for r in stores[1].list_initiatives()}
    assert by_title["Seed banks"].source_lines == (7, 12)
    doc = stores[1].get_document("odd.xml")
    span = by_title["Piped water for towns"].sources["countries"][0]
    assert doc.text[span.start:span.end] == '<recipient-country code="KE"/>'


@pytest.mark.parametrize("one_line", [False, True])
def test_pieces_stored_from_the_files_bytes_read_back_as_its_text(tmp_path: Path, monkeypatch, one_line: bool
                                                                   ) -> None:
    """The parallel import stores a UTF-8 file's pieces from the bytes it read, without encoding the text again:
    blocks are cut after their last newline, or, on a one-line file, before a character a block may have cut in
    two. An odd block size cuts inside the Spanish file's accented letters; the document and its lines read back
    as the file, and each span still quotes its element."""
    from initiatives.store import document_chunks
    from initiatives.store.tables import DocumentRow

    text = (ACTIVITIES / "spain-maec-indonesia-v2.01.xml").read_text(encoding="utf-8")
    if one_line:
        text = " ".join(text.split())
    path = tmp_path / "es.xml"
    path.write_bytes(text.encode("utf-8"))
    assert len(text.encode("utf-8")) > len(text)  # multi-byte characters
    monkeypatch.setattr(reader._Window, "BLOCK", 4093)
    store = Store.open(str(tmp_path / "es.db"))
    result = importer.import_file(store, path, chunk=20, parallel=True, text_chunk=8192)
    assert result.summary.created > 0
    doc = store.get_document(path.name)
    assert doc.text == text.strip()
    with store.transaction() as s:
        doc_id = s.scalar(select(DocumentRow.id))
        assert document_chunks.full_text(s, doc_id) == text
        if not one_line:
            assert document_chunks.lines(s, doc_id, 40, 44) == text.split("\n")[39:44]
    for rec in store.list_initiatives():
        code = rec.sources["code"][0]
        assert doc.text[code.start:code.end] == f"<iati-identifier>{rec.code}</iati-identifier>"


def test_a_file_that_is_not_utf8_is_stored_from_its_decoded_text(tmp_path: Path) -> None:
    """A file in another encoding (here ISO-8859-1, as declared) has no UTF-8 bytes to store: its pieces are the
    decoded text encoded, and it reads back the same."""
    text = (ACTIVITIES / "spain-maec-indonesia-v2.01.xml").read_text(encoding="utf-8")
    text = text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"', 1)
    assert 'encoding="ISO-8859-1"' in text
    path = tmp_path / "latin.xml"
    path.write_bytes(text.encode("latin-1", errors="replace"))
    store = Store.open(str(tmp_path / "latin.db"))
    importer.import_file(store, path, chunk=20, parallel=True, text_chunk=8192)
    assert store.get_document(path.name).text == path.read_bytes().decode("latin-1").strip()
