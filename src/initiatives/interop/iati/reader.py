"""Read IATI activity XML (versions 1.0x and 2.0x) into Initiative records, streaming.

The file is parsed with lxml `iterparse` one `iati-activity` at a time (each is cleared once mapped), with
entity expansion, DTD loading and network access off; a file that declares a DTD is refused. The file is
kept whole as a Document (sha256 of its bytes, text = the decoded XML) and every record's spans point at
its activity element, or at the child element a value came from.

Critical problems (malformed XML, a wrong root element, an unknown version, a DTD) raise InputError naming
file and line; problems inside one activity become findings and the activity imports with what is sound.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NamedTuple

from lxml import etree
from pydantic import ValidationError

from initiatives.errors import InputError, describe_validation_error
from initiatives.interop.iati import codelists
from initiatives.model import Batch, Document, Finding, Initiative, PartialDate, Span
from initiatives.reference import countries as _countries
from initiatives.reference import currencies as _currencies
from initiatives.store import bulk, source_spans
from initiatives.store.bulk import Packed
from initiatives.store.repository import natural_key
from initiatives.store.search_index import kept_narratives

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MEDIA_TYPE = "application/vnd.iati.activities+xml"
_VERSION_RE = re.compile(r"^[12]\.0\d$")
_ACT_START = re.compile(r"<iati-activity(?=[\s/>])")
_ENCODING_RE = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")

# IATI ActivityStatus -> registry status
STATUS = {"1": "planned", "2": "ongoing", "3": "completed", "4": "completed", "5": "cancelled", "6": "suspended"}
# IATI OrganisationRole -> registry role (Extending = the agency that manages the funds for the funder)
ROLE = {"1": "funder", "2": "lead", "3": "partner", "4": "implementer"}
ROLE_V1 = {"funding": "1", "accountable": "2", "extending": "3", "implementing": "4"}
# IATI OrganisationType -> registry organisation type
ORG_TYPE = {
    "10": "government", "11": "government", "15": "government", "21": "civil_society", "22": "civil_society",
    "23": "civil_society", "24": "civil_society", "30": "private", "40": "multilateral", "60": "foundation",
    "70": "private", "71": "private", "72": "private", "73": "private", "80": "academic", "90": "unknown",
}
DATE_TYPE_V1 = {"start-planned": "1", "start-actual": "2", "end-planned": "3", "end-actual": "4"}
TRANSACTION_TYPE_V1 = {"IF": "1", "C": "2", "D": "3", "E": "4", "IR": "5", "LR": "6", "R": "7", "QP": "8",
                       "QS": "9", "CG": "10"}
SECTOR_VOCABULARY_V1 = {"DAC": "1", "DAC-3": "2", "COFOG": "3", "NACE": "4", "NTEE": "5", "RO": "99", "RO2": "98"}
# sector vocabulary -> codelist that holds its codes
SECTOR_CODELIST = {"1": "Sector", "2": "SectorCategory", "7": "UNSDG-Goals", "8": "UNSDG-Targets"}


@dataclass
class _Ctx:
    """What the mapping of one activity needs to know about its file."""

    path: Path
    sha: str
    text: str  # the window of the decoded file the current activity lies in
    version: str
    lang: str | None
    findings: list[Finding] = field(default_factory=list)
    base: int = 0  # offset of text[0] in the whole decoded file
    # the importing process has the text: it locates each activity (offsets, lines) and finds its spans
    # (`Packed.span_recipe`); this process only parses and maps, and its findings wait as `Pending`
    defer_spans: bool = False
    act: int = 0  # the activity being mapped: its place in the file (0-based)
    # KEPT elements as their XML in extras (True), or only the kinds present, `extras["kept_in_source"]`, the
    # elements staying in the stored document they came from (`kept.restore` reads them back for an export)
    keep_xml: bool = True


_DAY = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")


@lru_cache(maxsize=4096)
def _iso_day(raw: str) -> str | None:
    """YYYY-MM-DD of an xsd:date or dateTime, or None when it is not a real date."""
    m = _DAY.match(raw)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


def _fast(cls: Any, values: dict[str, Any]) -> Any:
    """A record built without validation, from values given for every field and already checked: the importer
    makes about fifteen small records per activity, and pydantic's constructor is a hot spot of a large import."""
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


def _span(sha: str, start: int, end: int) -> Span:
    """A Span (offsets come from str.find on the document itself)."""
    return _fast(Span, {"document": sha, "start": start, "end": end, "text": None})


@lru_cache(maxsize=8192)
def _parse_date(raw: str) -> PartialDate:
    return PartialDate.parse(raw)


@lru_cache(maxsize=8192)
def _date_text(raw: str) -> str:
    """The date as the registry writes it (ValueError when it is not a date)."""
    return str(_parse_date(raw))


@lru_cache(maxsize=64)
def _codes(listname: str) -> dict[str, Any]:
    """The codes of an IATI codelist (`codelists.is_code` without its two calls per check)."""
    return codelists.codes(listname)


@lru_cache(maxsize=1)
def _currency_codes() -> dict[str, Any]:
    return codelists.codes("Currency")


@lru_cache(maxsize=512)
def _alpha3(code: str) -> str | None:
    return _countries.alpha2_to_alpha3(code) if codelists.is_code("Country", code) else None


def _narratives(el: Any, default_lang: str | None) -> list[dict[str, str]]:
    """The narratives of an element (2.0x `narrative` children, or the 1.0x plain text), language kept."""
    out = []
    default = (default_lang or "").lower()
    for n in el:  # (every child, checked here: lxml's tag-filtered iterchildren costs about twice as much)
        if n.tag != "narrative":
            continue
        text = n.text  # (each read of .text or .get makes a new string: read once)
        if text and (text := text.strip()):
            lang = n.get(XML_LANG)
            out.append({"lang": lang.lower() if lang else default, "text": text})
    if not out:
        text = el.text
        if text and (text := text.strip()):
            out.append({"lang": (el.get(XML_LANG) or default_lang or "").lower(), "text": text})
    return out


