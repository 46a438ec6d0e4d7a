"""Digital public goods: DPG Alliance nominee JSON in and out (schema in `dpg_data/`, Unlicense).

A nominee record becomes one Initiative of kind `product`: SDGs with their evidence, licences, repositories,
organisations (as partners and as kept detail), sectors as themes, and the countries of deployment from its
screening record when one stands beside it (`../screening/` or `../digitalpublicgoods/`, same file name).
Records are validated against the nominee schema; schema problems become findings (`dpg-schema`) and the
record keeps what is sound. Contact names and e-mails of organisations are personal data and are not kept.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

import jsonschema
import pycountry

from initiatives.errors import InputError
from initiatives.model import Batch, Document, Finding, Initiative, Organization, PartnerRef, Span

DATA = Path(__file__).with_name("dpg_data")
ROLE = {"owner": "lead", "maintainer": "implementer", "funder": "funder", "implementer": "implementer"}
ROLE_BACK = {"lead": "owner", "implementer": "implementer", "funder": "funder", "partner": "maintainer"}
SCREENING_DIRS = ("screening", "digitalpublicgoods")
NOMINEE_DIRS = ("nominees",)
_SLUG = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=2)
def schema(name: str = "nominee") -> dict[str, Any]:
    return json.loads((DATA / f"{name}-schema.json").read_text(encoding="utf-8"))


def identifier(name: str) -> str:
    return "dpg:" + _SLUG.sub("-", name.casefold()).strip("-")


def _load(path: Path) -> tuple[str, Any]:
    text = path.read_text(encoding="utf-8-sig")
    try:
        return text, json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg}", file=str(path), line=exc.lineno) from None


def looks_like_nominee(path: Path) -> bool:
    """A DPG nominee or screening record (or a list of nominees), not the registry's own JSON."""
    try:
        _, data = _load(path)
    except (InputError, UnicodeDecodeError):
        return False
    items = data if isinstance(data, list) else [data]
    return bool(items) and all(isinstance(i, dict) and "name" in i and (
        {"SDGs", "license"} <= set(i) or {"clearOwnership", "locations"} <= set(i)) for i in items)


def _span(doc: Document, key: str, value: Any = None) -> Span | None:
    """Where `"key": value` stands in the document's text (the key alone when the value is not found)."""
    at = doc.text.find(f'"{key}"')
    if at == -1:
        return None
    end = at + len(key) + 2
    if isinstance(value, str) and value:
        pos = doc.text.find(json.dumps(value, ensure_ascii=False)[1:-1], end)
        if pos != -1:
            return Span(document=doc.sha256, start=pos, end=pos + len(json.dumps(value, ensure_ascii=False)) - 2)
    return Span(document=doc.sha256, start=at, end=end)


def country_code(name: str) -> str | None:
    try:
        return pycountry.countries.lookup(name.strip()).alpha_3
    except LookupError:
        return None


def _document(path: Path, text: str) -> Document:
    return Document(path=str(path), sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                    media_type="application/json", text=text, title=path.name)


def _sibling(path: Path, dirs: tuple[str, ...]) -> Path | None:
    for d in dirs:
        candidate = path.parent.parent / d / path.name
        if candidate.is_file() and candidate.resolve() != path.resolve():
            return candidate
    return None


def _finding(rule: str, message: str, path: Path, record: str, *, field: str | None = None, value: Any = None,
             severity: str = "medium", line: int | None = None) -> Finding:
    return Finding(rule=rule, severity=severity, record=record, field=field, message=message,  # type: ignore[arg-type]
                   evidence_text="" if value is None else str(value), source_document=path.name,
                   source_lines=(line, line) if line else None)


