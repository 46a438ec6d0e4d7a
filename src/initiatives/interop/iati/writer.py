"""Write records as IATI 2.03 activity XML that validates against the official schema.

The record's core fields are the truth (a person may have edited them since import); the IATI details kept
in `extras` (narratives in several languages, percentages, organisation refs, budgets per period,
transactions summed per type and currency) fill in what the core fields cannot hold, as long as they still
agree with the core fields. What cannot be expressed is listed in docs/interop.md.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from lxml import etree

from initiatives.interop.iati.reader import ROLE, STATUS, XML_LANG
from initiatives.model import Initiative, PartialDate
from initiatives.reference import countries as _countries

SCHEMA = Path(__file__).with_name("data") / "schema" / "iati-activities-schema.xsd"
VERSION = "2.03"
# Who publishes when a record did not come from IATI; a publisher sets its own organisation identifier.
DEFAULT_REPORTING_ORG = {"ref": "XI-INITIATIVES", "type": "90", "name": "initiatives registry"}

_STATUS_BACK = {"planned": "1", "ongoing": "2", "completed": "4", "cancelled": "5", "suspended": "6"}
_ROLE_BACK = {v: k for k, v in ROLE.items()} | {"signatory": "3"}
_TYPE_BACK = {"government": "10", "civil_society": "21", "private": "70", "startup": "70", "multilateral": "40",
              "un": "40", "foundation": "60", "academic": "80"}
_SLUG = re.compile(r"[^A-Za-z0-9._-]+")


def _narrative(parent: Any, text: str, lang: str | None, default_lang: str) -> None:
    n = etree.SubElement(parent, "narrative")
    if lang and lang != default_lang:
        n.set(XML_LANG, lang)
    n.text = text


def _narratives(parent: Any, narrs: list[dict[str, str]], default_lang: str) -> None:
    for n in narrs:
        _narrative(parent, n["text"], n.get("lang"), default_lang)


def _kept(narrs: Any, value: str | None) -> list[dict[str, str]] | None:
    """Narratives from extras, if they still say what the core field says."""
    if isinstance(narrs, list) and value and any(n.get("text") == value for n in narrs):
        return narrs
    return None


def identifier(rec: Initiative, reporting_ref: str) -> str:
    """The record's own IATI identifier when it came from IATI; else the publisher's ref and the record's code
    (or other identifier, or id): IATI identifiers start with the reporting organisation's."""
    ident = rec.extras.get("identifier")
    if ident and "iati_version" in rec.extras:
        return str(ident)
    local = _SLUG.sub("-", rec.code or str(ident or "")).strip("-") or str(
        rec.id or abs(hash(rec.title or "")) % 10**8)
    return f"{reporting_ref}-{local}"


def _full(d: PartialDate | None, *, last: bool) -> str | None:
    if d is None:
        return None
    return (d.latest() if last else d.earliest()).isoformat()


def _kept_trees(ex: dict[str, Any], key: str) -> list[str]:
    """The XML of the elements of one kind that an IATI import kept whole (see reader.KEPT)."""
    items = ex.get(key)
    return [t for t in items if isinstance(t, str) and t.lstrip().startswith("<")] if isinstance(items, list) else []


def element(parent: Any, xml: str) -> bool:
    """Append a kept element; False (nothing appended) when its XML does not parse."""
    try:
        parent.append(etree.fromstring(xml, _SAFE))
    except etree.XMLSyntaxError:
        return False
    return True


_SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def activity(rec: Initiative, reporting_org: dict[str, str] | None = None) -> Any:
    """One `iati-activity` element for a record. Elements kept whole from an IATI import (transactions,
    results, policy markers, document links) are written back as they came; when that makes the activity
    invalid against the 2.03 schema (a 1.0x file, or a publisher's invalid XML) they are left out and the
    transactions are written as their sums, so that every export validates."""
    return activity_and_kept(rec, reporting_org)[0]