def _pick(narrs: list[dict[str, str]]) -> str | None:
    """The narrative to show: English first, else the first one."""
    for n in narrs:
        if n["lang"] in ("en", ""):
            return n["text"]
    return narrs[0]["text"] if narrs else None


# an activity's spans left for later: its (start, end) in the whole text, and (field, tag, nth) per span
SpanRecipe = tuple[int, int, tuple[tuple[str, str, int], ...]]
UNLOCATED = -1  # a recipe's start and end when the reader did not locate the activity (the importer does)


class Pending(NamedTuple):
    """A finding of the reader process, which has no text: the importing process, which locates the activity in
    the text, makes the Finding (`complete`), the same one the sequential reader makes."""

    act: int  # the activity's place in the file (0-based)
    rule: str
    severity: str
    ident: str | None
    field: str | None
    message: str
    value: Any

    def complete(self, path_name: str, sha: str, start: int, end: int, line: int, end_line: int) -> Finding:
        shown = f" (value {self.value!r})" if self.value is not None else ""
        return Finding(
            rule=self.rule, severity=self.severity, record=self.ident or f"line {line}", field=self.field,
            message=f"{path_name}:{line}: {self.message}{shown}",
            evidence_text=str(self.value) if self.value is not None else "",
            evidence=[Span(document=sha, start=start, end=end)], source_document=path_name,
            source_lines=(line, end_line))


def line_key(source_document: str, line: int) -> str | None:
    """The natural key of an activity with no identifier and no title: its document and line."""
    return natural_key(_KeyView({"extras": {}, "source_document": source_document, "code": None, "title": None,
                                 "source_lines": (line, line)}))  # type: ignore[arg-type]


def find_spans(text: str, base: int, recipe: SpanRecipe) -> list[tuple[str, int, int]]:
    """(field, start, end) in the whole text of each span of a recipe, `text` being the part of the whole text
    from offset `base` on that holds the activity: what `_Mapper.span` gives when it finds them itself."""
    act_start, act_end, items = recipe
    seen: dict[str, tuple[int, int]] = {}
    out = []
    for name, tag, nth in items:
        found = _nth_span(text, tag, nth, act_start - base, act_end - base, seen)
        out.append((name, act_start, act_end) if found is None else (name, base + found[0], base + found[1]))
    return out


def _nth_span(text: str, tag: str, nth: int, lo: int, hi: int, seen: dict[str, tuple[int, int]]
              ) -> tuple[int, int] | None:
    """Char range of the nth `tag` element between lo and hi; `seen` (tag -> (nth, start) of the last one
    found) lets the search go on from an earlier element of the same tag instead of from lo."""
    skip = nth
    last = seen.get(tag)
    if last is not None and last[0] < nth:
        lo, skip = last[1] + 1, nth - last[0] - 1
    found = _elem_span(text, tag, lo, hi, skip)
    if found is not None:
        seen[tag] = (nth, found[0])
    return found


def _elem_span(text: str, tag: str, lo: int, hi: int, nth: int = 0) -> tuple[int, int] | None:
    """Char range of the nth `<tag ...>...</tag>` (or `<tag/>`) between lo and hi."""
    needle, n = "<" + tag, len(tag) + 1
    i = text.find(needle, lo, hi)
    while i != -1:
        if text[i + n] in " \t\r\n/>":
            if nth == 0:
                break
            nth -= 1
        i = text.find(needle, i + 1, hi)
    if i == -1:
        return None
    gt = text.find(">", i, hi)
    if gt == -1:
        return None
    if text[gt - 1] == "/":
        return i, gt + 1
    close = text.find("</" + tag + ">", gt, hi)
    return (i, close + n + 2) if close != -1 else (i, gt + 1)


_HANDLED = frozenset((
    "transaction", "iati-identifier", "title", "description", "activity-status", "activity-date", "reporting-org",
    "participating-org", "recipient-country", "recipient-region", "sector", "budget", "location",
    "related-activity", "result", "policy-marker", "document-link",
))
# elements kept whole in extras, as their XML (a string each), so that an export writes them back unchanged:
# extras key per tag
KEPT = {"transaction": "transaction_list", "result": "results", "policy-marker": "policy_markers",
        "document-link": "document_links"}


_BUDGET_PARTS = ("value", "period-start", "period-end")


def _first(el: Any, tags: tuple[str, ...]) -> list[Any]:
    """The first child of each tag (None where there is none), in one filtered pass over the children."""
    out: list[Any] = [None] * len(tags)
    for sub in el:  # (every child, checked here: cheaper than lxml's tag-filtered iterchildren)
        tag = sub.tag
        if tag in tags:
            i = tags.index(tag)
            if out[i] is None:
                out[i] = sub
    return out


def _xml(el: Any) -> str:
    """The element's XML (without indentation: the parser drops blank text, IATI has no mixed content)."""
    return etree.tostring(el, encoding="unicode", with_tail=False)


