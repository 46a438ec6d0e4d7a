"""The documents an audit of a store reads: small ones whole, large ones (kept in pieces) a record at a time.

A 1 GB IATI file is stored in pieces (`store.document_chunks`); loading it whole for an audit would cost
gigabytes. Such a document is handed to the rules without its text, with a `LineReader` that reads the lines
of one record from the pieces that hold them (`AuditContext.window`).
"""

from __future__ import annotations

from sqlalchemy import select

from initiatives.audit.base import LineReader
from initiatives.model import Document
from initiatives.store import Store
from initiatives.store.tables import DocumentChunkRow, DocumentRow


def from_store(store: Store) -> tuple[list[Document], LineReader]:
    """Every stored document (those kept in pieces with `text == ""`) and the reader of their lines."""
    docs = [store.get_document(d.sha256, join_pieces=False) for d in store.documents()]
    ids: dict[str, int] = {}

    def read(doc: Document, first: int, last: int) -> tuple[str, int] | None:
        with store.transaction() as s:
            if doc.sha256 not in ids:
                found = s.scalar(select(DocumentRow.id).where(DocumentRow.sha256 == doc.sha256))
                if found is None:
                    return None
                ids[doc.sha256] = found
            rows = s.execute(
                select(DocumentChunkRow.char_start, DocumentChunkRow.first_line, DocumentChunkRow.text)
                .where(DocumentChunkRow.document_id == ids[doc.sha256], DocumentChunkRow.first_line <= last,
                       DocumentChunkRow.last_line >= first)
                .order_by(DocumentChunkRow.seq)).all()
        if not rows:
            return None
        text = "".join(r.text for r in rows)
        lo = 0
        for _ in range(first - rows[0].first_line):  # skip to line `first` inside the first piece
            lo = text.find("\n", lo) + 1
            if lo == 0:
                return None
        hi = lo
        for _ in range(last - first + 1):
            nxt = text.find("\n", hi)
            if nxt == -1:
                hi = len(text) + 1
                break
            hi = nxt + 1
        return text[lo:hi - 1], rows[0].char_start + lo

    return docs, read
