"""Explore queries: filtered, sorted, paginated initiatives with facet counts.

Full-text search is a later issue: text matching goes through `match_text`, one function the search
engine can replace (it gets a SELECT over `initiatives` and the query text, and returns the narrowed SELECT).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, Column, Float, Integer, MetaData, Select, Table, and_, case, cast, exists, func, insert, or_, select, true
from sqlalchemy.orm import Session

from initiatives.model import Initiative
from initiatives.store import mapping
from initiatives.store.repository import Store
from initiatives.store.tables import (
    FindingInitiativeRow,
    FindingRow,
    InitiativeCountryRow,
    InitiativeRow,
    InitiativeSdgRow,
    OrganizationRow,
    ParticipationRow,
)

SORTS: dict[str, Any] = {
    "relevance": InitiativeRow.id.desc(),  # by text rank when there is text (see explore), else newest first
    "id": InitiativeRow.id.asc(),
    "-id": InitiativeRow.id.desc(),
    "title": func.coalesce(InitiativeRow.title, InitiativeRow.code).asc(),
    "-title": func.coalesce(InitiativeRow.title, InitiativeRow.code).desc(),
    "start": InitiativeRow.start.asc(),
    "-start": InitiativeRow.start.desc(),
    "budget": InitiativeRow.budget_amount.asc(),
    "-budget": InitiativeRow.budget_amount.desc(),
    "updated": InitiativeRow.updated_at.asc(),
    "-updated": InitiativeRow.updated_at.desc(),
}
MAX_PER_PAGE = 500

# The ids matching a query, computed once per request into a per-connection temporary table, so the total,
# the page and every facet count read them instead of re-running the text match.
_TEMP = MetaData()
MATCHED = Table("explore_matched_ids", _TEMP, Column("id", Integer, primary_key=True), prefixes=["TEMPORARY"])
TEXT_MATCHED = Table("explore_text_ids", _TEMP, Column("id", Integer, primary_key=True), Column("score", Float),
                     prefixes=["TEMPORARY"])

# facet name -> the ExploreQuery attributes that filter on it
FACET_FILTERS = {"kind": ("kinds",), "status": ("statuses",), "region": ("regions",), "country": ("countries",),
                 "sdg": ("sdgs",), "partner": ("partners",), "partner_type": ("partner_types",),
                 "country_group": ("country_groups",), "year": ("year_from", "year_to"),
                 "has_open_findings": ("has_open_findings",)}


@dataclass
class ExploreQuery:
    """Every filter is optional; several values of one facet combine with OR, facets combine with AND."""

    text: str | None = None
    kinds: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    country_groups: list[str] = field(default_factory=list)
    sdgs: list[int] = field(default_factory=list)
    partners: list[int] = field(default_factory=list)  # organisation ids
    partner_types: list[str] = field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None
    budget_min: Decimal | None = None  # in USD when `usd_factors` is given, else in the stated currency
    budget_max: Decimal | None = None
    usd_factors: dict[str, Decimal] | None = None  # currency -> USD per unit, for the budget range
    has_open_findings: bool | None = None
    ids: list[int] = field(default_factory=list)
    mode: str = "text"  # how `text` matches: "text" (words), "semantic" (meaning) or "hybrid" (both fused)
    sort: str = "id"
    page: int = 1
    per_page: int = 25

    def is_filtered(self) -> bool:
        skip = {"sort", "page", "per_page", "usd_factors", "mode"}
        return any(getattr(self, f.name) not in (None, [], "") for f in fields(self) if f.name not in skip)


@dataclass
class ExplorePage:
    items: list[Initiative]
    total: int
    page: int
    per_page: int
    facets: dict[str, list[tuple[Any, int]]] = field(default_factory=dict)
    open_findings: dict[int, int] = field(default_factory=dict)  # initiative id -> open findings
    snippets: dict[int, str] = field(default_factory=dict)  # initiative id -> passage with marked matches
    relaxed: bool = False  # no record had every word of the text: these have some of them, best first

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# ------------------------------------------------------------------------------------------------ text


def like_text(stmt: Select[Any], text: str, dialect: str = "sqlite") -> Select[Any]:
    """Every word must appear (case-insensitive) in code, title or summary. SQLite's LIKE already ignores
    ASCII case, so it is used as is there (lower() on every row doubles the cost); elsewhere ILIKE."""
    for word in text.split():
        like = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        cols = (InitiativeRow.title, InitiativeRow.code, InitiativeRow.summary)  # short columns first: OR stops early
        if dialect == "sqlite":
            stmt = stmt.where(or_(*(c.like(like, escape="\\") for c in cols)))
        else:
            stmt = stmt.where(or_(*(c.ilike(like, escape="\\") for c in cols)))
    return stmt


def search_text(stmt: Select[Any], text: str, dialect: str) -> Select[Any]:
    """Full-text match through the search engine (FTS5 / tsvector), with its query syntax: words,
    "phrases", -exclusions and field:value filters."""
    from initiatives.search.engine import narrow

    return narrow(stmt, text, dialect)


# (select over initiatives, text, dialect) -> select; `like_text` is the plain fallback.
match_text: Callable[[Select[Any], str, str], Select[Any]] = search_text


# ------------------------------------------------------------------------------------------------ filters


def _year(column: Any) -> Any:
    return cast(func.substr(column, 1, 4), Integer)


def _group_values(dialect: str) -> Any:
    """A table-valued function listing one initiative's country groups (JSON array)."""
    if dialect == "sqlite":
        return func.json_each(InitiativeRow.country_groups).table_valued("value")
    return func.json_array_elements_text(InitiativeRow.country_groups).table_valued("value")


