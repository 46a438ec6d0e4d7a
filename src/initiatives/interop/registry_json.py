"""The registry's JSON shape (`../shared/gold/SCHEMA.md`): `{records, organizations, findings}`.

A gold file is one such object for one document (`doc`); an export is one for a whole selection, where each
record carries its own `source_document` and `source_lines`. The same field names are used both ways, so an
export and a gold file compare field by field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from initiatives.errors import InputError, describe_validation_error
from initiatives.model import Batch, Finding, Initiative, Organization, Span

# Keys of a record that describe where it lives in *this* registry, not what it says: not imported.
_LOCAL_KEYS = {"id", "version", "created_at", "updated_at"}


def read(path: Path) -> Batch:
    """Read a registry JSON file. Raises InputError naming the file, the record and the field."""
    name = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file=name) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", file=name, line=exc.lineno) from None
    return from_data(data, origin=name)


def from_data(data: Any, *, origin: str) -> Batch:
    if isinstance(data, list):
        data = {"records": data}
    if not isinstance(data, dict) or not isinstance(data.get("records"), list):
        keys = f" (its keys: {', '.join(sorted(map(str, data))[:8])})" if isinstance(data, dict) else ""
        raise InputError("expected registry JSON, an object with a 'records' list (see gold/SCHEMA.md), or a DPG "
                         f"nominee record (name, SDGs, license ...){keys}", file=origin)
    doc = data.get("doc")
    batch = Batch(origin=origin)
    for i, raw in enumerate(data.get("records", []), start=1):
        batch.initiatives.append(_record(raw, i, doc, origin))
    for i, raw in enumerate(data.get("organizations", []) or [], start=1):
        batch.organizations.append(_validated(Organization, raw, origin, f"organizations[{i}]", _LOCAL_KEYS))
    for i, raw in enumerate(data.get("findings", []) or [], start=1):
        batch.findings.append(_finding(raw, i, doc, origin))
    return batch


def _label(raw: dict[str, Any], index: int) -> str:
    name = raw.get("code") or raw.get("title")
    return f"{index} ({name!s:.60})" if name else str(index)


def _record(raw: Any, index: int, doc: str | None, origin: str) -> Initiative:
    if not isinstance(raw, dict):
        raise InputError("a record must be a JSON object", file=origin, record=str(index))
    data = {k: v for k, v in raw.items() if k not in _LOCAL_KEYS}
    if doc and not data.get("source_document"):
        data["source_document"] = doc
    try:
        return Initiative.model_validate(data)
    except ValidationError as exc:
        loc, msg = describe_validation_error(exc)
        raise InputError(msg, file=origin, record=_label(raw, index), field=loc) from None


def _finding(raw: Any, index: int, doc: str | None, origin: str) -> Finding:
    if not isinstance(raw, dict):
        raise InputError("a finding must be a JSON object", file=origin, record=f"findings[{index}]")
    data = {k: v for k, v in raw.items() if k not in _LOCAL_KEYS}
    evidence = data.pop("evidence", "")
    if isinstance(evidence, str):
        data["evidence_text"] = evidence
    elif isinstance(evidence, list):
        data["evidence"] = evidence
        data.setdefault("evidence_text", " | ".join(e.get("text") or "" for e in evidence if isinstance(e, dict)))
    if doc and not data.get("source_document"):
        data["source_document"] = doc
    return _validated(Finding, data, origin, f"findings[{index}]", set())


def _validated(model: Any, raw: Any, origin: str, where: str, drop: set[str]) -> Any:
    if not isinstance(raw, dict):
        raise InputError("expected a JSON object", file=origin, record=where)
    try:
        return model.model_validate({k: v for k, v in raw.items() if k not in drop})
    except ValidationError as exc:
        loc, msg = describe_validation_error(exc)
        raise InputError(msg, file=origin, record=where, field=loc) from None


# ------------------------------------------------------------------------------------------------ export

RECORD_KEYS = (
    "id", "kind", "code", "title", "status", "start", "end", "countries", "country_groups", "partners", "budget",
    "funding_source", "sdgs", "themes", "date_announced", "location", "summary", "lead_unit", "region",
    "comments", "source_document", "source_lines",
)


def record_to_data(rec: Initiative, *, with_sources: bool = True) -> dict[str, Any]:
    data = rec.model_dump(mode="json")
    out = {k: data[k] for k in RECORD_KEYS}
    out["partners"] = [{"name": p["name"], "role": p["role"], "type": p["type"]} for p in data["partners"]]
    out["source_lines"] = list(rec.source_lines) if rec.source_lines else None
    if with_sources:
        out["sources"] = {f: [_span(s) for s in spans] for f, spans in rec.sources.items()}
    if rec.extras:
        out["extras"] = data["extras"]
    return out


def _span(s: Span) -> dict[str, Any]:
    return {"document": s.document, "start": s.start, "end": s.end, "text": s.text}


def organization_to_data(org: Organization) -> dict[str, Any]:
    return {"id": org.id, "name": org.name, "acronym": org.acronym, "type": org.type, "country": org.country,
            "aliases": list(org.aliases)}


def finding_to_data(f: Finding) -> dict[str, Any]:
    return {
        "id": f.id, "record": f.record, "rule": f.rule, "severity": f.severity, "message": f.message,
        "evidence": f.evidence_text or " | ".join(e.text or "" for e in f.evidence),
        "field": f.field, "status": f.status, "comment": f.comment, "reviewer_flagged": f.reviewer_flagged,
        "initiative_ids": list(f.initiative_ids), "source_document": f.source_document,
        "source_lines": list(f.source_lines) if f.source_lines else None,
    }


def export(initiatives: list[Initiative], organizations: list[Organization], findings: list[Finding]) -> dict[str, Any]:
    return {
        "records": [record_to_data(r) for r in initiatives],
        "organizations": [organization_to_data(o) for o in organizations],
        "findings": [finding_to_data(f) for f in findings],
    }
