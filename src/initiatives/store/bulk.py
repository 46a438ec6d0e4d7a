"""How `Store.save_batch` writes records: SQLAlchemy Core executemany inserts for new records.

Record by record through the ORM was too slow for an IATI file of 100,000 activities and costs ~300
statements for a press release, so every batch goes through `save_records`. New records (by natural key)
are inserted with one executemany per table (rows, countries, SDGs, participations, sources, "(created)" revisions); records
already stored go through the ORM path, so updates still leave revisions. Same tables, same values, one
transaction: all of it or nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

import msgspec
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from initiatives.model import Document, Finding, Initiative
from initiatives.reference import countries
from initiatives.store import search_index, source_spans
from initiatives.store.tables import (
    DocumentRow,
    InitiativeCountryRow,
    InitiativeRow,
    InitiativeSdgRow,
    ParticipationRow,
    RevisionRow,
    SearchEntryRow,
    SourceRow,
    utcnow,
)

if TYPE_CHECKING:
    from initiatives.store.repository import SaveSummary, Store

CHUNK = 2000


# the columns of an initiative row a record gives (the rest: id, document_id, natural_key, version, timestamps)
ROW_COLS = ("kind", "code", "title", "summary", "status", "start", "end", "date_announced", "budget_amount",
            "budget_currency", "funding_source", "location", "lead_unit", "region", "country_groups", "themes",
            "comments", "extras", "source_document", "source_first_line", "source_last_line")
JSON_COLS = frozenset(("country_groups", "themes", "comments", "extras"))
INSERT_COLS = ("id", *ROW_COLS, "document_id", "natural_key", "version", "created_at", "updated_at", "source_spans")
_JSON_AT = tuple(i for i, c in enumerate(ROW_COLS) if c in JSON_COLS)


class Packed(NamedTuple):
    """A new record as the rows it becomes, in plain values only: cheap to pickle (the parallel IATI import
    builds these in a worker process) and to insert. `row` follows ROW_COLS; with `encoded` its JSON columns
    are JSON text already (SQLite binds that text as is). Lossless: `unpack` gives the record back."""

    key: str | None
    row: tuple[Any, ...]
    countries: list[str]
    sdgs: list[int]
    partners: list[tuple[str, str | None, str, str]]  # name, acronym, type, role
    sources: list[tuple[str, str, int, int, str | None]]  # field, document sha256, start, end, text
    # title, body before the partners, body after them, plain source text; a title of None: the rest made from
    # the row by the process inserting it (`complete_search`; the body parts hold only the themes and the
    # kept narratives)
    search: tuple[str | None, str, str, str]
    encoded: bool
    # the spans already as one `initiatives.source_spans` value (then `sources` is empty): what the IATI reader
    # makes, all its spans pointing into the file it reads (`spans_of` gives them back as `sources` tuples)
    spans_json: str | None = None
    # the spans still to be found in the document's text (`reader.find_spans`): (start, end, ((field, tag, nth),
    # ...)), turned into `spans_json` by the process that decodes the text before the rows are inserted
    span_recipe: tuple[int, int, tuple[tuple[str, str, int], ...]] | None = None


_COL = {c: i for i, c in enumerate(ROW_COLS)}
_CODE, _TITLE, _SUMMARY = _COL["code"], _COL["title"], _COL["summary"]
_LOCATION, _FUNDING, _REGION = _COL["location"], _COL["funding_source"], _COL["region"]


def complete_search(p: Packed) -> tuple[str, str, str, str]:
    """The search text of a pack whose title and body were left to the inserting process (`search[0]` None: the
    IATI worker sends only the themes and kept narratives, the rest being in the row already); as `pack` makes
    it for a structured record."""
    if p.search[0] is not None:
        return p.search  # type: ignore[return-value]
    _none, themes, kept, plain = p.search
    row = p.row
    pre = [row[_SUMMARY] or "", themes, *(f"{c} {countries.name(c)}" for c in p.countries)]
    post = [row[_LOCATION] or "", row[_FUNDING] or "", row[_REGION] or "", kept]
    return (" ".join(filter(None, [row[_CODE], row[_TITLE]])), "\n".join(x for x in pre if x),
            "\n".join(x for x in post if x), plain)


class _OrgRef(NamedTuple):
    """What `_OrgResolver.resolve` reads of a partner."""

    name: str
    acronym: str | None
    type: str


def pack(rec: Initiative, key: str | None, source: str | None, *, encode: bool) -> Packed:
    """The rows of a new record; `source` is the document text it came from (its search text), if at hand."""
    row = (
        rec.kind, rec.code, rec.title, rec.summary, rec.status,
        str(rec.start) if rec.start else None, str(rec.end) if rec.end else None,
        str(rec.date_announced) if rec.date_announced else None,
        rec.budget.amount if rec.budget else None, rec.budget.currency if rec.budget else None,
        rec.funding_source, rec.location, rec.lead_unit, rec.region,
        list(rec.country_groups), list(rec.themes), list(rec.comments), rec.extras, rec.source_document,
        rec.source_lines[0] if rec.source_lines else None, rec.source_lines[1] if rec.source_lines else None,
    )
    if encode:
        values = list(row)
        for i in _JSON_AT:
            values[i] = dumps(values[i])
        row = tuple(values)
    title = " ".join(filter(None, [rec.code, rec.title]))
    pre: list[str] = [rec.summary or "", *rec.themes]
    pre += [f"{c} {countries.name(c)}" for c in rec.countries]
    pre += list(rec.country_groups)
    post = [rec.location or "", rec.funding_source or "", rec.lead_unit or "", rec.region or "", *rec.comments]
    structured = search_index.is_structured(rec.extras)
    if structured:  # found by its values and narratives, not its document's lines (search_index.entry_for)
        post += search_index.kept_narratives(rec.extras, rec.title, rec.summary)
    return Packed(
        key, row, list(rec.countries), list(rec.sdgs),
        [(p.name, p.acronym, p.type, p.role) for p in rec.partners],
        [(field, sp.document, sp.start, sp.end, sp.text) for field, spans in rec.sources.items() for sp in spans],
        (title, "\n".join(p for p in pre if p), "\n".join(p for p in post if p),
         search_index.plain_source(source) if source is not None and not structured else ""),
        encode)


_ENCODE = msgspec.json.Encoder().encode


def dumps(value: Any) -> str:
    """JSON text of a value of a JSON column (what SQLAlchemy's JSON type would write, read back the same;
    msgspec: a large import's extras, mostly kept XML, encode about four times faster than with json)."""
    if not value:
        if value == []:
            return "[]"
        if value == {}:
            return "{}"
    return _ENCODE(value).decode()


def unpack(p: Packed) -> Initiative:
    """The record a Packed was made from (for the rare record that turns out to be stored already)."""
    data = dict(zip(ROW_COLS, p.row, strict=True))
    if p.encoded:
        for c in JSON_COLS:
            data[c] = json.loads(data[c])
    amount, currency = data.pop("budget_amount"), data.pop("budget_currency")
    first, last = data.pop("source_first_line"), data.pop("source_last_line")
    data.update(
        budget={"amount": amount, "currency": currency} if currency else None,
        source_lines=(first, last) if first is not None else None, countries=p.countries, sdgs=p.sdgs,
        partners=[{"name": n, "acronym": a, "type": t, "role": r} for n, a, t, r in p.partners])
    sources: dict[str, list[dict[str, Any]]] = {}
    for field, sha, start, end, text in spans_of(p):
        sources.setdefault(field, []).append({"document": sha, "start": start, "end": end, "text": text})
    data["sources"] = sources
    return Initiative.model_validate(data)


_PLACEHOLDER = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def _cheap(process: Any) -> Any:
    """A bind processor that converts each distinct simple value once: the same object as the row before
    (a chunk's one timestamp, None) and empty lists and dicts (most JSON columns of an import)."""
    last: list[Any] = [object(), None]
    empty: dict[type, Any] = {}

    def convert(value: Any) -> Any:
        if value is last[0]:
            return last[1]
        kind = type(value)
        if (kind is list or kind is dict) and not value:
            if kind not in empty:
                empty[kind] = process(value)
            return empty[kind]
        out = process(value)
        last[0], last[1] = value, out
        return out

    return convert


def _executemany(s: Session, table: Any, rows: list[dict[str, Any]] | list[tuple[Any, ...]],
                 cols: tuple[str, ...] | None = None, raw: frozenset[str] = frozenset()) -> None:
    """Rows (dicts, or tuples in the order of `cols`) straight to the driver's executemany, values through
    their column type's bind processor where it has one (what SQLAlchemy does per row, without its
    per-statement overhead, which is most of the cost of a large insert); Core for other parameter styles."""
    if not rows:
        return
    if cols is None:
        cols = tuple(rows[0])  # type: ignore[arg-type]
        rows = [tuple(r[c] for c in cols) for r in rows]  # type: ignore[index]
    conn = s.connection()
    dialect = conn.dialect
    mark = _PLACEHOLDER.get(dialect.paramstyle)
    if mark is None:
        s.execute(insert(table), [dict(zip(cols, r, strict=True)) for r in rows])
        return
    procs = [(i, _cheap(p)) for i, c in enumerate(cols)
             if c not in raw and (p := table.c[c].type._cached_bind_processor(dialect))]
    if procs:
        converted = []
        for r in rows:
            row = list(r)
            for i, p in procs:
                row[i] = p(row[i])
            converted.append(tuple(row))
        rows = converted  # type: ignore[assignment]
    quote = dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in cols)}) "
           f"VALUES ({', '.join([mark] * len(cols))})")
    conn.exec_driver_sql(sql, rows)


