"""Exports of any filtered selection, in every format `interop.formats.WRITERS` knows."""

from __future__ import annotations

import io

from fastapi import APIRouter, Request, Response

from initiatives.errors import InputError
from initiatives.interop import formats
from initiatives.store import facets
from initiatives.store.users import User
from initiatives.web import query
from initiatives.web.api.records import store_of
from initiatives.web.auth import require

router = APIRouter(tags=["exports"])

MEDIA_TYPES = {"json": "application/json", "csv": "text/csv", "iati": "application/xml", "xml": "application/xml",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
EXTENSIONS = {"iati": "xml"}


@router.get("/formats")
def list_formats(user: User | None = require(None)) -> list[str]:
    return list(formats.WRITERS)


def selection(request: Request, q: facets.ExploreQuery) -> formats.Selection:
    store = store_of(request)
    query.prepare_mode(store, q)
    records = facets.all_matching(store, q)
    if not q.is_filtered():
        return formats.Selection(records, store.organizations(), store.findings(), store=store)
    ids = {r.id for r in records}
    org_ids = {p.organization_id for r in records for p in r.partners}
    return formats.Selection(records, [o for o in store.organizations() if o.id in org_ids],
                             [f for f in store.findings() if ids & set(f.initiative_ids)], store=store)


@router.get("/export")
def export(request: Request, format: str = "json", reporting_org: str | None = None,
           user: User | None = require(None)) -> Response:
    """The records matching the same filters as GET /initiatives (with their organisations and findings).
    `reporting_org` (IATI: REF[:NAME[:TYPE]]) names the publisher of records that did not come from IATI."""
    if format not in formats.WRITERS:
        raise InputError(f"unknown format {format!r} (one of {', '.join(formats.WRITERS)})", field="format")
    q = query.parse(request.query_params, usd_factors=request.app.state.rates.current_factors())
    try:
        publisher = formats.reporting_org(reporting_org) if reporting_org else None
    except InputError as exc:
        raise InputError(exc.detail, field="reporting_org") from None
    chosen = selection(request, q)
    if publisher:
        chosen.reporting_org = publisher
    buf = io.StringIO()
    formats.WRITERS[format](chosen, buf)
    ext = EXTENSIONS.get(format, format)
    return Response(buf.getvalue(), media_type=MEDIA_TYPES.get(format, "application/octet-stream"),
                    headers={"Content-Disposition": f'attachment; filename="initiatives.{ext}"'})


