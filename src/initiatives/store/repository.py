"""`Store`: the one way into the database. Every write runs in one transaction: all of it or nothing."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, Text, case, cast, create_engine, event, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from initiatives.errors import InputError, NotFound, StaleVersion, describe_validation_error
from initiatives.model import (
    Batch,
    Document,
    Finding,
    Initiative,
    Organization,
    PartnerRef,
    Revision,
)
from initiatives.store import search_index
from initiatives.store import mapping
from initiatives.store.tables import (
    DocumentRow,
    FindingInitiativeRow,
    FindingRow,
    InitiativeCountryRow,
    InitiativeRow,
    InitiativeSdgRow,
    OrganizationRow,
    ParticipationRow,
    RevisionRow,
    utcnow,
)

DEFAULT_URL = "sqlite:///initiatives.db"


def normalise_url(url_or_path: str) -> str:
    """Accept a SQLAlchemy URL or a plain file path (taken as a SQLite file)."""
    if "://" in url_or_path:
        if url_or_path.startswith("postgresql://"):
            return "postgresql+psycopg://" + url_or_path.removeprefix("postgresql://")
        if url_or_path.startswith("postgres://"):
            return "postgresql+psycopg://" + url_or_path.removeprefix("postgres://")
        return url_or_path
    return f"sqlite:///{url_or_path}"


def natural_key(rec: Initiative) -> str | None:
    """What makes two imports of a record "the same record": an external identifier, else its place in a document."""
    ident = rec.extras.get("identifier")
    if ident:
        parts = ["id", str(ident)]
    elif rec.source_document:
        anchor = "" if (rec.code or rec.title) else str(rec.source_lines[0] if rec.source_lines else "")
        parts = ["doc", document_key(rec), rec.code or "", "" if rec.code else (rec.title or ""), anchor]
    else:
        return None
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def document_key(rec: Initiative) -> str | None:
    """Which document a record belongs to: the ingest's `document_key` (the path under the ingest root, set
    when it differs from the file name), else the file name."""
    return rec.extras.get("document_key") or rec.source_document


_ORG_PUNCT = re.compile(r"[^\w]+")


def org_key(name: str, country: str | None = None) -> str:
    base = _ORG_PUNCT.sub(" ", name.casefold()).strip()
    base = re.sub(r"^the ", "", base)
    return f"{base}|{country or ''}"


@dataclass
class InitiativeQuery:
    """Filters for listing initiatives; every filter is optional and they combine with AND."""

    kind: str | None = None
    country: str | None = None
    status: str | None = None
    sdg: int | None = None
    text: str | None = None
    organization_id: int | None = None
    source_document: str | None = None
    limit: int | None = None
    offset: int = 0


@dataclass
class SaveSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    initiative_ids: list[int] = field(default_factory=list)


@dataclass
class AuditSaveSummary:
    new: int = 0
    seen_again: int = 0
    reopened: int = 0
    auto_resolved: int = 0


FULL_LOAD_LIMIT = 3000  # registries with more organisations are searched per batch, not loaded whole


def _chunks(values: Iterable[str], size: int = 500) -> Iterator[list[str]]:
    items = sorted(set(values))
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _org_candidates(session: Session, scope: list[Organization | PartnerRef]) -> list[OrganizationRow]:
    """The stored organisations a batch's organisations could resolve to. Every key a new row of the batch
    could take is probed, so a row is never inserted twice; an alias is found when written the same way."""
    keys: set[str] = set()
    names: set[str] = set()
    for org in scope:
        country = getattr(org, "country", None)
        for n in [org.name, *(getattr(org, "aliases", None) or [])]:
            keys.update({org_key(n, country), org_key(n)})
            names.add(n)
        if org.acronym:
            names.add(org.acronym)
    probes = names | {n.upper() for n in names} | {n.casefold() for n in names}
    found: dict[int, OrganizationRow] = {}
    for chunk in _chunks(keys):
        found.update((r.id, r) for r in session.scalars(select(OrganizationRow).where(OrganizationRow.key.in_(chunk))))
    for chunk in _chunks(probes):
        found.update((r.id, r) for r in session.scalars(select(OrganizationRow).where(
            or_(OrganizationRow.name.in_(chunk), OrganizationRow.acronym.in_(chunk)))))
    seen = {k for r in found.values() for k in (org_key(r.name), r.acronym or "", *(r.aliases or []))}
    unmatched = [n for n in names if org_key(n) not in seen and n not in seen]
    for chunk in _chunks(unmatched, 50):  # aliases live in a JSON list: match the element as JSON writes it
        found.update((r.id, r) for r in session.scalars(select(OrganizationRow).where(or_(
            *[cast(OrganizationRow.aliases, Text).contains(json.dumps(n), autoescape=True) for n in chunk]))))
    return list(found.values())


class _OrgResolver:
    """Finds the one Organization behind a name, acronym or alias, creating it when it is new."""

    def __init__(self, session: Session, scope: list[Organization | PartnerRef] | None = None) -> None:
        """Index the stored organisations: all of them, or — given the organisations a batch names (`scope`) and
        a registry larger than FULL_LOAD_LIMIT — only the ones those could be (same key, name or acronym, or an
        alias written the same way), so that a document's cost does not grow with the registry."""
        self.session = session
        self.by_key: dict[str, OrganizationRow] = {}
        self.by_acronym: dict[str, OrganizationRow] = {}
        if scope is not None and (session.scalar(select(func.count()).select_from(OrganizationRow)) or 0) \
                > FULL_LOAD_LIMIT:
            rows: Iterable[OrganizationRow] = _org_candidates(session, scope)
        else:
            rows = session.scalars(select(OrganizationRow))
        for row in rows:
            self._index(row)

    def _index(self, row: OrganizationRow) -> None:
        self.by_key[row.key] = row
        self.by_key.setdefault(org_key(row.name), row)
        for alias in row.aliases or []:
            self.by_key.setdefault(org_key(alias, row.country), row)
            self.by_key.setdefault(org_key(alias), row)
        if row.acronym:
            self.by_acronym.setdefault(row.acronym.casefold(), row)

    def find(self, name: str, acronym: str | None, country: str | None) -> OrganizationRow | None:
        for key in (org_key(name, country), org_key(name) if not country else None):
            if key and key in self.by_key:
                return self.by_key[key]
        for probe in (acronym, name):
            if probe and probe.casefold() in self.by_acronym:
                row = self.by_acronym[probe.casefold()]
                if not country or not row.country or row.country == country:
                    return row
        return None

    def resolve_all(self, orgs: Iterable[Organization | PartnerRef]) -> list[OrganizationRow]:
        """Resolve many organisations with one flush at the end (the new ones get their ids together); returns
        the row of each, in order."""
        new: list[OrganizationRow] = []
        rows: list[OrganizationRow] = []
        for org in orgs:
            row = self.resolve(org, flush=False)
            rows.append(row)
            if row.id is None and row not in new:
                new.append(row)
        if new and self.session.get_bind().dialect.name == "sqlite":
            # SQLite: ids given here let the flush insert every new organisation in one executemany instead of
            # one INSERT ... RETURNING each (SQLite runs one writer at a time, so nobody takes these ids; a
            # concurrent writer would make this transaction fail, never share an id)
            with self.session.no_autoflush:
                first = (self.session.scalar(select(func.max(OrganizationRow.id))) or 0) + 1
            for i, row in enumerate(new):
                row.id = first + i
        self.session.flush()
        return rows

    def resolve(self, org: Organization | PartnerRef, country: str | None = None, *,
                flush: bool = True) -> OrganizationRow:
        country = getattr(org, "country", None) or country
        row = self.find(org.name, org.acronym, country)
        if row is None:
            row = OrganizationRow(
                key=org_key(org.name, country), name=org.name, acronym=org.acronym, type=org.type,
                country=country, aliases=list(getattr(org, "aliases", []) or []),
            )
            self.session.add(row)
            if flush:
                self.session.flush()
        else:
            if row.type == "unknown" and org.type != "unknown":
                row.type = org.type
            if not row.acronym and org.acronym:
                row.acronym = org.acronym
            if org.name != row.name and org.name != row.acronym and org.name not in (row.aliases or []):
                row.aliases = [*(row.aliases or []), org.name]
            # the spellings the reader already joined to this organisation are its spellings too
            extra = [a for a in (getattr(org, "aliases", None) or []) if a not in (row.aliases or []) and a != row.name]
            if extra:
                row.aliases = [*(row.aliases or []), *extra]
        self._index(row)
        return row


