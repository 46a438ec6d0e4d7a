"""An audit of a large file kept in pieces reads each record's lines from the pieces, never the file whole,
and finds exactly what it finds when the same file is stored whole."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from initiatives.audit import runner
from initiatives.audit.documents import from_store
from initiatives.interop import formats
from initiatives.interop.iati import importer
from initiatives.store import Store
from interop_paths import ACTIVITIES

TODAY = dt.date(2026, 11, 21)


def _findings(store: Store) -> tuple[list[tuple], list]:
    docs, pieces = from_store(store)
    result = runner.run(store.list_initiatives(), docs, today=TODAY, pieces=pieces)
    assert result.errors == []
    found = sorted((f.rule, f.record, f.message, f.evidence_text, tuple((e.start, e.end) for e in f.evidence))
                   for f in result.findings)
    return found, docs


@pytest.mark.parametrize("name", ["iom-xm-dac-47066-v2.03.xml", "covid19-multi-publisher-v2.03-dportal-extract.xml"])
def test_findings_on_a_file_in_pieces_equal_those_on_the_file_held_whole(tmp_path: Path, name: str) -> None:
    path = ACTIVITIES / name
    pieces_store = Store.open(str(tmp_path / "pieces.db"))
    importer.import_file(pieces_store, path, text_chunk=4096)  # hundreds of small pieces
    whole_store = Store.open(str(tmp_path / "whole.db"))
    whole_store.save_batch(formats.read(path))
    in_pieces, docs = _findings(pieces_store)
    assert [d.text for d in docs] == [""]  # handed to the rules without its text
    held_whole, whole_docs = _findings(whole_store)
    assert len(whole_docs[0].text) > 100_000
    assert in_pieces == held_whole
    assert any(rule == "iati-standard-ruleset" for rule, *_ in in_pieces)


def test_an_evidence_span_quotes_the_document_kept_in_pieces(tmp_path: Path) -> None:
    path = ACTIVITIES / "iom-xm-dac-47066-v2.03.xml"
    store = Store.open(str(tmp_path / "p.db"))
    importer.import_file(store, path, text_chunk=4096)
    docs, pieces = from_store(store)
    result = runner.run(store.list_initiatives(), docs, today=TODAY, pieces=pieces)
    text = path.read_text(encoding="utf-8")
    spans = [e for f in result.findings for e in f.evidence]
    assert spans
    for span in spans[:200]:
        chunk = text[span.start:span.end]
        assert chunk.startswith("<iati-activity") or (span.text and chunk == span.text)


def test_windows_read_in_any_order_quote_the_file(tmp_path: Path) -> None:
    path = ACTIVITIES / "iom-xm-dac-47066-v2.03.xml"
    store = Store.open(str(tmp_path / "w.db"))
    importer.import_file(store, path, text_chunk=4096)
    docs, pieces = from_store(store)
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    records = store.list_initiatives()
    for rec in records[::-7] + records[::11]:  # backwards, then forwards with gaps: pieces are re-visited
        window, start = pieces(docs[0], *rec.source_lines)
        first, last = rec.source_lines
        assert window == "\n".join(lines[first - 1:last]) and text[start:start + len(window)] == window