class _Mapper:
    """Maps one `iati-activity` element to an Initiative, collecting findings for what is unsound."""

    def __init__(self, ctx: _Ctx, el: Any, start: int, end: int, line: int, end_line: int) -> None:
        self.ctx, self.el, self.start, self.end, self.line, self.end_line = ctx, el, start, end, line, end_line
        self.lang = (el.get(XML_LANG) or ctx.lang or "").lower() or None
        self.ident: str | None = None
        self.seen: dict[str, tuple[int, int]] = {}  # tag -> (nth, start) of the last element `span` found
        self.v1 = ctx.version.startswith("1")

    def problem(self, rule: str, message: str, *, field: str | None = None, value: Any = None,
                severity: str = "medium") -> None:
        if self.ctx.defer_spans:  # the line and offsets are found where the text is (`Pending.complete`)
            self.ctx.findings.append(Pending(self.ctx.act, rule, severity, self.ident, field, message, value))
            return
        where = f"{self.ctx.path.name}:{self.line}"
        shown = f" (value {value!r})" if value is not None else ""
        self.ctx.findings.append(Finding(
            rule=rule, severity=severity, record=self.ident or f"line {self.line}", field=field,
            message=f"{where}: {message}{shown}", evidence_text=str(value) if value is not None else "",
            evidence=[Span(document=self.ctx.sha, start=self.ctx.base + self.start, end=self.ctx.base + self.end)],
            source_document=self.ctx.path.name, source_lines=(self.line, self.end_line),
        ))

    def span(self, tag: str, nth: int = 0) -> tuple[int, int]:
        """(start, end) in the whole text of the nth `tag` element of the activity (else of the activity).
        With `defer_spans`, (tag, nth) instead: `find_spans` turns those into offsets in another process."""
        if self.ctx.defer_spans:
            return tag, nth  # type: ignore[return-value]
        base = self.ctx.base
        found = _nth_span(self.ctx.text, tag, nth, self.start, self.end, self.seen)
        if found is None:
            return base + self.start, base + self.end
        return base + found[0], base + found[1]

    def code(self, listname: str, value: str | None, *, field: str | None, what: str) -> bool:
        if not value:
            return False
        if value not in _codes(listname):
            self.problem("iati-codelist", f"{what} {value!r} is not in the IATI {listname} codelist",
                         field=field, value=value)
            return False
        return True

    def date(self, raw: str | None, *, field: str, what: str) -> str | None:
        """The date as text (YYYY, YYYY-MM or YYYY-MM-DD), or None with a finding when it is not a date."""
        if not raw:
            return None
        try:
            return _date_text(raw)
        except ValueError:
            self.problem("iati-date", f"{what} is not a date", field=field, value=raw)
            return None

    def amount(self, raw: str | None, *, field: str, what: str) -> Decimal | None:
        if raw is None:
            return None
        try:
            value = Decimal(raw)  # (Decimal strips the whitespace itself; thousands separators below)
        except InvalidOperation:
            try:
                value = Decimal(raw.strip().replace(",", ""))
            except InvalidOperation:
                value = Decimal("NaN")
        if not value.is_finite():
            self.problem("iati-value", f"{what} is not a number", field=field, value=raw)
            return None
        return value

    def currency(self, raw: str | None, *, field: str) -> str | None:
        if raw in _currency_codes():  # (as written, the usual case)
            return raw
        cur = (raw or "").strip().upper() or None
        if cur and not (cur in _codes("Currency") or _currencies.is_known(cur)):
            self.problem("iati-codelist", f"currency {cur!r} is not in the IATI Currency codelist",
                         field=field, value=cur)
            return None
        return cur

    # ------------------------------------------------------------------ the mapping

    def map(self) -> Initiative:
        """The activity as a record."""
        return self.finish(self.map_data())

    def packed(self, encode: bool, compact: bool = False) -> Packed:
        """The activity as the rows of a new record (`bulk.Packed`), built from the mapped values without
        making the record first."""
        data = self.map_data()
        budget = data.get("budget")
        if budget is not None and not _currencies.is_known(budget["currency"]):  # the record path checks it
            if self.ctx.defer_spans:  # (rare) the spans and lines are found by the importing process too
                recipe = self.recipe(data["sources"])
                data["sources"] = {}
                rec = self.finish(data)
                return bulk.pack(rec, _key(data), None, encode=encode)._replace(span_recipe=recipe)
            rec = self.finish(data)
            return bulk.pack(rec, natural_key(rec), None, encode=encode)
        if self.ctx.defer_spans:
            return _pack_data(data, self.ctx.sha, encode, compact, self.recipe(data["sources"]))
        return _pack_data(data, self.ctx.sha, encode, compact)

    def recipe(self, sources: dict[str, list[tuple[str, int]]]) -> SpanRecipe:
        """The deferred spans of an activity: (field, tag, nth) per span, the activity's offsets being found by
        whoever has the text (`UNLOCATED`)."""
        return UNLOCATED, UNLOCATED, tuple((name, tag, nth) for name, spans in sources.items() for tag, nth in spans)

    def map_data(self) -> dict[str, Any]:  # noqa: C901 - one pass over the children, one branch per element
        """The activity's values as a dict of Initiative fields (`sources`: field -> [(start, end)])."""
        el, ctx = self.el, self.ctx
        default_currency = (el.get("default-currency") or "").upper() or None
        data: dict[str, Any] = {"kind": "project"}
        extras: dict[str, Any] = {"iati_version": ctx.version}
        sources: dict[str, list[tuple[int, int]]] = {}
        titles: list[dict[str, str]] = []
        descriptions: list[dict[str, Any]] = []
        dates: dict[str, str] = {}
        partners: list[dict[str, str]] = []
        orgs: list[dict[str, Any]] = []
        rc: list[dict[str, str]] = []
        rr: list[dict[str, str]] = []
        sectors: list[dict[str, str]] = []
        budgets: list[dict[str, str]] = []
        tx: dict[tuple[str, str], dict[str, Any]] = {}
        related: list[dict[str, str]] = []
        countries: list[str] = []
        locations: list[str] = []
        sdgs: list[int] = []
        kept: dict[str, list[str]] = {}  # KEPT elements, whole
        keep_xml = ctx.keep_xml
        in_source: set[str] = set()  # the kinds of KEPT elements left in the document (without keep_xml)
        n_partner = n_country = n_date = 0
        date_at: dict[str, int] = {}  # activity-date type -> which activity-date element it is
        for key in ("hierarchy", "last-updated-datetime", "humanitarian"):
            if el.get(key):
                extras[key.replace("-", "_")] = el.get(key)
        if default_currency:
            extras["default_currency"] = self.currency(default_currency, field="budget") or default_currency
        if self.lang:
            extras["default_lang"] = self.lang
        # only the mapped children (contact info, conditions... are skipped: testing the tag here costs less than
        # lxml's filter by many tags); the branches go from the most frequent element in real files to the least
        for child in el:
            tag = child.tag
            if tag not in _HANDLED:
                continue
            if tag == "activity-date":
                raw_type = child.get("type") or ""
                dtype = DATE_TYPE_V1.get(raw_type, raw_type)
                date_at.setdefault(dtype, n_date)
                n_date += 1
                if not self.code("ActivityDateType", dtype, field="start", what="activity-date type"):
                    continue
                raw = child.get("iso-date") or (child.text or "").strip()
                d = self.date(raw, field="start" if dtype in ("1", "2") else "end", what=f"activity-date {dtype}")
                if d is not None:
                    dates[dtype] = d
            elif tag == "participating-org":
                raw_role = child.get("role") or ""
                role = ROLE_V1.get(raw_role.lower(), raw_role)
                otype = child.get("type")
                narrs = _narratives(child, self.lang)
                ref, activity_id = child.get("ref"), child.get("activity-id")
                org = {k: v for k, v in (("ref", ref), ("role", role), ("type", otype), ("activity_id", activity_id),
                                         ("narratives", narrs)) if v}
                orgs.append(org)
                role_ok = self.code("OrganisationRole", role, field="partners", what="participating-org role")
                if otype:
                    self.code("OrganisationType", otype, field="partners", what="participating-org type")
                name = _pick(narrs) or ref
                if name:
                    partners.append({"name": name, "role": ROLE[role] if role_ok else "partner",
                                     "type": ORG_TYPE.get(otype or "", "unknown")})
                    sources.setdefault("partners", []).append(self.span("participating-org", n_partner))
                n_partner += 1
            elif tag == "transaction":
                self._transaction(child, tx, default_currency)
                if not self.v1:  # 1.0x elements are not 2.03 XML: only their sums are kept
                    if keep_xml:
                        kept.setdefault("transaction_list", []).append(_xml(child))
                    else:
                        in_source.add("transaction_list")
            elif tag == "sector":
                raw_vocab = child.get("vocabulary") or "1"
                vocab = SECTOR_VOCABULARY_V1.get(raw_vocab, raw_vocab)
                code = (child.get("code") or "").strip()
                if not code:
                    self.problem("iati-codelist", "sector has no code", field="themes", value="")
                    continue
                item = {k: v for k, v in {"code": code, "vocabulary": vocab, "percentage": child.get("percentage"),
                                          "narrative": _pick(_narratives(child, self.lang))}.items() if v}
                sectors.append(item)
                listname = SECTOR_CODELIST.get(vocab)
                if vocab == "8" and not codelists.is_code("UNSDG-Targets", code) and codelists.is_code(
                        "UNSDG-Targets", code.lower()):
                    self.problem("iati-codelist", "SDG target code differs in case from the UNSDG-Targets "
                                 "codelist", field="sdgs", value=code, severity="low")
                    code = code.lower()
                if listname and self.code(listname, code, field="sdgs" if vocab in ("7", "8") else "themes",
                                          what=f"sector (vocabulary {vocab})"):
                    if vocab in ("7", "8"):
                        sdgs.append(int(code.split(".")[0]))
                        sources.setdefault("sdgs", [self.span("sector")])
                elif vocab == "9" and code.split(".")[0].isdigit() and 1 <= int(code.split(".")[0]) <= 17:
                    sdgs.append(int(code.split(".")[0]))
            elif tag in KEPT:
                if not self.v1:
                    if keep_xml:
                        kept.setdefault(KEPT[tag], []).append(_xml(child))
                    else:
                        in_source.add(KEPT[tag])
            elif tag == "related-activity":
                if child.get("ref"):
                    related.append({"ref": child.get("ref"), "type": child.get("type") or ""})
            elif tag == "budget":
                value_el, p_start, p_end = _first(child, _BUDGET_PARTS)
                if value_el is None:
                    continue
                amount = self.amount(value_el.text, field="budget", what="budget value")
                cur = self.currency(value_el.get("currency"), field="budget") or default_currency
                if amount is None:
                    continue
                budgets.append({k: v for k, v in {
                    "type": child.get("type") or "1", "status": child.get("status"),
                    "start": p_start.get("iso-date") if p_start is not None else None,
                    "end": p_end.get("iso-date") if p_end is not None else None,
                    "value": format(amount, "f"), "currency": cur, "value_date": value_el.get("value-date"),
                }.items() if v})
                sources.setdefault("budget", [self.span("budget")])
            elif tag == "description":
                narrs = _narratives(child, self.lang)
                if narrs:
                    descriptions.append({"type": child.get("type") or "1", "narratives": narrs})
            elif tag == "iati-identifier":
                self.ident = (child.text or "").strip() or None
            elif tag == "reporting-org":
                extras["reporting_org"] = {k: v for k, v in {
                    "ref": child.get("ref"), "type": child.get("type"),
                    "secondary_reporter": child.get("secondary-reporter"),
                    "narratives": _narratives(child, self.lang)}.items() if v}
            elif tag == "title":
                titles.extend(_narratives(child, self.lang))
            elif tag == "activity-status":
                code = child.get("code")
                if self.code("ActivityStatus", code, field="status", what="activity-status"):
                    data["status"] = STATUS[code]
                    extras["activity_status"] = code
                    sources["status"] = [self.span("activity-status")]
            elif tag == "recipient-country":
                code = (child.get("code") or "").strip().upper()
                item = {k: v for k, v in {"code": code, "percentage": child.get("percentage")}.items() if v}
                iso3 = _alpha3(code) if code else None
                if iso3:
                    rc.append(item)
                    countries.append(iso3)
                    sources.setdefault("countries", []).append(self.span("recipient-country", n_country))
                else:
                    self.problem("iati-codelist", "recipient-country code is not in the IATI Country codelist",
                                 field="countries", value=code)
                n_country += 1
            elif tag == "location":
                name_el = child.find("name")
                name = _pick(_narratives(name_el, self.lang)) if name_el is not None else None
                if name and name not in locations:
                    locations.append(name)
                    sources.setdefault("location", [self.span("location")])
            elif tag == "recipient-region":
                vocab = child.get("vocabulary") or "1"
                code = child.get("code") or ""
                rr.append({k: v for k, v in {"code": code, "vocabulary": vocab,
                                             "percentage": child.get("percentage")}.items() if v})
                if vocab == "1" and self.code("Region", code, field="region", what="recipient-region"):
                    data.setdefault("region", codelists.label("Region", code))
                    sources.setdefault("region", [self.span("recipient-region")])
        # ----- assemble
        if not self.ident:
            self.problem("iati-identifier", "the activity has no iati-identifier", field="code", severity="high")
        else:
            data["code"] = self.ident
            extras["identifier"] = self.ident
            sources["code"] = [self.span("iati-identifier")]
        if titles:
            data["title"] = _pick(titles)
            extras["title_narratives"] = titles
            sources["title"] = [self.span("title")]
        if descriptions:
            extras["descriptions"] = descriptions
            main = next((d for d in descriptions if d["type"] == "1"),
                        next((d for d in descriptions if d["type"] != "4"), None))
            if main:
                data["summary"] = _pick(main["narratives"])
                sources["summary"] = [self.span("description")]
        if dates:
            extras["activity_dates"] = dates
            start, end = dates.get("2") or dates.get("1"), dates.get("4") or dates.get("3")
            if start and end and _parse_date(start).earliest() > _parse_date(end).latest():
                self.problem("iati-date", f"the activity starts ({start}) after it ends ({end})", field="end",
                             value=end)
                end = None
                dates.pop("3", None), dates.pop("4", None)
            if start:
                data["start"] = start
                sources["start"] = [self.span("activity-date", date_at.get("2" if dates.get("2") else "1", 0))]
            if end:
                data["end"] = end
                sources["end"] = [self.span("activity-date", date_at.get("4" if dates.get("4") else "3", 0))]
        if orgs:
            extras["participating_orgs"] = orgs
            data["partners"] = partners
            funders = [p["name"] for p in partners if p["role"] == "funder"]
            if funders:
                data["funding_source"] = "; ".join(dict.fromkeys(funders))
        if rc:
            extras["recipient_countries"] = rc
            data["countries"] = countries
        if rr:
            extras["recipient_regions"] = rr
        if sectors:
            extras["sectors"] = sectors
            data["sdgs"] = sdgs
            sector_codes, category_codes = _codes("Sector"), _codes("SectorCategory")
            themes = [(sector_codes if s["vocabulary"] == "1" else category_codes)[s["code"]]["name"]
                      for s in sectors if s["vocabulary"] in ("1", "2")
                      and s.get("code") in (sector_codes if s["vocabulary"] == "1" else category_codes)]
            data["themes"] = list(dict.fromkeys(themes))
        if budgets:
            extras["budgets"] = budgets
            data["budget"] = self._budget_total(budgets, default_currency)
        if tx:
            extras["transactions"] = [
                {"type": t, "currency": c, "value": format(v["value"], "f"), "count": v["count"],
                 "first_date": v["first"], "last_date": v["last"]} for (t, c), v in tx.items()]
        if locations:
            data["location"] = "; ".join(locations)
            extras["locations"] = locations
        extras.update(kept)
        if in_source:
            extras["kept_in_source"] = sorted(in_source)
        if related:
            extras["related_activities"] = related
            if any(r["type"] == "2" for r in related):
                data["kind"] = "programme"
        data.update(extras=extras, sources=sources, source_document=ctx.path.name,
                    source_lines=None if ctx.defer_spans else (self.line, self.end_line))  # (None: not located)
        return data

    def finish(self, data: dict[str, Any]) -> Initiative:
        """The record of `map_data`'s values; a value the registry cannot hold is dropped with a finding."""
        sha = self.ctx.sha
        data["sources"] = {f: [_span(sha, s, e) for s, e in spans] for f, spans in data["sources"].items()}
        try:
            return _construct(data)
        except ValidationError as exc:  # a value the registry cannot hold: drop it, keep the record
            loc, msg = describe_validation_error(exc)
            self.problem("iati-value", msg, field=loc, severity="medium")
            if loc:
                data.pop(loc.split(".")[0], None)
            return Initiative.model_validate(data)

    def _transaction(self, child: Any, tx: dict[tuple[str, str], dict[str, Any]], default_currency: str | None) -> None:
        t_el = v_el = d_el = None  # the first of each, in one pass that stops when it has the three (the schema
        for sub in child:          # puts them first; lxml's tag filter and find() each cost several times more)
            tag = sub.tag
            if tag == "value":
                if v_el is None:
                    v_el = sub
            elif tag == "transaction-type":
                if t_el is None:
                    t_el = sub
            elif tag == "transaction-date":
                if d_el is None:
                    d_el = sub
            else:
                continue
            if t_el is not None and v_el is not None and d_el is not None:
                break
        raw_type = (t_el.get("code") if t_el is not None else None) or ""
        ttype = TRANSACTION_TYPE_V1.get(raw_type, raw_type)
        if not ttype:
            self.problem("iati-codelist", "transaction has no transaction-type", field="budget", value="")
            return
        if ttype not in _codes("TransactionType") and not self.code("TransactionType", ttype, field="budget",
                                                                    what="transaction-type"):
            return
        if v_el is None:
            return
        amount = self.amount(v_el.text, field="budget", what="transaction value")
        if amount is None:
            return
        cur = self.currency(v_el.get("currency"), field="budget") or default_currency or ""
        raw_date = (d_el.get("iso-date") if d_el is not None else None) or v_el.get("value-date")
        day = _iso_day(raw_date) if raw_date else None
        if raw_date and day is None:
            self.problem("iati-date", "transaction-date is not a date", field="budget", value=raw_date)
        slot = tx.get((ttype, cur))
        if slot is None:
            slot = tx[(ttype, cur)] = {"value": Decimal(0), "count": 0, "first": None, "last": None}
        slot["value"] += amount
        slot["count"] += 1
        if day is not None:
            text = day
            if slot["first"] is None or text < slot["first"]:
                slot["first"] = text
            if slot["last"] is None or text > slot["last"]:
                slot["last"] = text

    @staticmethod
    def _budget_total(budgets: list[dict[str, str]], default_currency: str | None) -> dict[str, Any] | None:
        """The activity's budget: original budgets summed (revised ones instead, per period, where given)."""
        by_period: dict[tuple[str, str], dict[str, str]] = {}
        for b in budgets:
            key = (b.get("start", ""), b.get("end", ""))
            if key not in by_period or b.get("type") == "2":
                by_period[key] = b
        totals: dict[str, Decimal] = {}
        for b in by_period.values():
            if b.get("currency"):
                totals[b["currency"]] = totals.get(b["currency"], Decimal(0)) + Decimal(b["value"])
        if not totals:
            return None
        cur = default_currency if default_currency in totals else max(totals, key=lambda c: totals[c])
        return {"amount": totals[cur], "currency": cur}


