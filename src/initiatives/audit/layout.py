"""Where records stand in their documents: each record's lines, the record that owns a line, labelled
fields ("Budget: ...") and reviewer Comment lines. Built once per run and shared through `ctx.cache`."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from initiatives.audit.base import AuditContext
from initiatives.model import Document, Initiative

# "Time Frame: June 2014", "Proposed Budget:", "Key Accomplishments (to-date):"
LABEL_RE = re.compile(r"^\s*(?:[-*•]\s*)?([A-Z][A-Za-z /&()'’-]{1,45}?)\s*:\s*(.*)$")
COMMENT_LABELS = ("comment", "comments", "reviewer comment", "review comment", "note from reviewer")

STATUS_WORD = {"ongoing": "current", "completed": "past", "planned": "planned"}


def label(rec: Initiative) -> str:
    """How findings name a record: its code, else its title, else 'untitled <status> <kind> (line N)'."""
    if rec.code:
        return rec.code
    if rec.title:
        return rec.title
    words = [w for w in (STATUS_WORD.get(rec.status or ""), rec.kind) if w]
    where = f" (line {rec.source_lines[0]})" if rec.source_lines else (f" (#{rec.id})" if rec.id else "")
    return f"untitled {' '.join(words)}{where}"


@dataclass
class Field:
    label: str  # as written, e.g. "Proposed Budget"
    value: str
    line: int  # 1-based


@dataclass
class DocLayout:
    doc: Document
    lines: list[str]
    line_starts: list[int]
    records: list[Initiative] = field(default_factory=list)

    def offset(self, line: int, col: int = 0) -> int:
        return self.line_starts[line - 1] + col

    def line_of(self, offset: int) -> int:
        import bisect

        return bisect.bisect_right(self.line_starts, offset)

    def containing(self, line: int) -> list[Initiative]:
        return [r for r in self.records if r.source_lines and r.source_lines[0] <= line <= r.source_lines[1]]

    def owner(self, line: int) -> Initiative | None:
        """The record a line belongs to: the widest record that contains it, else the nearest record above it."""
        inside = self.containing(line)
        if inside:
            return max(inside, key=lambda r: (r.source_lines[1] - r.source_lines[0], -r.source_lines[0]))
        above = [r for r in self.records if r.source_lines and r.source_lines[1] < line]
        if above:
            return max(above, key=lambda r: (r.source_lines[1], r.source_lines[1] - r.source_lines[0]))
        return None

    def fields(self, rec: Initiative) -> list[Field]:
        if not rec.source_lines:
            return []
        out = []
        for n in range(rec.source_lines[0], min(rec.source_lines[1], len(self.lines)) + 1):
            m = LABEL_RE.match(self.lines[n - 1])
            if m and len(m.group(1).split()) <= 5:
                out.append(Field(m.group(1).strip(), m.group(2).strip(), n))
        return out

    def comments(self, rec: Initiative) -> list[Field]:
        return [f for f in self.fields(rec) if f.label.casefold() in COMMENT_LABELS]


# media types of structured files (IATI XML, DPG JSON, CSV, XLSX): their records are read field by field
_STRUCTURED = ("xml", "json", "csv", "spreadsheetml")


def is_prose(doc: Document) -> bool:
    """Whether a document is written text (a page, a listing, a press release), whose lines the text rules
    read, rather than a structured file, whose records they read by their title and description: the lines of
    an IATI file are markup (a rule quoting `<narrative>` helps nobody) and a large one is kept in pieces."""
    return not any(kind in doc.media_type for kind in _STRUCTURED)


def layouts(ctx: AuditContext) -> dict[str, DocLayout]:
    """One layout per written document that records point at (cached for the run)."""
    if "layouts" in ctx.cache:
        return ctx.cache["layouts"]
    by_doc: dict[str, list[Initiative]] = defaultdict(list)
    for rec in ctx.records:
        doc = ctx.document_of(rec)
        if doc is not None and doc.text and is_prose(doc):
            by_doc[doc.name].append(rec)
    out = {}
    for name, recs in by_doc.items():
        doc = ctx.document_of(recs[0])
        assert doc is not None
        lines = doc.text.split("\n")
        starts, pos = [], 0
        for ln in lines:
            starts.append(pos)
            pos += len(ln) + 1
        recs.sort(key=lambda r: (r.source_lines or (10**9, 10**9)))
        out[name] = DocLayout(doc, lines, starts, recs)
    ctx.cache["layouts"] = out
    return out


def layout_of(ctx: AuditContext, rec: Initiative) -> DocLayout | None:
    doc = ctx.document_of(rec)
    return layouts(ctx).get(doc.name) if doc is not None else None


def record_text(ctx: AuditContext, rec: Initiative) -> str:
    """The text a record stands on: its lines in a written document, else its title and summary."""
    lay = layout_of(ctx, rec)
    if lay is not None and rec.source_lines:
        return "\n".join(lay.lines[rec.source_lines[0] - 1:rec.source_lines[1]])
    return "\n".join(p for p in (rec.title, rec.summary) if p)


def is_past(rec: Initiative, today) -> bool:  # noqa: ANN001
    return rec.status == "completed" or bool(rec.end and rec.end.latest() < today)
