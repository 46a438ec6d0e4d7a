"""The streaming IATI importer (the large-file path) and the `iati-` audit rule family."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from initiatives.audit import iati_rules
from initiatives.audit.base import AuditContext, Rule
from initiatives.errors import InputError
from initiatives.interop import formats
from initiatives.interop.iati import importer, kept
from initiatives.store import Store
from interop_paths import ACTIVITIES


def _context(store: Store) -> AuditContext:
    docs = {}
    for d in store.documents():
        full = store.get_document(d.sha256)
        docs[full.name] = docs[full.sha256] = full
    return AuditContext(records=store.list_initiatives(), documents=docs, today=dt.date(2026, 11, 21))


def test_streaming_import_stores_what_read_and_save_batch_store(tmp_path: Path) -> None:
    path = ACTIVITIES / "covid19-multi-publisher-v2.03-dportal-extract.xml"
    streamed = Store.open(str(tmp_path / "s.db"))
    result = importer.import_file(streamed, path, chunk=150)  # several chunks
    batched = Store.open(str(tmp_path / "b.db"))
    batch = formats.read(path)
    batched.save_batch(batch)
    assert result.summary.created == 401 and result.findings == len(batch.findings)
    strip = lambda r: r.model_dump(exclude={"id", "created_at", "updated_at", "partners"})  # noqa: E731
    stored = streamed.list_initiatives()
    # transactions, results ... stay in the stored document (only their kinds are listed), and come back whole
    assert all("transaction_list" not in r.extras for r in stored)
    whole = batched.list_initiatives()
    assert sum("transaction_list" in r.extras.get(kept.MARKER, []) for r in stored) == sum(
        "transaction_list" in r.extras for r in whole) > 200
    assert [strip(r) for r in kept.restore(streamed, stored)] == [strip(r) for r in whole]
    key = lambda f: (f.rule, f.record, f.evidence_text, f.message)  # noqa: E731
    assert sorted(map(key, streamed.findings())) == sorted(map(key, batched.findings()))
    assert all(f.initiative_ids for f in streamed.findings())
    again = importer.import_file(streamed, path)
    assert again.summary.created == 0 and again.summary.unchanged == 401


def test_streaming_import_of_a_file_broken_at_the_end_stores_nothing(tmp_path: Path) -> None:
    text = (ACTIVITIES / "iom-xm-dac-47066-v2.03.xml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.xml"
    broken.write_text(text.replace("</iati-activities>", "<iati-activity></iati-activities>"), encoding="utf-8")
    store = Store.open(str(tmp_path / "r.db"))
    with pytest.raises(InputError) as exc:
        importer.import_file(store, broken, chunk=100)
    assert "broken.xml" in str(exc.value) and exc.value.line
    assert store.count_initiatives() == 0 and store.documents() == [] and store.findings() == []


def test_rule_family_shape() -> None:
    assert iati_rules.RULES and all(isinstance(r, Rule) and r.id.startswith("iati-") for r in iati_rules.RULES)


def test_iati_ruleset_findings_name_rule_file_and_line(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "r.db"))
    store.save_batch(formats.read(ACTIVITIES / "who-xm-dac-928-v2.03-dportal-extract.xml"))
    findings = iati_rules.check(_context(store))
    assert findings
    f = next(f for f in findings if "4.4.1" in f.message)  # transactions with an empty description narrative
    assert f.rule == "iati-standard-ruleset" and f.severity == "high" and f.initiative_ids
    assert "who-xm-dac-928-v2.03-dportal-extract.xml:" in f.message
    line = int(f.message.rsplit(":", 1)[1].rstrip(")"))
    doc = store.get_document(f.evidence[0].document)
    assert "<description" in doc.text.splitlines()[line - 1]
    assert 2 <= line and f.source_lines[0] <= line <= f.source_lines[1]


def test_a_clean_activity_gives_no_finding_and_other_records_are_left_alone(tmp_path: Path) -> None:
    xml = tmp_path / "clean.xml"
    xml.write_text('''<iati-activities version="2.03">
 <iati-activity xml:lang="en" default-currency="EUR" last-updated-datetime="2024-01-01T00:00:00">
  <iati-identifier>XM-DAC-7-clean-1</iati-identifier>
  <reporting-org ref="XM-DAC-7" type="10"><narrative>Ministry</narrative></reporting-org>
  <title><narrative>Clean water</narrative></title>
  <description><narrative>Wells</narrative></description>
  <participating-org role="1" ref="XM-DAC-7" type="10"><narrative>Ministry</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date type="2" iso-date="2023-01-01"/>
  <recipient-country code="KE"/>
  <sector vocabulary="1" code="14030"/>
 </iati-activity>
</iati-activities>''', encoding="utf-8")
    store = Store.open(str(tmp_path / "r.db"))
    store.save_batch(formats.read(xml))
    store.save_batch(formats.read(ACTIVITIES / "tearfund-gb-chc-265464-drc-v1.0x.xml"))  # 1.0x: not checked
    from initiatives.model import Initiative

    store.add_initiative(Initiative(title="From a press release"), author="t")
    assert iati_rules.check(_context(store)) == []


def test_formats_import_file_streams_xml_and_reads_the_rest(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "r.db"))
    summary, n_findings = formats.import_file(store, ACTIVITIES / "spain-maec-indonesia-v2.01.xml", author="t")
    assert summary.created == 83 and n_findings == 0
    csv = tmp_path / "l.csv"
    csv.write_text("code,title\nX-1,One\n", encoding="utf-8")
    summary, _ = formats.import_file(store, csv, author="t")
    assert summary.created == 1 and store.count_initiatives() == 84


def test_large_file_text_is_stored_in_pieces_and_provenance_still_reads_it(tmp_path: Path, monkeypatch) -> None:
    """The importer keeps only a window of the text (here 8 KB blocks) and stores it in pieces (here ~4 KB):
    the document reads back whole, every span quotes its element and the search index has the narratives."""
    from sqlalchemy import func, select

    from initiatives.interop.iati import reader
    from initiatives.search import search
    from initiatives.store import document_chunks
    from initiatives.store.tables import DocumentChunkRow, DocumentRow

    path = ACTIVITIES / "netherlands-mfa-xm-dac-7-v2.03.xml"
    text = path.read_text(encoding="utf-8")
    monkeypatch.setattr(reader._Window, "BLOCK", 8192)
    store = Store.open(str(tmp_path / "c.db"))
    result = importer.import_file(store, path, chunk=5, text_chunk=4096)
    assert result.summary.created == 13
    with store.transaction() as s:
        assert s.scalar(select(DocumentRow.text)) == ""
        assert s.scalar(select(func.count()).select_from(DocumentChunkRow)) > len(text) // 16384
        doc_id = s.scalar(select(DocumentRow.id))
        assert document_chunks.lines(s, doc_id, 3, 5) == text.split("\n")[2:5]
        assert document_chunks.text_slice(s, doc_id, 5000, 9000) == text[5000:9000]
    doc = store.get_document(result.document.sha256)
    assert doc.text == text.strip()  # (Document strips outer whitespace, as it always has)
    batch = reader.read(path)  # the whole-file reader gives the same records and spans
    for rec, again in zip(store.list_initiatives(), batch.initiatives, strict=True):
        assert rec.sources == again.sources and rec.source_lines == again.source_lines
        first, last = rec.source_lines
        assert text.split("\n")[first - 1].lstrip().startswith("<iati-activity")
        assert text.split("\n")[last - 1].rstrip().endswith("</iati-activity>")
        code = rec.sources["code"][0]
        assert text[code.start:code.end] == f"<iati-identifier>{rec.code}</iati-identifier>"
    title_word = max(batch.initiatives[0].title.split(), key=len)
    assert search(store, title_word).total >= 1


def test_a_broken_file_leaves_no_pieces_and_no_growth(tmp_path: Path) -> None:
    from sqlalchemy import func, select

    from initiatives.store.tables import DocumentChunkRow

    text = (ACTIVITIES / "covid19-multi-publisher-v2.03-dportal-extract.xml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.xml"
    broken.write_text(text.replace("</iati-activities>", "<iati-activity>&bad;</iati-activities>"), encoding="utf-8")
    db = tmp_path / "r.db"
    store = Store.open(str(db))
    with pytest.raises(InputError, match="malformed XML"):
        importer.import_file(store, broken, chunk=50, text_chunk=4096)
    with store.transaction() as s:
        assert s.scalar(select(func.count()).select_from(DocumentChunkRow)) == 0
    assert store.count_initiatives() == 0 and store.findings() == []
    store.close()
    stored = sum(p.stat().st_size for p in tmp_path.glob("r.db*"))
    assert stored < broken.stat().st_size  # the rolled-back pages do not stay behind


def test_streaming_import_with_text_in_pieces_on_each_database(store: Store) -> None:
    """SQLite and PostgreSQL: the pieces join back into the document, spans quote their element, a re-import
    of the same file changes nothing and writes no second copy of the text."""
    from sqlalchemy import func, select

    from initiatives.store.tables import DocumentChunkRow

    path = ACTIVITIES / "dfid-gb-gov-1-albania-v2.01.xml"
    text = path.read_text(encoding="utf-8")
    first = importer.import_file(store, path, chunk=3, text_chunk=2048)
    assert first.summary.created == 8
    doc = store.get_document(path.name)
    assert doc.text == text.strip()
    rec = store.find_initiative(store.list_initiatives()[0].code)
    title = rec.sources["title"][0]
    assert doc.text[title.start:title.end].startswith("<title>") and rec.title in doc.text[title.start:title.end]
    with store.transaction() as s:
        pieces = s.scalar(select(func.count()).select_from(DocumentChunkRow))
    again = importer.import_file(store, path, chunk=3, text_chunk=2048)
    assert again.summary.unchanged == 8 and again.summary.created == 0
    with store.transaction() as s:
        assert s.scalar(select(func.count()).select_from(DocumentChunkRow)) == pieces > 1


def test_search_entry_of_an_imported_record_is_the_same_after_an_edit(tmp_path: Path) -> None:
    """The bulk path writes the entry from the lines at hand; an edit rebuilds it from the stored row and the
    document's pieces: both give the same body (the activity's text, without markup)."""
    from sqlalchemy import select

    from initiatives.store.tables import SearchEntryRow

    store = Store.open(str(tmp_path / "e.db"))
    importer.import_file(store, ACTIVITIES / "netherlands-mfa-xm-dac-7-v2.03.xml", text_chunk=4096)
    rec = store.list_initiatives()[3]
    with store.transaction() as s:
        before = s.get(SearchEntryRow, rec.id).body
    assert "<" not in before and "narrative" not in before and rec.title.split()[0] in before
    store.update_initiative(rec.id, {"status": "suspended"}, author="t")
    with store.transaction() as s:
        after = s.scalar(select(SearchEntryRow.body).where(SearchEntryRow.initiative_id == rec.id))
    assert after == before


def test_a_minified_file_on_one_line_imports_with_its_spans_and_small_search_entries(tmp_path: Path) -> None:
    from sqlalchemy import func, select

    from initiatives.store.tables import SearchEntryRow

    text = (ACTIVITIES / "iom-xm-dac-47066-v2.03.xml").read_text(encoding="utf-8")
    one_line = tmp_path / "min.xml"
    one_line.write_text(" ".join(text.split()), encoding="utf-8")  # no newline at all
    store = Store.open(str(tmp_path / "m.db"))
    result = importer.import_file(store, one_line, text_chunk=4096)
    assert result.summary.created == 577
    rec = store.list_initiatives()[100]
    assert rec.source_lines == (1, 1)
    doc = store.get_document(one_line.name)
    code = rec.sources["code"][0]
    assert doc.text[code.start:code.end] == f"<iati-identifier>{rec.code}</iati-identifier>"
    with store.transaction() as s:
        longest = s.scalar(select(func.max(func.length(SearchEntryRow.body))))
    assert longest < 20_000  # each entry holds its own activity, not the file's one line


def test_show_sources_quotes_a_document_kept_in_pieces_with_its_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from initiatives.cli import app

    path = ACTIVITIES / "iom-xm-dac-47066-v2.03.xml"
    lines = path.read_text(encoding="utf-8").split("\n")
    db = str(tmp_path / "q.db")
    store = Store.open(db)
    importer.import_file(store, path, text_chunk=4096)
    rec = store.list_initiatives()[200]
    res = CliRunner().invoke(app, ["show", "--db", db, str(rec.id), "--sources"], env={"COLUMNS": "300"})
    assert res.exit_code == 0, res.output
    line = next(i for i, x in enumerate(lines, 1) if f"<iati-identifier>{rec.code}</iati-identifier>" in x)
    assert f"iom-xm-dac-47066-v2.03.xml:{line}" in res.output


def test_full_text_index_follows_new_and_updated_records_and_its_trigger_survives(tmp_path: Path) -> None:
    """The importer fills the FTS5 index of new records in one statement (trigger dropped meanwhile): new
    records, records updated by a re-import, and records saved later are all found; a failed import keeps
    the trigger."""
    from sqlalchemy import text as sql

    from initiatives.search import search

    src = (ACTIVITIES / "dfid-gb-gov-1-albania-v2.01.xml").read_text(encoding="utf-8")
    path = tmp_path / "alb.xml"
    path.write_text(src, encoding="utf-8")
    store = Store.open(str(tmp_path / "f.db"))
    importer.import_file(store, path)
    first = store.list_initiatives()[0]
    assert search(store, f'"{first.title}"').total >= 1
    path.write_text(src.replace(first.title, first.title + " Zanzibarquux", 1), encoding="utf-8")
    result = importer.import_file(store, path)
    assert result.summary.updated >= 1
    assert [h.initiative.id for h in search(store, "Zanzibarquux").hits] == [first.id]
    broken = tmp_path / "broken.xml"
    broken.write_text(src.replace("</iati-activities>", "<oops></iati-activities>"), encoding="utf-8")
    with pytest.raises(InputError):
        importer.import_file(store, broken)
    with store.transaction() as s:
        assert s.execute(sql("SELECT count(*) FROM sqlite_master WHERE name = 'search_entries_ai'")).scalar() == 1
    from initiatives.model import Initiative

    store.add_initiative(Initiative(title="Quuxlerian wells"), author="t")
    assert search(store, "Quuxlerian").total == 1


def test_an_imported_activity_is_found_by_every_description_not_by_its_markup_or_codes(tmp_path: Path) -> None:
    """An IATI record's search text is its values plus the narratives it keeps (every description type, titles
    in other languages): a word only in its objectives (description type 2) finds it; the XML's codes and
    attribute values are not in its text. An edit rebuilds the same text."""
    from lxml import etree
    from sqlalchemy import select

    from initiatives.search import search
    from initiatives.store.tables import SearchEntryRow

    path = ACTIVITIES / "covid19-multi-publisher-v2.03-dportal-extract.xml"
    tree = etree.parse(str(path))
    store = Store.open(str(tmp_path / "d.db"))
    importer.import_file(store, path, text_chunk=4096)
    for act in tree.iter("iati-activity"):  # an activity with a word only in its objectives
        objective = act.findtext("description[@type='2']/narrative") or ""
        rec = store.find_initiative(act.findtext("iati-identifier").strip())
        shown = f"{rec.title} {rec.summary}".lower()
        word = next((w for w in (w.strip(".,;:()'\"") for w in objective.split())
                     if len(w) > 7 and w.isalpha() and w.lower() not in shown), None)
        if word:
            break
    assert word
    assert rec.id in {h.initiative.id for h in search(store, f'"{word}"', limit=500).hits}
    with store.transaction() as s:
        body = s.get(SearchEntryRow, rec.id).body
    assert objective.strip() in body
    assert "iso-date" not in body and "<" not in body
    store.update_initiative(rec.id, {"status": "suspended"}, author="t")
    with store.transaction() as s:
        assert s.scalar(select(SearchEntryRow.body).where(SearchEntryRow.initiative_id == rec.id)) == body


@pytest.mark.parametrize("parallel", [False, True], ids=["one-process", "reader-process"])
def test_an_export_after_a_streaming_import_writes_the_elements_left_in_the_document(store: Store,
                                                                                      parallel: bool) -> None:
    """SQLite and PostgreSQL: the importer keeps transactions, results, policy markers and document links in the
    stored text only; the IATI export reads them back and writes them as the file had them."""
    import io

    from lxml import etree

    from initiatives.interop.iati import reader, writer
    from initiatives.store import InitiativeQuery

    path = ACTIVITIES / "netherlands-mfa-xm-dac-7-v2.03.xml"
    importer.import_file(store, path, chunk=4, text_chunk=4096, parallel=parallel)
    assert all(not set(writer.KEPT_KEYS) & set(r.extras) for r in store.list_initiatives())
    buf = io.StringIO()
    formats.writer_for("iati")(formats.select(store, InitiativeQuery(), filtered=False), buf)
    assert writer.validate(buf.getvalue()) == []
    parsed = etree.fromstring(buf.getvalue().encode(), etree.XMLParser(remove_blank_text=True))
    exported = {a.findtext("iati-identifier"): a for a in parsed}
    source = {r.code: r for r in reader.read(path).initiatives}
    assert exported.keys() == source.keys()
    n = 0
    for code, act in exported.items():
        for tag, key in reader.KEPT.items():
            written = [etree.tostring(e, encoding="unicode", with_tail=False) for e in act.iterchildren(tag)]
            assert written == source[code].extras.get(key, [])
            n += len(written)
    assert n > 50


def test_the_elements_left_in_the_document_come_from_the_version_a_record_was_read_from(tmp_path: Path) -> None:
    """Two versions of a file share its name: each record's transactions are read from its own version."""
    from initiatives.interop.iati import writer

    path = ACTIVITIES / "netherlands-mfa-xm-dac-7-v2.03.xml"
    text = path.read_text(encoding="utf-8")
    first, second = tmp_path / "v1" / path.name, tmp_path / "v2" / path.name
    first.parent.mkdir(), second.parent.mkdir()
    first.write_text(text, encoding="utf-8")
    assert text.count("<value value-date=\"2014-01-01\">2000000</value>") == 1
    second.write_text(text.replace("<value value-date=\"2014-01-01\">2000000</value>",
                                   "<value value-date=\"2014-01-01\">2500000</value>"), encoding="utf-8")
    store = Store.open(str(tmp_path / "v.db"))
    importer.import_file(store, first)
    importer.import_file(store, second)  # the changed activity is updated; its spans point into the second file
    restored = kept.restore(store, store.list_initiatives())
    changed = [r for r in restored if any("2500000" in t for t in r.extras.get("transaction_list", []))]
    assert len(changed) == 1 and not any("2000000" in t for t in changed[0].extras["transaction_list"])
    assert all(kept.MARKER not in r.extras for r in restored)
    assert sum(len(r.extras.get(k, [])) for r in restored for k in writer.KEPT_KEYS) > 50