def _open_findings_exists() -> Any:
    return exists(select(FindingInitiativeRow.finding_id)
                  .join(FindingRow, FindingRow.id == FindingInitiativeRow.finding_id)
                  .where(FindingInitiativeRow.initiative_id == InitiativeRow.id, FindingRow.status == "open"))


def filtered_ids(q: ExploreQuery, dialect: str, *, skip: str | None = None, text_done: bool = False) -> Select[Any]:
    """SELECT initiatives.id matching every filter of `q` except the facet named `skip`. With `text_done`, the
    text match is read from the TEXT_MATCHED temporary table instead of being run again."""
    stmt = select(InitiativeRow.id)
    if q.ids:
        stmt = stmt.where(InitiativeRow.id.in_(q.ids))
    if q.kinds and skip != "kind":
        stmt = stmt.where(InitiativeRow.kind.in_(q.kinds))
    if q.statuses and skip != "status":
        stmt = stmt.where(InitiativeRow.status.in_(q.statuses))
    if q.regions and skip != "region":
        stmt = stmt.where(InitiativeRow.region.in_(q.regions))
    if q.countries and skip != "country":
        stmt = stmt.where(InitiativeRow.id.in_(
            select(InitiativeCountryRow.initiative_id).where(InitiativeCountryRow.iso3.in_(q.countries))))
    if q.sdgs and skip != "sdg":
        stmt = stmt.where(InitiativeRow.id.in_(
            select(InitiativeSdgRow.initiative_id).where(InitiativeSdgRow.sdg.in_(q.sdgs))))
    if q.partners and skip != "partner":
        stmt = stmt.where(InitiativeRow.id.in_(
            select(ParticipationRow.initiative_id).where(ParticipationRow.organization_id.in_(q.partners))))
    if q.partner_types and skip != "partner_type":
        stmt = stmt.where(InitiativeRow.id.in_(
            select(ParticipationRow.initiative_id).where(ParticipationRow.type.in_(q.partner_types))))
    if q.country_groups and skip != "country_group":
        groups = _group_values(dialect)
        stmt = stmt.where(exists(select(groups.c.value).where(groups.c.value.in_(q.country_groups))))
    first_year = _year(func.coalesce(InitiativeRow.start, InitiativeRow.date_announced))
    last_year = _year(func.coalesce(InitiativeRow.end, InitiativeRow.start, InitiativeRow.date_announced))
    if q.year_from is not None and skip != "year":
        stmt = stmt.where(last_year >= q.year_from)
    if q.year_to is not None and skip != "year":
        stmt = stmt.where(first_year <= q.year_to)
    budget: Any = InitiativeRow.budget_amount
    if q.usd_factors and (q.budget_min is not None or q.budget_max is not None):
        # amounts in a currency with no factor (e.g. crypto) have no USD value: a range leaves them out
        budget = InitiativeRow.budget_amount * case(
            *((InitiativeRow.budget_currency == cur, float(f)) for cur, f in sorted(q.usd_factors.items())),
            else_=None)
    if q.budget_min is not None:
        stmt = stmt.where(budget >= q.budget_min)
    if q.budget_max is not None:
        stmt = stmt.where(budget <= q.budget_max)
    if q.has_open_findings is not None and skip != "has_open_findings":
        cond = _open_findings_exists()
        stmt = stmt.where(cond if q.has_open_findings else ~cond)
    if q.text and q.text.strip():
        if text_done:
            stmt = stmt.where(InitiativeRow.id.in_(select(TEXT_MATCHED.c.id)))
        else:
            stmt = match_text(stmt, q.text.strip(), dialect)
    return stmt


