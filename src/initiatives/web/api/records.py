"""Initiatives, organisations, countries and documents."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from initiatives.errors import InputError, NotFound, describe_validation_error
from initiatives.interop import registry_json
from initiatives.model import Initiative
from initiatives.reference import countries as country_ref
from initiatives.store import InitiativeQuery, Store
from initiatives.store import facets
from initiatives.search.semantic import INTERACTIVE_LIMIT, refresh_if_available
from initiatives.store.users import User
from initiatives.web import provenance, query, services
from initiatives.web.api.schemas import InitiativeCreate, InitiativePatch
from initiatives.web.auth import author, require
from initiatives.web.errors import PayloadTooLarge, PreconditionFailed, UnsupportedType
from initiatives.web.groups import groups_of

router = APIRouter()


def store_of(request: Request) -> Store:
    return request.app.state.store


def record_json(rec: Initiative, open_findings: int | None = None) -> dict[str, Any]:
    data = registry_json.record_to_data(rec)
    data["version"] = rec.version
    data["updated_at"] = rec.updated_at.isoformat() if rec.updated_at else None
    if open_findings is not None:
        data["open_findings"] = open_findings
    return data


def etag(rec: Initiative) -> str:
    return f'"{rec.version}"'


def _if_match_version(if_match: str | None) -> int | None:
    if not if_match:
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise InputError(f"If-Match must be a version such as \"3\", got {if_match!r}", field="If-Match")
    return int(raw)


# ------------------------------------------------------------------------------------------------ initiatives


@router.get("/initiatives", tags=["initiatives"])
def list_initiatives(request: Request, user: User | None = require(None)) -> dict[str, Any]:
    """Initiatives matching the filters (repeat a parameter or join values with commas for OR), with facet counts.

    Parameters: q, kind, status, country, region, country_group, sdg, partner (organisation id), partner_type,
    year_from, year_to, budget_min, budget_max, has_open_findings, sort, page, per_page, facets (true/false)."""
    q = query.parse(request.query_params, usd_factors=request.app.state.rates.current_factors())
    want_facets = request.query_params.get("facets", "true").lower() not in ("false", "0", "no")
    query.prepare_mode(store_of(request), q)
    page = facets.explore(store_of(request), q, with_facets=want_facets)
    return {
        "items": [record_json(r, page.open_findings.get(r.id or 0, 0)) for r in page.items],
        "total": page.total, "page": page.page, "per_page": page.per_page, "pages": page.pages,
        "relaxed": page.relaxed,  # true: no record had every word of q, these have some of them
        "facets": {name: [{"value": _facet_value(v), "count": n, **_facet_label(name, v)} for v, n in values]
                   for name, values in page.facets.items()},
    }


def _facet_value(v: Any) -> Any:
    return v[0] if isinstance(v, tuple) else v


def _facet_label(name: str, v: Any) -> dict[str, Any]:
    if name == "partner":
        return {"label": v[1]}
    if name == "country":
        return {"label": country_ref.name(v)}
    return {}


@router.post("/initiatives", status_code=201, tags=["initiatives"])
def create_initiative(body: InitiativeCreate, request: Request, response: Response, tasks: BackgroundTasks,
                      user: User = require("editor")) -> dict[str, Any]:
    try:
        rec = Initiative.model_validate(body.changes() | {"kind": body.kind})
    except ValidationError as exc:
        loc, msg = describe_validation_error(exc)
        raise InputError(msg, field=loc) from None
    saved = store_of(request).add_initiative(rec, author=author(user))
    tasks.add_task(refresh_if_available, store_of(request), max_pending=INTERACTIVE_LIMIT)  # after the response
    response.headers["ETag"] = etag(saved)
    response.headers["Location"] = f"/api/v1/initiatives/{saved.id}"
    return record_json(saved)


@router.get("/initiatives/{initiative_id}", tags=["initiatives"], response_class=JSONResponse)
async def get_initiative(initiative_id: int, request: Request, user: User | None = require(None)) -> JSONResponse:
    """One initiative; its ETag is its version (send it back as If-Match when you update)."""
    # async on purpose: one primary-key read takes ~1 ms, less than handing it to the thread pool and back
    rec = facets.read_initiative(store_of(request), initiative_id)
    return JSONResponse(record_json(rec), headers={"ETag": etag(rec)})


@router.patch("/initiatives/{initiative_id}", tags=["initiatives"])
def update_initiative(initiative_id: int, body: InitiativePatch, request: Request, response: Response,
                      tasks: BackgroundTasks, if_match: str | None = Header(default=None),
                      user: User = require("editor")) -> dict[str, Any]:
    """Change some fields. Send the version you read, as If-Match (a stale one gives 412) or as `version`
    in the body (a stale one gives 409); with neither, 428. Nothing is overwritten silently."""
    store = store_of(request)
    header_version = _if_match_version(if_match)
    if header_version is None and body.version is None:
        raise PreconditionFailed(428, "send the version the edit is based on: If-Match header or 'version'")
    if header_version is not None:
        current = store.get_initiative(initiative_id)
        if current.version != header_version:
            raise PreconditionFailed(412, f"record #{initiative_id} is at version {current.version}, "
                                          f"If-Match named version {header_version}")
    changes = body.changes()
    changes.pop("version", None)
    reason = changes.pop("reason", None)
    if not changes:
        raise InputError("nothing to change: send at least one field", field="body")
    rec = store.update_initiative(initiative_id, changes, author=author(user),
                                  expected_version=body.version if body.version is not None else header_version,
                                  reason=reason)
    tasks.add_task(refresh_if_available, store, max_pending=INTERACTIVE_LIMIT)  # after the response: re-embed
    response.headers["ETag"] = etag(rec)
    return record_json(rec)


@router.delete("/initiatives/{initiative_id}", status_code=204, tags=["initiatives"])
def delete_initiative(initiative_id: int, request: Request, if_match: str | None = Header(default=None),
                      user: User = require("editor")) -> Response:
    store = store_of(request)
    version = _if_match_version(if_match)
    if version is not None:
        current = store.get_initiative(initiative_id)
        if current.version != version:
            raise PreconditionFailed(412, f"record #{initiative_id} is at version {current.version}, "
                                          f"If-Match named version {version}")
    store.delete_initiative(initiative_id, author=author(user))
    return Response(status_code=204)


@router.get("/initiatives/{initiative_id}/history", tags=["initiatives"])
def initiative_history(initiative_id: int, request: Request, user: User | None = require(None)) -> list[dict[str, Any]]:
    store = store_of(request)
    revisions = store.history(initiative_id)
    if not revisions:
        store.get_initiative(initiative_id)  # 404 when there is no such record
    return [r.model_dump(mode="json") for r in revisions]


@router.get("/initiatives/{initiative_id}/sources", tags=["initiatives"])
def initiative_sources(initiative_id: int, request: Request, user: User | None = require(None)) -> dict[str, Any]:
    """Each field's source spans with the quoted text, its sentence, line and document."""
    store = store_of(request)
    rec = store.get_initiative(initiative_id)
    docs = provenance.DocumentCache(store)
    lines = provenance.record_lines(store, rec, docs)
    return {
        "fields": {f: [asdict(v) for v in views] for f, views in provenance.view(store, rec, docs).items()},
        "record": ({"document_id": lines[0].id, "document_name": lines[0].name, "first_line": lines[1],
                    "last_line": lines[2]} if lines else None),
    }


