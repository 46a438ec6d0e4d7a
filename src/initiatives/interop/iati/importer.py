"""Import an IATI file straight into the store, streaming: one transaction, records saved in chunks.

`formats.read` + `Store.save_batch` hold every record of a file (and its text) in memory before saving; this
path keeps only one chunk of records and a window of the text, writing the text into `document_chunks` as it
goes (provenance reads it back from there), and is what `initiatives import` and the benchmark use. Records
travel as `bulk.Packed` rows (no record objects); with a core to spare they are read and mapped in a worker
process (`pipeline.py`) while this one writes. Critical problems raise InputError before or during the
transaction; nothing is stored then.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from initiatives.interop.iati import pipeline
from initiatives.interop.iati.reader import (
    Pending,
    SpanRecipe,
    check_root,
    document_for,
    file_sha256,
    find_spans,
    line_key,
    locate,
    stream_packed,
    text_blocks,
)
from initiatives.model import Document, Finding
from initiatives.store import Store
from initiatives.store import bulk, document_chunks, source_spans
from initiatives.store.repository import SaveSummary, _OrgResolver
from sqlalchemy.orm import Session

CHUNK = 500
FTS_EVERY = 5000  # records: the full-text index is filled this many at a time (each statement adds a segment)
PARALLEL_MIN_BYTES = 4 << 20  # below this, starting a worker process costs more than it saves
BULK_CACHE_KB = 64 * 1024


@dataclass
class ImportResult:
    summary: SaveSummary
    findings: int
    document: Document


def import_file(store: Store, path: Path, *, author: str = "import", reason: str | None = None,
                chunk: int = CHUNK, text_chunk: int = document_chunks.CHUNK_CHARS,
                parallel: bool | None = None) -> ImportResult:
    """Import one IATI file: `chunk` records are saved at a time and the text is stored in pieces of about
    `text_chunk` characters, all in one transaction. `parallel`: read and map in a worker process while this
    one writes (None: as `worth_a_worker` says)."""
    check_root(path)
    if parallel is None:
        parallel = worth_a_worker(store, path)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of short-lived objects, few cycles: collect once per chunk instead
    try:
        return _import(store, path, author=author, reason=reason, chunk=chunk, text_chunk=text_chunk,
                       parallel=parallel)
    finally:
        if gc_was_enabled:
            gc.enable()


def worth_a_worker(store: Store, path: Path) -> bool:
    """Whether reading in a second process pays: on SQLite (where it was measured), for a file of
    PARALLEL_MIN_BYTES or more, when a core is free (1-minute load average at most the cores less one). On a
    busy machine the two processes share one core and the hand-over between them (pickling) is pure cost.
    Only from a single-threaded process (the CLI): the worker is forked."""
    cores = os.cpu_count() or 1
    return (store.engine.dialect.name == "sqlite" and cores >= 2 and path.stat().st_size >= PARALLEL_MIN_BYTES
            and threading.active_count() == 1 and os.getloadavg()[0] <= cores - 1)


class _FullText:
    """SQLite: the full-text index of the new records' search entries, filled by statements of many rows
    (`catch_up`, and at the end) instead of by the insert trigger row by row: the trigger is dropped and
    re-created inside the same transaction (a rollback restores it). Entries the store rewrites at commit
    (updated records) find the trigger back in place. Without SQLite's trigger: nothing to do."""

    def __init__(self, raw: Any) -> None:
        self.raw, self.trigger, self.next = raw, None, 0
        if raw is None:
            return
        found = raw.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'search_entries_ai'"
                            ).fetchone()
        if found is None:
            return
        if not raw.in_transaction:  # the driver opens its transaction at the first INSERT only: DDL before it
            raw.execute("BEGIN")     # would commit at once, and a rollback would not bring the trigger back
        self.next = (raw.execute("SELECT max(id) FROM initiatives").fetchone()[0] or 0) + 1
        self.trigger = found[0]
        raw.execute("DROP TRIGGER search_entries_ai")

    def catch_up(self, upto: int | None = None) -> None:
        """Index the new records' entries up to id `upto` (all of them with None)."""
        if self.trigger is None:
            return
        sql = ("INSERT INTO search_fts(rowid, title, body) SELECT initiative_id, title, body FROM search_entries "
               "WHERE initiative_id >= ?")
        if upto is None:
            self.raw.execute(sql, (self.next,))
        elif upto >= self.next:
            self.raw.execute(sql + " AND initiative_id <= ?", (self.next, upto))
            self.next = upto + 1

    def close(self) -> None:
        if self.trigger is not None:
            self.catch_up()
            self.raw.execute(self.trigger)
            self.trigger = None


