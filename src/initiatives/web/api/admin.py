"""Who am I, users and tokens, site settings, exchange rates and home-page statistics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request

from initiatives.errors import InputError
from initiatives.store.users import ROLES, User
from initiatives.web import stats
from initiatives.web.api.records import receive_uploads, store_of
from initiatives.web.api.schemas import SettingsUpdate, TokenCreate, UserCreate, UserUpdate
from initiatives.web.auth import forget_anonymous_setting, require

router = APIRouter()


@router.get("/me", tags=["users"])
def me(request: Request, user: User | None = require(None)) -> dict[str, Any]:
    return {"name": user.name, "role": user.role} if user else {"name": None, "role": None}


@router.post("/me/tokens", status_code=201, tags=["users"])
def new_own_token(body: TokenCreate, request: Request, user: User = require("viewer")) -> dict[str, Any]:
    """A new API token for yourself (shown once). Send it as `Authorization: Bearer <token>`."""
    return {"token": request.app.state.users.new_token(user.name, body.label), "user": user.name}


@router.get("/users", tags=["users"])
def list_users(request: Request, user: User = require("admin")) -> list[dict[str, Any]]:
    return [{"id": u.id, "name": u.name, "role": u.role} for u in request.app.state.users.all()]


@router.post("/users", status_code=201, tags=["users"])
def add_user(body: UserCreate, request: Request, user: User = require("admin")) -> dict[str, Any]:
    u = request.app.state.users.add(body.name, body.password, body.role)
    return {"id": u.id, "name": u.name, "role": u.role}


@router.patch("/users/{name}", tags=["users"])
def update_user(name: str, body: UserUpdate, request: Request, user: User = require("admin")) -> dict[str, Any]:
    users = request.app.state.users
    if body.role is None and body.password is None:
        raise InputError("nothing to change: send role or password", field="body")
    if body.password is not None:
        users.set_password(name, body.password)
    u = users.set_role(name, body.role) if body.role is not None else next(x for x in users.all() if x.name == name)
    return {"id": u.id, "name": u.name, "role": u.role}


@router.delete("/users/{name}", status_code=204, tags=["users"])
def remove_user(name: str, request: Request, user: User = require("admin")) -> None:
    if name == user.name:
        raise InputError("you cannot remove yourself", field="name")
    request.app.state.users.remove(name)


@router.post("/users/{name}/tokens", status_code=201, tags=["users"])
def new_token(name: str, body: TokenCreate, request: Request, user: User = require("admin")) -> dict[str, Any]:
    return {"token": request.app.state.users.new_token(name, body.label), "user": name}


@router.get("/settings", tags=["settings"])
def get_settings(request: Request, user: User = require("admin")) -> dict[str, Any]:
    rates = request.app.state.rates
    return {"anonymous_read": bool(request.app.state.users.setting("anonymous_read")),
            "max_upload_bytes": request.app.state.max_upload_bytes, "roles": list(ROLES),
            "rates": {"source": rates.source, "currencies": sorted(rates.currencies),
                      "bounds": [str(d) for d in rates.bounds] if rates.bounds else None}}


@router.patch("/settings", tags=["settings"])
def update_settings(body: SettingsUpdate, request: Request, user: User = require("admin")) -> dict[str, Any]:
    if body.anonymous_read is not None:
        request.app.state.users.set_setting("anonymous_read", body.anonymous_read)
        forget_anonymous_setting(request)
    return get_settings(request, user)


@router.post("/rates", tags=["settings"])
async def load_rates(request: Request, user: User = require("admin")) -> dict[str, Any]:
    """Load exchange rates from an ECB file (eurofxref-hist .csv or .zip, multipart field `files`)."""
    saved = await receive_uploads(request, suffixes={".csv", ".zip"})
    name, path = saved[0]
    keep = Path(request.app.state.data_dir) / "rates" / name
    keep.parent.mkdir(parents=True, exist_ok=True)
    path.replace(keep)
    try:
        request.app.state.rates.load(keep)
    except ValueError as exc:
        keep.unlink(missing_ok=True)
        raise InputError(str(exc), field="files") from None
    request.app.state.users.set_setting("rates_file", str(keep))
    rates = request.app.state.rates
    return {"source": rates.source, "currencies": sorted(rates.currencies)}


@router.get("/stats", tags=["statistics"])
def get_stats(request: Request, user: User | None = require(None)) -> dict[str, Any]:
    """Totals, counts and USD budgets by year, SDG and partner type, and initiatives per country."""
    return stats.compute(store_of(request), request.app.state.rates)


