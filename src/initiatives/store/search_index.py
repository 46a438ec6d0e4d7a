"""Keep `search_entries` (the text each initiative is found by) in step with the records.

The Store marks the records a transaction wrote; `refresh` rewrites their entries just before the commit,
so the index never disagrees with the data. `rebuild` re-indexes everything (after a bulk load).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, lazyload

from initiatives.reference import countries
from initiatives.store.tables import DocumentRow, InitiativeRow, OrganizationRow, SearchEntryRow

DIRTY_KEY = "search_dirty"


def mark(session: Session, initiative_id: int) -> None:
    session.info.setdefault(DIRTY_KEY, set()).add(initiative_id)


def entry_for(row: InitiativeRow, orgs: dict[int, OrganizationRow], doc_lines: list[str] | None) -> tuple[str, str]:
    """(title, body) of one initiative: what a person may type to find it."""
    title = " ".join(filter(None, [row.code, row.title]))
    parts: list[str] = [row.summary or ""]
    parts += list(row.themes or [])
    parts += [f"{c.iso3} {countries.name(c.iso3)}" for c in row.countries]
    parts += list(row.country_groups or [])
    for p in row.participations:
        org = orgs.get(p.organization_id)
        parts.append(" ".join(filter(None, {p.name, org.name if org else None, org.acronym if org else None})))
    parts += [row.location or "", row.funding_source or "", row.lead_unit or "", row.region or ""]
    parts += list(row.comments or [])
    if doc_lines is not None and row.source_first_line and row.source_last_line:
        parts.append("\n".join(doc_lines[row.source_first_line - 1:row.source_last_line]))
    return title, "\n".join(p for p in parts if p)


def refresh(session: Session, ids: Iterable[int]) -> None:
    ids = sorted(set(ids))
    if not ids:
        return
    session.flush()
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        rows = list(session.scalars(select(InitiativeRow).where(InitiativeRow.id.in_(chunk))
                                    .options(lazyload(InitiativeRow.sources))))  # spans are not indexed
        org_ids = {p.organization_id for r in rows for p in r.participations}
        orgs = {o.id: o for o in session.scalars(select(OrganizationRow).where(OrganizationRow.id.in_(org_ids)))}
        doc_ids = {r.document_id for r in rows if r.document_id}
        docs = {d.id: d.text.splitlines() for d in session.scalars(select(DocumentRow)
                                                                   .where(DocumentRow.id.in_(doc_ids)))}
        session.execute(delete(SearchEntryRow).where(SearchEntryRow.initiative_id.in_(chunk)))
        values = []
        for r in rows:
            title, body = entry_for(r, orgs, docs.get(r.document_id) if r.document_id else None)
            values.append({"initiative_id": r.id, "title": title, "body": body})
        if values:
            session.execute(insert(SearchEntryRow), values)


def refresh_marked(session: Session) -> None:
    dirty = session.info.pop(DIRTY_KEY, None)
    if dirty:
        refresh(session, dirty)


def rebuild(session: Session, batch: int = 2000) -> int:
    """Re-index every initiative; returns how many."""
    ids = list(session.scalars(select(InitiativeRow.id).order_by(InitiativeRow.id)))
    for i in range(0, len(ids), batch):
        refresh(session, ids[i:i + batch])
    return len(ids)