class Store:
    """A registry database: SQLite by default, PostgreSQL through the same code."""

    def __init__(self, url: str = DEFAULT_URL, *, echo: bool = False) -> None:
        self.url = normalise_url(url)
        self.engine: Engine = create_engine(self.url, echo=echo)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str = DEFAULT_URL, *, migrate: bool = True) -> Store:
        store = cls(url)
        if migrate:
            store.migrate()
        return store

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        from initiatives.store.migrate import upgrade

        upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed at the end of the block, or rolled back on any error."""
        with self._sessions() as session, session.begin():
            yield session
            search_index.refresh_marked(session)

    # ------------------------------------------------------------------ documents

    def save_document(self, doc: Document, session: Session | None = None) -> Document:
        with self._maybe(session) as s:
            row = s.scalar(select(DocumentRow).where(DocumentRow.sha256 == doc.sha256))
            if row is None:
                row = DocumentRow(path=doc.path, sha256=doc.sha256, media_type=doc.media_type, title=doc.title,
                                  text=doc.text, ingested_at=doc.ingested_at or utcnow())
                s.add(row)
                s.flush()
            return mapping.document_from_row(row)

    def get_document(self, ref: int | str, *, join_pieces: bool = True) -> Document:
        """A document by id, sha256 or file name. With `join_pieces=False` a document kept in pieces comes
        back with `text == ""` (see `store.document_chunks` for reading parts of it)."""
        with self.transaction() as s:
            if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
                row = s.get(DocumentRow, int(ref))
            else:
                row = s.scalar(select(DocumentRow).where(DocumentRow.sha256 == ref)) or s.scalar(
                    select(DocumentRow).where(DocumentRow.path.like(f"%{ref}")).order_by(DocumentRow.id.desc())
                )
            if row is None:
                raise NotFound(f"no document {ref}")
            return mapping.document_from_row(row, join_pieces=join_pieces)

    def documents(self) -> list[Document]:
        with self.transaction() as s:
            rows = s.scalars(select(DocumentRow).order_by(DocumentRow.id))
            return [mapping.document_from_row(r, with_text=False) for r in rows]

    # ------------------------------------------------------------------ initiatives

    def save_batch(self, batch: Batch, *, author: str = "import", reason: str | None = None) -> SaveSummary:
        """Save everything a reader produced, in one transaction. Records already stored are updated
        (with revisions) or left alone when nothing changed.

        New records go in through `bulk.save_records` (Core executemany: a handful of statements per table
        instead of several per record); organisations are resolved for the whole batch first, with one
        flush, so every partner already has its id when the records are written."""
        from initiatives.store import bulk

        summary = SaveSummary()
        with self.transaction() as s:
            for doc in batch.documents:
                bulk.insert_document(s, doc)
            _adopt_document_keys(s, batch)
            named = [*batch.organizations, *(p for r in batch.initiatives for p in r.partners)]
            orgs = _OrgResolver(s, scope=named)
            orgs.resolve_all(named)
            _preload_stored(s, batch.initiatives)
            summary.initiative_ids = bulk.save_records(
                self, s, batch.initiatives, orgs, summary, author=author, reason=reason,
                document_ids=_document_ids(s, batch))
            s.info.pop(_STORED_KEY, None)
            if batch.findings:
                self._attach_findings(s, batch.findings, batch_ids=summary.initiative_ids, batch=batch)
        return summary

    def add_initiative(self, rec: Initiative, *, author: str) -> Initiative:
        with self.transaction() as s:
            row = self._insert(s, rec, _OrgResolver(s), author=author, reason=None)
            return mapping.initiative_from_row(row)

    def _insert(self, s: Session, rec: Initiative, orgs: _OrgResolver, *, author: str,
                reason: str | None) -> InitiativeRow:
        row = InitiativeRow(natural_key=natural_key(rec), version=1)
        mapping.apply_to_row(row, rec)
        s.add(row)
        s.flush()
        self._set_partners(s, row, rec.partners, orgs)
        if rec.source_document:
            doc = s.scalar(select(DocumentRow.id).where(DocumentRow.path.like(f"%{rec.source_document}")).limit(1))
            row.document_id = doc
        s.add(RevisionRow(entity="initiative", entity_id=row.id, field="(created)", old=None, new=None,
                          author=author, at=utcnow(), reason=reason))
        search_index.mark(s, row.id)
        return row

    def _upsert(self, s: Session, rec: Initiative, orgs: _OrgResolver, *, author: str,
                reason: str | None) -> tuple[int, str]:
        key = natural_key(rec)
        row = None
        if rec.id is not None:
            row = s.get(InitiativeRow, rec.id)
        if row is None and key is not None:
            stored = s.info.get(_STORED_KEY)
            row = stored.get(key) if stored is not None and key in stored else \
                s.scalar(select(InitiativeRow).where(InitiativeRow.natural_key == key).limit(1))
        if row is None:
            return self._insert(s, rec, orgs, author=author, reason=reason).id, "created"
        current = mapping.initiative_from_row(row)
        changed = self._write_changes(s, row, current, rec, orgs, author=author, reason=reason)
        return row.id, "updated" if changed else "unchanged"

    def _write_changes(self, s: Session, row: InitiativeRow, current: Initiative, new: Initiative,
                       orgs: _OrgResolver, *, author: str, reason: str | None) -> bool:
        before, after = mapping.comparable(current), mapping.comparable(new)
        changed = [f for f in mapping.EDITABLE_FIELDS if before.get(f) != after.get(f)]
        if not changed:
            return False
        now = utcnow()
        mapping.apply_to_row(row, new)
        if "partners" in changed:
            self._set_partners(s, row, new.partners, orgs)
        row.natural_key = natural_key(new)
        row.version += 1
        row.updated_at = now
        for f in changed:
            s.add(RevisionRow(entity="initiative", entity_id=row.id, field=f, old=before.get(f),
                              new=after.get(f), author=author, at=now, reason=reason))
        search_index.mark(s, row.id)
        return True

    def _set_partners(self, s: Session, row: InitiativeRow, partners: Iterable[PartnerRef],
                      orgs: _OrgResolver) -> None:
        row.participations.clear()
        s.flush()
        for i, p in enumerate(partners):
            org = orgs.resolve(p)
            row.participations.append(ParticipationRow(organization_id=org.id, role=p.role, name=p.name,
                                                       type=p.type, position=i))
        s.flush()

    def get_initiative(self, initiative_id: int) -> Initiative:
        with self.transaction() as s:
            row = s.get(InitiativeRow, initiative_id)
            if row is None:
                raise NotFound(f"no initiative #{initiative_id}")
            return mapping.initiative_from_row(row)

    def find_initiative(self, ref: str) -> Initiative:
        """An initiative by id, or by its code."""
        if ref.isdigit():
            try:
                return self.get_initiative(int(ref))
            except NotFound:
                pass
        with self.transaction() as s:
            row = s.scalar(select(InitiativeRow).where(InitiativeRow.code == ref).order_by(InitiativeRow.id).limit(1))
            if row is None:
                raise NotFound(f"no initiative with id or code {ref!r}")
            return mapping.initiative_from_row(row)

    def _filtered(self, q: InitiativeQuery) -> Any:
        stmt = select(InitiativeRow)
        if q.kind:
            stmt = stmt.where(InitiativeRow.kind == q.kind)
        if q.status:
            stmt = stmt.where(InitiativeRow.status == q.status)
        if q.source_document:
            stmt = stmt.where(InitiativeRow.source_document == q.source_document)
        if q.country:
            stmt = stmt.where(InitiativeRow.id.in_(
                select(InitiativeCountryRow.initiative_id).where(InitiativeCountryRow.iso3 == q.country.upper())))
        if q.sdg:
            stmt = stmt.where(InitiativeRow.id.in_(
                select(InitiativeSdgRow.initiative_id).where(InitiativeSdgRow.sdg == q.sdg)))
        if q.organization_id:
            stmt = stmt.where(InitiativeRow.id.in_(
                select(ParticipationRow.initiative_id).where(ParticipationRow.organization_id == q.organization_id)))
        if q.text:
            for word in q.text.split():
                like = f"%{word}%"
                stmt = stmt.where(or_(InitiativeRow.title.ilike(like), InitiativeRow.summary.ilike(like),
                                      InitiativeRow.code.ilike(like)))
        return stmt

    def list_initiatives(self, q: InitiativeQuery | None = None) -> list[Initiative]:
        q = q or InitiativeQuery()
        stmt = self._filtered(q).order_by(InitiativeRow.id).offset(q.offset)
        if q.limit is not None:
            stmt = stmt.limit(q.limit)
        with self.transaction() as s:
            return [mapping.initiative_from_row(r) for r in s.scalars(stmt)]

    def iter_initiatives(self, *, batch: int = 1000, scalar_extras: bool = False) -> Iterator[Initiative]:
        """Every record in id order, read `batch` at a time (one short transaction each, so the rows of the
        whole registry are never in one session); `scalar_extras` as in `mapping.initiative_from_row`."""
        last = 0
        while True:
            with self.transaction() as s:
                rows = s.scalars(select(InitiativeRow).where(InitiativeRow.id > last)
                                 .order_by(InitiativeRow.id).limit(batch))
                records = [mapping.initiative_from_row(r, scalar_extras=scalar_extras) for r in rows]
            if not records:
                return
            last = records[-1].id or last
            yield from records

    def count_initiatives(self, q: InitiativeQuery | None = None) -> int:
        stmt = select(func.count()).select_from(self._filtered(q or InitiativeQuery()).subquery())
        with self.transaction() as s:
            return int(s.scalar(stmt) or 0)

    def update_initiative(self, initiative_id: int, changes: dict[str, Any], *, author: str,
                          expected_version: int | None = None, reason: str | None = None) -> Initiative:
        """Change some fields of a record, recording a Revision for each. Raises StaleVersion when the
        record moved on since `expected_version`, and InputError naming the field when a value is invalid."""
        unknown = set(changes) - set(mapping.EDITABLE_FIELDS)
        if unknown:
            raise InputError(f"unknown field(s): {', '.join(sorted(unknown))}", record=f"#{initiative_id}",
                             field=sorted(unknown)[0])
        with self.transaction() as s:
            row = s.get(InitiativeRow, initiative_id, with_for_update=True)
            if row is None:
                raise NotFound(f"no initiative #{initiative_id}")
            if expected_version is not None and row.version != expected_version:
                raise StaleVersion(initiative_id, expected_version, row.version)
            current = mapping.initiative_from_row(row)
            data = current.model_dump()
            data.update(changes)
            try:
                new = Initiative.model_validate(data)
            except ValidationError as exc:
                loc, msg = describe_validation_error(exc)
                raise InputError(msg, record=current.label, field=loc) from None
            self._write_changes(s, row, current, new, _OrgResolver(s), author=author, reason=reason)
            s.flush()
            return mapping.initiative_from_row(row)

    def delete_initiative(self, initiative_id: int, *, author: str) -> None:
        with self.transaction() as s:
            row = s.get(InitiativeRow, initiative_id)
            if row is None:
                raise NotFound(f"no initiative #{initiative_id}")
            s.add(RevisionRow(entity="initiative", entity_id=initiative_id, field="(deleted)",
                              old=mapping.comparable(mapping.initiative_from_row(row)), new=None,
                              author=author, at=utcnow()))
            s.delete(row)

    def history(self, initiative_id: int, entity: str = "initiative") -> list[Revision]:
        with self.transaction() as s:
            rows = s.scalars(select(RevisionRow).where(RevisionRow.entity == entity,
                                                       RevisionRow.entity_id == initiative_id)
                             .order_by(RevisionRow.at, RevisionRow.id))
            return [mapping.revision_from_row(r) for r in rows]

    # ------------------------------------------------------------------ organisations

    def organizations(self) -> list[Organization]:
        with self.transaction() as s:
            return [mapping.organization_from_row(r) for r in s.scalars(select(OrganizationRow)
                                                                        .order_by(OrganizationRow.name))]

    def get_organization(self, organization_id: int) -> Organization:
        with self.transaction() as s:
            row = s.get(OrganizationRow, organization_id)
            if row is None:
                raise NotFound(f"no organisation #{organization_id}")
            return mapping.organization_from_row(row)

    # ------------------------------------------------------------------ findings

    def _attach_findings(self, s: Session, findings: list[Finding], *, batch_ids: list[int], batch: Batch) -> None:
        """Store findings that came with an import (e.g. a gold file), linked to the batch's records by label."""
        from initiatives.store import bulk

        labels: dict[tuple[str | None, str], int] = {}
        for rec, rid in zip(batch.initiatives, batch_ids, strict=True):
            for label in {rec.code, rec.title} - {None}:
                labels.setdefault((rec.source_document, label), rid)
                labels.setdefault((None, label), rid)
        linked = []
        for f in findings:
            rid = labels.get((f.source_document, f.record)) or labels.get((None, f.record))
            linked.append(f.model_copy(update={"initiative_ids": f.initiative_ids or ([rid] if rid else [])}))
        bulk.save_findings(s, linked)

    def save_audit(self, findings: list[Finding], *, rules_run: Iterable[str] | None = None) -> AuditSaveSummary:
        """Store one audit run's findings. Review decisions are kept; a resolved finding that comes back is
        reopened; an open finding of a rule that ran but did not find it again is resolved as fixed (only one an
        audit found: findings that came with an imported file stay as they are)."""
        from initiatives.store import audit_save

        with self.transaction() as s:
            counts = audit_save.save(s, findings, [f.fingerprint or finding_fingerprint(f) for f in findings],
                                     utcnow(), rules_run)
        return AuditSaveSummary(**counts)

    @staticmethod
    def _finding_filters(stmt: Any, status: str | None, rule: str | None, severity: str | None,
                         initiative_id: int | None) -> Any:
        if status:
            stmt = stmt.where(FindingRow.status == status)
        if rule:
            stmt = stmt.where(FindingRow.rule == rule)
        if severity:
            stmt = stmt.where(FindingRow.severity == severity)
        if initiative_id is not None:
            stmt = stmt.where(FindingRow.id.in_(select(FindingInitiativeRow.finding_id)
                                                .where(FindingInitiativeRow.initiative_id == initiative_id)))
        return stmt

    def findings(self, *, status: str | None = None, rule: str | None = None, severity: str | None = None,
                 initiative_id: int | None = None, limit: int | None = None, offset: int = 0,
                 by_rule: bool = False) -> list[Finding]:
        """Findings matching the filters, by id (`by_rule`: by rule, then severity high to low, then id), the
        `limit` of them from `offset` (all with None)."""
        stmt = self._finding_filters(select(FindingRow), status, rule, severity, initiative_id)
        if by_rule:
            rank = case({"high": 0, "medium": 1, "low": 2}, value=FindingRow.severity, else_=3)
            stmt = stmt.order_by(FindingRow.rule, rank, FindingRow.id)
        else:
            stmt = stmt.order_by(FindingRow.id)
        stmt = stmt.offset(offset).limit(limit) if limit is not None else stmt.offset(offset)
        with self.transaction() as s:
            return [mapping.finding_from_row(r) for r in s.scalars(stmt)]

    def get_finding(self, finding_id: int) -> Finding:
        with self.transaction() as s:
            row = s.get(FindingRow, finding_id)
            if row is None:
                raise NotFound(f"no finding #{finding_id}")
            return mapping.finding_from_row(row)

    def missing_findings(self, ids: Iterable[int]) -> list[int]:
        """The ids among `ids` that no finding has, in the order given."""
        wanted = list(dict.fromkeys(ids))
        with self.transaction() as s:
            found = set(s.scalars(select(FindingRow.id).where(FindingRow.id.in_(wanted))))
        return [i for i in wanted if i not in found]

    def finding_counts(self, *, status: str | None = None, rule: str | None = None, severity: str | None = None,
                       initiative_id: int | None = None) -> dict[tuple[str, str], int]:
        """How many findings match the filters, per (rule, severity): one GROUP BY, no finding loaded."""
        stmt = self._finding_filters(select(FindingRow.rule, FindingRow.severity, func.count()), status, rule,
                                     severity, initiative_id).group_by(FindingRow.rule, FindingRow.severity)
        with self.transaction() as s:
            return {(r, sev): n for r, sev, n in s.execute(stmt)}

    def set_finding_status(self, finding_id: int, status: str, *, reviewer: str, comment: str | None = None) -> Finding:
        if status not in ("open", "acknowledged", "resolved", "waived"):
            raise InputError(f"unknown status {status!r} (open, acknowledged, resolved, waived)", field="status")
        with self.transaction() as s:
            row = s.get(FindingRow, finding_id)
            if row is None:
                raise NotFound(f"no finding #{finding_id}")
            now = utcnow()
            s.add(RevisionRow(entity="finding", entity_id=row.id, field="status", old=row.status, new=status,
                              author=reviewer, at=now, reason=comment))
            row.status, row.reviewer, row.updated_at = status, reviewer, now
            if comment is not None:
                row.comment = comment
            s.flush()
            return mapping.finding_from_row(row)

    # ------------------------------------------------------------------ helpers

    @contextmanager
    def _maybe(self, session: Session | None) -> Iterator[Session]:
        if session is not None:
            yield session
        else:
            with self.transaction() as s:
                yield s


