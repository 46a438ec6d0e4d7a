"""A fast path for saving large batches: SQLAlchemy Core executemany inserts for new records.

`Store.save_batch` goes through the ORM record by record, which is right for a press release and too slow
for an IATI file of 100,000 activities. Here new records (by natural key) are inserted with one
executemany per table (rows, countries, SDGs, participations, sources, "(created)" revisions); records
already stored go through the ORM path, so updates still leave revisions. Same tables, same values, one
transaction: all of it or nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from initiatives.model import Batch, Initiative
from initiatives.store.tables import (
    DocumentRow,
    InitiativeCountryRow,
    InitiativeRow,
    InitiativeSdgRow,
    ParticipationRow,
    RevisionRow,
    SourceRow,
    utcnow,
)

if TYPE_CHECKING:
    from initiatives.store.repository import SaveSummary, Store

THRESHOLD = 200  # batches with at least this many records take the bulk path
CHUNK = 2000


def _row_values(rec: Initiative, key: str | None, document_id: int | None, now: Any) -> dict[str, Any]:
    return {
        "kind": rec.kind, "code": rec.code, "title": rec.title, "summary": rec.summary, "status": rec.status,
        "start": str(rec.start) if rec.start else None, "end": str(rec.end) if rec.end else None,
        "date_announced": str(rec.date_announced) if rec.date_announced else None,
        "budget_amount": rec.budget.amount if rec.budget else None,
        "budget_currency": rec.budget.currency if rec.budget else None,
        "funding_source": rec.funding_source, "location": rec.location, "lead_unit": rec.lead_unit,
        "region": rec.region, "country_groups": list(rec.country_groups), "themes": list(rec.themes),
        "comments": list(rec.comments), "extras": rec.extras, "source_document": rec.source_document,
        "source_first_line": rec.source_lines[0] if rec.source_lines else None,
        "source_last_line": rec.source_lines[1] if rec.source_lines else None,
        "document_id": document_id, "natural_key": key, "version": 1, "created_at": now, "updated_at": now,
    }


def _existing_keys(s: Session, keys: Iterable[str]) -> set[str]:
    found: set[str] = set()
    keys = list(keys)
    for i in range(0, len(keys), 500):
        found.update(s.scalars(select(InitiativeRow.natural_key).where(
            InitiativeRow.natural_key.in_(keys[i:i + 500]))))
    return found


def insert_new(s: Session, records: list[Initiative], keys: list[str | None], orgs: Any, *, author: str,
               reason: str | None, document_ids: dict[str, int]) -> list[int]:
    """Insert records known to be new; returns their ids in order."""
    now = utcnow()
    table = InitiativeRow.__table__
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    ids: list[int] = []
    org_ids: dict[tuple[str, str | None, str], int] = {}
    for lo in range(0, len(records), CHUNK):
        chunk, chunk_keys = records[lo:lo + CHUNK], keys[lo:lo + CHUNK]
        params = [_row_values(r, k, document_ids.get(r.source_document or ""), now)
                  for r, k in zip(chunk, chunk_keys, strict=True)]
        chunk_ids = [row[0] for row in s.execute(stmt, params)]
        countries, sdgs, parts, sources, revisions = [], [], [], [], []
        for rid, rec in zip(chunk_ids, chunk, strict=True):
            countries.extend({"initiative_id": rid, "iso3": c, "position": i} for i, c in enumerate(rec.countries))
            sdgs.extend({"initiative_id": rid, "sdg": g, "position": i} for i, g in enumerate(rec.sdgs))
            for i, p in enumerate(rec.partners):
                okey = (p.name, p.acronym, p.type)
                if okey not in org_ids:
                    org_ids[okey] = orgs.resolve(p).id
                parts.append({"initiative_id": rid, "organization_id": org_ids[okey], "role": p.role,
                              "name": p.name, "type": p.type, "position": i})
            for field, spans in rec.sources.items():
                sources.extend({"initiative_id": rid, "field": field, "document_sha256": sp.document,
                                "start": sp.start, "end": sp.end, "text": sp.text} for sp in spans)
            revisions.append({"entity": "initiative", "entity_id": rid, "field": "(created)", "old": None,
                              "new": None, "author": author, "at": now, "reason": reason})
        for row_table, rows in ((InitiativeCountryRow, countries), (InitiativeSdgRow, sdgs),
                                (ParticipationRow, parts), (SourceRow, sources), (RevisionRow, revisions)):
            if rows:
                s.execute(insert(row_table.__table__), rows)
        ids.extend(chunk_ids)
    return ids


def save_records(store: Store, s: Session, records: list[Initiative], orgs: Any, summary: SaveSummary, *,
                 author: str, reason: str | None, document_ids: dict[str, int]) -> list[int]:
    """Save records inside an open transaction: new ones by Core inserts, stored ones through the ORM.
    Returns the id of each record, in order (a record repeated within `records` gets the later one's id)."""
    from initiatives.store.repository import natural_key

    keys = [natural_key(r) for r in records]
    stored = _existing_keys(s, {k for k in keys if k})
    last: dict[str, int] = {k: i for i, k in enumerate(keys) if k}  # the last record of a key wins
    new_idx = [i for i, (r, k) in enumerate(zip(records, keys, strict=True))
               if r.id is None and k and k not in stored and last[k] == i]
    ids: dict[int, int] = {}
    inserted = insert_new(s, [records[i] for i in new_idx], [keys[i] for i in new_idx], orgs,
                          author=author, reason=reason, document_ids=document_ids)
    ids.update(zip(new_idx, inserted, strict=True))
    summary.created += len(inserted)
    for i, rec in enumerate(records):
        if i in ids:
            continue
        k = keys[i]
        if k and k not in stored and last[k] != i and rec.id is None:
            continue  # superseded by a later record with the same key
        saved, outcome = store._upsert(s, rec, orgs, author=author, reason=reason)
        setattr(summary, outcome, getattr(summary, outcome) + 1)
        ids[i] = saved
    for i, k in enumerate(keys):
        if i not in ids and k:
            ids[i] = ids[last[k]]
            summary.unchanged += 1
    return [ids[i] for i in range(len(records))]


def document_ids(s: Session, docs: Iterable[Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for doc in docs:
        row_id = s.scalar(select(DocumentRow.id).where(DocumentRow.sha256 == doc.sha256))
        if row_id is not None:
            out[doc.name] = row_id
    return out


def save_batch(store: Store, batch: Batch, *, author: str, reason: str | None) -> SaveSummary:
    """Like `Store.save_batch`, with Core inserts for the records that are new."""
    from initiatives.store.repository import SaveSummary, _OrgResolver

    summary = SaveSummary()
    with store.transaction() as s:
        for doc in batch.documents:
            store.save_document(doc, session=s)
        orgs = _OrgResolver(s)
        for org in batch.organizations:
            orgs.resolve(org)
        summary.initiative_ids = save_records(store, s, batch.initiatives, orgs, summary, author=author,
                                              reason=reason, document_ids=document_ids(s, batch.documents))
        if batch.findings:
            store._attach_findings(s, batch.findings, batch_ids=summary.initiative_ids, batch=batch)
    return summary
