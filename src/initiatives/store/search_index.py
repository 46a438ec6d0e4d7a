"""Keep `search_entries` (the text each initiative is found by) in step with the records.

The Store marks the records a transaction wrote; `refresh` rewrites their entries just before the commit,
so the index never disagrees with the data. `rebuild` re-indexes everything (after a bulk load).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, lazyload

from initiatives.reference import countries
from initiatives.store import document_chunks
from initiatives.store.tables import DocumentRow, InitiativeRow, OrganizationRow, SearchEntryRow

DIRTY_KEY = "search_dirty"


def mark(session: Session, initiative_id: int) -> None:
    session.info.setdefault(DIRTY_KEY, set()).add(initiative_id)


_TAG = re.compile(r"<[^>]*>")


def plain_source(text: str) -> str:
    """A record's document lines as searchable text: markup (an IATI activity's XML) reduced to the text it
    holds, so that tag and attribute names are neither indexed nor matched."""
    if not text.lstrip().startswith("<"):
        return text
    return html.unescape(" ".join(_TAG.sub(" ", text).split()))


def is_structured(extras: dict[str, Any] | None) -> bool:
    """Whether a record came from a structured file whose lines are markup (an IATI activity). Its search text
    is its values and the narratives kept in `extras`, not its document's lines: those add the codes and
    amounts of transactions and results, and reducing them to text cost an import a third of its time."""
    return bool(extras) and "iati_version" in extras  # type: ignore[operator]


def kept_narratives(extras: dict[str, Any] | None, title: str | None, summary: str | None) -> list[str]:
    """The texts a structured record keeps in `extras` beyond its title and summary: its titles in other
    languages and every description (objectives, target groups, ...) in each language."""
    if not extras:
        return []
    texts = [n.get("text") for n in extras.get("title_narratives") or ()]
    texts += [n.get("text") for d in extras.get("descriptions") or () for n in d.get("narratives") or ()]
    shown = {title, summary}
    return [t for t in dict.fromkeys(texts) if t and t not in shown]


def entry_for(row: InitiativeRow, orgs: dict[int, OrganizationRow], doc_lines: list[str] | None) -> tuple[str, str]:
    """(title, body) of one initiative: what a person may type to find it (for a record from a written
    document, its values and its lines; from a structured file, its values and kept narratives)."""
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
    if is_structured(row.extras):
        parts += kept_narratives(row.extras, row.title, row.summary)
    elif doc_lines is not None and row.source_first_line and row.source_last_line:
        parts.append(plain_source("\n".join(doc_lines[row.source_first_line - 1:row.source_last_line])))
    return title, "\n".join(p for p in parts if p)


class _LineWindow(list):  # type: ignore[type-arg]
    """Lines first..last of a document, sliced with the document's own (0-based) line indexes."""

    def __init__(self, first: int, lines: list[str]) -> None:
        super().__init__(lines)
        self.first = first

    def __getitem__(self, key):  # type: ignore[no-untyped-def]
        if isinstance(key, slice):
            return list.__getitem__(self, slice((key.start or 0) - self.first + 1, (key.stop or 0) - self.first + 1))
        return list.__getitem__(self, key - self.first + 1)


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
        docs: dict[int, list[str] | None] = {  # None: the text is kept in pieces (document_chunks)
            d_id: text.splitlines() if text else None for d_id, text in session.execute(
                select(DocumentRow.id, DocumentRow.text).where(DocumentRow.id.in_(doc_ids)))}
        session.execute(delete(SearchEntryRow).where(SearchEntryRow.initiative_id.in_(chunk)))
        values = []
        for r in rows:
            lines = docs.get(r.document_id) if r.document_id else None
            if (lines is None and r.document_id in docs and r.source_first_line and r.source_last_line
                    and not is_structured(r.extras)):
                lines = _LineWindow(r.source_first_line, document_chunks.lines(
                    session, r.document_id, r.source_first_line, r.source_last_line))  # type: ignore[assignment]
            title, body = entry_for(r, orgs, lines)
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