_STORED_KEY = "stored_by_natural_key"


def _preload_stored(s: Session, records: list[Initiative]) -> None:
    """Load the stored rows of a batch's records (by natural key) in one query and its batched relationship
    loads, so that re-ingesting a document does not query record by record."""
    keys = list({k for k in (natural_key(r) for r in records) if k})
    found: dict[str, InitiativeRow | None] = dict.fromkeys(keys)
    for i in range(0, len(keys), 500):
        for row in s.scalars(select(InitiativeRow).where(InitiativeRow.natural_key.in_(keys[i:i + 500]))
                             .order_by(InitiativeRow.id)):
            if found.get(row.natural_key) is None:
                found[row.natural_key] = row
    s.info[_STORED_KEY] = {k: v for k, v in found.items() if v is not None}


def _adopt_document_keys(s: Session, batch: Batch) -> None:
    """A file ingested again under another root (the folder before, the file alone now) is the same document:
    when no stored record has this batch's document key but records of the same file name came from the
    same file on disk (their stored document's path resolves to this one's), the batch takes their key, so
    its records update instead of duplicating. Different files of the same name never share a key."""
    for doc in batch.documents:
        recs = [r for r in batch.initiatives if r.source_document == doc.name]
        here = _resolved(doc.path)
        if not recs or here is None:
            continue
        key = document_key(recs[0])
        # the stored documents that are this very file (few rows; the records are then found by their
        # indexed document id, not by scanning every record's file name)
        same_file = [i for i, path in s.execute(select(DocumentRow.id, DocumentRow.path)
                                               .where(DocumentRow.path.endswith(doc.name, autoescape=True)))
                     if _resolved(path) == here]
        if not same_file:
            continue
        keys = {(extras or {}).get("document_key") or doc.name for (extras,) in s.execute(
            select(InitiativeRow.extras).where(InitiativeRow.document_id.in_(same_file),
                                               InitiativeRow.source_document == doc.name))}
        if len(keys) != 1 or key in keys:
            continue
        (adopted,) = keys
        for rec in recs:
            if adopted == doc.name:
                rec.extras.pop("document_key", None)
            else:
                rec.extras["document_key"] = adopted


def _resolved(path: str) -> str | None:
    try:
        return str(Path(path).resolve()) if path else None
    except (OSError, ValueError):
        return None


def _document_ids(s: Session, batch: Batch) -> dict[str, int]:
    """Stored document id of every `source_document` the batch's records name: the batch's own documents
    by sha256, others (e.g. a JSON export re-imported) by the newest stored document of that name."""
    from initiatives.store import bulk

    ids = bulk.document_ids(s, batch.documents)
    for name in {r.source_document for r in batch.initiatives if r.source_document} - set(ids):
        doc = s.scalar(select(DocumentRow.id).where(DocumentRow.path.like(f"%{name}")).limit(1))
        if doc is not None:
            ids[name] = doc
    return ids


def finding_fingerprint(f: Finding) -> str:
    """Stable identity of a finding across audit runs: the rule, the records and the evidence it quotes."""
    parts = [f.rule, f.record, ",".join(map(str, sorted(f.initiative_ids))), f.field or "", f.evidence_text]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()
