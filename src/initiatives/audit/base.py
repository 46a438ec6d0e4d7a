"""The shape of an audit rule, and what a rule gets to look at.

A rule is a small named unit: an id, a severity, a one-line description and a check. The check takes an
`AuditContext` (all records of the run, their documents, the rule's settings) and yields Findings. Rules
over one record loop over `ctx.records`; rules across records build an index (never all pairs).
Families (one module each) expose a module-level `RULES: list[Rule]`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from initiatives.model import Document, Finding, Initiative, Severity

# Lines first..last (1-based, inclusive) of a document kept in pieces (its `text` is ""): (their text, the
# character offset of line `first` in the whole document), or None. `audit.documents.from_store` makes one.
LineReader = Callable[[Document, int, int], "tuple[str, int] | None"]


@dataclass
class AuditContext:
    """Everything one audit run sees."""

    records: list[Initiative]
    documents: Mapping[str, Document] = field(default_factory=dict)  # by file name (Document.name) and by sha256
    settings: Mapping[str, Any] = field(default_factory=dict)  # this rule's [rules.<id>] table from the config
    today: Any = None  # datetime.date the run treats as "now" (tests pin it)
    # shared work between rules of one run (document layouts, text indexes), keyed by the helper that built it
    cache: dict[str, Any] = field(default_factory=dict)
    # problems met while checking: (rule id, record label, message); a failing record never stops the others
    errors: list[tuple[str, str, str]] = field(default_factory=list)
    rule_id: str = ""  # the rule being run (set by the runner)
    pieces: LineReader | None = None  # reads the lines of a large document kept in pieces (not loaded whole)

    def document_of(self, rec: Initiative) -> Document | None:
        """The document a record was read from, if it is stored: of its spans' documents (named by sha256: two
        versions of a file share its name) the one called `source_document`, else the document of that name,
        else the first of its spans'."""
        other = None
        for spans in rec.sources.values():
            for s in spans:
                doc = self.documents.get(s.document)
                if doc is not None:
                    if not rec.source_document or doc.name == rec.source_document:
                        return doc
                    other = other or doc
        if rec.source_document and rec.source_document in self.documents:
            return self.documents[rec.source_document]
        return other

    def window(self, rec: Initiative) -> tuple[str, int] | None:
        """The record's lines (`source_lines`) of its document and the character offset where they start;
        read from the pieces of a document kept in pieces, so a large file is never loaded whole."""
        doc = self.document_of(rec)
        if doc is None or rec.source_lines is None:
            return None
        first, last = rec.source_lines
        if not doc.text:
            return self.pieces(doc, first, last) if self.pieces is not None else None
        starts = self.line_starts(doc)
        if not 1 <= first <= len(starts):
            return None
        lo = starts[first - 1]
        hi = starts[last] - 1 if last < len(starts) else len(doc.text)
        return doc.text[lo:max(lo, hi)], lo

    def line_starts(self, doc: Document) -> list[int]:
        """Character offset of each line of a document held whole (computed once per run)."""
        cache = self.cache.setdefault("line_starts", {})
        starts = cache.get(doc.sha256)
        if starts is None:
            text, starts, pos = doc.text, [0], doc.text.find("\n")
            while pos != -1:
                starts.append(pos + 1)
                pos = text.find("\n", pos + 1)
            cache[doc.sha256] = starts
        return starts

    def block_text(self, rec: Initiative) -> str:
        """The lines of its document that hold the record (`source_lines`), or its summary if none."""
        win = self.window(rec)
        return win[0] if win is not None else rec.summary or ""

    def for_rule(self, rule_id: str, settings: Mapping[str, Any]) -> AuditContext:
        """The same run seen by another rule: shares records, documents, cache and errors."""
        return AuditContext(records=self.records, documents=self.documents, settings=settings, today=self.today,
                            cache=self.cache, errors=self.errors, rule_id=rule_id, pieces=self.pieces)


Check = Callable[[AuditContext], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    description: str
    check: Check
    scope: str = "record"  # "record": looks at one record at a time; "collection": across records


def per_record(fn: Callable[[AuditContext, Initiative], Iterable[Finding]]) -> Check:
    """Turn a one-record check into a rule check: a record that makes it raise is reported in `ctx.errors`
    (with the record's label) and the other records are still checked."""

    def check(ctx: AuditContext) -> Iterable[Finding]:
        for rec in ctx.records:
            try:
                yield from list(fn(ctx, rec))
            except Exception as exc:  # noqa: BLE001 - reported, never stops the run
                name = rec.code or rec.title or (f"#{rec.id}" if rec.id else "untitled")
                ctx.errors.append((ctx.rule_id, str(name), f"{type(exc).__name__}: {exc}"))

    return check