def _construct(data: dict[str, Any]) -> Initiative:
    """Build the record without a second validation pass: every value was checked while mapping (codes
    against codelists, dates parsed, names non-empty). Falls back to full validation for anything else."""
    from initiatives.model import Money, PartnerRef
    from initiatives.reference import currencies

    budget = data.get("budget")
    if budget is not None and not currencies.is_known(budget["currency"]):
        return Initiative.model_validate(data)
    values = dict(data)
    for key in ("start", "end"):
        if values.get(key) is not None:
            values[key] = _parse_date(values[key])
    if budget is not None:
        values["budget"] = Money.model_construct(amount=budget["amount"], currency=budget["currency"])
    values["partners"] = [_fast(PartnerRef, {"name": p["name"], "role": p["role"], "type": p["type"], "acronym": None,
                                              "organization_id": None}) for p in data.get("partners", [])]
    for key in ("countries", "sdgs"):
        values[key] = list(dict.fromkeys(data.get(key, [])))
    full = dict(_EMPTY)  # every field given: no default factories run
    full.update(country_groups=[], themes=[], comments=[], sdgs=[], countries=[], partners=[], sources={},
                extras={})
    full.update(values)
    return _fast(Initiative, full)


_EMPTY: dict[str, Any] = {name: None for name in Initiative.model_fields} | {"kind": "project", "version": 1}


