"""Building findings: the record's label and place, and evidence spans that quote the document exactly."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from initiatives.audit.base import AuditContext
from initiatives.audit.layout import label
from initiatives.model import Finding, Initiative, Span


def spans_for(ctx: AuditContext, rec: Initiative, quotes: Sequence[str]) -> list[Span]:
    """Locate each quote in the record's document (first occurrence at or after the record's lines)."""
    doc = ctx.document_of(rec)
    if doc is None:
        return []
    text = doc.text
    start_at = 0
    if rec.source_lines:
        start_at = sum(len(line) + 1 for line in text.split("\n")[:rec.source_lines[0] - 1])
    out = []
    for q in quotes:
        i = text.find(q, start_at)
        if i < 0:
            i = text.find(q)
        if i >= 0:
            out.append(Span(document=doc.sha256, start=i, end=i + len(q), text=q))
    return out


def finding(ctx: AuditContext, rec: Initiative, message: str, quotes: Iterable[str] = (), *,
            others: Iterable[Initiative] = (), field: str | None = None, reviewer_flagged: bool = False,
            rule: str | None = None) -> Finding:
    """A finding about `rec` (and possibly other records), quoting `quotes` as evidence."""
    qs = list(dict.fromkeys(q for q in quotes if q and q.strip()))
    ids = [r.id for r in (rec, *others) if r.id is not None]
    return Finding(
        rule=rule or ctx.rule_id, severity=ctx.settings.get("severity", "medium"), record=label(rec),
        initiative_ids=list(dict.fromkeys(ids)), field=field, message=message, evidence=spans_for(ctx, rec, qs),
        evidence_text=" | ".join(qs), reviewer_flagged=reviewer_flagged, source_document=_doc_name(ctx, rec),
        source_lines=rec.source_lines,
    )


def _doc_name(ctx: AuditContext, rec: Initiative) -> str | None:
    doc = ctx.document_of(rec)
    return doc.name if doc is not None else rec.source_document