# ------------------------------------------------------------------------------------------------ facets


def _counts(s: Session, stmt: Select[Any], limit: int | None = None) -> list[tuple[Any, int]]:
    n = func.count().label("n")
    stmt = stmt.add_columns(n).order_by(n.desc())
    if limit:
        stmt = stmt.limit(limit)
    return [(value, int(count)) for value, count in s.execute(stmt) if value is not None]


def facet_counts(s: Session, q: ExploreQuery, dialect: str, *, partners_limit: int = 30) -> dict[str, list[tuple[Any, int]]]:
    """How many matching initiatives each facet value has. A facet's own filter is left out of its counts,
    so a person sees what else they could pick (multi-select facets)."""

    narrowed = q.is_filtered()
    if narrowed and not _has_matched(s):
        _materialise(s, q, dialect)  # the matching ids, once per request, for every facet's count
    text_done = bool(s.info.get("explore_text"))

    def within(facet: str, column: Any) -> Any:
        if not narrowed:
            return true()
        if any(getattr(q, attr) not in (None, []) for attr in FACET_FILTERS[facet]):
            return column.in_(filtered_ids(q, dialect, skip=facet, text_done=text_done))
        return column.in_(select(MATCHED.c.id))

    out: dict[str, list[tuple[Any, int]]] = {}
    out["kind"] = _counts(s, select(InitiativeRow.kind).where(within("kind", InitiativeRow.id))
                          .group_by(InitiativeRow.kind))
    out["status"] = _counts(s, select(InitiativeRow.status).where(within("status", InitiativeRow.id))
                            .group_by(InitiativeRow.status))
    out["region"] = _counts(s, select(InitiativeRow.region).where(within("region", InitiativeRow.id))
                            .group_by(InitiativeRow.region), 30)
    out["country"] = _counts(s, select(InitiativeCountryRow.iso3)
                             .where(within("country", InitiativeCountryRow.initiative_id))
                             .group_by(InitiativeCountryRow.iso3))
    out["sdg"] = _counts(s, select(InitiativeSdgRow.sdg).where(within("sdg", InitiativeSdgRow.initiative_id))
                         .group_by(InitiativeSdgRow.sdg))
    org_count = func.count(func.distinct(ParticipationRow.initiative_id)).label("n")
    partner_rows = s.execute(
        select(ParticipationRow.organization_id, OrganizationRow.name, org_count)
        .join(OrganizationRow, OrganizationRow.id == ParticipationRow.organization_id)
        .where(within("partner", ParticipationRow.initiative_id))
        .group_by(ParticipationRow.organization_id, OrganizationRow.name)
        .order_by(org_count.desc(), OrganizationRow.name).limit(partners_limit))
    out["partner"] = [((oid, name), int(n)) for oid, name, n in partner_rows]
    type_count = func.count(func.distinct(ParticipationRow.initiative_id)).label("n")
    out["partner_type"] = [
        (t, int(n)) for t, n in s.execute(
            select(ParticipationRow.type, type_count).where(within("partner_type", ParticipationRow.initiative_id))
            .group_by(ParticipationRow.type).order_by(type_count.desc()))]
    groups = _group_values(dialect)
    out["country_group"] = _counts(s, select(groups.c.value).select_from(InitiativeRow).join(groups, true())
                                   .where(within("country_group", InitiativeRow.id)).group_by(groups.c.value))
    year = _year(func.coalesce(InitiativeRow.start, InitiativeRow.date_announced))
    out["year"] = sorted(_counts(s, select(year).where(within("year", InitiativeRow.id)).group_by(year)))
    flag = case((_open_findings_exists(), True), else_=False)
    out["has_open_findings"] = _counts(s, select(flag).where(within("has_open_findings", InitiativeRow.id))
                                       .group_by(flag))
    return out