def _insert_rows(s: Session, table: Any, rows: list[tuple[Any, ...]], raw: frozenset[str]) -> list[int]:
    """Insert initiative rows (INSERT_COLS without the id) and return their ids in order. On SQLite the ids are
    allocated here (the transaction already holds the write lock, so nobody else can take them) and the rows go
    in one executemany; elsewhere INSERT ... RETURNING keeps the database's own sequence."""
    if s.connection().dialect.name != "sqlite":
        stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return [row[0] for row in s.execute(stmt, [dict(zip(INSERT_COLS[1:], r, strict=True)) for r in rows])]
    first = (s.scalar(select(func.max(table.c.id))) or 0) + 1
    ids = list(range(first, first + len(rows)))
    _executemany(s, table, [(rid, *r) for rid, r in zip(ids, rows, strict=True)], INSERT_COLS, raw)
    return ids


def _existing_keys(s: Session, keys: Iterable[str]) -> set[str]:
    found: set[str] = set()
    keys = list(keys)
    for i in range(0, len(keys), 500):
        found.update(s.scalars(select(InitiativeRow.natural_key).where(
            InitiativeRow.natural_key.in_(keys[i:i + 500]))))
    return found


def spans_of(p: Packed) -> list[tuple[str, str, int, int, str | None]]:
    """(field, document sha256, start, end, text) of each span of a packed record."""
    if p.spans_json is None:
        return p.sources
    return [(field, sha, start, end, None) for field, sha, start, end in source_spans.decode(p.spans_json)]