@router.get("/initiatives/{initiative_id}/findings", tags=["initiatives"])
def initiative_findings(initiative_id: int, request: Request, user: User | None = require(None)) -> list[dict[str, Any]]:
    store = store_of(request)
    store.get_initiative(initiative_id)
    return [registry_json.finding_to_data(f) for f in store.findings(initiative_id=initiative_id)]


# ------------------------------------------------------------------------------------------------ organisations


@router.get("/organizations", tags=["organizations"])
def list_organizations(request: Request, q: str | None = None, type: str | None = None,
                       user: User | None = require(None)) -> list[dict[str, Any]]:
    store = store_of(request)
    counts = facets.organization_counts(store)
    out = []
    for org in store.organizations():
        if type and org.type != type:
            continue
        if q and q.casefold() not in " ".join([org.name, org.acronym or "", *org.aliases]).casefold():
            continue
        out.append(registry_json.organization_to_data(org) | {"initiatives": counts.get(org.id or 0, 0)})
    return out


@router.get("/organizations/{organization_id}", tags=["organizations"])
def get_organization(organization_id: int, request: Request, user: User | None = require(None)) -> dict[str, Any]:
    store = store_of(request)
    org = store.get_organization(organization_id)
    records = store.list_initiatives(InitiativeQuery(organization_id=organization_id))
    return registry_json.organization_to_data(org) | {
        "initiatives": [{"id": r.id, "label": r.label, "title": r.title,
                         "roles": [p.role for p in r.partners if p.organization_id == organization_id]}
                        for r in records]}


# ------------------------------------------------------------------------------------------------ countries


@router.get("/countries", tags=["countries"])
def list_countries(request: Request, all: bool = False, user: User | None = require(None)) -> list[dict[str, Any]]:
    """Countries with their number of initiatives and group memberships (LDC, LLDC, SIDS, ...);
    only countries with initiatives unless `all=true`."""
    counts = facets.country_counts(store_of(request))
    codes = country_ref.all_codes() if all else sorted(counts)
    return [{"iso3": c, "name": country_ref.name(c), "initiatives": counts.get(c, 0), "groups": groups_of(c)}
            for c in codes]