def to_record(data: dict[str, Any], doc: Document, path: Path, findings: list[Finding],
              screening: tuple[dict[str, Any], Document] | None = None) -> Initiative:
    name = str(data.get("name") or "").strip()
    for err in sorted(jsonschema.Draft7Validator(schema()).iter_errors(data), key=lambda e: list(e.path)):
        where = "/".join(map(str, err.path)) or "(record)"
        findings.append(_finding("dpg-schema", f"{path.name}: {where}: {err.message}", path, name,
                                 field=where, value=err.instance if not isinstance(err.instance, dict | list) else None))
    sources: dict[str, list[Span]] = {}
    for field, key, value in (("title", "name", name), ("summary", "description", data.get("description")),
                              ("sdgs", "SDGs", None), ("partners", "organizations", None),
                              ("themes", "sectors", None)):
        span = _span(doc, key, value)
        if span and data.get(key):
            sources[field] = [span]
    sdgs, evidence = [], []
    for item in data.get("SDGs") or []:
        number = item.get("SDGNumber") if isinstance(item, dict) else None
        if isinstance(number, int | float) and 1 <= int(number) <= 17 and int(number) == number:
            sdgs.append(int(number))
            evidence.append({k: v for k, v in {"sdg": int(number), "text": item.get("evidenceText"),
                                               "url": item.get("evidenceURL")}.items() if v})
    partners, orgs = [], []
    for org in data.get("organizations") or []:
        if not isinstance(org, dict) or not org.get("name"):
            continue
        role = ROLE.get(str(org.get("org_type")), "partner")
        partners.append(PartnerRef(name=org["name"], role=role))
        orgs.append({k: org[k].strip() for k in ("name", "website", "org_type") if org.get(k)})
    extras: dict[str, Any] = {
        "identifier": identifier(name), "dpg_stage": data.get("stage"), "dpg_type": list(data.get("type") or []),
        "licenses": [lic for lic in data.get("license") or [] if isinstance(lic, dict)],
        "repositories": [r for r in data.get("repositories") or [] if isinstance(r, dict) and "url" in r],
        "aliases": [a for a in data.get("aliases") or [] if isinstance(a, str) and a.strip()],
        "website": data.get("website"), "sdg_evidence": evidence, "dpg_organizations": orgs,
    }
    if "sectors" in data:
        extras["dpg_sectors"] = list(data.get("sectors") or [])
    countries: list[str] = []
    if screening:
        sdata, sdoc = screening
        locations = sdata.get("locations") or {}
        for field, key in (("deployment_countries", "deploymentCountries"),
                           ("development_countries", "developmentCountries")):
            names = [n for n in locations.get(key) or [] if isinstance(n, str) and n.strip()]
            extras[field] = names
        for n in extras.get("deployment_countries", []):
            code = country_code(n)
            if code:
                countries.append(code)
            else:
                findings.append(_finding("dpg-country", f"{sdoc.name}: deployment country {n!r} is not a known "
                                         "country name", Path(sdoc.path), name, field="countries", value=n))
        span = _span(sdoc, "deploymentCountries")
        if span and countries:
            sources["countries"] = [span]
        extras["screening_document"] = sdoc.name
    return Initiative(
        kind="product", title=name or None, summary=data.get("description") or None, sdgs=sdgs,
        partners=partners, themes=[s for s in data.get("sectors") or [] if isinstance(s, str)],
        countries=countries,
        extras={k: v for k, v in extras.items() if v not in (None, [], "") or k == "dpg_sectors"},
        sources=sources, source_document=path.name,
        source_lines=(1, max(1, doc.text.count("\n") + (0 if doc.text.endswith("\n") else 1))),
    )