@contextmanager
def _bulk_pragmas(s: Session) -> Iterator[_FullText]:
    """On SQLite, a larger page cache while the import's index inserts run (64 MB instead of 2 MB), then back,
    and the full-text index filled many rows at a time (`_FullText`). The transaction stays one: `synchronous`
    and the journal mode only matter at its single commit."""
    conn = s.connection()
    if conn.dialect.name != "sqlite":
        yield _FullText(None)
        return
    raw = conn.connection.dbapi_connection
    before = raw.execute("PRAGMA cache_size").fetchone()[0]
    raw.execute(f"PRAGMA cache_size={-BULK_CACHE_KB}")
    try:
        fts = _FullText(raw)
        yield fts
        fts.close()
    finally:
        raw.execute(f"PRAGMA cache_size={int(before)}")


def _parts(path: Path, sha: str, chunk: int, encode: bool, reading: pipeline.Reading | None,
           findings: list[Finding], writer: document_chunks.ChunkWriter | None) -> Iterator[list[bulk.Packed]]:
    """The file's records as packed rows, `chunk` at a time, read here or by a worker process (`reading`); the
    findings are added to `findings` and the text handed to `writer` as the records go by."""
    if reading is None:
        items = stream_packed(path, sha, findings, writer.add if writer is not None else None, encode=encode,
                              compact=True, keep_xml=False)
        while part := list(islice(items, chunk)):
            yield part
        return
    # the text, decoded here, keeps pace with the records: each activity is located in it (offsets, lines),
    # and its spans and the reader's findings are completed from there
    text = _Text(text_blocks(path), writer)
    first_at, last_at = bulk.ROW_COLS.index("source_first_line"), bulk.ROW_COLS.index("source_last_line")
    doc_at = bulk.ROW_COLS.index("source_document")
    for part in reading:  # (the worker's parts, in file order)
        packs, where = [], []
        for p in part.packs:
            start, end, line, end_line = text.locate()
            where.append((start, end, line, end_line))
            row = (*p.row[:first_at], line, end_line, *p.row[last_at + 1:])
            items = p.span_recipe[2] if p.span_recipe is not None else ()
            packs.append(p._replace(
                row=row, key=p.key if p.key is not None else line_key(row[doc_at], line),
                spans_json=source_spans.encode(sha, text.spans((start, end, items))) if items else p.spans_json,
                span_recipe=None, search=bulk.complete_search(p)))
        first_act = part.first_act
        findings.extend(f.complete(path.name, sha, *where[f.act - first_act]) if isinstance(f, Pending) else f
                        for f in part.findings)
        yield packs
    text.finish()


