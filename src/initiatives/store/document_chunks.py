"""Document text kept in pieces (`document_chunks`, revision 0005) instead of one `documents.text` value.

A 1 GB IATI file cannot be one row (SQLite caps a value at 1 GB, and the row would be built in memory), so
the streaming importer hands the decoded text to a `ChunkWriter` as it reads it; the document row keeps
`text = ""`. Readers get the text back whole (`full_text`, what `Store.get_document` returns) or just the
lines a record came from (`lines`, what the search index needs). Small documents stay in `documents.text`.

Each piece is stored compressed (zstd level 1, revision 0008: `packed`, with `text` ""): an IATI file's XML
shrinks 7 to 14 times, and so does what its import writes and commits; a piece reads back in about a
millisecond. Pieces written before keep their text in `text`; `piece_text` reads either.
"""

from __future__ import annotations

import zstandard
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from initiatives.store.tables import DocumentChunkRow

CHUNK_CHARS = 1 << 20  # about 1 MB of text per row: a few rows cover any span, few rows per file
PACK_LEVEL = 1  # zstd: about 1 GB/s; higher levels gain a few percent for several times the time


def pack(text: str) -> bytes:
    """A piece's text as stored in `packed`."""
    return pack_bytes(text.encode("utf-8"))


def pack_bytes(data: bytes) -> bytes:
    """A piece's UTF-8 text as stored in `packed`."""
    return zstandard.ZstdCompressor(level=PACK_LEVEL).compress(data)


def piece_text(text: str | None, packed: bytes | None) -> str:
    """The text of a piece from its two columns (`packed` wins; pieces stored before 0008 have `text`)."""
    if packed is not None:
        return zstandard.ZstdDecompressor().decompress(packed).decode("utf-8")
    return text or ""


class ChunkWriter:
    """Appends text to a document in pieces of about `size` characters, cut after a newline when possible.
    Text given with its UTF-8 bytes (`add(text, raw)`, what the parallel IATI import reads) is stored from those
    bytes, in pieces of whole blocks, without being encoded again."""

    def __init__(self, session: Session, document_id: int, size: int = CHUNK_CHARS) -> None:
        self.session, self.document_id, self.size = session, document_id, size
        self.pending: list[str] = []
        self.raw: list[bytes] | None = []  # the pending text's bytes, while every block came with them
        self.pending_len = 0
        self.seq = 0
        self.char = 0  # offset of the first pending character in the whole text
        self.line = 1  # line of the first pending character

    def add(self, text: str, raw: bytes | None = None) -> None:
        if not text:
            return
        self.pending.append(text)
        self.pending_len += len(text)
        if self.raw is not None:
            if raw is None:
                self.raw = None
            else:
                self.raw.append(raw)
        if self.pending_len < self.size:
            return
        if self.raw is not None:  # whole blocks (each ends at a newline where the file has one): one piece
            self._write_packed(self.pending_len, b"".join(self.raw), self.pending[-1].endswith("\n"))
            self.pending, self.raw, self.pending_len = [], [], 0
            return
        joined = "".join(self.pending)
        while len(joined) >= self.size:  # pieces of about `size`, each ending with a newline where there is one
            cut = joined.rfind("\n", 0, self.size) + 1 or joined.find("\n", self.size) + 1 or len(joined)
            self._write(joined[:cut])
            joined = joined[cut:]
        self.pending, self.pending_len = ([joined], len(joined)) if joined else ([], 0)

    def close(self) -> None:
        if self.pending:
            if self.raw is not None:
                self._write_packed(self.pending_len, b"".join(self.raw), self.pending[-1].endswith("\n"))
            else:
                self._write("".join(self.pending))
            self.pending, self.raw, self.pending_len = [], [], 0

    def _write(self, text: str) -> None:
        self._write_packed(len(text), text.encode("utf-8"), text.endswith("\n"))

    def _write_packed(self, chars: int, data: bytes, ends_with_newline: bool) -> None:
        """Store a piece of `chars` characters whose UTF-8 text is `data`."""
        newlines = data.count(b"\n")
        last_line = self.line + newlines - (1 if ends_with_newline else 0)
        self.session.execute(insert(DocumentChunkRow), [{
            "document_id": self.document_id, "seq": self.seq, "char_start": self.char,
            "char_end": self.char + chars, "first_line": self.line, "last_line": last_line, "text": "",
            "packed": pack_bytes(data)}])
        self.seq += 1
        self.char += chars
        self.line += newlines


def has_chunks(session: Session, document_id: int) -> bool:
    return session.scalar(select(DocumentChunkRow.seq).where(DocumentChunkRow.document_id == document_id)
                          .limit(1)) is not None


def full_text(session: Session, document_id: int) -> str:
    """The whole text of a chunked document ("" when it has no chunks)."""
    return "".join(piece_text(r.text, r.packed) for r in session.execute(
        select(DocumentChunkRow.text, DocumentChunkRow.packed).where(DocumentChunkRow.document_id == document_id)
        .order_by(DocumentChunkRow.seq)))


def lines(session: Session, document_id: int, first: int, last: int) -> list[str]:
    """Lines `first`..`last` (1-based, inclusive) of a chunked document, read from the chunks that hold them."""
    rows = session.execute(
        select(DocumentChunkRow.first_line, DocumentChunkRow.text, DocumentChunkRow.packed)
        .where(DocumentChunkRow.document_id == document_id, DocumentChunkRow.first_line <= last,
               DocumentChunkRow.last_line >= first)
        .order_by(DocumentChunkRow.seq)).all()
    if not rows:
        return []
    text = "".join(piece_text(r.text, r.packed) for r in rows).split("\n")
    skip = first - rows[0].first_line
    return text[skip:skip + last - first + 1]


def text_slice(session: Session, document_id: int, start: int, end: int) -> str:
    """Characters `start`..`end` of a chunked document."""
    rows = session.execute(
        select(DocumentChunkRow.char_start, DocumentChunkRow.text, DocumentChunkRow.packed)
        .where(DocumentChunkRow.document_id == document_id, DocumentChunkRow.char_start < end,
               DocumentChunkRow.char_end > start)
        .order_by(DocumentChunkRow.seq)).all()
    if not rows:
        return ""
    text = "".join(piece_text(r.text, r.packed) for r in rows)
    lo = start - rows[0].char_start
    return text[lo:lo + end - start]


def quote(session: Session, sha256: str, start: int, end: int) -> tuple[str, str, int] | None:
    """(document name, text start..end, line of start) of a chunked document read from the pieces that hold
    the span only; None when no document with that sha256 is kept in pieces (read `documents.text` then)."""
    from initiatives.store.tables import DocumentRow

    doc = session.execute(select(DocumentRow.id, DocumentRow.path, DocumentRow.text)
                          .where(DocumentRow.sha256 == sha256)).first()
    if doc is None or doc.text:
        return None
    first = session.execute(
        select(DocumentChunkRow.char_start, DocumentChunkRow.first_line, DocumentChunkRow.text,
               DocumentChunkRow.packed)
        .where(DocumentChunkRow.document_id == doc.id, DocumentChunkRow.char_start <= start,
               DocumentChunkRow.char_end > start)).first()
    if first is None:
        return None
    line = first.first_line + piece_text(first.text, first.packed).count("\n", 0, start - first.char_start)
    name = doc.path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return name, text_slice(session, doc.id, start, end), line