def _compact_spans(s: Session, packs: list[Packed], doc_of: list[int | None], doc_shas: dict[int, str]
                   ) -> list[str | None]:
    """Per record, its spans as one `initiatives.source_spans` value when they all point into the record's own
    document and quote no text (an imported IATI activity), else None (they go into `sources` rows)."""
    wanted = {d for d in doc_of if d is not None and d not in doc_shas}
    if wanted:
        doc_shas.update((i, sha) for i, sha in s.execute(
            select(DocumentRow.id, DocumentRow.sha256).where(DocumentRow.id.in_(wanted))))
    out: list[str | None] = []
    for p, doc in zip(packs, doc_of, strict=True):
        sha = doc_shas.get(doc) if doc is not None else None
        if p.spans_json is not None:  # made by the reader: kept as it is when it points into this document
            out.append(p.spans_json if sha is not None and p.spans_json.startswith(source_spans.prefix(sha))
                       else None)
        elif sha is None or not p.sources or any(sp[1] != sha or sp[4] is not None for sp in p.sources):
            out.append(None)
        else:
            out.append(source_spans.encode(sha, [(sp[0], sp[2], sp[3]) for sp in p.sources]))
    return out


def insert_new(s: Session, records: list[Initiative], keys: list[str | None], orgs: Any, *, author: str,
               reason: str | None, document_ids: dict[str, int],
               source_texts: list[str | None] | None = None) -> list[int]:
    """Insert records known to be new; returns their ids in order. With `source_texts` (the document lines of
    each record, as a streaming reader has them at hand) the search entries are written here too; without,
    the records are marked and indexed from their rows when the transaction commits."""
    encode = s.connection().dialect.name == "sqlite"
    packs = [pack(r, k, source_texts[i] if source_texts is not None else None, encode=encode)
             for i, (r, k) in enumerate(zip(records, keys, strict=True))]
    return insert_packed(s, packs, orgs, author=author, reason=reason, document_ids=document_ids,
                         index=source_texts is not None)


