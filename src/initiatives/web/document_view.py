"""The part of a document a page shows: all of a small one, a window of a large one around the span asked for.

An IATI file of a gigabyte is kept in pieces (`document_chunks`) and must not be joined into one string,
nor sent as one page. A window of `WINDOW` characters is read from the pieces (or cut from the stored
text), starting at a line, with the spans inside it shifted to window offsets.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from initiatives.errors import NotFound
from initiatives.model import Document
from initiatives.store import Store, document_chunks, facets, mapping
from initiatives.store.tables import DocumentChunkRow, DocumentRow

WINDOW = 200_000  # characters on one page


@dataclass
class DocumentView:
    doc: Document  # without its text
    text: str  # the characters shown
    offset: int  # where `text` starts in the whole document
    length: int  # characters in the whole document
    marks: list[tuple[int, int, str, int]]  # spans inside the window, in window offsets
    focus: tuple[int, int] | None  # in window offsets

    @property
    def whole(self) -> bool:
        return self.offset == 0 and len(self.text) == self.length

    @property
    def previous(self) -> int | None:
        return None if self.offset == 0 else max(0, self.offset - WINDOW)

    @property
    def following(self) -> int | None:
        end = self.offset + len(self.text)
        return end if end < self.length else None


def view(store: Store, document_id: int, *, start: int | None = None, end: int | None = None,
         line_from: int | None = None, line_to: int | None = None, at: int | None = None) -> DocumentView:
    """The window of a document holding the span `start`..`end` (or lines `line_from`..`line_to`, or
    beginning at character `at`)."""
    with store.transaction() as s:
        row = s.get(DocumentRow, document_id)
        if row is None:
            raise NotFound(f"no document {document_id}")
        doc = mapping.document_from_row(row, with_text=False)
        chunked = not row.text and document_chunks.has_chunks(s, row.id)
        length = (int(s.scalar(select(func.max(DocumentChunkRow.char_end))
                               .where(DocumentChunkRow.document_id == row.id)) or 0) if chunked else len(row.text))
        focus = (start, end) if start is not None and end is not None and 0 <= start < end else None
        if focus is None and line_from:
            focus = _line_span(s, row, chunked, line_from, line_to or line_from)
        lo = _window_start(focus, at, length)
        hi = min(length, lo + WINDOW)
        text = document_chunks.text_slice(s, row.id, lo, hi) if chunked else row.text[lo:hi]
    marks = [(max(a, lo) - lo, min(b, hi) - lo, f, i) for a, b, f, i in facets.spans_in_document(store, doc.sha256)
             if b > lo and a < hi]
    shown = (max(focus[0], lo) - lo, min(focus[1], hi) - lo) if focus and focus[1] > lo and focus[0] < hi else None
    return DocumentView(doc=doc, text=text, offset=lo, length=length, marks=marks, focus=shown)


def _window_start(focus: tuple[int, int] | None, at: int | None, length: int) -> int:
    if length <= WINDOW:
        return 0
    if focus is not None:
        return max(0, min(focus[0] - WINDOW // 4, length - WINDOW))
    return max(0, min(at or 0, length - 1))


def _line_span(s, row: DocumentRow, chunked: bool, first: int, last: int) -> tuple[int, int] | None:  # type: ignore[no-untyped-def]
    """Character offsets of lines `first`..`last` (1-based)."""
    if not chunked:
        lines = row.text.split("\n")
        a = sum(len(x) + 1 for x in lines[:first - 1])
        b = sum(len(x) + 1 for x in lines[:last]) - 1
        return a, max(a + 1, b)
    piece = s.execute(select(DocumentChunkRow.char_start, DocumentChunkRow.first_line, DocumentChunkRow.text,
                             DocumentChunkRow.packed)
                      .where(DocumentChunkRow.document_id == row.id, DocumentChunkRow.first_line <= first,
                             DocumentChunkRow.last_line >= first)).first()
    if piece is None:
        return None
    text = document_chunks.piece_text(piece.text, piece.packed)
    pos = 0
    for _ in range(first - piece.first_line):
        pos = text.index("\n", pos) + 1
    a = piece.char_start + pos
    width = sum(len(x) + 1 for x in document_chunks.lines(s, row.id, first, last)) - 1
    return a, a + max(1, width)