class _KeyView:
    """What `natural_key` reads of a record, from the mapped values."""

    __slots__ = ("extras", "source_document", "code", "title", "source_lines")

    def __init__(self, data: dict[str, Any]) -> None:
        self.extras, self.source_document = data["extras"], data.get("source_document")
        self.code, self.title, self.source_lines = data.get("code"), data.get("title"), data.get("source_lines")


def _pack_data(data: dict[str, Any], sha: str, encode: bool, compact: bool = False,
               recipe: SpanRecipe | None = None) -> Packed:
    """`bulk.pack` of the record `finish(data)` would make, without making it (the same values: a test checks)."""
    budget = data.get("budget")
    first, last = data["source_lines"] or (None, None)
    themes = data.get("themes", [])
    countries = list(dict.fromkeys(data.get("countries", ())))
    extras = data["extras"]
    title, summary, location = data.get("title"), data.get("summary"), data.get("location")
    funding, region, code = data.get("funding_source"), data.get("region"), data.get("code")
    row = (data["kind"], code, title, summary, data.get("status"), data.get("start"), data.get("end"), None,
           budget["amount"] if budget else None, budget["currency"] if budget else None, funding, location, None,
           region, "[]" if encode else [], bulk.dumps(themes) if encode else list(themes),
           "[]" if encode else [], bulk.dumps(extras) if encode else extras, data.get("source_document"),
           first, last)
    if recipe is not None:  # the importing process makes the search text from the row (`bulk.complete_search`)
        search: tuple[str | None, str, str, str] = (
            None, "\n".join(themes), "\n".join(kept_narratives(extras, title, summary)), "")
    else:
        pre = [summary or "", *themes, *(f"{c} {_countries.name(c)}" for c in countries)]
        post = [location or "", funding or "", region or "", *kept_narratives(extras, title, summary)]
        search = (" ".join(filter(None, [code, title])), "\n".join(p for p in pre if p),
                  "\n".join(p for p in post if p), "")  # (search_index.is_structured: no document lines)
    return bulk.Packed(
        _key(data, recipe),
        row, countries, list(dict.fromkeys(data.get("sdgs", ()))),
        [(p["name"], None, p["type"], p["role"]) for p in data.get("partners", ())],
        [] if compact else [(field, sha, s, e, None) for field, spans in data["sources"].items() for s, e in spans],
        search,
        encode,
        None if recipe is not None else
        source_spans.encode(sha, [(field, s, e) for field, spans in data["sources"].items() for s, e in spans])
        if compact and data["sources"] else None,
        recipe if recipe is not None and (recipe[2] or recipe[0] == UNLOCATED) else None)


