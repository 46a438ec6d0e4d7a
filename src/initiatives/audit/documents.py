"""The documents an audit of a store reads: small ones whole, large ones (kept in pieces) a record at a time.

A 1 GB IATI file is stored in pieces (`store.document_chunks`); loading it whole for an audit would cost
gigabytes. Such a document is handed to the rules without its text, with a `LineReader` that reads the lines
of one record from the pieces that hold them (`AuditContext.window`). Rules walk records in file order, so the
reader keeps the last few pieces with their line offsets: each piece is read and indexed once.
"""

from __future__ import annotations

import bisect
from array import array
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import select

from initiatives.audit.base import LineReader
from initiatives.model import Document
from initiatives.store import Store
from initiatives.store import document_chunks
from initiatives.store.tables import DocumentChunkRow, DocumentRow

KEEP_PIECES = 32  # pieces held in memory (about 1 MB each: a `substr` of a piece reads as much of the row)
MAX_SPAN = 8  # a record over more pieces than this is not read (its lines would be megabytes)
KEEP_WINDOWS = 4096  # records' windows held in memory (a few kB each)


@dataclass
class _Piece:
    char_start: int
    first_line: int
    length: int
    line_starts: array  # offset of each line's first character within the piece (the first may be a continuation)
    continued: bool  # the piece before did not end with a newline: the piece begins inside a line


class _PieceReader:
    """Reads windows of documents kept in pieces. Each piece is read whole once, to index its lines (an array of
    offsets, kept for the run: about 80 kB per 1 MB piece); a window is a slice of one of the last KEEP_PIECES
    pieces read (read again when it was let go), and the last KEEP_WINDOWS windows are kept: rules visit
    records in any order (the duplicate rule goes pair by pair) and ask for the same record's lines often."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.index: dict[str, tuple[int, list[int], list[int]]] = {}  # sha -> (id, first lines, seqs)
        self.pieces: dict[tuple[str, int], _Piece] = {}
        self.texts: OrderedDict[tuple[str, int], str] = OrderedDict()
        # the windows read lately: a rule that goes pair by pair asks for each record's lines many times
        self.windows: OrderedDict[tuple[str, int, int], tuple[str, int] | None] = OrderedDict()

    def __call__(self, doc: Document, first: int, last: int) -> tuple[str, int] | None:
        key = (doc.sha256, first, last)
        if key in self.windows:
            self.windows.move_to_end(key)
            return self.windows[key]
        window = self.windows[key] = self._window(doc, first, last)
        if len(self.windows) > KEEP_WINDOWS:
            self.windows.popitem(last=False)
        return window

    def _window(self, doc: Document, first: int, last: int) -> tuple[str, int] | None:
        found = self._index(doc.sha256)
        if found is None:
            return None
        doc_id, first_lines, seqs = found
        p = bisect.bisect_right(first_lines, first) - 1  # the piece where line `first` starts
        q = bisect.bisect_right(first_lines, last) - 1  # the piece where line `last` starts
        if p < 0 or q < p or q - p > MAX_SPAN:
            return None
        head = self._piece(doc.sha256, doc_id, seqs[p])
        if head.continued and first == head.first_line:
            return None  # the line began in the piece before (a file with lines longer than a piece)
        k = first - head.first_line
        if k >= len(head.line_starts):
            return None
        lo = head.line_starts[k]
        tail = head if q == p else self._piece(doc.sha256, doc_id, seqs[q])
        kq = last - tail.first_line
        if kq + 1 < len(tail.line_starts):
            hi = tail.line_starts[kq + 1] - 1
        elif q == len(seqs) - 1 or not (q + 1 < len(seqs) and self._piece(doc.sha256, doc_id, seqs[q + 1]).continued):
            hi = tail.length - 1 if self._ends_with_newline(doc.sha256, doc_id, seqs[q], tail) else tail.length
        else:
            return None  # the last line goes on in the next piece
        if q == p:
            return self._slice(doc.sha256, doc_id, seqs[p], lo, max(lo, hi)), head.char_start + lo
        parts = [self._slice(doc.sha256, doc_id, seqs[p], lo, head.length)]
        parts += [self._slice(doc.sha256, doc_id, seqs[i], 0, None) for i in range(p + 1, q)]
        parts.append(self._slice(doc.sha256, doc_id, seqs[q], 0, hi))
        return "".join(parts), head.char_start + lo

    def _index(self, sha: str) -> tuple[int, list[int], list[int]] | None:
        if sha not in self.index:
            with self.store.transaction() as s:
                doc_id = s.scalar(select(DocumentRow.id).where(DocumentRow.sha256 == sha))
                if doc_id is None:
                    return None
                rows = s.execute(select(DocumentChunkRow.seq, DocumentChunkRow.first_line)
                                 .where(DocumentChunkRow.document_id == doc_id)
                                 .order_by(DocumentChunkRow.seq)).all()
            self.index[sha] = (doc_id, [r.first_line for r in rows], [r.seq for r in rows])
        return self.index[sha]

    def _text(self, sha: str, doc_id: int, seq: int) -> str:
        key = (sha, seq)
        text = self.texts.get(key)
        if text is not None:
            self.texts.move_to_end(key)
            return text
        with self.store.engine.connect() as conn:  # (a pooled connection: cheaper than a session per piece)
            row = conn.execute(select(DocumentChunkRow.text, DocumentChunkRow.packed).where(
                DocumentChunkRow.document_id == doc_id, DocumentChunkRow.seq == seq)).first()
            text = document_chunks.piece_text(row.text, row.packed) if row is not None else ""
        self.texts[key] = text
        while len(self.texts) > KEEP_PIECES:
            self.texts.popitem(last=False)
        return text

    def _piece(self, sha: str, doc_id: int, seq: int) -> _Piece:
        key = (sha, seq)
        piece = self.pieces.get(key)
        if piece is not None:
            return piece
        text = self._text(sha, doc_id, seq)
        with self.store.transaction() as s:
            row = s.execute(select(DocumentChunkRow.char_start, DocumentChunkRow.first_line)
                            .where(DocumentChunkRow.document_id == doc_id, DocumentChunkRow.seq == seq)).one()
            before = s.scalar(select(DocumentChunkRow.last_line).where(
                DocumentChunkRow.document_id == doc_id, DocumentChunkRow.seq == seq - 1)) if seq > 0 else None
        starts, pos = array("l", [0]), text.find("\n")
        while pos != -1:
            if pos + 1 < len(text):
                starts.append(pos + 1)
            pos = text.find("\n", pos + 1)
        # a piece that ends with a newline leaves its successor on a new line (see ChunkWriter's line counts)
        continued = before is not None and before == row.first_line
        piece = self.pieces[key] = _Piece(row.char_start, row.first_line, len(text), starts, continued)
        return piece

    def _ends_with_newline(self, sha: str, doc_id: int, seq: int, piece: _Piece) -> bool:
        return self._slice(sha, doc_id, seq, piece.length - 1, piece.length) == "\n"

    def _slice(self, sha: str, doc_id: int, seq: int, lo: int, hi: int | None) -> str:
        """Characters lo..hi of one piece, read whole and kept among the last KEEP_PIECES (a `substr` query
        costs about as much as the piece: SQLite walks the row's overflow pages to reach the offset)."""
        return self._text(sha, doc_id, seq)[lo:hi]


def from_store(store: Store) -> tuple[list[Document], LineReader]:
    """Every stored document (those kept in pieces with `text == ""`) and the reader of their lines."""
    docs = [store.get_document(d.sha256, join_pieces=False) for d in store.documents()]
    return docs, _PieceReader(store)
