"""The documents an audit of a store reads: small ones whole, large ones (kept in pieces) a record at a time.

A 1 GB IATI file is stored in pieces (`store.document_chunks`); loading it whole for an audit would cost
gigabytes. Such a document is handed to the rules without its text, with a `LineReader` that reads the lines
of one record from the pieces that hold them (`AuditContext.window`). Rules walk records in file order, so the
reader keeps the last few pieces with their line offsets: each piece is read and indexed once.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import select

from initiatives.audit.base import LineReader
from initiatives.model import Document
from initiatives.store import Store
from initiatives.store.tables import DocumentChunkRow, DocumentRow

KEEP_PIECES = 4  # pieces held in memory (about 1 MB each)
MAX_SPAN = 8  # a record over more pieces than this is not read (its lines would be megabytes)


@dataclass
class _Piece:
    char_start: int
    first_line: int
    text: str
    line_starts: list[int]  # offset of each line's first character within `text` (the first may be a continuation)
    continued: bool  # the piece before did not end with a newline: `text` begins inside a line


class _PieceReader:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.index: dict[str, tuple[int, list[int], list[tuple[int, int]]]] = {}  # sha -> (id, first lines, seqs)
        self.pieces: OrderedDict[tuple[str, int], _Piece] = OrderedDict()

    def __call__(self, doc: Document, first: int, last: int) -> tuple[str, int] | None:
        found = self._index(doc.sha256)
        if found is None:
            return None
        doc_id, first_lines, seqs = found
        p = bisect.bisect_right(first_lines, first) - 1  # the piece where line `first` starts
        q = bisect.bisect_right(first_lines, last) - 1  # the piece where line `last` starts
        if p < 0 or q < p or q - p > MAX_SPAN:
            return None
        head = self._piece(doc.sha256, doc_id, seqs[p][0])
        if head.continued and first == head.first_line:
            return None  # the line began in the piece before (a file with lines longer than a piece)
        k = first - head.first_line
        if k >= len(head.line_starts):
            return None
        lo = head.line_starts[k]
        tail = head if q == p else self._piece(doc.sha256, doc_id, seqs[q][0])
        kq = last - tail.first_line
        if kq + 1 < len(tail.line_starts):
            hi = tail.line_starts[kq + 1] - 1
        elif tail.text.endswith("\n"):
            hi = len(tail.text) - 1
        elif q == len(seqs) - 1:
            hi = len(tail.text)
        else:
            return None  # the last line goes on in the next piece
        if q == p:
            return head.text[lo:max(lo, hi)], head.char_start + lo
        middle = [self._piece(doc.sha256, doc_id, seqs[i][0]).text for i in range(p + 1, q)]
        return "".join([head.text[lo:], *middle, tail.text[:hi]]), head.char_start + lo

    def _index(self, sha: str) -> tuple[int, list[int], list[tuple[int, int]]] | None:
        if sha not in self.index:
            with self.store.transaction() as s:
                doc_id = s.scalar(select(DocumentRow.id).where(DocumentRow.sha256 == sha))
                if doc_id is None:
                    return None
                rows = s.execute(select(DocumentChunkRow.seq, DocumentChunkRow.first_line)
                                 .where(DocumentChunkRow.document_id == doc_id)
                                 .order_by(DocumentChunkRow.seq)).all()
            self.index[sha] = (doc_id, [r.first_line for r in rows], [(r.seq, r.first_line) for r in rows])
        return self.index[sha]

    def _piece(self, sha: str, doc_id: int, seq: int) -> _Piece:
        key = (sha, seq)
        piece = self.pieces.get(key)
        if piece is not None:
            self.pieces.move_to_end(key)
            return piece
        with self.store.transaction() as s:
            row = s.execute(select(DocumentChunkRow.char_start, DocumentChunkRow.first_line, DocumentChunkRow.text)
                            .where(DocumentChunkRow.document_id == doc_id, DocumentChunkRow.seq == seq)).one()
            before = s.scalar(select(DocumentChunkRow.text).where(  # only its last character matters
                DocumentChunkRow.document_id == doc_id, DocumentChunkRow.seq == seq - 1)) if seq > 0 else None
        text = row.text
        starts, pos = [0], text.find("\n")
        while pos != -1:
            if pos + 1 < len(text):
                starts.append(pos + 1)
            pos = text.find("\n", pos + 1)
        continued = before is not None and not before.endswith("\n")
        piece = self.pieces[key] = _Piece(row.char_start, row.first_line, text, starts, continued)
        while len(self.pieces) > KEEP_PIECES:
            self.pieces.popitem(last=False)
        return piece


def from_store(store: Store) -> tuple[list[Document], LineReader]:
    """Every stored document (those kept in pieces with `text == ""`) and the reader of their lines."""
    docs = [store.get_document(d.sha256, join_pieces=False) for d in store.documents()]
    return docs, _PieceReader(store)