class _Text:
    """The decoded text of the file beside the parallel import, a block at a time: each block goes to the
    document's pieces, and the blocks holding the current records stay at hand. The reader process only parses
    and maps; this one, which decodes the text anyway, locates each activity in it (`locate`: offsets and
    lines, as the sequential reader counts them) and finds its spans (`reader.find_spans`)."""

    def __init__(self, blocks: Iterator[tuple[str, bytes | None]], writer: document_chunks.ChunkWriter | None
                 ) -> None:
        self.blocks, self.writer = blocks, writer
        self.text, self.base = "", 0  # self.text begins at offset self.base of the whole text
        self.pos, self.line = 0, 1  # where the last activity ended, and the line there

    def _more(self) -> bool:
        got = next(self.blocks, None)
        if got is None:
            return False
        block, raw = got
        if self.writer is not None:
            self.writer.add(block, raw)
        self.text += block
        return True

    def locate(self) -> tuple[int, int, int, int]:
        """The next activity's start and end in the whole text, and its first and last lines."""
        rel = self.pos - self.base
        if rel > len(self.text) >> 1:  # the records moved on: forget the text before them
            self.text, self.base, rel = self.text[rel:], self.pos, 0
        while (found := locate(self.text, rel)) is None and self._more():
            pass
        start, end = found if found is not None else (rel, rel)  # text and parse disagree: no span
        line = self.line + self.text.count("\n", rel, start)
        end_line = line + self.text.count("\n", start, end)
        self.pos, self.line = self.base + end, end_line
        return self.base + start, self.base + end, line, end_line

    def spans(self, recipe: SpanRecipe) -> list[tuple[str, int, int]]:
        """The spans of the activity just located."""
        return find_spans(self.text, self.base, recipe)

    def finish(self) -> None:
        for block, raw in self.blocks:
            if self.writer is not None:
                self.writer.add(block, raw)


def _import(store: Store, path: Path, *, author: str, reason: str | None, chunk: int,
            text_chunk: int, parallel: bool) -> ImportResult:
    encode = store.engine.dialect.name == "sqlite"  # JSON columns as text, made where the rows are
    # the worker starts reading at once: it needs no sha256, which this process computes meanwhile
    reading = pipeline.Reading(path, chunk=chunk, encode=encode) if parallel else None
    try:
        return _import_read(store, path, author=author, reason=reason, chunk=chunk, text_chunk=text_chunk,
                            encode=encode, reading=reading)
    finally:
        if reading is not None:
            reading.close()


def _import_read(store: Store, path: Path, *, author: str, reason: str | None, chunk: int, text_chunk: int,
                 encode: bool, reading: pipeline.Reading | None) -> ImportResult:
    findings: list[Finding] = []
    summary = SaveSummary()
    document = document_for(path, file_sha256(path), "")
    with store.transaction() as s, _bulk_pragmas(s) as fts:
        # The text goes into document_chunks as the reader passes over it: memory stays flat in the file size.
        doc_id, new = bulk.insert_document_stub(s, document)
        writer = document_chunks.ChunkWriter(s, doc_id, text_chunk) if new else None
        doc_ids = {document.name: doc_id}
        orgs = _OrgResolver(s)
        labels: dict[str, list[int]] = {}
        reason = reason or f"import {path.name}"
        code_at, line_at = bulk.ROW_COLS.index("code"), bulk.ROW_COLS.index("source_first_line")
        with closing(_parts(path, document.sha256, chunk, encode, reading, findings, writer)) as parts:
            # (closing: an error in this loop ends the text reading; `_import` stops the worker)
            for n_chunks, packs in enumerate(parts, 1):
                ids = bulk.save_packed(store, s, packs, orgs, summary, author=author, reason=reason,
                                       document_ids=doc_ids)
                summary.initiative_ids.extend(ids)
                for p, rid in zip(packs, ids, strict=True):
                    labels.setdefault(p.row[code_at] or f"line {p.row[line_at] or 0}", []).append(rid)
                if reading is not None and ids and max(ids) - fts.next >= FTS_EVERY:  # while the worker reads on
                    fts.catch_up(max(ids))
                del packs
                if n_chunks % 10 == 0:  # the few cycles (ORM organisation rows) are collected now and then
                    gc.collect(1)
        if writer is not None:
            writer.close()
        if findings:  # link each finding to its record by the label the reader gave it
            linked = [f.model_copy(update={"initiative_ids": labels.get(f.record, [])[:1]}) for f in findings]
            bulk.save_findings(s, linked)
    return ImportResult(summary=summary, findings=len(findings), document=document)
