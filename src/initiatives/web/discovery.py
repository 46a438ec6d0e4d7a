"""Pages for discovery by meaning: the records like one record (a fragment the initiative page loads) and
"what worked elsewhere" for a country. The same engine as `initiatives similar|elsewhere` and the API."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from initiatives.errors import InputError, NotFound
from initiatives.reference import countries as country_ref
from initiatives.store.users import User
from initiatives.web.auth import require
from initiatives.web import query
from initiatives.web.groups import groups_of
from initiatives.web.pages import render, store_of

router = APIRouter(include_in_schema=False)


@router.get("/initiatives/{initiative_id}/similar")
def similar_fragment(initiative_id: int, request: Request, limit: int = Query(8, ge=1, le=50),
                     user: User | None = require(None)) -> HTMLResponse:
    from initiatives.search import semantic

    store = store_of(request)
    rec = store.get_initiative(initiative_id)  # 404 first
    unavailable = query.semantic_note(store_of(request))
    hits = [] if unavailable else [(store.get_initiative(i), score)
                                   for i, score in semantic.similar_ids(store, initiative_id, limit)]
    fragment = request.headers.get("HX-Request") == "true"  # the initiative page loads it in place
    return render(request, "_similar.html" if fragment else "similar.html", rec=rec, hits=hits,
                  unavailable=unavailable)


@router.get("/countries/{iso3}/elsewhere")
def elsewhere_page(iso3: str, request: Request, theme: str | None = Query(None, max_length=1000),
                   limit: int = Query(15, ge=1, le=100), user: User | None = require(None)) -> HTMLResponse:
    from initiatives.search.elsewhere import profile, what_worked_elsewhere

    code = iso3.upper()
    if not country_ref.is_alpha3(code):
        raise NotFound(f"no country {iso3!r}")
    theme = (theme or "").strip() or None
    unavailable = query.semantic_note(store_of(request))
    hits, error = [], None
    if not unavailable:
        try:
            hits = what_worked_elsewhere(store_of(request), code, theme, limit)
        except InputError as exc:
            error = str(exc)
    return render(request, "elsewhere.html", code=code, name=country_ref.name(code), groups=groups_of(code),
                  profile=sorted(profile(code)), theme=theme, hits=hits, unavailable=unavailable, error=error)