# ------------------------------------------------------------------------------------------------ the query


def _materialise(s: Session, q: ExploreQuery, dialect: str,
                 ranking: list[tuple[int, float]] | None = None) -> bool:
    """Fill the temporary tables (on this session's connection): the text matches with their rank, once,
    then the ids matching every filter of `q`. Facet counts and the relevance order reuse both. A `ranking`
    (semantic or hybrid, already narrowed) stands in for the text matches."""
    conn = s.connection()
    text_done = False
    if ranking is not None:
        TEXT_MATCHED.create(conn, checkfirst=True)
        conn.execute(TEXT_MATCHED.delete())
        if ranking:
            conn.execute(insert(TEXT_MATCHED), [{"id": i, "score": score} for i, score in ranking])
        s.info["explore_text"] = text_done = True
    elif q.text and q.text.strip() and match_text is search_text:
        from initiatives.search.engine import text_candidates
        from initiatives.search.query import parse

        TEXT_MATCHED.create(conn, checkfirst=True)
        conn.execute(TEXT_MATCHED.delete())
        words = parse(q.text.strip())
        conn.execute(insert(TEXT_MATCHED).from_select(["id", "score"], text_candidates(words, dialect)))
        relaxed = words.relaxed()
        if relaxed is not None and not conn.execute(select(TEXT_MATCHED.c.id).limit(1)).first():
            # no record has every word: match any of them, best first (the page says so)
            conn.execute(insert(TEXT_MATCHED).from_select(["id", "score"], text_candidates(relaxed, dialect)))
            s.info["explore_words"] = relaxed
        s.info["explore_text"] = text_done = True
    MATCHED.create(conn, checkfirst=True)
    conn.execute(MATCHED.delete())
    conn.execute(insert(MATCHED).from_select(["id"], filtered_ids(q, dialect, text_done=text_done)))
    s.info["explore_matched"] = True
    return True


def _has_matched(s: Session) -> bool:
    return bool(s.info.get("explore_matched"))


