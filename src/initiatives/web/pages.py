"""Server-rendered pages (Jinja2; htmx for upload progress and in-place finding actions).

Forms post back to these routes with the session's CSRF token and redirect after success (POST/redirect/GET),
so every page works without JavaScript and with the keyboard.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from initiatives import model
from initiatives.edits import parse_value
from initiatives.errors import InitiativesError, InputError, NotFound, StaleVersion, describe_validation_error
from initiatives.interop import formats
from initiatives.model import Initiative
from initiatives.reference import countries as country_ref
from initiatives.store import InitiativeQuery, facets
from initiatives.store.users import ROLES, User
from initiatives.web import provenance, query, services, stats
from initiatives.web.api.records import receive_uploads
from initiatives.web.auth import (
    AuthError,
    author,
    check_csrf,
    csrf_token,
    current_user,
    forget_anonymous_setting,
    require,
)
from initiatives.web.groups import groups_of

router = APIRouter(include_in_schema=False)

# Fields shown (and editable) on the initiative page, in this order.
FORM_FIELDS = ("kind", "code", "title", "summary", "status", "start", "end", "countries", "country_groups",
               "partners", "budget", "funding_source", "sdgs", "themes", "date_announced", "location",
               "lead_unit", "region", "comments")
# Explore's "match" choice: search mode -> what the user reads
MATCH_MODES = {"text": "Words", "semantic": "Meaning", "hybrid": "Words and meaning"}
FACET_LABELS = {"kind": "Kind", "status": "Status", "country": "Country", "region": "Region",
                "country_group": "Country group", "sdg": "SDG", "partner": "Partner", "partner_type": "Partner type",
                "has_open_findings": "Open findings"}


def render(request: Request, template: str, /, status_code: int = 200, **context: Any) -> HTMLResponse:
    user = current_user(request)
    context.update(user=user, csrf=csrf_token(request), path=request.url.path, roles=ROLES)
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status_code)


async def form_of(request: Request, role: str) -> tuple[User, Any]:
    """The signed-in user (holding `role`) and the posted form, after the CSRF check."""
    user = current_user(request)
    if user is None:
        raise AuthError(401, f"sign in as {role} or above to do this")
    if not user.can(role):
        raise AuthError(403, f"this needs the {role} role; {user.name} is {user.role}")
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    return user, form


def back(url: str, **params: Any) -> RedirectResponse:
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    return RedirectResponse(f"{url}{'&' if '?' in url else '?'}{extra}" if extra else url, status_code=303)


def store_of(request: Request) -> Any:
    return request.app.state.store


# ------------------------------------------------------------------------------------------------ sign in


@router.get("/login")
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", next=next if next.startswith("/") else "/", error=None)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    next_url = str(form.get("next") or "/")
    if not next_url.startswith("/") or next_url.startswith("//"):
        next_url = "/"
    user = request.app.state.users.authenticate(str(form.get("name") or ""), str(form.get("password") or ""))
    if user is None:
        return render(request, "login.html", status_code=401, next=next_url, error="Wrong name or password.")
    request.session.clear()
    request.session["uid"] = user.id
    return RedirectResponse(next_url, status_code=303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    request.session.clear()
    return RedirectResponse("/", status_code=303)


# ------------------------------------------------------------------------------------------------ home


@router.get("/")
def home(request: Request, user: User | None = require(None)) -> HTMLResponse:
    figures = stats.compute(store_of(request), request.app.state.rates)
    from initiatives.web import worldmap

    counts = {c["iso3"]: c["initiatives"] for c in figures["by_country"]}
    return render(request, "home.html", stats=figures, world=worldmap.render(counts), legend=worldmap.legend(counts),
                  off_map=worldmap.off_map(counts))


@router.get("/map/world.svg")
def world_shapes() -> Response:
    from initiatives.web import worldmap

    svg = worldmap.shapes_svg()
    if svg is None:
        raise NotFound("map shapes are not installed (pygal_maps_world)")
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})


# ------------------------------------------------------------------------------------------------ explore


@router.get("/explore")
def explore(request: Request, user: User | None = require(None)) -> HTMLResponse:
    try:
        q = query.parse(request.query_params, usd_factors=request.app.state.rates.current_factors())
        error = None
    except InputError as exc:
        q, error = query.parse(request.query_params.__class__(""), strict=False), str(exc)
    semantic_note = query.prepare_mode(store_of(request), q, fall_back=True)  # words still work without the model
    try:
        page = facets.explore(store_of(request), q)
    except InputError as exc:  # a filter typed into the search box ("sdg:99"): say so above the same form
        error = str(exc)
        page = facets.ExplorePage(items=[], total=0, page=1, per_page=q.per_page)
    return render(request, "explore.html", q=q, page=page, error=error, semantic_note=semantic_note,
                  modes=MATCH_MODES, facet_labels=FACET_LABELS,
                  toggle=query.toggle, url=query.url, writers=list(formats.WRITERS),
                  export_params=urlencode(query.to_params(q)), kinds=model.KINDS, statuses=model.STATUSES,
                  sorts=list(facets.SORTS), params=query.to_params(q))


# ------------------------------------------------------------------------------------------------ initiatives


def _form_value(rec: Initiative, field: str) -> str:
    value = getattr(rec, field)
    if value is None:
        return ""
    if field == "partners":
        return "; ".join(f"{p.name}:{p.role}:{p.type}" for p in value)
    if field == "budget":
        return f"{format(value.amount.normalize(), 'f')} {value.currency}"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def _initiative_page(request: Request, rec: Initiative, *, errors: dict[str, str] | None = None,
                     values: dict[str, str] | None = None, message: str | None = None, status: int = 200) -> HTMLResponse:
    store = store_of(request)
    docs = provenance.DocumentCache(store)
    sources = provenance.view(store, rec, docs)
    lines = provenance.record_lines(store, rec, docs)
    findings = store.findings(initiative_id=rec.id)
    history = store.history(rec.id or 0)
    form_values = {f: _form_value(rec, f) for f in FORM_FIELDS}
    form_values.update(values or {})
    usd = None
    if rec.budget:
        usd = request.app.state.rates.to_usd(rec.budget.amount, rec.budget.currency, rec.start or rec.date_announced)
    return render(request, "initiative.html", status_code=status, rec=rec, sources=sources, lines=lines,
                  findings=findings, history=history, form_fields=FORM_FIELDS, values=form_values,
                  errors=errors or {}, message=message, usd=usd, kinds=model.KINDS, statuses=model.STATUSES,
                  finding_statuses=model.FINDING_STATUSES)


@router.get("/initiatives/new")
def new_initiative_page(request: Request, user: User = require("editor")) -> HTMLResponse:
    return render(request, "new.html", errors={}, values={}, kinds=model.KINDS)


@router.post("/initiatives/new")
async def new_initiative(request: Request) -> Response:
    user, form = await form_of(request, "editor")
    values = {f: str(form.get(f) or "") for f in ("kind", "code", "title", "summary")}
    try:
        rec = Initiative.model_validate({k: (v or None) for k, v in values.items()} | {"kind": values["kind"] or "project"})
    except ValidationError as exc:
        loc, msg = describe_validation_error(exc)
        return render(request, "new.html", status_code=422, errors={(loc or "title").split(".")[0]: msg}, values=values,
                      kinds=model.KINDS)
    saved = store_of(request).add_initiative(rec, author=author(user))
    return RedirectResponse(f"/initiatives/{saved.id}", status_code=303)


@router.get("/initiatives/{initiative_id}")
def initiative_page(initiative_id: int, request: Request, user: User | None = require(None)) -> HTMLResponse:
    return _initiative_page(request, store_of(request).get_initiative(initiative_id))


@router.post("/initiatives/{initiative_id}/edit")
async def edit_initiative(initiative_id: int, request: Request) -> Response:
    user, form = await form_of(request, "editor")
    store = store_of(request)
    current = store.get_initiative(initiative_id)
    submitted = {f: str(form.get(f) or "") for f in FORM_FIELDS if f in form}
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    for field, raw in submitted.items():
        if raw.strip() == _form_value(current, field).strip():
            continue
        try:
            value = parse_value(field, raw)
        except InputError as exc:
            errors[field] = exc.detail
            continue
        if field in ("countries", "country_groups", "sdgs", "themes", "comments", "partners") and value is None:
            value = []
        changes[field] = value
    version = str(form.get("version") or "")
    if errors:
        return _initiative_page(request, current, errors=errors, values=submitted, status=422)
    if not changes:
        return back(f"/initiatives/{initiative_id}", saved="nothing")
    # Check each changed field alone first, so every bad field gets its own message.
    for field, value in changes.items():
        try:
            Initiative.model_validate(current.model_dump() | {field: value})
        except ValidationError as exc:
            _, msg = describe_validation_error(exc)
            errors[field] = msg
    if errors:
        return _initiative_page(request, current, errors=errors, values=submitted, status=422)
    try:
        store.update_initiative(initiative_id, changes, author=author(user),
                                expected_version=int(version) if version.isdigit() else current.version,
                                reason=str(form.get("reason") or "") or None)
    except StaleVersion as exc:
        return _initiative_page(request, store.get_initiative(initiative_id), values=submitted, status=409,
                                message=f"Not saved: {exc}. Someone else changed this record; the form shows "
                                        "your values over the new version — check them and save again.")
    except InputError as exc:
        key = (exc.field or "title").split(".")[0]
        return _initiative_page(request, current, errors={key: exc.detail}, values=submitted, status=422)
    return back(f"/initiatives/{initiative_id}", saved="1")


@router.post("/initiatives/{initiative_id}/delete")
async def delete_initiative(initiative_id: int, request: Request) -> Response:
    user, _ = await form_of(request, "editor")
    store_of(request).delete_initiative(initiative_id, author=author(user))
    return back("/explore", deleted=str(initiative_id))


# ------------------------------------------------------------------------------------------------ findings


@router.post("/findings/{finding_id}/status")
async def finding_status(finding_id: int, request: Request) -> Response:
    user, form = await form_of(request, "reviewer")
    status = str(form.get("status") or "")
    comment = str(form.get("comment") or "").strip() or None
    finding = store_of(request).set_finding_status(finding_id, status, reviewer=author(user), comment=comment)
    if request.headers.get("hx-request"):
        return render(request, "_finding.html", f=finding, finding_statuses=model.FINDING_STATUSES,
                      rec_id=int(form.get("rec_id") or 0) or None)
    target = str(form.get("next") or "/review")
    return back(target if target.startswith("/") else "/review", updated=str(finding_id))


REVIEW_PAGE = 200  # findings per page of the review queue


@router.get("/review")
def review(request: Request, status: str = "open", rule: str | None = None, severity: str | None = None,
           page: str = "1", user: User | None = require(None)) -> HTMLResponse:
    store = store_of(request)
    if status not in (*model.FINDING_STATUSES, "all"):
        status = "open"
    filters = {"status": None if status == "all" else status, "rule": rule or None, "severity": severity or None}
    counts = store.finding_counts(**filters)  # per (rule, severity): the totals, without loading findings
    total = sum(counts.values())
    pages = max(1, -(-total // REVIEW_PAGE))
    page = min(max(int(page) if page.isdigit() else 1, 1), pages)
    found = store.findings(**filters, by_rule=True, limit=REVIEW_PAGE, offset=(page - 1) * REVIEW_PAGE)
    groups: dict[str, list[Any]] = {}
    for f in found:
        groups.setdefault(f.rule, []).append(f)
    per_rule: dict[str, dict[str, int]] = {}
    for (rule_id, sev), n in counts.items():
        per_rule.setdefault(rule_id, {})[sev] = n
    all_rules = sorted({r for r, _sev in store.finding_counts()})
    return render(request, "review.html", groups=groups, status=status, rule=rule, severity=severity,
                  rules=all_rules, finding_statuses=model.FINDING_STATUSES, severities=model.SEVERITIES,
                  total=total, per_rule=per_rule, page=page, pages=pages, first=(page - 1) * REVIEW_PAGE + 1,
                  last=(page - 1) * REVIEW_PAGE + len(found))


@router.post("/review/bulk")
async def review_bulk(request: Request) -> Response:
    user, form = await form_of(request, "reviewer")
    ids = [int(v) for v in form.getlist("ids") if str(v).isdigit()]
    status = str(form.get("status") or "")
    comment = str(form.get("comment") or "").strip() or None
    if not ids:
        return back("/review", error="Pick at least one finding.")
    store = store_of(request)
    for i in ids:
        store.set_finding_status(i, status, reviewer=author(user), comment=comment)
    return back("/review", updated=str(len(ids)))


# ------------------------------------------------------------------------------------------------ organisations


@router.get("/organizations")
def organizations(request: Request, q: str = "", user: User | None = require(None)) -> HTMLResponse:
    store = store_of(request)
    counts = facets.organization_counts(store)
    orgs = [o for o in store.organizations()
            if not q or q.casefold() in " ".join([o.name, o.acronym or "", *o.aliases]).casefold()]
    return render(request, "organizations.html", orgs=orgs, counts=counts, q=q)


@router.get("/organizations/{organization_id}")
def organization(organization_id: int, request: Request, user: User | None = require(None)) -> HTMLResponse:
    store = store_of(request)
    org = store.get_organization(organization_id)
    records = store.list_initiatives(InitiativeQuery(organization_id=organization_id))
    return render(request, "organization.html", org=org, records=records)


# ------------------------------------------------------------------------------------------------ countries


@router.get("/countries")
def countries_page(request: Request, user: User | None = require(None)) -> HTMLResponse:
    counts = facets.country_counts(store_of(request))
    rows = sorted(((c, country_ref.name(c), n, groups_of(c)) for c, n in counts.items()), key=lambda r: r[1])
    return render(request, "countries.html", rows=rows)


@router.get("/countries/{iso3}")
def country_page(iso3: str, request: Request, user: User | None = require(None)) -> HTMLResponse:
    code = iso3.upper()
    if not country_ref.is_alpha3(code):
        raise NotFound(f"no country {iso3!r}")
    records = store_of(request).list_initiatives(InitiativeQuery(country=code))
    return render(request, "country.html", code=code, name=country_ref.name(code), groups=groups_of(code),
                  records=records)


# ------------------------------------------------------------------------------------------------ documents


@router.get("/documents")
def documents_page(request: Request, user: User | None = require(None)) -> HTMLResponse:
    return render(request, "documents.html", docs=store_of(request).documents())


@router.get("/documents/{document_id}")
def document_page(document_id: int, request: Request, start: int | None = None, end: int | None = None,
                  line_from: int | None = None, line_to: int | None = None, at: int | None = None,
                  user: User | None = require(None)) -> HTMLResponse:
    from initiatives.web import document_view

    part = document_view.view(store_of(request), document_id, start=start, end=end, line_from=line_from,
                              line_to=line_to, at=at)
    segs = provenance.segments(part.text, part.marks, part.focus)
    used = sorted({f for _, _, f, _ in part.marks})
    return render(request, "document.html", doc=part.doc, part=part, segments=segs, fields_used=used)


# ------------------------------------------------------------------------------------------------ upload


@router.get("/upload")
def upload_page(request: Request, user: User = require("editor")) -> HTMLResponse:
    return render(request, "upload.html", suffixes=sorted(services.supported_suffixes()),
                  limit=request.app.state.max_upload_bytes, results=None, error=None)


@router.post("/upload")
async def upload(request: Request) -> Response:
    user = current_user(request)
    if user is None or not user.can("editor"):
        raise AuthError(401 if user is None else 403, "sign in as editor or above to upload")
    partial = bool(request.headers.get("hx-request"))
    try:
        saved = await receive_uploads(request, form_csrf=True)
        results = await run_in_threadpool(services.ingest_files, store_of(request), [p for _, p in saved],
                                          author=author(user), names=[n for n, _ in saved])
        import shutil

        shutil.rmtree(saved[0][1].parent.parent, ignore_errors=True)
        error = None
    except InitiativesError as exc:
        results, error = None, str(exc)
    ctx = dict(suffixes=sorted(services.supported_suffixes()), limit=request.app.state.max_upload_bytes,
               results=results, error=error)
    status = 200 if error is None else 400
    return render(request, "_upload_result.html" if partial else "upload.html", status_code=status, **ctx)


# ------------------------------------------------------------------------------------------------ admin


@router.get("/admin")
def admin_page(request: Request, user: User = require("admin")) -> HTMLResponse:
    users = request.app.state.users
    return render(request, "admin.html", users=users.all(), anonymous_read=bool(users.setting("anonymous_read")),
                  rates=request.app.state.rates, token=request.query_params.get("token"),
                  message=request.query_params.get("message"))


@router.post("/admin/settings")
async def admin_settings(request: Request) -> Response:
    _, form = await form_of(request, "admin")
    request.app.state.users.set_setting("anonymous_read", form.get("anonymous_read") == "on")
    forget_anonymous_setting(request)
    return back("/admin", message="Settings saved.")


@router.post("/admin/users")
async def admin_add_user(request: Request) -> Response:
    _, form = await form_of(request, "admin")
    try:
        request.app.state.users.add(str(form.get("name") or ""), str(form.get("password") or ""),
                                    str(form.get("role") or "viewer"))
    except InputError as exc:
        return back("/admin", message=f"Not added: {exc}")
    return back("/admin", message=f"User {form.get('name')} added.")


@router.post("/admin/tokens")
async def admin_token(request: Request) -> Response:
    user, form = await form_of(request, "viewer")
    name = str(form.get("name") or user.name)
    if name != user.name and not user.can("admin"):
        raise AuthError(403, "only an admin can make tokens for others")
    token = request.app.state.users.new_token(name, str(form.get("label") or "web"))
    target = "/admin" if user.can("admin") else "/account"
    return back(target, token=token, message=f"New token for {name} (shown once).")


@router.get("/account")
def account(request: Request, user: User = require("viewer")) -> HTMLResponse:
    return render(request, "account.html", token=request.query_params.get("token"))


@router.post("/admin/rates")
async def admin_rates(request: Request) -> Response:
    user = current_user(request)
    if user is None or not user.can("admin"):
        raise AuthError(401 if user is None else 403, "this needs the admin role")
    try:
        saved = await receive_uploads(request, suffixes={".csv", ".zip"}, form_csrf=True)
        name, path = saved[0]
        keep = Path(request.app.state.data_dir) / "rates" / name
        keep.parent.mkdir(parents=True, exist_ok=True)
        path.replace(keep)
        request.app.state.rates.load(keep)
        request.app.state.users.set_setting("rates_file", str(keep))
    except (InitiativesError, ValueError) as exc:
        return back("/admin", message=f"Rates not loaded: {exc}")
    return back("/admin", message=f"Rates loaded from {name}.")


@router.post("/admin/audit")
async def admin_audit(request: Request) -> Response:
    await form_of(request, "reviewer")
    try:
        summary = await run_in_threadpool(services.run_audit, store_of(request))
    except services.ServiceUnavailable as exc:
        return back("/review", error=str(exc))
    return back("/review", audit=", ".join(f"{k} {v}" for k, v in summary.items()))
