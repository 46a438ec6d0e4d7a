"""Search, similar initiatives and "what worked elsewhere": the same engine as `initiatives search`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from initiatives.interop import registry_json
from initiatives.search.engine import MARK_END, MARK_START, MODES, search
from initiatives.store import Store
from initiatives.store.users import User
from initiatives.web.auth import require

router = APIRouter(tags=["search"])


def _store(request: Request) -> Store:
    return request.app.state.store


def _semantic_ready(store: Store) -> None:
    """Embed what is new or changed since the last semantic query (503 with the install hint without the model)."""
    from initiatives.search import semantic

    semantic.ensure_ready(store, max_pending=semantic.INTERACTIVE_LIMIT)


def _snippet(text: str) -> str:
    return text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


@router.get("/search")
def search_initiatives(
    request: Request,
    q: str = Query("", max_length=1000, description='Words, "phrases", -excluded, field:value filters'),
    mode: str = Query("text", description="text, semantic or hybrid"),
    limit: int = Query(20, ge=1, le=200),
    offset: int = Query(0, ge=0, le=100_000),
    user: User | None = require(None),
) -> dict[str, Any]:
    """Ranked results with snippets (matches wrapped in <mark>, the rest of the text as stored) and facet
    counts over the whole result set."""
    store = _store(request)
    if mode in MODES and mode != "text":
        _semantic_ready(store)
    result = search(store, q, limit=limit, offset=offset, mode=mode)
    return {
        "total": result.total,
        "mode": mode,
        "relaxed": result.relaxed,
        "hits": [{"score": round(h.score, 5), "snippet": _snippet(h.snippet),
                  "record": registry_json.record_to_data(h.initiative, with_sources=False)} for h in result.hits],
        "facets": {k: [{"value": v, "count": c} for v, c in vals] for k, vals in result.facets.items()},
    }


@router.get("/initiatives/{initiative_id}/similar")
def similar_initiatives(request: Request, initiative_id: int, limit: int = Query(10, ge=1, le=100),
                        user: User | None = require(None)) -> dict[str, Any]:
    from initiatives.search import semantic

    store = _store(request)
    store.get_initiative(initiative_id)  # 404 first
    _semantic_ready(store)
    hits = semantic.similar_ids(store, initiative_id, limit)
    return {"initiative_id": initiative_id, "similar": [
        {"score": round(score, 5), "record": registry_json.record_to_data(store.get_initiative(i), with_sources=False)}
        for i, score in hits]}


@router.get("/elsewhere")
def what_worked_elsewhere(request: Request, country: str = Query(..., max_length=100),
                          theme: str | None = Query(None, max_length=1000), limit: int = Query(10, ge=1, le=100),
                          user: User | None = require(None)) -> dict[str, Any]:
    """Initiatives in other countries with similar themes, ranked, with the groups and region they share."""
    from initiatives.reference import countries
    from initiatives.search.elsewhere import profile
    from initiatives.search.elsewhere import what_worked_elsewhere as run

    store = _store(request)
    _semantic_ready(store)
    hits = run(store, country, theme, limit)
    code = countries.lookup(country)
    return {"country": code, "profile": sorted(profile(code)) if code else [], "theme": theme, "hits": [
        {"score": round(h.score, 5), "similarity": round(h.similarity, 5), "shared": h.shared,
         "record": registry_json.record_to_data(h.initiative, with_sources=False)} for h in hits]}