@lru_cache(maxsize=1)
def _read_statements() -> tuple[Any, ...]:
    """The statements of `read_initiative`, built once (building a statement costs more than running it)."""
    from initiatives.store.tables import SourceRow

    iid = bindparam("iid")
    t = InitiativeRow.__table__
    return (
        select(t).where(t.c.id == iid),
        select(InitiativeCountryRow.iso3).where(InitiativeCountryRow.initiative_id == iid)
        .order_by(InitiativeCountryRow.position),
        select(InitiativeSdgRow.sdg).where(InitiativeSdgRow.initiative_id == iid).order_by(InitiativeSdgRow.position),
        select(ParticipationRow.name, ParticipationRow.role, ParticipationRow.type, ParticipationRow.organization_id)
        .where(ParticipationRow.initiative_id == iid).order_by(ParticipationRow.position),
        select(SourceRow.field, SourceRow.document_sha256, SourceRow.start, SourceRow.end, SourceRow.text)
        .where(SourceRow.initiative_id == iid).order_by(SourceRow.id),
    )


def read_initiative(store: Store, initiative_id: int) -> Initiative:
    """One initiative by id through SQLAlchemy Core: the same record as `Store.get_initiative` (it goes
    through the same `mapping.initiative_from_row`) at less cost, for the API's hot read path."""
    from types import SimpleNamespace

    from initiatives.errors import NotFound

    main, countries_q, sdgs_q, partners_q, sources_q = _read_statements()
    p = {"iid": initiative_id}
    with store.engine.connect() as conn:
        row = conn.execute(main, p).mappings().first()
        if row is None:
            raise NotFound(f"no initiative #{initiative_id}")
        ns = SimpleNamespace(**row)
        ns.countries = [SimpleNamespace(iso3=r[0]) for r in conn.execute(countries_q, p)]
        ns.sdgs = [SimpleNamespace(sdg=r[0]) for r in conn.execute(sdgs_q, p)]
        ns.participations = [SimpleNamespace(**r) for r in conn.execute(partners_q, p).mappings()]
        ns.sources = [SimpleNamespace(**r) for r in conn.execute(sources_q, p).mappings()]
    return mapping.initiative_from_row(ns)  # type: ignore[arg-type]


_UNFILTERED: dict[str, tuple[tuple[Any, ...], dict[str, list[tuple[Any, int]]]]] = {}


def data_fingerprint(store: Store) -> tuple[Any, ...]:
    """Changes whenever counts could: records added, edited or deleted (every write leaves a revision),
    findings stored or reviewed. Cheap: indexed maxima and counts."""
    from initiatives.store.tables import RevisionRow

    with store.transaction() as s:
        return (
            s.scalar(select(func.count(InitiativeRow.id))), s.scalar(select(func.max(InitiativeRow.updated_at))),
            s.scalar(select(func.max(RevisionRow.id))), s.scalar(select(func.count(FindingRow.id))),
            s.scalar(select(func.max(FindingRow.updated_at))),
        )


def unfiltered_facets(store: Store) -> dict[str, list[tuple[Any, int]]]:
    """Facet counts over the whole registry, recomputed only when the data changed (they cost seconds at
    100,000 records and every visit to Explore starts there)."""
    key = data_fingerprint(store)
    cached = _UNFILTERED.get(store.url)
    if cached and cached[0] == key:
        return cached[1]
    with store.transaction() as s:
        counts = facet_counts(s, ExploreQuery(), store.engine.dialect.name)
    _UNFILTERED[store.url] = (key, counts)
    return counts


