"""Import an IATI file straight into the store, streaming: one transaction, records saved in chunks.

`formats.read` + `Store.save_batch` hold every record of a file in memory before saving; this path keeps
only one chunk of records (and the document text, which provenance needs) and is what large files and the
benchmark use. Critical problems raise InputError before or during the transaction; nothing is stored then.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from initiatives.interop.iati.reader import check_root, iter_activities, load_document
from initiatives.model import Batch, Document, Finding
from initiatives.store import Store
from initiatives.store import bulk
from initiatives.store.repository import SaveSummary, _OrgResolver

CHUNK = 2000


@dataclass
class ImportResult:
    summary: SaveSummary
    findings: int
    document: Document


def import_file(store: Store, path: Path, *, author: str = "import", reason: str | None = None,
                chunk: int = CHUNK) -> ImportResult:
    check_root(path)
    document = load_document(path)
    findings: list[Finding] = []
    summary = SaveSummary()
    with store.transaction() as s:
        store.save_document(document, session=s)
        doc_ids = bulk.document_ids(s, [document])
        orgs = _OrgResolver(s)
        records = iter_activities(path, document, findings)
        labels: dict[str, int] = {}
        while True:
            part = list(islice(records, chunk))
            if not part:
                break
            ids = bulk.save_records(store, s, part, orgs, summary, author=author, reason=reason or
                                    f"import {path.name}", document_ids=doc_ids)
            summary.initiative_ids.extend(ids)
            for rec, rid in zip(part, ids, strict=True):
                if rec.code:
                    labels[rec.code] = rid
        if findings:  # link findings to their records by label, as save_batch does
            from initiatives.model import Initiative

            stub = Batch(origin=str(path), initiatives=[Initiative(code=c, source_document=path.name)
                                                        for c in labels])
            store._attach_findings(s, findings, batch_ids=list(labels.values()), batch=stub)
    return ImportResult(summary=summary, findings=len(findings), document=document)
