"""Building findings: the record's label and place, and evidence spans that quote the document exactly."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from initiatives.audit.base import AuditContext
from initiatives.audit.layout import label
from initiatives.model import Finding, Initiative, Span


def spans_for(ctx: AuditContext, rec: Initiative, quotes: Sequence[str], others: Sequence[Initiative] = ()) -> list[Span]:
    """Locate each quote in the record's document: in the record's own lines first, else the first occurrence
    after them, else anywhere; in a document kept in pieces (not loaded whole), in the lines of the `others`
    the finding names instead of the last two."""
    doc = ctx.document_of(rec)
    if doc is None:
        return []
    win = ctx.window(rec)
    start_at = win[1] if win is not None else 0
    out = []
    for q in quotes:
        i = -1
        if win is not None:
            i = win[0].find(q)
            if i >= 0:
                i += win[1]
        if i < 0 and doc.text:
            i = doc.text.find(q, start_at)
            if i < 0:
                i = doc.text.find(q)
        elif i < 0:
            for other in others:
                if ctx.document_of(other) is doc and (near := ctx.window(other)) is not None:
                    i = near[0].find(q)
                    if i >= 0:
                        i += near[1]
                        break
        if i >= 0:
            out.append(Span(document=doc.sha256, start=i, end=i + len(q), text=q))
    return out


def finding(ctx: AuditContext, rec: Initiative, message: str, quotes: Iterable[str] = (), *,
            others: Iterable[Initiative] = (), field: str | None = None, reviewer_flagged: bool = False,
            rule: str | None = None) -> Finding:
    """A finding about `rec` (and possibly other records), quoting `quotes` as evidence."""
    qs = list(dict.fromkeys(q for q in quotes if q and q.strip()))
    others = list(others)
    ids = [r.id for r in (rec, *others) if r.id is not None]
    return Finding(
        rule=rule or ctx.rule_id, severity=ctx.settings.get("severity", "medium"), record=label(rec),
        initiative_ids=list(dict.fromkeys(ids)), field=field, message=message, evidence=spans_for(ctx, rec, qs, others),
        evidence_text=" | ".join(qs), reviewer_flagged=reviewer_flagged, source_document=_doc_name(ctx, rec),
        source_lines=rec.source_lines,
    )


def _doc_name(ctx: AuditContext, rec: Initiative) -> str | None:
    doc = ctx.document_of(rec)
    return doc.name if doc is not None else rec.source_document