def explore(store: Store, q: ExploreQuery, *, with_facets: bool = True) -> ExplorePage:
    """One page of matching initiatives, the total, and (optionally) facet counts."""
    dialect = store.engine.dialect.name
    per_page = max(1, min(q.per_page, MAX_PER_PAGE))
    page = max(1, q.page)
    order = SORTS.get(q.sort, SORTS["id"])
    ranking = meaning_ranking(store, q) if q.mode != "text" and q.text and q.text.strip() else None
    with store.transaction() as s:
        if q.is_filtered():
            _materialise(s, q, dialect, ranking)
            ids: Any = select(MATCHED.c.id)
        else:
            ids = select(InitiativeRow.id)
        total = int(s.scalar(select(func.count()).select_from(ids.subquery())) or 0)
        if q.sort == "relevance" and q.text and s.info.get("explore_text"):  # ranks were kept with the matches
            page_ids = list(s.scalars(
                select(MATCHED.c.id).join(TEXT_MATCHED, TEXT_MATCHED.c.id == MATCHED.c.id)
                .order_by(TEXT_MATCHED.c.score.desc(), MATCHED.c.id.desc())
                .offset((page - 1) * per_page).limit(per_page)))
            by_id = {r.id: r for r in s.scalars(select(InitiativeRow).where(InitiativeRow.id.in_(page_ids)))}
            rows = [by_id[i] for i in page_ids if i in by_id]
        else:
            rows = s.scalars(select(InitiativeRow).where(InitiativeRow.id.in_(ids))
                             .order_by(order, InitiativeRow.id).offset((page - 1) * per_page).limit(per_page)).all()
        items = [mapping.initiative_from_row(r) for r in rows]
        relaxed = s.info.pop("explore_words", None)
        snippets = _snippets(s, relaxed or q.text, dialect, [r.id for r in rows]) if q.text else {}
        open_counts = dict(s.execute(
            select(FindingInitiativeRow.initiative_id, func.count())
            .join(FindingRow, FindingRow.id == FindingInitiativeRow.finding_id)
            .where(FindingRow.status == "open", FindingInitiativeRow.initiative_id.in_([r.id for r in rows]))
            .group_by(FindingInitiativeRow.initiative_id)).all()) if rows else {}
        facets = facet_counts(s, q, dialect) if with_facets and q.is_filtered() else {}
        s.info.pop("explore_matched", None)
        s.info.pop("explore_text", None)
    if with_facets and not q.is_filtered():
        facets = unfiltered_facets(store)
    return ExplorePage(items=items, total=total, page=page, per_page=per_page, facets=facets,
                       open_findings={int(k): int(v) for k, v in open_counts.items()}, snippets=snippets,
                       relaxed=relaxed is not None)


def meaning_ranking(store: Store, q: ExploreQuery) -> list[tuple[int, float]]:
    """`q.text` ranked by meaning (or meaning and words) among the records every other filter of `q` keeps."""
    from dataclasses import replace

    from initiatives.search.engine import meaning_ranking as rank

    rest = replace(q, text=None)
    within = filtered_ids(rest, store.engine.dialect.name) if rest.is_filtered() else None
    return rank(store, (q.text or "").strip(), q.mode, within=within)


def _snippets(s: Session, text: Any, dialect: str, ids: list[int]) -> dict[int, str]:
    """Passages around the matched words, from the search index (marks: search.engine.MARK_START/END)."""
    if match_text is not search_text:
        return {}
    from initiatives.search.engine import snippets_for

    return snippets_for(s, text, dialect, ids)


def all_matching(store: Store, q: ExploreQuery) -> list[Initiative]:
    """Every matching initiative (for exports), in the query's sort order."""
    order = SORTS.get(q.sort, SORTS["id"])
    if q.mode != "text" and q.text and q.text.strip():  # the records a meaning search found, in its order
        ranking = meaning_ranking(store, q)
        with store.transaction() as s:
            rows = {r.id: r for r in s.scalars(select(InitiativeRow).where(
                InitiativeRow.id.in_([i for i, _ in ranking])))}
            if q.sort != "relevance":
                return [mapping.initiative_from_row(r) for r in s.scalars(
                    select(InitiativeRow).where(InitiativeRow.id.in_(list(rows))).order_by(order, InitiativeRow.id))]
            return [mapping.initiative_from_row(rows[i]) for i, _ in ranking if i in rows]
    with store.transaction() as s:
        rows = s.scalars(select(InitiativeRow).where(InitiativeRow.id.in_(filtered_ids(q, store.engine.dialect.name)))
                         .order_by(order, InitiativeRow.id))
        return [mapping.initiative_from_row(r) for r in rows]


