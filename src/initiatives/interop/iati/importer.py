"""Import an IATI file straight into the store, streaming: one transaction, records saved in chunks.

`formats.read` + `Store.save_batch` hold every record of a file in memory before saving; this path keeps
only one chunk of records (and the document text, which provenance needs) and is what large files and the
benchmark use. Critical problems raise InputError before or during the transaction; nothing is stored then.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from initiatives.interop.iati.reader import _decode, check_root, document_for, is_utf8, iter_activities
from initiatives.model import Document, Finding
from initiatives.store import Store
from initiatives.store import bulk
from initiatives.store.repository import SaveSummary, _OrgResolver

CHUNK = 500


@dataclass
class ImportResult:
    summary: SaveSummary
    findings: int
    document: Document


def import_file(store: Store, path: Path, *, author: str = "import", reason: str | None = None,
                chunk: int = CHUNK) -> ImportResult:
    check_root(path)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of short-lived objects, few cycles: collect once per chunk instead
    try:
        return _import(store, path, author=author, reason=reason, chunk=chunk)
    finally:
        if gc_was_enabled:
            gc.enable()


def _import(store: Store, path: Path, *, author: str, reason: str | None, chunk: int) -> ImportResult:
    findings: list[Finding] = []
    summary = SaveSummary()
    with store.transaction() as s:
        # Memory: a UTF-8 file goes into the documents table from its bytes, before the decoded text exists
        # (the driver would otherwise keep a UTF-8 copy of the text beside it), then the bytes are dropped.
        data = path.read_bytes()
        document = document_for(path, data, "")
        doc_id = bulk.insert_document_bytes(s, document, data) if is_utf8(data) else None
        document = document_for(path, data, _decode(data))
        del data
        if doc_id is None:
            doc_id = bulk.insert_document(s, document)
        doc_ids = {document.name: doc_id}
        orgs = _OrgResolver(s)
        records = iter_activities(path, document, findings)
        labels: dict[str, list[int]] = {}
        while True:
            part = list(islice(records, chunk))
            if not part:
                break
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