def test_pieces_are_stored_compressed_and_a_downgrade_writes_their_text_back(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import text as sql

    from initiatives.store.migrate import alembic_config

    path = ACTIVITIES / "iom-xm-dac-47066-v2.03.xml"
    whole = path.read_text(encoding="utf-8").strip()
    store = Store.open(str(tmp_path / "z.db"))
    importer.import_file(store, path, text_chunk=65536)
    with store.engine.connect() as conn:
        rows = conn.execute(sql("SELECT text, packed FROM document_chunks ORDER BY seq")).all()
    assert len(rows) > 5 and all(t == "" and p for t, p in rows)
    assert sum(len(p) for _t, p in rows) * 5 < len(whole.encode())  # XML compresses well
    assert store.get_document(path.name).text == whole
    cfg = alembic_config(store.engine)
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0007_audit_finding_origin")
    with store.engine.connect() as conn:
        assert "packed" not in [c[1] for c in conn.execute(sql("PRAGMA table_info(document_chunks)"))]
        assert "".join(conn.scalars(sql("SELECT text FROM document_chunks ORDER BY seq"))) == whole
    store.close()
    again = Store.open(str(tmp_path / "z.db"))  # upgraded again: the pieces stored before keep their text
    assert again.get_document(path.name).text == whole
    rec = again.find_initiative(again.list_initiatives()[-1].code)
    assert kept.restore(again, [rec])[0].extras.get("transaction_list")
