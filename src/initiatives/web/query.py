"""Read Explore filters from URL parameters (shared by pages, API list and exports); bad values name the field."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from initiatives import model
from initiatives.errors import InputError
from initiatives.reference import countries
from initiatives.store import Store
from initiatives.store.facets import MAX_PER_PAGE, SORTS, ExploreQuery

# URL parameter -> ExploreQuery attribute, for the multi-valued facets
MULTI = {"kind": "kinds", "status": "statuses", "country": "countries", "region": "regions",
         "country_group": "country_groups", "sdg": "sdgs", "partner": "partners", "partner_type": "partner_types",
         "id": "ids"}
KNOWN = set(MULTI) | {"q", "year_from", "year_to", "budget_min", "budget_max", "has_open_findings", "sort", "page",
                      "per_page", "format", "facets", "mode", "reporting_org"}
MODES = ("text", "semantic", "hybrid")


def _int(name: str, raw: str, lo: int | None = None, hi: int | None = None) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"expected a whole number, got {raw!r}", field=name) from None
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise InputError(f"{value} is out of range ({lo}-{hi})", field=name)
    return value


def _decimal(name: str, raw: str) -> Decimal:
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        raise InputError(f"expected a number, got {raw!r}", field=name) from None
    if not value.is_finite() or abs(value) > Decimal("1e20"):
        raise InputError(f"expected a finite number below 1e20, got {raw!r}", field=name)
    return value


def parse(params: QueryParams, *, strict: bool = True, usd_factors: dict[str, Decimal] | None = None) -> ExploreQuery:
    """Build an ExploreQuery; with `strict`, an unknown parameter is an error naming it."""
    if strict:
        unknown = sorted(set(params) - KNOWN)
        if unknown:
            raise InputError(f"unknown parameter (known: {', '.join(sorted(KNOWN))})", field=unknown[0])
    q = ExploreQuery(usd_factors=usd_factors)
    for param, attr in MULTI.items():
        values = [v.strip() for raw in params.getlist(param) for v in raw.split(",") if v.strip()]
        if param == "kind":
            for v in values:
                if v not in model.KINDS:
                    raise InputError(f"unknown kind {v!r} (one of {', '.join(model.KINDS)})", field="kind")
        elif param == "status":
            for v in values:
                if v not in model.STATUSES:
                    raise InputError(f"unknown status {v!r} (one of {', '.join(model.STATUSES)})", field="status")
        elif param == "country":
            values = [v.upper() for v in values]
            for v in values:
                if not countries.is_alpha3(v):
                    raise InputError(f"{v!r} is not an ISO 3166-1 alpha-3 country code", field="country")
        elif param == "partner_type":
            for v in values:
                if v not in model.ORG_TYPES:
                    raise InputError(f"unknown partner type {v!r}", field="partner_type")
        if param in ("sdg", "partner", "id"):
            values = [_int(param, v, 1, 17 if param == "sdg" else 2**62) for v in values]  # type: ignore[misc]
        setattr(q, attr, values)
    q.text = (params.get("q") or "").strip() or None
    if params.get("year_from"):
        q.year_from = _int("year_from", params["year_from"], 1, 9999)
    if params.get("year_to"):
        q.year_to = _int("year_to", params["year_to"], 1, 9999)
    if params.get("budget_min"):
        q.budget_min = _decimal("budget_min", params["budget_min"])
    if params.get("budget_max"):
        q.budget_max = _decimal("budget_max", params["budget_max"])
    flag = params.get("has_open_findings")
    if flag:
        if flag.lower() not in ("true", "false", "1", "0", "yes", "no"):
            raise InputError(f"expected true or false, got {flag!r}", field="has_open_findings")
        q.has_open_findings = flag.lower() in ("true", "1", "yes")
    mode = params.get("mode") or "text"
    if mode not in MODES:
        raise InputError(f"unknown search mode {mode!r} (one of {', '.join(MODES)})", field="mode")
    q.mode = mode
    sort = params.get("sort") or ("relevance" if q.text else "id")
    if sort not in SORTS:
        raise InputError(f"unknown sort {sort!r} (one of {', '.join(SORTS)})", field="sort")
    q.sort = sort
    if params.get("page"):
        q.page = _int("page", params["page"], 1, 1_000_000)
    if params.get("per_page"):
        q.per_page = _int("per_page", params["per_page"], 1, MAX_PER_PAGE)
    return q


def semantic_note(store: Store) -> str | None:
    """Bring the vectors up to date for a meaning search; without the model package, or with too many records
    waiting (a bulk import), the reason instead (a page shows it, nothing fails)."""
    from initiatives.search import semantic
    from initiatives.search.embeddings import SemanticUnavailable

    try:
        semantic.ensure_ready(store, max_pending=semantic.INTERACTIVE_LIMIT)
    except SemanticUnavailable as exc:
        return str(exc)
    return None


def prepare_mode(store: Store, q: ExploreQuery, *, fall_back: bool = False) -> str | None:
    """Before a meaning search (mode semantic or hybrid): embed what changed since the last one. Without the
    model package, raise SemanticUnavailable (the API answers 503), or with `fall_back` switch `q` to word
    matching and return why (a page shows it)."""
    if q.mode == "text" or not q.text:
        return None
    if not fall_back:
        from initiatives.search import semantic

        semantic.ensure_ready(store, max_pending=semantic.INTERACTIVE_LIMIT)
        return None
    note = semantic_note(store)
    if note:
        q.mode = "text"
    return note


def to_params(q: ExploreQuery, **override: Any) -> list[tuple[str, str]]:
    """The URL parameters that give `q` back (for links: pages, facets, exports)."""
    out: list[tuple[str, str]] = []
    if q.text:
        out.append(("q", q.text))
    for param, attr in MULTI.items():
        out += [(param, str(v)) for v in getattr(q, attr)]
    for name in ("year_from", "year_to", "budget_min", "budget_max"):
        if getattr(q, name) is not None:
            out.append((name, str(getattr(q, name))))
    if q.has_open_findings is not None:
        out.append(("has_open_findings", "true" if q.has_open_findings else "false"))
    if q.mode != "text":
        out.append(("mode", q.mode))
    if q.sort != "id":
        out.append(("sort", q.sort))
    if q.per_page != 25:
        out.append(("per_page", str(q.per_page)))
    out = [(k, v) for k, v in out if k not in override]
    out += [(k, str(v)) for k, v in override.items() if v is not None]
    return out


def url(path: str, q: ExploreQuery, **override: Any) -> str:
    params = to_params(q, **override)
    return f"{path}?{urlencode(params)}" if params else path


def toggle(q: ExploreQuery, param: str, value: Any) -> str:
    """The Explore URL with one facet value switched on or off (and back to page 1)."""
    attr = MULTI[param]
    values = list(getattr(q, attr))
    if value in values:
        values.remove(value)
    else:
        values.append(value)
    copy = ExploreQuery(**{**q.__dict__, attr: values, "page": 1})  # keeps usd_factors
    return url("/explore", copy)