def _key(data: dict[str, Any], recipe: SpanRecipe | None = None) -> str | None:
    """The record's natural key; None when it rests on the line of an activity not located yet (no identifier,
    no title: `line_key` is then made where the activity is located)."""
    if data["source_lines"] is None and not (data.get("code") or data.get("title")):
        return None
    return natural_key(_KeyView(data))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------- the file


def _parser_args() -> dict[str, Any]:
    return {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": True,
            "remove_comments": True, "remove_pis": True, "remove_blank_text": True}


def _head(path: Path) -> tuple[str, dict[str, str], int]:
    """The root element's tag, attributes and line, read from the start of the file only."""
    with path.open("rb") as fh:
        head = fh.read(65536)
        if not head.strip():
            raise InputError("empty file: no root element", file=str(path), line=1)
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            line = head[:head.find(b"<!")].count(b"\n") + 1
            raise InputError("the file declares a DTD (refused: entity expansion and external entities are "
                             "not allowed in IATI files)", file=str(path), line=line)
        fh.seek(0)
        try:
            for _event, el in etree.iterparse(fh, events=("start",), **_parser_args()):
                return el.tag, dict(el.attrib), el.sourceline or 1
        except etree.XMLSyntaxError as exc:
            raise InputError(f"malformed XML: {exc.msg}", file=str(path), line=exc.lineno) from None
    raise InputError("empty file: no root element", file=str(path), line=1)


