"""Run a parsed query against the store: ranked hits with highlighted snippets, a total, and facet counts.

SQLite uses FTS5 (bm25, snippet); PostgreSQL uses a weighted tsvector (ts_rank_cd, ts_headline). Both
answer with the same `SearchResult`. Highlights in snippets are wrapped in MARK_START / MARK_END, which a
front end turns into <mark> (web) or bold (terminal) after escaping the text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    and_,
    bindparam,
    cast,
    column,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from initiatives.model import Initiative
from initiatives.search.query import ParsedQuery, parse
from initiatives.store import Store, mapping
from initiatives.store.tables import (
    InitiativeCountryRow,
    SearchEntryRow,
    InitiativeRow,
    InitiativeSdgRow,
    OrganizationRow,
    ParticipationRow,
)

MARK_START, MARK_END = "\ue000", "\ue001"
FACETS = ("kind", "status", "country", "sdg", "partner")


@dataclass
class SearchHit:
    initiative: Initiative
    score: float
    snippet: str


@dataclass
class SearchResult:
    total: int
    hits: list[SearchHit]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    query: ParsedQuery = field(default_factory=ParsedQuery)
    relaxed: bool = False  # no record had every word: these match some of them, best first


MODES = ("text", "semantic", "hybrid")
RANK_DEPTH = 200  # how many candidates each ranking contributes in semantic and hybrid modes


def search(store: Store, query: str | ParsedQuery, *, limit: int = 20, offset: int = 0, mode: str = "text",
           with_facets: bool = True, facet_limit: int = 15) -> SearchResult:
    """Search the registry. `mode`: "text" (BM25 full text), "semantic" (meaning, by embeddings) or
    "hybrid" (both rankings fused). Filters and exclusions narrow every mode."""
    q = parse(query) if isinstance(query, str) else query
    if mode not in MODES:
        from initiatives.errors import InputError

        raise InputError(f"unknown search mode {mode!r} (one of {', '.join(MODES)})", field="mode")
    backend = _Backend.for_store(store)
    if mode != "text" and q.has_text:
        return _ranked_search(store, q, backend, mode, limit, offset, with_facets, facet_limit)
    with store.transaction() as s:
        matched = backend.matches(q)
        _materialise(s, _candidates(q, matched, backend))
        total = int(s.scalar(select(func.count()).select_from(HITS)) or 0)
        relaxed = q.relaxed() if total == 0 else None
        if relaxed is not None:  # nothing has every word: rank what has some of them (BM25 weighs rare words up)
            q = relaxed
            _materialise(s, _candidates(q, backend.matches(q), backend))
            total = int(s.scalar(select(func.count()).select_from(HITS)) or 0)
        page = [(int(i), float(score)) for i, score in s.execute(
            select(HITS.c.id, HITS.c.score).order_by(HITS.c.score.desc(), HITS.c.id.desc()).limit(limit)
            .offset(offset))]
        rows = {r.id: r for r in s.scalars(select(InitiativeRow).where(InitiativeRow.id.in_([i for i, _ in page])))}
        snippets = backend.snippets(s, q, [i for i, _ in page]) if q.has_text else {}
        hits = [SearchHit(mapping.initiative_from_row(rows[i]), score,
                          " ".join((snippets.get(i) or _plain_snippet(rows[i])).split()))
                for i, score in page if i in rows]
        facets = _facets(s, facet_limit) if with_facets else {}
    return SearchResult(total=total, hits=hits, facets=facets, query=q, relaxed=q.any_word)


# The matches of one search, evaluated once and then counted, paged and faceted (a per-connection temp table).
_temp = MetaData()
HITS = Table("search_hits", _temp, Column("id", Integer, primary_key=True), Column("score", Float),
             prefixes=["TEMPORARY"])


def _materialise(s: Session, candidates: Select[Any]) -> None:
    conn = s.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("CREATE TEMPORARY TABLE IF NOT EXISTS search_hits "
                             "(id integer PRIMARY KEY, score double precision) ON COMMIT DELETE ROWS")
    else:
        HITS.create(conn, checkfirst=True)
    s.execute(HITS.delete())
    s.execute(HITS.insert().from_select(["id", "score"], candidates))


def meaning_ranking(store: Store, query: str | ParsedQuery, mode: str, *,
                    within: Select[Any] | None = None) -> list[tuple[int, float]]:
    """Records ranked by meaning ("semantic") or by meaning and words fused ("hybrid"), best first, among the
    query's own filters and, if given, `within` (a SELECT of initiative ids, e.g. the Explore facets)."""
    from initiatives.search import semantic

    q = parse(query) if isinstance(query, str) else query
    backend = _Backend.for_store(store)
    with store.transaction() as s:
        allowed: list[int] | None = None
        if q.has_filters or q.excluded or within is not None:
            stmt = _filtered_ids(_without_text(q), None, backend)
            if within is not None:
                stmt = stmt.where(InitiativeRow.id.in_(within))
            allowed = list(s.scalars(stmt))
        text_rank: list[int] = []
        for words in (q, q.relaxed()) if mode == "hybrid" else ():  # all the words, else any of them
            if words is None or text_rank:
                continue
            cands = _candidates(words, backend.matches(words), backend)
            if within is not None:
                cands = cands.where(InitiativeRow.id.in_(within))
            sub = cands.subquery()
            text_rank = list(s.scalars(select(sub.c.id).order_by(sub.c.score.desc(), sub.c.id.desc())
                                       .limit(RANK_DEPTH)))
    meaning = semantic.semantic_ids(store, " ".join(q.text_terms()), RANK_DEPTH, allowed=allowed)
    if mode == "hybrid":
        return semantic.reciprocal_rank_fusion(text_rank, [i for i, _ in meaning])
    return meaning