def read(path: Path) -> Batch:
    """A nominee (or list of nominees, or a screening record) file as one Batch."""
    text, data = _load(path)
    doc = _document(path, text)
    findings: list[Finding] = []
    docs = [doc]
    items = data if isinstance(data, list) else [data]
    records = []
    for item in items:
        if not isinstance(item, dict) or not str(item.get("name") or "").strip():
            raise InputError("a DPG record needs a name", file=str(path), field="name")
        if "SDGs" not in item and "locations" in item:  # a screening record: pair it with its nominee
            nominee = _sibling(path, NOMINEE_DIRS)
            screening = (item, doc)
            if nominee is None:
                records.append(Initiative(kind="product", title=item["name"],
                                          extras={"identifier": identifier(item["name"])},
                                          source_document=path.name))
                continue
            ntext, ndata = _load(nominee)
            ndoc = _document(nominee, ntext)
            docs.append(ndoc)
            records.append(to_record(ndata, ndoc, nominee, findings, screening))
            continue
        screening_path = _sibling(path, SCREENING_DIRS) if not isinstance(data, list) else None
        screening_pair = None
        if screening_path is not None:
            stext, sdata = _load(screening_path)
            sdoc = _document(screening_path, stext)
            docs.append(sdoc)
            screening_pair = (sdata, sdoc)
        records.append(to_record(item, doc, path, findings, screening_pair))
    orgs = [Organization(name=o["name"]) for r in records for o in r.extras.get("dpg_organizations", [])]
    return Batch(origin=str(path), documents=docs, initiatives=records, organizations=orgs, findings=findings)


# ------------------------------------------------------------------------------------------------ export


def to_nominee(rec: Initiative) -> dict[str, Any] | None:
    """The nominee JSON of a product record, or None when it cannot satisfy the schema (no licence, SDG)."""
    ex = rec.extras
    evidence = {e.get("sdg"): e for e in ex.get("sdg_evidence") or [] if isinstance(e, dict)}
    sdgs = []
    for goal in rec.sdgs:
        e = evidence.get(goal, {})
        sdgs.append({"SDGNumber": goal, **({"evidenceText": e["text"]} if e.get("text") else {}),
                     **({"evidenceURL": e["url"]} if e.get("url") else {})})
    kept = {o.get("name"): o for o in ex.get("dpg_organizations") or [] if isinstance(o, dict)}
    orgs = []
    for p in rec.partners:
        o = dict(kept.get(p.name) or {"name": p.name})
        if o.get("org_type") is None or ROLE.get(o["org_type"]) != p.role:
            o["org_type"] = ROLE_BACK.get(p.role, "implementer")
        orgs.append(o)
    licenses = [{"spdx": lic.get("spdx"), "licenseURL": lic.get("licenseURL", "")}
                for lic in ex.get("licenses") or [] if isinstance(lic, dict) and lic.get("spdx")]
    types = ex.get("dpg_type") or []
    if not (rec.title and licenses and sdgs and types):
        return None
    out: dict[str, Any] = {"name": rec.title}
    aliases = list(dict.fromkeys(ex.get("aliases") or []))
    if aliases:
        out["aliases"] = aliases
    out["description"] = rec.summary or rec.title
    if ex.get("website"):
        out["website"] = ex["website"]
    out["license"] = list({json.dumps(lic, sort_keys=True): lic for lic in licenses}.values())
    out["SDGs"] = sdgs
    sectors = ex.get("dpg_sectors") if "dpg_sectors" in ex else None
    allowed = set(schema()["properties"]["sectors"]["items"]["enum"])
    if sectors is not None or rec.themes:
        themes = [t for t in rec.themes if t in allowed]
        out["sectors"] = themes if themes or sectors is not None else []
    out["type"] = list(dict.fromkeys(types))
    repos = [r for r in ex.get("repositories") or [] if isinstance(r, dict) and isinstance(r.get("url"), str)]
    if repos:
        out["repositories"] = repos
    out["organizations"] = orgs
    out["stage"] = ex.get("dpg_stage") if ex.get("dpg_stage") in ("nominee", "DPG", "archive") else "nominee"
    return out


def write(records: list[Initiative], out: IO[str], *, organizations: list[Organization] | None = None) -> int:
    """Product records as a JSON list of nominee records, each valid against the nominee schema."""
    items = [n for n in (to_nominee(r) for r in records if r.kind == "product") if n is not None]
    json.dump(items, out, ensure_ascii=False, indent=2)
    out.write("\n")
    return len(items)


def validate(item: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.path)) or '(record)'}: {e.message}"
            for e in jsonschema.Draft7Validator(schema()).iter_errors(item)]