def totals(store: Store) -> dict[str, int]:
    """Counts for the home page."""
    from initiatives.store.tables import DocumentRow

    with store.transaction() as s:
        return {
            "initiatives": int(s.scalar(select(func.count(InitiativeRow.id))) or 0),
            "organizations": int(s.scalar(select(func.count(OrganizationRow.id))) or 0),
            "documents": int(s.scalar(select(func.count(DocumentRow.id))) or 0),
            "countries": int(s.scalar(select(func.count(func.distinct(InitiativeCountryRow.iso3)))) or 0),
            "open_findings": int(s.scalar(select(func.count(FindingRow.id)).where(FindingRow.status == "open")) or 0),
        }


def budgets(store: Store) -> list[tuple[int, str | None, list[int], Decimal, str]]:
    """(id, start-or-announced date, sdgs, amount, currency) of every budgeted record, for money totals."""
    with store.transaction() as s:
        rows = s.execute(select(InitiativeRow.id, func.coalesce(InitiativeRow.start, InitiativeRow.date_announced),
                                InitiativeRow.budget_amount, InitiativeRow.budget_currency)
                         .where(InitiativeRow.budget_amount.is_not(None))).all()
        sdg_rows = s.execute(select(InitiativeSdgRow.initiative_id, InitiativeSdgRow.sdg)
                             .where(InitiativeSdgRow.initiative_id.in_(
                                 select(InitiativeRow.id).where(InitiativeRow.budget_amount.is_not(None))))).all()
    sdgs: dict[int, list[int]] = {}
    for iid, sdg in sdg_rows:
        sdgs.setdefault(iid, []).append(sdg)
    return [(iid, date, sdgs.get(iid, []), Decimal(amount), currency) for iid, date, amount, currency in rows
            if currency]


def spans_in_document(store: Store, sha256: str) -> list[tuple[int, int, str, int]]:
    """(start, end, field, initiative id) of every stored span that points into a document."""
    from initiatives.store.tables import SourceRow

    from initiatives.store import source_spans
    from initiatives.store.tables import DocumentRow

    with store.transaction() as s:
        rows = s.execute(select(SourceRow.start, SourceRow.end, SourceRow.field, SourceRow.initiative_id)
                         .where(SourceRow.document_sha256 == sha256).order_by(SourceRow.start)).all()
        # spans kept on the record's row (bulk-imported records: they point into the record's own document)
        compact = s.execute(select(InitiativeRow.id, InitiativeRow.source_spans).where(
            InitiativeRow.document_id.in_(select(DocumentRow.id).where(DocumentRow.sha256 == sha256)),
            InitiativeRow.source_spans.is_not(None))).all()
    out = [(int(a), int(b), str(f), int(i)) for a, b, f, i in rows]
    if compact:
        out += [(a, b, f, iid) for iid, value in compact for f, d, a, b in source_spans.decode(value) if d == sha256]
        out.sort(key=lambda span: span[0])
    return out


def country_counts(store: Store) -> dict[str, int]:
    """Number of initiatives per country (ISO3)."""
    with store.transaction() as s:
        rows = s.execute(select(InitiativeCountryRow.iso3, func.count()).group_by(InitiativeCountryRow.iso3)).all()
    return {iso3: int(n) for iso3, n in rows}


def organization_counts(store: Store) -> dict[int, int]:
    """Number of initiatives each organisation takes part in."""
    n = func.count(func.distinct(ParticipationRow.initiative_id))
    with store.transaction() as s:
        rows = s.execute(select(ParticipationRow.organization_id, n).group_by(ParticipationRow.organization_id)).all()
    return {int(o): int(c) for o, c in rows}


__all__ = ["ExplorePage", "ExploreQuery", "SORTS", "all_matching", "and_", "explore", "facet_counts",
           "filtered_ids", "like_text", "match_text", "totals"]