def _ranked_search(store: Store, q: ParsedQuery, backend: _Backend, mode: str, limit: int, offset: int,
                   with_facets: bool, facet_limit: int) -> SearchResult:
    ranked = meaning_ranking(store, q, mode)
    page = ranked[offset:offset + limit]
    with store.transaction() as s:
        rows = {r.id: r for r in s.scalars(select(InitiativeRow).where(InitiativeRow.id.in_([i for i, _ in page])))}
        snippets = backend.snippets(s, q, [i for i, _ in page])
        hits = [SearchHit(mapping.initiative_from_row(rows[i]), score,
                          " ".join((snippets.get(i) or _plain_snippet(rows[i])).split()))
                for i, score in page if i in rows]
        facets = {}
        if with_facets:
            _materialise(s, select(InitiativeRow.id, literal(0.0, Float))
                         .where(InitiativeRow.id.in_([i for i, _ in ranked])))
            facets = _facets(s, facet_limit)
    return SearchResult(total=len(ranked), hits=hits, facets=facets, query=q)


def _without_text(q: ParsedQuery) -> ParsedQuery:
    from dataclasses import replace

    return replace(q, words=[], phrases=[])


def _plain_snippet(row: InitiativeRow, words: int = 30) -> str:
    parts = (row.summary or row.title or "").split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


# ---------------------------------------------------------------------------------------------- backends


class _Backend:
    """How one database does text matching."""

    @staticmethod
    def for_store(store: Store) -> _Backend:
        return _Postgres() if store.engine.dialect.name == "postgresql" else _Sqlite()

    def matches(self, q: ParsedQuery, name: str = "fts") -> Any:
        """(id, score) rows matching the text, or None without text."""
        raise NotImplementedError

    def excluded(self, q: ParsedQuery) -> Any:
        raise NotImplementedError

    def snippets(self, s: Session, q: ParsedQuery, ids: list[int]) -> dict[int, str]:
        raise NotImplementedError


def _fts5_quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