def activity_and_kept(rec: Initiative, reporting_org: dict[str, str] | None = None) -> tuple[Any, frozenset[str]]:
    """The activity element and which kinds of kept elements (KEPT_KEYS) it holds."""
    keys = frozenset(k for k in KEPT_KEYS if _kept_trees(rec.extras, k))
    act = _activity(rec, reporting_org, kept=keys)
    if not keys or _valid(act):
        return act, keys
    for key in sorted(keys):  # leave out as little as possible: one kind of element first
        act = _activity(rec, reporting_org, kept=keys - {key})
        if _valid(act):
            return act, keys - {key}
    return _activity(rec, reporting_org, kept=frozenset()), frozenset()


KEPT_KEYS = ("transaction_list", "results", "policy_markers", "document_links")


def _valid(act: Any) -> bool:
    root = etree.Element("iati-activities", version=VERSION)
    root.append(act)
    try:
        return bool(schema().validate(root))
    finally:
        root.remove(act)


def _activity(rec: Initiative, reporting_org: dict[str, str] | None, *, kept: frozenset[str]) -> Any:  # noqa: C901
    ex = rec.extras
    from_iati = "iati_version" in ex
    lang = str(ex.get("default_lang") or ("" if from_iati else "en"))
    rep = ex.get("reporting_org") if isinstance(ex.get("reporting_org"), dict) and ex["reporting_org"].get("ref") \
        else None
    rep_ref = rep["ref"] if rep else (reporting_org or DEFAULT_REPORTING_ORG)["ref"]
    act = etree.Element("iati-activity")
    if lang:
        act.set(XML_LANG, lang)
    currency = ex.get("default_currency") or (rec.budget.currency if rec.budget and not from_iati else None)
    if currency:
        act.set("default-currency", str(currency))
    stamp = rec.updated_at or dt.datetime.now(dt.timezone.utc)
    act.set("last-updated-datetime", stamp.replace(microsecond=0).isoformat() if stamp.tzinfo
            else stamp.replace(microsecond=0).isoformat() + "Z")
    if ex.get("hierarchy"):
        act.set("hierarchy", str(ex["hierarchy"]))
    if ex.get("humanitarian") in ("0", "1", "true", "false"):
        act.set("humanitarian", ex["humanitarian"])
    etree.SubElement(act, "iati-identifier").text = identifier(rec, rep_ref)
    # reporting-org
    r = etree.SubElement(act, "reporting-org", ref=rep_ref)
    if rep:
        if rep.get("type"):
            r.set("type", rep["type"])
        if rep.get("secondary_reporter"):
            r.set("secondary-reporter", rep["secondary_reporter"])
        _narratives(r, rep.get("narratives") or [{"text": rep_ref}], lang)
    else:
        org = reporting_org or DEFAULT_REPORTING_ORG
        r.set("type", org["type"])
        _narrative(r, org["name"], None, lang)
    # title and descriptions
    title = etree.SubElement(act, "title")
    _narratives(title, _kept(ex.get("title_narratives"), rec.title)
                or [{"text": rec.title or rec.code or rec.label}], lang)
    descriptions = ex.get("descriptions") if isinstance(ex.get("descriptions"), list) else []
    if not any(_kept(d.get("narratives"), rec.summary) for d in descriptions):
        descriptions = [{"type": "1", "narratives": [{"text": rec.summary}]}] if rec.summary else []
    if not descriptions:  # the schema needs one; "4" (other) is not read back as the record's summary
        descriptions = [{"type": "4", "narratives": [{"text": rec.title or rec.code or rec.label}]}]
    for d in descriptions:
        el = etree.SubElement(act, "description", type=str(d.get("type") or "1"))
        _narratives(el, d["narratives"], lang)
    # participating organisations
    kept_orgs = ex.get("participating_orgs") if isinstance(ex.get("participating_orgs"), list) else None
    names = [p.name for p in rec.partners]
    if kept_orgs and [_pick_name(o) for o in kept_orgs if _pick_name(o)] == names:
        for o in kept_orgs:
            el = etree.SubElement(act, "participating-org", role=o["role"])
            for attr in ("ref", "type"):
                if o.get(attr):
                    el.set(attr, o[attr])
            if o.get("activity_id"):
                el.set("activity-id", o["activity_id"])
            _narratives(el, o.get("narratives") or [], lang)
    else:
        wrote = False
        for p in rec.partners:
            role = _ROLE_BACK.get(p.role)
            if role is None:
                continue
            el = etree.SubElement(act, "participating-org", role=role)
            if p.type in _TYPE_BACK:
                el.set("type", _TYPE_BACK[p.type])
            _narrative(el, p.name, None, lang)
            wrote = True
        if not wrote:  # the schema needs one: the publisher is accountable for what it publishes
            el = etree.SubElement(act, "participating-org", role="2", ref=rep_ref)
            _narratives(el, (rep or {}).get("narratives") or [{"text": (reporting_org or DEFAULT_REPORTING_ORG)
                                                               ["name"]}], lang)
    # status and dates
    status = ex.get("activity_status") if STATUS.get(str(ex.get("activity_status"))) == rec.status else None
    status = status or _STATUS_BACK.get(rec.status or "", "2" if rec.start else "1")
    etree.SubElement(act, "activity-status", code=str(status))
    dates = dict(ex.get("activity_dates") or {}) if isinstance(ex.get("activity_dates"), dict) else {}
    start_type = "2" if status in ("2", "3", "4", "5", "6") else "1"
    end_type = "4" if status in ("3", "4") else "3"
    if rec.start and str(rec.start) not in (dates.get("1"), dates.get("2")):
        dates[start_type] = str(rec.start)
    if rec.end and str(rec.end) not in (dates.get("3"), dates.get("4")):
        dates[end_type] = str(rec.end)
    if not rec.start:
        dates.pop("1", None), dates.pop("2", None)
    if not rec.end:
        dates.pop("3", None), dates.pop("4", None)
    if not dates:  # the schema needs one activity-date; the record's creation stands in for a planned start
        dates["1"] = (rec.created_at or dt.datetime.now(dt.timezone.utc)).date().isoformat()
    for dtype in sorted(dates):
        d = PartialDate.parse(dates[dtype])
        etree.SubElement(act, "activity-date", type=dtype, **{"iso-date": _full(d, last=dtype in ("3", "4"))})
    # geography
    kept_rc = {c.get("code"): c for c in ex.get("recipient_countries") or [] if isinstance(c, dict)}
    for iso3 in rec.countries:
        a2 = _countries.alpha3_to_alpha2(iso3)
        if not a2:
            continue
        el = etree.SubElement(act, "recipient-country", code=a2)
        pct = kept_rc.get(a2, {}).get("percentage")
        if pct:
            el.set("percentage", pct)
    for rr in ex.get("recipient_regions") or []:
        if not rr.get("code"):
            continue
        el = etree.SubElement(act, "recipient-region", code=rr["code"])
        if rr.get("vocabulary") and rr["vocabulary"] != "1":
            el.set("vocabulary", rr["vocabulary"])
        if rr.get("percentage"):
            el.set("percentage", rr["percentage"])
    # locations: the names the record keeps, or its free-text location as one
    if rec.location:
        kept_loc = ex.get("locations") if isinstance(ex.get("locations"), list) else None
        names = kept_loc if kept_loc and "; ".join(kept_loc) == rec.location else [rec.location]
        for name in names:
            loc = etree.SubElement(act, "location")
            _narrative(etree.SubElement(loc, "name"), name, None, lang)
    # sectors (SDG goals the record names but no sector carries are added as vocabulary 7)
    covered: set[int] = set()
    for s in ex.get("sectors") or []:
        if not s.get("code"):
            continue
        el = etree.SubElement(act, "sector", code=s["code"])
        if s.get("vocabulary") and s["vocabulary"] != "1":
            el.set("vocabulary", s["vocabulary"])
        if s.get("percentage"):
            el.set("percentage", s["percentage"])
        if s.get("narrative"):
            _narrative(el, s["narrative"], None, lang)
        if s.get("vocabulary") in ("7", "8", "9") and s["code"].split(".")[0].isdigit():
            covered.add(int(s["code"].split(".")[0]))
    for goal in rec.sdgs:
        if goal not in covered:
            etree.SubElement(act, "sector", vocabulary="7", code=str(goal))
    if "policy_markers" in kept:
        for pm in _kept_trees(ex, "policy_markers"):
            element(act, pm)
    # budgets
    budgets = ex.get("budgets") if isinstance(ex.get("budgets"), list) else []
    if not budgets and rec.budget and rec.start and rec.end:
        budgets = [{"type": "1", "start": _full(rec.start, last=False), "end": _full(rec.end, last=True),
                    "value": format(rec.budget.amount, "f"), "currency": rec.budget.currency}]
    for b in budgets:
        if not (b.get("start") and b.get("end")):
            continue
        el = etree.SubElement(act, "budget", type=b.get("type", "1"))
        if b.get("status"):
            el.set("status", b["status"])
        etree.SubElement(el, "period-start", **{"iso-date": b["start"]})
        etree.SubElement(el, "period-end", **{"iso-date": b["end"]})
        v = etree.SubElement(el, "value", **{"value-date": b.get("value_date") or b["start"]})
        if b.get("currency"):
            v.set("currency", b["currency"])
        v.text = b["value"]
    # transactions: each one as it came, or one per type and currency (their sum)
    transactions = _kept_trees(ex, "transaction_list") if "transaction_list" in kept else []
    for t in transactions:
        element(act, t)
    for t in [] if transactions else ex.get("transactions") or []:
        day = t.get("last_date") or t.get("first_date") or dates.get("2") or dates.get("1")
        if not day:
            continue
        el = etree.SubElement(act, "transaction")
        etree.SubElement(el, "transaction-type", code=t["type"])
        etree.SubElement(el, "transaction-date", **{"iso-date": day})
        v = etree.SubElement(el, "value", **{"value-date": day})
        if t.get("currency"):
            v.set("currency", t["currency"])
        v.text = t["value"]
        if t.get("count", 1) > 1:
            d = etree.SubElement(el, "description")
            _narrative(d, f"Sum of {t['count']} transactions from {t.get('first_date')} to {t.get('last_date')}",
                       None, lang)
    if "document_links" in kept:
        for dl in _kept_trees(ex, "document_links"):
            element(act, dl)
    for ra in ex.get("related_activities") or []:
        if ra.get("type"):
            etree.SubElement(act, "related-activity", ref=ra["ref"], type=ra["type"])
    if "results" in kept:
        for result in _kept_trees(ex, "results"):
            element(act, result)
    return act


def _pick_name(org: dict[str, Any]) -> str | None:
    narrs = org.get("narratives") or []
    for n in narrs:
        if n.get("lang") in ("en", ""):
            return n["text"]
    return narrs[0]["text"] if narrs else org.get("ref")


def write(records: Iterable[Initiative], out: IO[str], *, reporting_org: dict[str, str] | None = None) -> int:
    """Stream records as one `iati-activities` document; returns how many were written."""
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f'<iati-activities version="{VERSION}" generated-datetime="{now}">\n')
    n = 0
    for rec in records:
        out.write(etree.tostring(activity(rec, reporting_org), encoding="unicode", pretty_print=True))
        n += 1
    out.write("</iati-activities>\n")
    return n


@lru_cache(maxsize=1)
def schema() -> Any:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def validate(xml: str | bytes) -> list[str]:
    """Problems with an activity file against the IATI 2.03 schema (empty when it is valid)."""
    data = xml.encode() if isinstance(xml, str) else xml
    doc = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    s = schema()
    if s.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in s.error_log]
