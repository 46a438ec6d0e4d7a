"""Show where values came from: each span's quote, its sentence and line, and a document's marked-up text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from initiatives.errors import InitiativesError
from initiatives.model import Document, Initiative, Span
from initiatives.store import Store

_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n")


@dataclass
class SourceView:
    field: str
    document: str  # sha256
    document_id: int | None
    document_name: str
    start: int
    end: int
    quote: str
    sentence: str
    line: int | None


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence (or line) that holds text[start:end]."""
    left = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        left = m.end()
    m = _SENTENCE_END.search(text, end)
    right = m.end() if m else len(text)
    return text[left:right].strip()


class DocumentCache:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._docs: dict[str, Document | None] = {}

    def get(self, ref: str) -> Document | None:
        """The document (by sha256 or name); one kept in pieces comes without its text (`text == ""`)."""
        if ref not in self._docs:
            try:
                self._docs[ref] = self.store.get_document(ref, join_pieces=False)
            except InitiativesError:
                self._docs[ref] = None
        return self._docs[ref]


SENTENCE_REACH = 2_000  # characters read either side of a span in a document kept in pieces


def view(store: Store, rec: Initiative, docs: DocumentCache | None = None) -> dict[str, list[SourceView]]:
    """Every field's sources, with quotes read from the stored documents."""
    docs = docs or DocumentCache(store)
    out: dict[str, list[SourceView]] = {}
    for field, spans in rec.sources.items():
        for s in spans:
            out.setdefault(field, []).append(_one(store, field, s, docs.get(s.document)))
    return out


def _one(store: Store, field: str, s: Span, doc: Document | None) -> SourceView:
    if doc is None:
        return SourceView(field, s.document, None, "(document not stored)", s.start, s.end, s.text or "",
                          s.text or "", None)
    if not doc.text:  # kept in pieces: read the few pieces around the span, not the whole file
        from initiatives.store import document_chunks

        with store.transaction() as session:
            found = document_chunks.quote(session, doc.sha256, s.start, s.end)
            lo = max(0, s.start - SENTENCE_REACH)
            around = document_chunks.text_slice(session, doc.id or 0, lo, s.end + SENTENCE_REACH)
        if found is not None:
            _, quote, line = found
            return SourceView(field, s.document, doc.id, doc.name, s.start, s.end, quote or s.text or "",
                              sentence_around(around, s.start - lo, s.end - lo), line)
    quote = doc.text[s.start:s.end] or s.text or ""
    return SourceView(field, s.document, doc.id, doc.name, s.start, s.end, quote,
                      sentence_around(doc.text, s.start, s.end), doc.text.count("\n", 0, s.start) + 1)


def record_lines(store: Store, rec: Initiative, docs: DocumentCache | None = None) -> tuple[Document, int, int] | None:
    """The record's own lines in its document (when the reader gave line numbers and the document is stored)."""
    if not rec.source_document or not rec.source_lines:
        return None
    doc = (docs or DocumentCache(store)).get(rec.source_document)
    if doc is None:
        return None
    return doc, rec.source_lines[0], rec.source_lines[1]


@dataclass
class Segment:
    text: str
    fields: tuple[str, ...] = ()
    initiative_ids: tuple[int, ...] = ()
    focus: bool = False
    start: int = 0


def segments(text: str, marks: list[tuple[int, int, str, int]], focus: tuple[int, int] | None = None) -> list[Segment]:
    """Cut `text` at every mark boundary; each piece knows which fields (and records) cover it."""
    cuts = {0, len(text)}
    for start, end, _, _ in marks:
        cuts.update((max(0, min(start, len(text))), max(0, min(end, len(text)))))
    if focus:
        cuts.update(focus)
    points = sorted(cuts)
    out: list[Segment] = []
    for a, b in zip(points, points[1:]):
        if a == b:
            continue
        covering = [(f, i) for s, e, f, i in marks if s <= a and b <= e]
        fields = tuple(dict.fromkeys(f for f, _ in covering))
        ids = tuple(dict.fromkeys(i for _, i in covering))
        out.append(Segment(text[a:b], fields, ids, bool(focus and focus[0] <= a and b <= focus[1]), a))
    return out