@router.get("/countries/{iso3}", tags=["countries"])
def get_country(iso3: str, request: Request, user: User | None = require(None)) -> dict[str, Any]:
    code = iso3.upper()
    if not country_ref.is_alpha3(code):
        raise NotFound(f"no country {iso3!r} (ISO 3166-1 alpha-3)")
    records = store_of(request).list_initiatives(InitiativeQuery(country=code))
    return {"iso3": code, "name": country_ref.name(code), "groups": groups_of(code),
            "initiatives": [{"id": r.id, "label": r.label, "title": r.title, "kind": r.kind} for r in records]}


# ------------------------------------------------------------------------------------------------ documents


@router.get("/documents", tags=["documents"])
def list_documents(request: Request, user: User | None = require(None)) -> list[dict[str, Any]]:
    return [d.model_dump(mode="json", exclude={"text"}) | {"name": d.name} for d in store_of(request).documents()]


@router.get("/documents/{document_id}", tags=["documents"])
def get_document(document_id: int, request: Request, start: int | None = Query(None, ge=0),
                 end: int | None = Query(None, ge=0), at: int | None = Query(None, ge=0),
                 user: User | None = require(None)) -> dict[str, Any]:
    """A document with the spans that point into it. A document over 200,000 characters (a large IATI file)
    comes a part at a time: `text` starts at `offset` of `length` characters; ask for the part around a span
    with `start`/`end`, or from a character with `at`."""
    from initiatives.web import document_view

    part = document_view.view(store_of(request), document_id, start=start, end=end, at=at)
    return part.doc.model_dump(mode="json") | {
        "name": part.doc.name, "text": part.text, "offset": part.offset, "length": part.length,
        "spans": [{"start": a + part.offset, "end": b + part.offset, "field": f, "initiative_id": i}
                  for a, b, f, i in part.marks]}


async def receive_uploads(request: Request, suffixes: set[str] | None = None, *,
                          form_csrf: bool = False) -> list[tuple[str, Path]]:
    """Save the multipart `files` of a request to a temporary folder, refusing oversize bodies and unsupported
    types before anything is stored. Returns (original name, saved path) pairs."""
    limit = request.app.state.max_upload_bytes
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise PayloadTooLarge(f"upload of {int(length):,} bytes is over the limit of {limit:,} bytes")
    form = await request.form(max_files=200)
    if form_csrf:
        from initiatives.web.auth import check_csrf

        check_csrf(request, str(form.get("csrf_token") or "") or request.headers.get("x-csrf-token"))
    uploads = [v for k, v in form.multi_items() if k == "files" and hasattr(v, "filename")]
    others = [k for k, v in form.multi_items() if k not in ("files", "csrf_token")]
    if others:
        raise InputError("unknown form field (send files as 'files')", field=others[0])
    if not uploads:
        raise InputError("no file sent: attach one or more files as 'files'", field="files")
    allowed = suffixes or services.supported_suffixes()
    for up in uploads:
        name = up.filename or ""
        if suffixes:  # a fixed list (e.g. rates files): no ingest involved
            suffix = Path(name).suffix.lower()
            refused = None if suffix in suffixes else (suffix or "(none)")
        else:
            refused = services.check_suffix(name, allowed)
        if refused:
            raise UnsupportedType(f"{up.filename}: unsupported file type {refused!r} "
                                  f"(accepted: {', '.join(sorted(allowed))})")
    folder = Path(tempfile.mkdtemp(prefix="initiatives-upload-"))
    saved: list[tuple[str, Path]] = []
    total = 0
    for i, up in enumerate(uploads):
        name = Path(up.filename or f"file{i}").name
        (folder / str(i)).mkdir()
        target = folder / str(i) / name  # the original name: documents and records are known by it
        with target.open("wb") as out:
            while chunk := await up.read(1 << 20):
                total += len(chunk)
                if total > limit:
                    raise PayloadTooLarge(f"upload is over the limit of {limit:,} bytes")
                out.write(chunk)
        saved.append((name, target))
    return saved


@router.post("/documents", tags=["documents"])
async def upload_documents(request: Request, user: User = require("editor")) -> dict[str, Any]:
    """Upload files (multipart field `files`): each is ingested in its own transaction; the answer is the
    ingest summary per file. Oversize uploads give 413, unsupported types 415, before anything is stored."""
    saved = await receive_uploads(request)
    from starlette.concurrency import run_in_threadpool

    summaries = await run_in_threadpool(services.ingest_files, store_of(request), [p for _, p in saved],
                                        author=author(user), names=[n for n, _ in saved])
    shutil.rmtree(saved[0][1].parent.parent, ignore_errors=True)
    return {"files": [asdict(s) for s in summaries],
            "ok": all(s.error is None for s in summaries)}