def insert_packed(s: Session, packs: list[Packed], orgs: Any, *, author: str, reason: str | None,
                  document_ids: dict[str, int], index: bool = True) -> list[int]:
    """Insert new records given as Packed rows; returns their ids in order. With `index` their search entries
    are written here (the plain source text only for records whose document is stored); without, the records
    are marked and indexed from their rows when the transaction commits."""
    now = utcnow()
    table = InitiativeRow.__table__
    doc_at = ROW_COLS.index("source_document")
    ids: list[int] = []
    # organisation (name, acronym, type) -> (id, stored name, stored acronym), kept across chunks
    org_ids: dict[tuple[str, str | None, str], tuple[int, str, str | None]] = orgs.__dict__.setdefault(
        "_bulk_ids", {})
    doc_shas: dict[int, str] = orgs.__dict__.setdefault("_bulk_doc_shas", {})  # document id -> sha256
    for lo in range(0, len(packs), CHUNK):
        chunk = packs[lo:lo + CHUNK]
        doc_of = [document_ids.get(p.row[doc_at] or "") for p in chunk]
        compact = _compact_spans(s, chunk, doc_of, doc_shas)
        rows = [(*p.row, d, p.key, 1, now, now, c) for p, d, c in zip(chunk, doc_of, compact, strict=True)]
        encoded = chunk[0].encoded
        if any(p.encoded != encoded or p.span_recipe is not None or p.search[0] is None for p in chunk):
            raise ValueError("a chunk mixes JSON-encoded and plain rows, or has spans or search text not yet made")
        chunk_ids = _insert_rows(s, table, rows, JSON_COLS if encoded else frozenset())
        del rows
        if not index:
            for rid in chunk_ids:  # indexed for search when the transaction commits
                search_index.mark(s, rid)
        missing = list(dict.fromkeys(okey for p in chunk for (name, acronym, otype, _role) in p.partners
                                     if (okey := (name, acronym, otype)) not in org_ids))
        if missing:  # new organisations of the chunk resolved together: one flush
            for okey, row in zip(missing, orgs.resolve_all([_OrgRef(*k) for k in missing]), strict=True):
                org_ids[okey] = (row.id, row.name, row.acronym)
        entries: list[tuple[Any, ...]] = []
        countries_: list[tuple[Any, ...]] = []
        sdgs: list[tuple[Any, ...]] = []
        parts: list[tuple[Any, ...]] = []
        sources: list[tuple[Any, ...]] = []
        for rid, p, doc, kept in zip(chunk_ids, chunk, doc_of, compact, strict=True):
            countries_.extend((rid, c, i) for i, c in enumerate(p.countries))
            sdgs.extend((rid, g, i) for i, g in enumerate(p.sdgs))
            names = []
            for i, (name, acronym, otype, role) in enumerate(p.partners):
                org_id, org_name, org_acronym = org_ids[(name, acronym, otype)]
                names.append(" ".join(filter(None, dict.fromkeys((name, org_name, org_acronym)))))
                parts.append((rid, org_id, role, name, otype, i))
            if kept is None:
                sources.extend((rid, *sp) for sp in spans_of(p))
            if index:
                title, pre, post, plain = p.search
                if doc is None or p.row[-1] is None:  # no document lines to search
                    plain = ""
                body = "\n".join(x for x in (pre, *names, post, plain) if x)
                entries.append((rid, title, body))
        revisions = [(rid, "initiative", "(created)", None, None, author, now, reason) for rid in chunk_ids]
        _executemany(s, InitiativeCountryRow.__table__, countries_, ("initiative_id", "iso3", "position"))
        _executemany(s, InitiativeSdgRow.__table__, sdgs, ("initiative_id", "sdg", "position"))
        _executemany(s, ParticipationRow.__table__, parts,
                     ("initiative_id", "organization_id", "role", "name", "type", "position"))
        _executemany(s, SourceRow.__table__, sources,
                     ("initiative_id", "field", "document_sha256", "start", "end", "text"))
        _executemany(s, RevisionRow.__table__, revisions,
                     ("entity_id", "entity", "field", "old", "new", "author", "at", "reason"))
        _executemany(s, SearchEntryRow.__table__, entries, ("initiative_id", "title", "body"))
        ids.extend(chunk_ids)
    return ids


