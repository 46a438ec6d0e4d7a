"""Convert between database rows and the records of `initiatives.model`."""

from __future__ import annotations

from typing import Any

from initiatives.model import Document, Finding, Initiative, Organization, PartnerRef, Revision, Span
from initiatives.store import source_spans
from initiatives.store.tables import (
    DocumentRow,
    FindingRow,
    InitiativeCountryRow,
    InitiativeRow,
    InitiativeSdgRow,
    OrganizationRow,
    RevisionRow,
    SourceRow,
)

# Scalar fields stored one-to-one in InitiativeRow columns.
SCALAR_FIELDS = ("kind", "code", "title", "summary", "status", "funding_source", "location", "lead_unit", "region")
DATE_FIELDS = ("start", "end", "date_announced")
JSON_LIST_FIELDS = ("country_groups", "themes", "comments")


def initiative_from_row(row: InitiativeRow, *, scalar_extras: bool = False) -> Initiative:
    """The record of a row; `scalar_extras`: only the extras that are single values (version, identifier,
    document key...), not the lists and objects an import keeps for its export (a run over every record, such
    as the audit, holds less than half the memory)."""
    sources: dict[str, list[Span]] = {}
    for field, sha, start, end in source_spans.decode(getattr(row, "source_spans", None)):
        sources.setdefault(field, []).append(Span(document=sha, start=start, end=end))
    for s in row.sources:
        sources.setdefault(s.field, []).append(Span(document=s.document_sha256, start=s.start, end=s.end, text=s.text))
    data: dict[str, Any] = {f: getattr(row, f) for f in SCALAR_FIELDS + DATE_FIELDS + JSON_LIST_FIELDS}
    data.update(
        id=row.id,
        countries=[c.iso3 for c in row.countries],
        sdgs=[s.sdg for s in row.sdgs],
        partners=[
            PartnerRef(name=p.name, role=p.role, type=p.type, organization_id=p.organization_id)
            for p in row.participations
        ],
        budget=(
            {"amount": row.budget_amount, "currency": row.budget_currency}
            if row.budget_amount is not None and row.budget_currency
            else None
        ),
        sources=sources,
        source_document=row.source_document,
        source_lines=(
            (row.source_first_line, row.source_last_line) if row.source_first_line and row.source_last_line else None
        ),
        extras=({k: v for k, v in (row.extras or {}).items() if not isinstance(v, (list, dict))} if scalar_extras
                else row.extras or {}),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
    return Initiative.model_validate(data)


def apply_to_row(row: InitiativeRow, rec: Initiative) -> None:
    """Write every value of `rec` except partners (which need organisation resolution) into `row`."""
    for f in SCALAR_FIELDS:
        setattr(row, f, getattr(rec, f))
    for f in DATE_FIELDS:
        value = getattr(rec, f)
        setattr(row, f, str(value) if value is not None else None)
    for f in JSON_LIST_FIELDS:
        setattr(row, f, list(getattr(rec, f)))
    row.budget_amount = rec.budget.amount if rec.budget else None
    row.budget_currency = rec.budget.currency if rec.budget else None
    row.countries = [InitiativeCountryRow(iso3=c, position=i) for i, c in enumerate(rec.countries)]
    row.sdgs = [InitiativeSdgRow(sdg=s, position=i) for i, s in enumerate(rec.sdgs)]
    row.sources = [
        SourceRow(field=field, document_sha256=s.document, start=s.start, end=s.end, text=s.text)
        for field, spans in rec.sources.items()
        for s in spans
    ]
    row.source_spans = None  # the spans are the rows above now
    row.source_document = rec.source_document
    row.source_first_line, row.source_last_line = rec.source_lines or (None, None)
    row.extras = dict(rec.extras)


def document_from_row(row: DocumentRow, *, with_text: bool = True, join_pieces: bool = True) -> Document:
    """`join_pieces=False` leaves a document kept in pieces with `text == ""` (read spans with
    `document_chunks` instead of joining a file that may be a gigabyte)."""
    text = row.text if with_text else ""
    if with_text and join_pieces and not text:  # a large document is kept in pieces (document_chunks)
        from sqlalchemy.orm import object_session

        from initiatives.store import document_chunks

        session = object_session(row)
        if session is not None:
            text = document_chunks.full_text(session, row.id)
    return Document(
        id=row.id, path=row.path, sha256=row.sha256, media_type=row.media_type,
        text=text, title=row.title, ingested_at=row.ingested_at,
    )


def organization_from_row(row: OrganizationRow) -> Organization:
    return Organization(
        id=row.id, name=row.name, acronym=row.acronym, aliases=list(row.aliases or []), type=row.type,
        country=row.country,
    )


def finding_from_row(row: FindingRow) -> Finding:
    return Finding(
        id=row.id, rule=row.rule, severity=row.severity, initiative_ids=list(row.initiative_ids or []),
        record=row.record, field=row.field, message=row.message,
        evidence=[Span.model_validate(e) for e in row.evidence or []], evidence_text=row.evidence_text,
        fingerprint=row.fingerprint, status=row.status, reviewer_flagged=row.reviewer_flagged,
        comment=row.comment, reviewer=row.reviewer, source_document=row.source_document,
        source_lines=(
            (row.source_first_line, row.source_last_line) if row.source_first_line and row.source_last_line else None
        ),
        created_at=row.created_at, updated_at=row.updated_at,
    )


def revision_from_row(row: RevisionRow) -> Revision:
    return Revision(
        id=row.id, entity=row.entity, entity_id=row.entity_id, field=row.field, old=row.old, new=row.new,
        author=row.author, at=row.at, reason=row.reason,
    )


def comparable(rec: Initiative) -> dict[str, Any]:
    """The values of a record that a revision tracks, as JSON-ready data."""
    data = rec.model_dump(mode="json", include=set(EDITABLE_FIELDS))
    data["partners"] = [{k: p[k] for k in ("name", "role", "type")} for p in data.get("partners", [])]
    return data


EDITABLE_FIELDS = (
    SCALAR_FIELDS + DATE_FIELDS + JSON_LIST_FIELDS
    + ("countries", "sdgs", "partners", "budget", "sources", "source_document", "source_lines", "extras")
)