class _Sqlite(_Backend):
    def _match(self, terms: list[str], any_word: bool = False) -> str:
        return (" OR " if any_word else " ").join(_fts5_quote(t) for t in terms)

    def matches(self, q: ParsedQuery, name: str = "fts") -> Any:
        if not q.has_text:
            return None
        expr = self._match(q.text_terms(), q.any_word)
        if q.excluded:
            expr = f"({expr})" if q.any_word else expr
            expr += " NOT (" + " OR ".join(_fts5_quote(t) for t in q.excluded) + ")"
        fts = table("search_fts", column("rowid"))
        score = -func.bm25(literal_column("search_fts"), 4.0, 1.0)
        stmt = (select(fts.c.rowid.label("id"), score.label("score")).select_from(fts)
                .where(text(f"search_fts MATCH :{name}_m").bindparams(**{f"{name}_m": expr})))
        # MATERIALIZED: evaluate the match once, as the outer loop, instead of once per filtered row
        return stmt.cte(name).prefix_with("MATERIALIZED")

    def excluded(self, q: ParsedQuery) -> Any:
        expr = " OR ".join(_fts5_quote(t) for t in q.excluded)
        return text("SELECT rowid AS id FROM search_fts WHERE search_fts MATCH :excluded_x").bindparams(
            excluded_x=expr).columns(id=Integer)

    def snippets(self, s: Session, q: ParsedQuery, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        stmt = text(f"SELECT rowid, snippet(search_fts, 1, :a, :b, '…', 24) FROM search_fts "
                    f"WHERE search_fts MATCH :m AND rowid IN ({','.join(str(int(i)) for i in ids)})")
        rows = s.execute(stmt, {"a": MARK_START, "b": MARK_END, "m": self._match(q.text_terms(), q.any_word)})
        return {int(r[0]): r[1] for r in rows}


class _Postgres(_Backend):
    @staticmethod
    def _websearch(q: ParsedQuery, *, with_excluded: bool = True) -> str:
        parts = [*q.words, *(f'"{p}"' for p in q.phrases)]
        if q.any_word:
            parts = [" or ".join(parts)]
        if with_excluded:
            parts += [f"-{x}" if " " not in x else f'-"{x}"' for x in q.excluded]
        return " ".join(parts)

    def matches(self, q: ParsedQuery, name: str = "fts") -> Any:
        if not q.has_text:
            return None
        entries = SearchEntryRow.__table__
        tsv = literal_column("search_entries.tsv")
        english = literal_column("'english'")
        if q.any_word and q.excluded:  # "a or b -c" would read as a | (b & !c): and the exclusion on apart
            query = func.tsquery_and(
                func.websearch_to_tsquery(english, bindparam(f"{name}_m", self._websearch(q, with_excluded=False))),
                func.tsquery_not(func.websearch_to_tsquery(english, bindparam(
                    f"{name}_x", " or ".join(x if " " not in x else f'"{x}"' for x in q.excluded)))))
        else:
            query = func.websearch_to_tsquery(english, bindparam(f"{name}_m", self._websearch(q)))
        score = func.ts_rank_cd(tsv, query)
        return select(entries.c.initiative_id.label("id"), score.label("score")).where(tsv.op("@@")(query)).subquery(name)

    def excluded(self, q: ParsedQuery) -> Any:
        words = " OR ".join(f'"{x}"' for x in q.excluded)
        return (text("SELECT initiative_id AS id FROM search_entries "
                     "WHERE tsv @@ websearch_to_tsquery('english', :excluded_x)").bindparams(excluded_x=words)
                .columns(id=Integer))

    def snippets(self, s: Session, q: ParsedQuery, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        opts = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, MaxFragments=2, " \
               "FragmentDelimiter=\" … \""
        stmt = text("SELECT initiative_id, ts_headline('english', body, websearch_to_tsquery('english', :m), :o) "
                    "FROM search_entries WHERE initiative_id = ANY(:ids)")
        rows = s.execute(stmt, {"m": self._websearch(q, with_excluded=False), "o": opts, "ids": ids})
        return {int(r[0]): r[1] for r in rows}


# ---------------------------------------------------------------------------------------------- filters


def _candidates(q: ParsedQuery, matched: Any, backend: _Backend) -> Select[Any]:
    """(id, score) of every record the query selects; score is the text rank, or 0 without text."""
    if matched is not None:
        stmt = select(InitiativeRow.id, matched.c.score).join(matched, matched.c.id == InitiativeRow.id)
    else:
        stmt = select(InitiativeRow.id, literal(0.0, Float).label("score"))
    return _narrowed(stmt, q, backend, text_matched=matched is not None)


def _filtered_ids(q: ParsedQuery, matched: Any, backend: _Backend) -> Select[Any]:
    stmt = select(InitiativeRow.id)
    if matched is not None:
        stmt = stmt.join(matched, matched.c.id == InitiativeRow.id)
    return _narrowed(stmt, q, backend, text_matched=matched is not None)


def _narrowed(stmt: Select[Any], q: ParsedQuery, backend: _Backend, *, text_matched: bool) -> Select[Any]:
    """Apply the filters; exclusions too, unless the text match already applied them."""
    if q.excluded and not text_matched:
        stmt = stmt.where(not_(InitiativeRow.id.in_(select(backend.excluded(q).subquery().c.id))))
    for cond in _conditions(q):
        stmt = stmt.where(cond)
    return stmt


def _conditions(q: ParsedQuery) -> list[Any]:
    conds: list[Any] = []
    if q.kinds:
        conds.append(InitiativeRow.kind.in_(q.kinds))
    if q.statuses:
        conds.append(InitiativeRow.status.in_(q.statuses))
    for code in q.countries:  # every named country must be among the record's countries
        conds.append(InitiativeRow.id.in_(select(InitiativeCountryRow.initiative_id)
                                          .where(InitiativeCountryRow.iso3 == code)))
    for sdg in q.sdgs:
        conds.append(InitiativeRow.id.in_(select(InitiativeSdgRow.initiative_id).where(InitiativeSdgRow.sdg == sdg)))
    for partner in q.partners:
        like = f"%{partner}%"
        orgs = select(OrganizationRow.id).where(or_(OrganizationRow.name.ilike(like),
                                                    OrganizationRow.acronym.ilike(partner),
                                                    cast(OrganizationRow.aliases, String).ilike(like)))
        conds.append(InitiativeRow.id.in_(select(ParticipationRow.initiative_id).where(
            or_(ParticipationRow.organization_id.in_(orgs), ParticipationRow.name.ilike(like)))))
    for group in q.groups:
        conds.append(cast(InitiativeRow.country_groups, String).ilike(f'%"{group}"%'))
    for doc in q.documents:
        conds.append(InitiativeRow.source_document.ilike(f"%{doc}%"))
    if q.year_from or q.year_to:
        start_year, end_year = func.substr(InitiativeRow.start, 1, 4), func.substr(InitiativeRow.end, 1, 4)
        conds.append(or_(InitiativeRow.start.is_not(None), InitiativeRow.end.is_not(None)))
        if q.year_to:
            conds.append(or_(InitiativeRow.start.is_(None), start_year <= str(q.year_to)))
        if q.year_from:
            conds.append(or_(InitiativeRow.end.is_(None), end_year >= str(q.year_from)))
            conds.append(or_(InitiativeRow.end.is_not(None), start_year >= str(q.year_from)))
    if q.budget_op and q.budget_value is not None:
        col = InitiativeRow.budget_amount
        op = {">": col > q.budget_value, ">=": col >= q.budget_value, "<": col < q.budget_value,
              "<=": col <= q.budget_value, "=": col == q.budget_value}[q.budget_op]
        conds.append(and_(col.is_not(None), op))
    return conds


def _facets(s: Session, limit: int) -> dict[str, list[tuple[str, int]]]:
    """Counts per value over the materialised matches (HITS). Kind and status come from one pass over the
    matched records (at a million records a pass over 36,000 matches costs ~80 ms)."""
    idcol = HITS.c.id
    pairs = s.execute(select(InitiativeRow.kind, InitiativeRow.status, func.count())
                      .where(InitiativeRow.id.in_(select(idcol))).group_by(InitiativeRow.kind, InitiativeRow.status)).all()
    kinds: dict[str, int] = {}
    statuses: dict[str, int] = {}
    for kind, status, n in pairs:
        kinds[kind] = kinds.get(kind, 0) + n
        if status is not None:
            statuses[status] = statuses.get(status, 0) + n
    out: dict[str, list[tuple[str, int]]] = {
        name: sorted(((str(v), int(n)) for v, n in counts.items()), key=lambda vn: (-vn[1], vn[0]))[:limit]
        for name, counts in (("kind", kinds), ("status", statuses))}
    queries = {
        "country": select(InitiativeCountryRow.iso3, func.count()).where(
            InitiativeCountryRow.initiative_id.in_(select(idcol))).group_by(InitiativeCountryRow.iso3),
        "sdg": select(InitiativeSdgRow.sdg, func.count()).where(
            InitiativeSdgRow.initiative_id.in_(select(idcol))).group_by(InitiativeSdgRow.sdg),
        "partner": select(OrganizationRow.name, func.count(func.distinct(ParticipationRow.initiative_id)))
        .join(OrganizationRow, OrganizationRow.id == ParticipationRow.organization_id)
        .where(ParticipationRow.initiative_id.in_(select(idcol))).group_by(OrganizationRow.name),
    }
    for name, stmt in queries.items():
        rows = s.execute(stmt.order_by(func.count().desc() if name != "partner" else
                                       func.count(func.distinct(ParticipationRow.initiative_id)).desc())
                         .limit(limit)).all()
        out[name] = [(str(value), int(count)) for value, count in rows]
    return out


# ---------------------------------------------------------------------------------------------- for other views


def narrow(stmt: Select[Any], query: str | ParsedQuery, dialect: str) -> Select[Any]:
    """Narrow any SELECT over initiatives to the records a query matches (text, exclusions and filters).
    This is how the Explore page and the API combine their own facets with the search syntax."""
    q = parse(query) if isinstance(query, str) else query
    backend: _Backend = _Postgres() if dialect == "postgresql" else _Sqlite()
    matched = backend.matches(q)
    if matched is not None:
        stmt = stmt.join(matched, matched.c.id == InitiativeRow.id)
    return _narrowed(stmt, q, backend, text_matched=matched is not None)


def text_candidates(query: str | ParsedQuery, dialect: str) -> Select[Any]:
    """(id, score) of every record the query matches, its filters included (score 0 without text)."""
    q = parse(query) if isinstance(query, str) else query
    backend: _Backend = _Postgres() if dialect == "postgresql" else _Sqlite()
    matched = backend.matches(q)
    if matched is not None and not q.has_filters:  # the index alone answers: no need to touch initiatives
        return select(matched.c.id, matched.c.score)
    return _candidates(q, matched, backend)


def ranked_ids(s: Session, query: str | ParsedQuery, dialect: str, ids: Select[Any], limit: int,
               offset: int = 0) -> list[int]:
    """The ids among `ids` (a SELECT of initiative ids) in relevance order for the query's text."""
    q = parse(query) if isinstance(query, str) else query
    backend: _Backend = _Postgres() if dialect == "postgresql" else _Sqlite()
    matched = backend.matches(q, name="fts_rank")
    if matched is None:
        return list(s.scalars(ids.order_by(InitiativeRow.id.desc()).limit(limit).offset(offset)))
    stmt = (select(InitiativeRow.id).join(matched, matched.c.id == InitiativeRow.id)
            .where(InitiativeRow.id.in_(ids)).order_by(matched.c.score.desc(), InitiativeRow.id.desc()))
    return list(s.scalars(stmt.limit(limit).offset(offset)))


def snippets_for(s: Session, query: str | ParsedQuery, dialect: str, ids: list[int]) -> dict[int, str]:
    """Highlighted passages (MARK_START/MARK_END) for records matched by the query's text."""
    q = parse(query) if isinstance(query, str) else query
    if not q.has_text or not ids:
        return {}
    backend: _Backend = _Postgres() if dialect == "postgresql" else _Sqlite()
    return {i: " ".join(v.split()) for i, v in backend.snippets(s, q, ids).items()}