def check_root(path: Path) -> str:
    """The IATI version of the file, or InputError when it is not an IATI activity file we can read."""
    tag, attrs, line = _head(path)
    if tag != "iati-activities":
        raise InputError(f"wrong root element <{tag}> (expected <iati-activities>)", file=str(path), line=line)
    version = (attrs.get("version") or "").strip()
    if not version:
        return "1.0x"  # the 1.0x schemas did not require @version
    if not _VERSION_RE.match(version):
        raise InputError(f"unknown IATI version {version!r} (this reads 1.0x and 2.0x)", file=str(path),
                         line=line, field="version")
    return version


class _Window:
    """The decoded text of the file, read beside the parser one block at a time. It holds only the text not
    yet released (a few MB whatever the file size); released text goes to `sink` (the importer's chunk
    writer, or a list when the whole text is wanted)."""

    BLOCK = 1 << 20

    def __init__(self, fh: Any, encoding: str, sink: Callable[[str], None] | None) -> None:
        self.fh, self.sink = fh, sink
        try:
            self.decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        except LookupError:
            self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.buf = ""
        self.base = 0  # offset of buf[0] in the whole text
        self.eof = False

    def more(self) -> bool:
        """Read the next block; False when the file is done."""
        if self.eof:
            return False
        data = self.fh.read(self.BLOCK)
        if not data:
            self.eof = True
            self.buf += self.decoder.decode(b"", final=True)
        else:
            self.buf += self.decoder.decode(data)
        return True

    def release(self, upto: int) -> None:
        """Hand buf[:upto] on and forget it."""
        if upto > 0:
            if self.sink is not None:
                self.sink(self.buf[:upto])
            self.buf = self.buf[upto:]
            self.base += upto

    def finish(self) -> None:
        while self.more():
            pass
        self.release(len(self.buf))

    def locate(self, pos: int) -> tuple[int, int] | None:
        """(start, end) in buf of the next `<iati-activity ...>...</iati-activity>` from pos, reading on as needed."""
        while (found := locate(self.buf, pos)) is None:
            if not self.more():
                return None
        return found


def text_blocks(path: Path) -> Iterator[tuple[str, bytes | None]]:
    """The decoded text of the file a block (about 1 MB) at a time: joined, what `stream` passes to its sink.
    With each block its bytes, when the file is UTF-8 (no BOM) and the block decoded without a replaced byte:
    the document's pieces are then stored from them instead of encoding the text again."""
    with path.open("rb") as fh:
        encoding = _encoding(fh.read(200))
        fh.seek(0)
        if _is_utf8(encoding):
            yield from _utf8_blocks(fh)
            return
        win = _Window(fh, encoding, None)
        while win.more():
            text, win.buf = win.buf, ""
            if text:
                yield text, None


def _is_utf8(encoding: str) -> bool:
    try:
        return codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return True  # (the decoder falls back to UTF-8 too: `_Window`)


def _utf8_blocks(fh: Any) -> Iterator[tuple[str, bytes | None]]:
    """UTF-8 blocks cut after their last newline (a newline byte never lies inside a character), or on a
    one-line file before the block's last character; each decoded alone, as the incremental decoder would."""
    rest = b""
    while data := fh.read(_Window.BLOCK):
        if rest:
            data, rest = rest + data, b""
        cut = data.rfind(b"\n") + 1
        if cut == 0:  # no newline (a minified file): keep the last character, which may be cut, for the next
            cut = len(data) - 1
            while cut > 0 and 0x80 <= data[cut] < 0xC0:
                cut -= 1
        data, rest = data[:cut], data[cut:]
        if data:
            yield _decoded(data)
    if rest:
        yield _decoded(rest)


def _decoded(raw: bytes) -> tuple[str, bytes | None]:
    text = raw.decode("utf-8", errors="replace")
    return text, None if "\ufffd" in text else raw


def _encoding(head: bytes) -> str:
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    m = _ENCODING_RE.search(head[:200])
    return m.group(1).decode() if m else "utf-8"


