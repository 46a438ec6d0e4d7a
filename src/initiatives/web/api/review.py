"""Findings and audit runs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from initiatives.errors import InputError
from initiatives.interop import registry_json
from initiatives.model import FINDING_STATUSES, SEVERITIES
from initiatives.store.users import User
from initiatives.web import services
from initiatives.web.api.records import store_of
from initiatives.web.api.schemas import BulkFindingUpdate, FindingUpdate
from initiatives.web.auth import author, require

router = APIRouter(tags=["findings"])


@router.get("/findings")
def list_findings(request: Request, response: Response, status: str | None = None, rule: str | None = None,
                  severity: str | None = None, initiative_id: int | None = None,
                  limit: Annotated[int | None, Query(ge=1, le=10_000)] = None,
                  offset: Annotated[int, Query(ge=0)] = 0,
                  user: User | None = require(None)) -> list[dict[str, Any]]:
    """Findings matching the filters, by id; `limit` and `offset` page through them (every one without
    `limit`). The `X-Total-Count` header says how many match."""
    if status and status not in FINDING_STATUSES:
        raise InputError(f"unknown status {status!r} (one of {', '.join(FINDING_STATUSES)})", field="status")
    if severity and severity not in SEVERITIES:
        raise InputError(f"unknown severity {severity!r} (one of {', '.join(SEVERITIES)})", field="severity")
    store = store_of(request)
    filters = {"status": status, "rule": rule, "severity": severity, "initiative_id": initiative_id}
    response.headers["X-Total-Count"] = str(sum(store.finding_counts(**filters).values()))
    found = store.findings(**filters, limit=limit, offset=offset)
    return [registry_json.finding_to_data(f) for f in found]


@router.get("/findings/{finding_id}")
def get_finding(finding_id: int, request: Request, user: User | None = require(None)) -> dict[str, Any]:
    """One finding with its review history (who changed its status, when, with which comment)."""
    store = store_of(request)
    f = store.get_finding(finding_id)
    history = [{"at": r.at.isoformat(), "by": r.author, "from": r.old, "to": r.new, "comment": r.reason}
               for r in store.history(finding_id, entity="finding")]
    return registry_json.finding_to_data(f) | {"history": history}


@router.patch("/findings/{finding_id}")
def update_finding(finding_id: int, body: FindingUpdate, request: Request,
                   user: User = require("reviewer")) -> dict[str, Any]:
    """Acknowledge, resolve, waive (or reopen) a finding, with a comment kept in its history."""
    f = store_of(request).set_finding_status(finding_id, body.status, reviewer=author(user), comment=body.comment)
    return registry_json.finding_to_data(f)


@router.post("/findings/bulk")
def bulk_update_findings(body: BulkFindingUpdate, request: Request, user: User = require("reviewer")) -> dict[str, Any]:
    """Give several findings the same status and comment. All ids must exist, or nothing changes."""
    store = store_of(request)
    missing = store.missing_findings(body.ids)
    if missing:
        raise InputError(f"no finding #{missing[0]}; nothing was changed", field="ids")
    changed = [store.set_finding_status(i, body.status, reviewer=author(user), comment=body.comment)
               for i in dict.fromkeys(body.ids)]
    return {"changed": len(changed), "findings": [registry_json.finding_to_data(f) for f in changed]}


@router.post("/audit", tags=["audit"])
def run_audit(request: Request, user: User = require("reviewer")) -> dict[str, Any]:
    """Run every audit rule over the registry (503 when the audit engine is not installed)."""
    return {"summary": services.run_audit(store_of(request))}
