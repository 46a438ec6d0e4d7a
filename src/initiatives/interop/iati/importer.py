"""Import an IATI file straight into the store, streaming: one transaction, records saved in chunks.

`formats.read` + `Store.save_batch` hold every record of a file in memory before saving; this path keeps
only one chunk of records (and the document, which provenance needs) and is what large files and the
benchmark use. Critical problems raise InputError before or during the transaction; nothing is stored then.

On a machine with more than one core and `fork`, a large file is parsed in a child process while this one
writes to the database (a two-stage pipeline): records cross as plain tuples and dicts, which unpickle far
faster than pydantic models, and are rebuilt here without a second validation.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue as queue_mod
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from initiatives.errors import InputError
from initiatives.interop.iati.reader import (
    _decode,
    _fast,
    check_root,
    document_for,
    is_utf8,
    iter_activities,
)
from initiatives.model import Document, Finding, Initiative, Money, PartnerRef, Span
from initiatives.store import Store, bulk
from initiatives.store.repository import SaveSummary, _OrgResolver

CHUNK = 500
PARALLEL_MIN_BYTES = 8 * 1024 * 1024  # below this a child process costs more than it saves


@dataclass
class ImportResult:
    summary: SaveSummary
    findings: int
    document: Document


def import_file(store: Store, path: Path, *, author: str = "import", reason: str | None = None,
                chunk: int = CHUNK, parallel: bool | None = None) -> ImportResult:
    """Import one IATI activity file. `parallel=None` parses in a child process when the file is large and
    the machine has cores to spare."""
    check_root(path)
    if parallel is None:
        parallel = (path.stat().st_size >= PARALLEL_MIN_BYTES and (os.cpu_count() or 1) > 1
                    and "fork" in multiprocessing.get_all_start_methods())
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of short-lived objects, few cycles: collect once per chunk instead
    try:
        return _import(store, path, author=author, reason=reason, chunk=chunk, parallel=parallel)
    finally:
        if gc_was_enabled:
            gc.enable()


def _import(store: Store, path: Path, *, author: str, reason: str | None, chunk: int,
            parallel: bool) -> ImportResult:
    findings: list[Finding] = []
    summary = SaveSummary()
    with store.transaction() as s:
        # Memory: a UTF-8 file goes into the documents table from its bytes, before any decoded text exists
        # (the driver would otherwise keep a UTF-8 copy of the text beside it), then the bytes are dropped.
        data = path.read_bytes()
        document = document_for(path, data, "")
        doc_id = bulk.insert_document_bytes(s, document, data) if is_utf8(data) else None
        if doc_id is None or not parallel:
            document = document_for(path, data, _decode(data))
        del data
        if doc_id is None:
            doc_id = bulk.insert_document(s, document)
        doc_ids = {document.name: doc_id}
        orgs = _OrgResolver(s)
        labels: dict[str, list[int]] = {}
        chunks = _parallel_chunks(path, chunk, findings) if parallel else _chunks(path, document, chunk, findings)
        for part in chunks:
            ids = bulk.save_records(store, s, part, orgs, summary, author=author, reason=reason or
                                    f"import {path.name}", document_ids=doc_ids)
            summary.initiative_ids.extend(ids)
            gc.collect(1)
            for rec, rid in zip(part, ids, strict=True):
                labels.setdefault(rec.code or f"line {rec.source_lines[0] if rec.source_lines else 0}", []
                                  ).append(rid)
        if findings:  # link each finding to its record by the label the reader gave it
            linked = [f.model_copy(update={"initiative_ids": labels.get(f.record, [])[:1]}) for f in findings]
            bulk.save_findings(store, s, linked)
    return ImportResult(summary=summary, findings=len(findings), document=document)


def _chunks(path: Path, document: Document, chunk: int, findings: list[Finding]) -> Iterator[list[Initiative]]:
    records = iter_activities(path, document, findings)
    while part := list(islice(records, chunk)):
        yield part


# ------------------------------------------------------------------------------------------------ pipeline


def _plain(rec: Initiative) -> dict[str, Any]:
    """A record as builtins only (dates stay PartialDate, a small dataclass)."""
    d = dict(rec.__dict__)
    d["partners"] = [dict(p.__dict__) for p in rec.partners]
    d["budget"] = dict(rec.budget.__dict__) if rec.budget is not None else None
    d["sources"] = {f: [(sp.document, sp.start, sp.end) for sp in spans] for f, spans in rec.sources.items()}
    return d


def _rebuild(d: dict[str, Any]) -> Initiative:
    d["partners"] = [_fast(PartnerRef, p) for p in d["partners"]]
    if d["budget"] is not None:
        d["budget"] = _fast(Money, d["budget"])
    d["sources"] = {f: [_fast(Span, {"document": doc, "start": a, "end": b, "text": None}) for doc, a, b in spans]
                    for f, spans in d["sources"].items()}
    return _fast(Initiative, d)


def _produce(path: str, chunk: int, out: Any) -> None:  # pragma: no cover - runs in the child process
    """Child process: parse the file and send ("chunk", [plain records]) ..., then ("done", findings)."""
    try:
        gc.disable()
        p = Path(path)
        data = p.read_bytes()
        document = document_for(p, data, _decode(data))
        del data
        findings: list[Finding] = []
        for part in _chunks(p, document, chunk, findings):
            out.put(("chunk", [_plain(r) for r in part]))
            gc.collect(1)
        out.put(("done", findings))
    except InputError as exc:
        out.put(("error", (exc.detail, exc.file, exc.line, exc.field)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it
        out.put(("error", (f"{type(exc).__name__}: {exc}", path, None, None)))


def _parallel_chunks(path: Path, chunk: int, findings: list[Finding]) -> Iterator[list[Initiative]]:
    ctx = multiprocessing.get_context("fork")
    channel = ctx.Queue(maxsize=4)
    worker = ctx.Process(target=_produce, args=(str(path), chunk, channel), daemon=True)
    worker.start()
    try:
        while True:
            try:
                kind, payload = channel.get(timeout=5)
            except queue_mod.Empty:
                if not worker.is_alive():
                    raise InputError("the parser process stopped unexpectedly", file=str(path)) from None
                continue
            if kind == "chunk":
                yield [_rebuild(d) for d in payload]
            elif kind == "done":
                findings.extend(payload)
                return
            else:
                detail, file, line, field = payload
                raise InputError(detail, file=file, line=line, field=field)
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join(timeout=5)
        channel.close()