def stream(path: Path, sha: str, findings: list[Finding], sink: Callable[[str], None] | None = None
           ) -> Iterator[tuple[Initiative, str]]:
    """Yield (record, the text of its activity element) per activity, in file order, with memory flat in the
    file size. The decoded text of the whole file goes to `sink` piece by piece, in order."""
    return _walk(path, sha, findings, sink, lambda mapper, source: (mapper.map(), source))


def stream_packed(path: Path, sha: str, findings: list[Finding], sink: Callable[[str], None] | None = None, *,
                  encode: bool = True, compact: bool = False, defer_spans: bool = False,
                  keep_xml: bool = True) -> Iterator[Packed]:
    """`stream`, yielding each activity as the rows of a new record (`bulk.Packed`, JSON encoded with
    `encode`): what the parallel import's worker sends. `compact=True` gives the spans as one
    `initiatives.source_spans` value (`Packed.spans_json`); `defer_spans=True` leaves them to be found by
    whoever has the text at hand (`Packed.span_recipe`, `find_spans`: the parallel import's inserting process,
    which decodes the file anyway to store it). `keep_xml=False` leaves transactions, results, policy markers
    and document links in the document (`extras["kept_in_source"]`), for an importer that stores the text."""
    return _walk(path, sha, findings, sink, lambda mapper, _source: mapper.packed(encode, compact),
                 defer_spans=defer_spans, keep_xml=keep_xml)


def _walk(path: Path, sha: str, findings: list[Finding], sink: Callable[[str], None] | None,
          make: Callable[[_Mapper, str], Any], *, defer_spans: bool = False, keep_xml: bool = True) -> Iterator[Any]:
    """Parse the file one activity at a time; yield `make(mapper of the activity, its text)` for each."""
    tag, attrs, _line = _head(path)
    version = check_root(path)
    ctx = _Ctx(path=path, sha=sha, text="", version=version,
               lang=(attrs.get(XML_LANG) or "").lower() or None, findings=findings, defer_spans=defer_spans,
               keep_xml=keep_xml)
    if defer_spans:
        yield from _walk_unlocated(path, ctx, make)
        return
    with path.open("rb") as fh, path.open("rb") as raw:
        win = _Window(raw, _encoding(raw.read(200)), sink)
        raw.seek(0)
        pos, line = 0, 1
        try:
            for _event, el in etree.iterparse(fh, events=("end",), tag="iati-activity", **_parser_args()):
                found = win.locate(pos)
                start, end = found if found is not None else (pos, pos)  # text and parse disagree: no span
                buf = win.buf
                line += buf.count("\n", pos, start)
                end_line = line + buf.count("\n", start, end)
                ctx.text, ctx.base = buf, win.base
                source = buf[start:end]  # (not whole lines: a minified file has one line)
                item = make(_Mapper(ctx, el, start, end, line, end_line), source)
                pos, line = end, end_line
                if pos > _Window.BLOCK:  # drop what is done, a block at a time (not per activity: copies)
                    cut = buf.rfind("\n", 0, pos) + 1 or pos  # `line` is the line of pos, which stays
                    win.release(cut)
                    pos -= cut
                _forget(el)
                yield item
        except etree.XMLSyntaxError as exc:
            raise InputError(f"malformed XML: {exc.msg}", file=str(path), line=exc.lineno) from None
        win.finish()


def _forget(el: Any) -> None:
    """Free a parsed activity and the siblings before it: memory stays flat in the file size."""
    el.clear(keep_tail=False)
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def _walk_unlocated(path: Path, ctx: _Ctx, make: Callable[[_Mapper, str], Any]) -> Iterator[Any]:
    """`_walk` without the text: parse and map only. Offsets, lines and spans are left to the process that
    decodes the text anyway (the parallel import's importing process: `locate`, `find_spans`)."""
    with path.open("rb") as fh:
        try:
            for n, (_event, el) in enumerate(etree.iterparse(fh, events=("end",), tag="iati-activity",
                                                             **_parser_args())):
                ctx.act = n
                item = make(_Mapper(ctx, el, 0, 0, 0, 0), "")
                _forget(el)
                yield item
        except etree.XMLSyntaxError as exc:
            raise InputError(f"malformed XML: {exc.msg}", file=str(path), line=exc.lineno) from None


def locate(text: str, pos: int) -> tuple[int, int] | None:
    """(start, end) in text of the first whole `<iati-activity ...>...</iati-activity>` from pos, or None when
    the text holds no whole one from there (`_Window.locate` reads on until it does)."""
    m = _ACT_START.search(text, pos)
    if m is None:
        return None
    start = m.start()
    gt = text.find(">", start)
    if gt == -1:
        return None
    if text[gt - 1] == "/":
        return start, gt + 1
    close = text.find("</iati-activity>", gt)
    return (start, close + 16) if close != -1 else None


def iter_activities(path: Path, document: Document, findings: list[Finding],
                    sink: Callable[[str], None] | None = None) -> Iterator[Initiative]:
    """Yield one record per activity, in file order (see `stream`)."""
    for rec, _source in stream(path, document.sha256, findings, sink):
        yield rec


def file_sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def document_for(path: Path, sha: str, text: str) -> Document:
    """The Document of a file, built without validation: a validated copy of a large text would double it."""
    return Document.model_construct(id=None, path=str(path), sha256=sha, media_type=MEDIA_TYPE, text=text,
                                    title=path.name, ingested_at=None)


def read(path: Path) -> Batch:
    """The whole file as one Batch: its Document (text whole), its records and the findings inside them."""
    check_root(path)
    sha = file_sha256(path)
    findings: list[Finding] = []
    pieces: list[str] = []
    records = [rec for rec, _source in stream(path, sha, findings, pieces.append)]
    document = document_for(path, sha, "".join(pieces))
    return Batch(origin=str(path), documents=[document], initiatives=records, findings=findings)