def save_records(store: Store, s: Session, records: list[Initiative], orgs: Any, summary: SaveSummary, *,
                 author: str, reason: str | None, document_ids: dict[str, int],
                 source_texts: list[str | None] | None = None) -> list[int]:
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
                          author=author, reason=reason, document_ids=document_ids,
                          source_texts=[source_texts[i] for i in new_idx] if source_texts is not None else None)
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
    _superseded(ids, keys, last, summary)
    return [ids[i] for i in range(len(records))]


def save_packed(store: Store, s: Session, packs: list[Packed], orgs: Any, summary: SaveSummary, *, author: str,
                reason: str | None, document_ids: dict[str, int]) -> list[int]:
    """`save_records` for records given as Packed rows (the parallel IATI import): new ones inserted as they
    are, the few stored already rebuilt (`unpack`) and saved through the ORM. Returns the ids in order."""
    keys = [p.key for p in packs]
    stored = _existing_keys(s, {k for k in keys if k})
    last: dict[str, int] = {k: i for i, k in enumerate(keys) if k}
    new_idx = [i for i, k in enumerate(keys) if k and k not in stored and last[k] == i]
    ids = dict(zip(new_idx, insert_packed(s, [packs[i] for i in new_idx], orgs, author=author, reason=reason,
                                          document_ids=document_ids), strict=True))
    summary.created += len(new_idx)
    for i, k in enumerate(keys):
        if i in ids or (k and k not in stored and last[k] != i):
            continue  # inserted, or superseded by a later record with the same key
        saved, outcome = store._upsert(s, unpack(packs[i]), orgs, author=author, reason=reason)
        setattr(summary, outcome, getattr(summary, outcome) + 1)
        ids[i] = saved
    _superseded(ids, keys, last, summary)
    return [ids[i] for i in range(len(packs))]


def _superseded(ids: dict[int, int], keys: list[str | None], last: dict[str, int], summary: SaveSummary) -> None:
    """A record repeated within one batch gets the id of its key's last occurrence (counted as unchanged)."""
    for i, k in enumerate(keys):
        if i not in ids and k:
            ids[i] = ids[last[k]]
            summary.unchanged += 1


def document_ids(s: Session, docs: Iterable[Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for doc in docs:
        row_id = s.scalar(select(DocumentRow.id).where(DocumentRow.sha256 == doc.sha256))
        if row_id is not None:
            out[doc.name] = row_id
    return out


def save_findings(s: Session, findings: list[Finding]) -> None:
    """Store findings that came with an imported file (already linked to their records) in an open
    transaction, the way an audit run's are stored (`audit_save`: chunked inserts and updates, review decisions
    kept), marked as imported."""
    from initiatives.store import audit_save
    from initiatives.store.repository import finding_fingerprint

    audit_save.save(s, findings, [f.fingerprint or finding_fingerprint(f) for f in findings], utcnow(), None,
                    origin="import")


def insert_document(s: Session, doc: Document) -> int:
    """The id of the stored document with this sha256, inserting it (Core, no ORM copy kept) if it is new."""
    row_id = s.scalar(select(DocumentRow.id).where(DocumentRow.sha256 == doc.sha256))
    if row_id is not None:
        return row_id
    table = DocumentRow.__table__
    return s.execute(insert(table).returning(table.c.id), {
        "path": doc.path, "sha256": doc.sha256, "media_type": doc.media_type, "title": doc.title,
        "text": doc.text, "ingested_at": doc.ingested_at or utcnow()}).scalar_one()


def insert_document_stub(s: Session, doc: Document) -> tuple[int, bool]:
    """(id, True) for a new document row with empty text, whose text the caller then writes in pieces
    (`document_chunks.ChunkWriter`); (id, False) when a document with this sha256 is stored already."""
    row_id = s.scalar(select(DocumentRow.id).where(DocumentRow.sha256 == doc.sha256))
    if row_id is not None:
        return row_id, False
    return insert_document(s, doc.model_copy(update={"text": ""})), True
