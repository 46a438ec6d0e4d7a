"""Field extraction: from a segment's text to draft values, each with the character span it came from."""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any

from initiatives.ingest import groups, normalise
from initiatives.ingest.labels import Label, label_of, labels_in_line
from initiatives.ingest.orgs import OrgMention, find_orgs, org_type
from initiatives.ingest.segment import Line, Segment
from initiatives.reference import country_names

Spans = list[tuple[int, int]]


@dataclass
class Draft:
    """Values found for one record, with their spans (absolute offsets into Document.text)."""

    values: dict[str, Any] = field(default_factory=dict)
    spans: dict[str, Spans] = field(default_factory=dict)
    partners: list[dict[str, Any]] = field(default_factory=list)  # name, role, type, acronym, span
    misspelt: list[str] = field(default_factory=list)
    default_currency: str | None = None  # "Figures in US dollars": the currency of a bare amount

    def set(self, name: str, value: Any, span: tuple[int, int] | None) -> None:
        if value in (None, "", []):
            return
        if name in self.values and self.values[name] not in (None, "", []):
            return
        self.values[name] = value
        if span:
            self.spans.setdefault(name, []).append(span)

    def add(self, name: str, item: Any, span: tuple[int, int] | None) -> None:
        seq = self.values.setdefault(name, [])
        if item not in seq:
            seq.append(item)
        if span:
            self.spans.setdefault(name, []).append(span)

    def partner(self, name: str, role: str, type_: str, acronym: str | None, span: tuple[int, int] | None) -> None:
        name = name.strip(" ,;.")
        if not name:
            return
        key = _pkey(name, acronym)
        for p in self.partners:
            if _pkey(p["name"], p["acronym"]) & key:
                if _ROLE_RANK[role] > _ROLE_RANK[p["role"]]:
                    p["role"] = role
                if p["type"] == "unknown":
                    p["type"] = type_
                return
        self.partners.append({"name": name, "role": role, "type": type_, "acronym": acronym, "span": span})


_ROLE_RANK = {"partner": 0, "beneficiary": 1, "implementer": 2, "signatory": 3, "funder": 4, "lead": 5}


def _pkey(name: str, acronym: str | None) -> set[str]:
    base = re.sub(r"\s*\([^)]*\)\s*", " ", name).casefold().strip()
    base = re.sub(r"^the\s+", "", base)
    keys = {re.sub(r"[^\w]+", " ", base).strip()}
    m = re.search(r"\(([^)]+)\)", name)
    if m:
        keys.add(m.group(1).casefold())
    if acronym:
        keys.add(acronym.casefold())
    return keys


# --------------------------------------------------------------------------- labelled fields


def labelled_fields(text: str, lines: list[Line], seg: Segment, draft: Draft) -> list[tuple[Label, int, int]]:
    """Read every labelled field inside the segment; return (label, value start, value end) for each."""
    found = []
    body = [ln for ln in lines if seg.first <= ln.no <= seg.last]
    for idx, ln in enumerate(body):
        several = labels_in_line(ln.text) if seg.mode != "teaser" else []
        if len(several) > 1:  # inline fields: "Budget — USD 1.2m | Duration 2019–2022 | Where: Fiji"
            for lab in several:
                vstart = ln.start + lab.value_offset
                value = lab.value.strip()
                if value:
                    found.append((lab, vstart, vstart + len(value)))
                    _apply_label(lab.family, lab.label, value, vstart, draft)
            continue
        lab = several[0] if several else _heading_label(ln.text)
        if lab is None:
            continue
        vstart = ln.start + lab.value_offset
        vend = vstart + len(lab.value)  # without a table row's closing "|"
        value = text[vstart:vend]
        if not value.strip() and lab.family in ("partners", "donor", "lead", "countries"):
            items = _bullet_values(body[idx + 1:])
            if items:  # "Partners:" then "- World Food Programme (WFP), lead" / "- Norad, donor" on their own lines
                for name, role_word, a, b in items:
                    fam, lab_text = _ROLE_FAMILY.get(role_word or "", (lab.family, lab.label))
                    found.append((Label(fam, lab_text, name, 0), a, b))
                    _apply_label(fam, lab_text, name, a, draft)
                continue
        if not value.strip():
            # value on the following line(s): "Objective:" then a paragraph
            for nxt in body[idx + 1: idx + 4]:
                if nxt.blank:
                    continue
                if label_of(nxt.text) is not None:
                    break
                vstart, vend, value = nxt.start, nxt.end, nxt.text
                break
        if not value.strip():
            continue
        if lab.family in ("description", "comment", "partners", "donor"):
            # a value wrapped onto the next lines: they continue it while the sentence is unfinished
            pos = next((k for k, b in enumerate(body) if b.start <= vstart <= b.end), idx)
            for nxt in body[pos + 1:]:
                if nxt.blank or label_of(nxt.text) is not None or re.match(r"^\s*(?:#|\||[-*•]\s)", nxt.text):
                    break
                if re.search(r"[.!?…:]\s*$", text[vstart:vend]) and not nxt.s[:1].islower():
                    break
                if lab.family in ("partners", "donor") and not nxt.s[:1].islower() \
                        and not _NAME_LIST_GOES_ON.search(text[vstart:vend]):
                    break  # a list of names ends with its line unless it visibly runs on ("…, and" / "… of")
                vend = nxt.end
            value = text[vstart:vend]
        lead_ws = len(value) - len(value.lstrip())
        vstart += lead_ws
        value = value.strip()
        found.append((lab, vstart, vstart + len(value)))
        _apply_label(lab.family, lab.label, value, vstart, draft)
    return found


_NAME_LIST_GOES_ON = re.compile(r"(?:[,;&/(\-]|\b(?:and|of|for|the|on|in|with|de|du|des|la|le)\b)\s*$", re.I)
_BULLET = re.compile(r"^\s*[-*•]\s+(?P<name>[^\n]+?)(?:\s*[,–—:]\s*|\s+-\s+)(?P<role>lead(?:\s+(?:agency|partner|organi[sz]ation))?|"
                     r"implementers?|implementing (?:partners?|agency|agencies)|co-implementers?|donors?|funders?|"
                     r"financing partner|partners?|technical partners?)\s*\.?\s*$|^\s*[-*•]\s+(?P<bare>[^\n]+?)\s*$", re.I)
_ROLE_FAMILY = {"lead": ("lead", "lead"), "donor": ("donor", "donor"), "funder": ("donor", "donor"),
                "implementer": ("partners", "implementing partner")}


def _heading_label(line: str) -> Label | None:
    """"## Executing entities" over a list of names: a heading that is a label of who takes part, with no value."""
    m = re.match(r"^\s{0,3}#{1,6}\s+(?P<t>[A-Za-z][A-Za-z ]{2,40}?)\s*:?\s*$", line)
    lab = label_of(f"{m.group('t')}:") if m else None
    if lab is None or lab.family not in ("partners", "donor", "lead"):
        return None
    return Label(lab.family, lab.label, "", len(line))


def _bullet_values(rest: list[Line]) -> list[tuple[str, str | None, int, int]]:
    """The bullet items under a label with no value on its line: (name, role word or None, start, end)."""
    out: list[tuple[str, str | None, int, int]] = []
    for k, ln in enumerate(rest):
        if ln.blank:
            nxt = next((n for n in rest[k + 1:k + 2] if not n.blank), None)
            if out and not (nxt is not None and _BULLET.match(nxt.text) and k > 0 and not rest[k - 1].blank):
                break  # a list ends at a blank line, unless every item stands apart (a page's <li> items)
            continue
        m = _BULLET.match(ln.text)
        if not m:
            break
        if m.group("name"):
            name, g = m.group("name").strip(), "name"
            role = m.group("role").lower()
            role = "lead" if role.startswith("lead") else "donor" if role.startswith(("donor", "funder", "financing")) \
                else "implementer" if "implement" in role else None
        else:
            name, g, role = m.group("bare").strip(), "bare", None
        cm = re.search(r"\s*\(([^()]+)\)$", name)
        if cm and country_names.lookup(cm.group(1), fuzzy=False):
            name = name[:cm.start()]  # "Ministry of Gender (Malawi)": the country says where it is, not its name
        s = ln.start + m.start(g)
        out.append((name, role, s, s + len(name)))
    return out


_PORTFOLIO_WORD = r"[A-Z][a-z]+(?:[ \t]+(?:(?:of|for)[ \t]+)?[A-Z][a-z]+){0,2}"
_MINISTRY_OF_MANY = re.compile(rf"\b(?:Ministry|Department|Office|Secretariat|Bureau|Commission)\s+(?:of|for)\s+"
                               rf"{_PORTFOLIO_WORD}(?:\s*,\s*{_PORTFOLIO_WORD})+,?\s+(?:and|&)\s+{_PORTFOLIO_WORD}")


def split_items(value: str, start: int) -> list[tuple[str, int, int]]:
    """Split a list value on commas/semicolons (not inside parentheses or organisation names) and a final 'and'."""
    protected = [(m.start(), m.end()) for m in re.finditer(r"\([^)]*\)", value)]
    protected += [(o.start, o.end) for o in find_orgs(value)  # one name is not written across a line break
                  if re.search(r",|\band\b|&", value[o.start:o.end]) and "\n" not in value[o.start:o.end]]
    # "Ministry of Information, Communications, Science, Technology and Innovation": one ministry of many words
    protected += [(m.start(), m.end()) for m in _MINISTRY_OF_MANY.finditer(value) if "\n" not in m.group(0)]
    # "Trinidad and Tobago", "Saint Vincent and the Grenadines": one country
    protected += [(m.start(), m.end()) for m in country_names.AND_NAMES.finditer(value)]
    cuts = [m for m in re.finditer(r"\s*[,;]\s*(?:and\s+|&\s*)?|\s+and\s+(?:the\s+)?(?=[A-Z])|\s*&\s*(?=[A-Z])|\s*/\s*|\s+\|\s+",
                                   value)
            if not any(a <= m.start() < b for a, b in protected)]
    items, pos = [], 0
    for m in cuts:
        items.append((pos, m.start()))
        pos = m.end()
    items.append((pos, len(value)))
    out = []
    for a, b in items:
        piece = value[a:b]
        stripped = piece.strip(" .;,")
        stripped = re.sub(r"^(?:and|the)\s+", "", stripped)
        if not stripped:
            continue
        off = value.find(stripped, a)
        out.append((stripped, start + off, start + off + len(stripped)))
    return out


def _merge_and_names(items: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Undo splits that cut one organisation's name ("Office on Drugs" + "Crime")."""
    out: list[tuple[str, int, int]] = []
    for item in items:
        if out and item[0][:1].isupper() and len(item[0].split()) == 1 and not item[0].isupper() \
                and org_type(item[0]) == "unknown" and len(out[-1][0].split()) >= 3:
            prev = out.pop()
            out.append((f"{prev[0]} and {item[0]}", prev[1], item[2]))
            continue
        out.append(item)
    return out


def _apply_label(family: str, label: str, value: str, vstart: int, d: Draft) -> None:
    if value[:1] in "[\"" and value[-1:] in "]\"" and len(value) > 2 and '"' in value:
        # front matter's quoted values and lists: 'partners: ["A (AA)", "B"]', 'donor: "X"'
        inner = re.sub(r'[\[\]"]', " ", value)
        vstart += len(inner) - len(inner.lstrip())
        value = inner.strip()
    span = (vstart, vstart + len(value))
    if family == "time":
        # "starts March 2025", "starting from June 2024": a start date only
        lead = re.match(r"^\s*(?:starts?|starting|begins?|beginning|from|since)\b(?:\s+(?:in|on|from))?\s+", value, re.I)
        if lead and not re.search(r"\s(?:to|until|till|through|[-–—])\s|[-–—]", value[lead.end():]):
            dt = normalise.parse_date(value[lead.end():])
            d.set("start", str(dt) if dt and dt.precision != "year" else None, span)
            return
        start, end = normalise.parse_range(value)
        d.set("start", str(start) if start else None, span)
        d.set("end", str(end) if end else None, span)
    elif family in ("start", "end"):
        dt = normalise.parse_date(value)
        d.set(family, str(dt) if dt else None, span)
        if dt and re.search(r"\bsince$", label) and "end" not in d.values:
            d.set("status", "ongoing", span)  # "Since: May 2023": running since then
    elif family == "countries":
        items = split_items(value, vstart)
        if len(items) == 2 and country_names.lookup(items[1][0], fuzzy=False) and not country_names.lookup(
                items[0][0], fuzzy=False) and not groups.canonical(items[0][0]) and not groups.find_in_text(items[0][0]):
            # "Where: Bangkok, Thailand": a city in its country, the place of the work, not a group of countries
            d.set("location", items[0][0], (items[0][1], items[0][2]))
            d.add("countries", country_names.lookup(items[1][0], fuzzy=False), (items[1][1], items[1][2]))
            return
        if len(items) == 1 and re.fullmatch(r"(?i)online|virtual(?:ly)?|remote(?:ly)?|hybrid\b.*", items[0][0]):
            d.set("location", items[0][0], (items[0][1], items[0][2]))  # "Where: Online": a meeting's place
            return
        for item, a, b in items:
            code = country_names.lookup(item)
            if code and not groups.canonical(item):
                d.add("countries", code, (a, b))
                if not country_names.is_exact(item):
                    d.misspelt.append(item)
            elif groups.canonical(item):
                d.add("country_groups", groups.canonical(item), (a, b))
            else:
                found = groups.find_in_text(item)
                for g, s, e in found:  # "Small island developing States in the Pacific"
                    d.add("country_groups", g, (a + s, a + e))
                if not found:
                    d.add("country_groups", item, (a, b))
    elif family == "budget":
        hits = normalise.find_money(value)
        if hits:
            h = hits[0]
            d.set("budget", {"amount": h.amount, "currency": h.currency}, (vstart + h.start, vstart + h.end))
        else:  # "Budget (USD): 2,750,000" - the currency is in the label
            paren = re.search(r"\(([^)]{1,6})\)", label)
            code = normalise.currency_code(paren.group(1)) if paren else None  # "Budget (US$)", "Amount (€)"
            if code is None:
                ccy = re.search(r"\b([A-Z]{3})\b", label.upper())
                code = normalise.currency_code(ccy.group(1)) if ccy else None
            code = code or d.default_currency
            num = re.match(r"^\s*(\d{1,3}(?:[,\s]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(million|m|bn|billion)?\b", value,
                           re.I)
            if code and num:
                hits = normalise.find_money(f"{code} {num.group(0).strip()}")
                if hits:
                    d.set("budget", {"amount": hits[0].amount, "currency": hits[0].currency},
                          (vstart + num.start(1), vstart + num.end()))
    elif family == "funding":
        fm = re.match(r"^(?P<amt>.{2,40}?)\s+from\s+(?:the\s+)?(?P<org>[A-Z].+?)\s*$", value)
        hits = normalise.find_money(fm.group("amt")) if fm else []
        if hits:  # "Financing: USD 5.6 million from the Global Environment Facility (GEF)"
            h = hits[0]
            d.set("budget", {"amount": h.amount, "currency": h.currency}, (vstart + h.start, vstart + h.end))
            org = fm.group("org")
            acr = re.search(r"\(([A-Z][A-Za-z]{1,9})\)$", org)
            d.partner(org, "funder", org_type(org, acr.group(1) if acr else None), acr.group(1) if acr else None,
                      (vstart + fm.start("org"), vstart + fm.end("org")))
            return
        d.set("funding_source", value, span)
        code = country_names.lookup(value, fuzzy=False)
        if code or re.match(r"(?:the )?government of", value, re.I):
            d.partner(value, "funder", "government", None, span)
    elif family == "donor":
        for item, a, b in _merge_and_names(split_items(value, vstart)):
            t = org_type(item)
            if t == "unknown" and country_names.lookup(item, fuzzy=False):
                t = "government"
            d.partner(item, "funder", t, None, (a, b))
    elif family == "partners":
        role = "implementer" if re.search(r"implement|manager|executing|^who$", label) else "partner"
        for item, a, b in _merge_and_names(split_items(value, vstart)):
            acr = re.search(r"\(([A-Z][\w\- ]+)\)", item)
            d.partner(item, role, org_type(item, acr.group(1) if acr else None), acr.group(1) if acr else None,
                      (a, b))
    elif family == "lead":
        side = re.search(r",?\s+(?:with|together with|and with|supported by)\s+(?P<rest>[A-Z].*)$", value)
        if side:  # "Entity: ECLAC, with UNCTAD": the lead, and a partner beside it
            for item, a, b in split_items(side.group("rest"), vstart + side.start("rest")):
                d.partner(item, "partner", org_type(item), item if item.isupper() else None, (a, b))
            value = value[:side.start()]
            span = (vstart, vstart + len(value))
        d.set("lead_unit", value, span)
        items = split_items(value, vstart)
        # (a semicolon separates entities, whatever their names look like: "UNDP; Search for Common Ground")
        if len(items) >= 2 and (";" in value or all(org_type(i) != "unknown" or re.search(r"\([A-Z][A-Za-z]{1,9}\)$", i)
                                                   for i, _, _ in items)):
            for item, a, b in items:  # "Organisers: X (XO) and the Y Community (YC)": several leads
                acr = re.search(r"\(([A-Z][A-Za-z]{1,9})\)$", item)
                d.partner(item, "lead", org_type(item, acr.group(1) if acr else None), acr.group(1) if acr else None,
                          (a, b))
            return
        unit = re.split(r"\s*/\s*", value)[-1].strip()
        off = value.rfind(unit)
        d.partner(unit, "lead", org_type(unit, unit if unit.isupper() else None) if org_type(unit) != "unknown"
                  else ("un" if re.match(r"^UN|United Nations", value) else "unknown"), None,
                  (vstart + off, vstart + off + len(unit)))
    elif family == "region":
        d.set("region", value, span)
    elif family == "themes":
        for item, a, b in split_items(value, vstart):
            sdg = re.fullmatch(r"(?:SDGs?|Goal)\s*(\d{1,2})", item, re.I)
            if sdg or (re.fullmatch(r"\d{1,2}", item) and d.values.get("sdgs")):
                n = int(sdg.group(1) if sdg else item)
                if 1 <= n <= 17:
                    d.add("sdgs", n, (a, b))
                continue
            d.add("themes", item, (a, b))
    elif family == "sdgs":
        for n in re.finditer(r"\d{1,2}", value):
            if 1 <= int(n.group(0)) <= 17:
                d.add("sdgs", int(n.group(0)), (vstart + n.start(), vstart + n.end()))
    elif family == "status":
        st = _status_word(value)
        d.set("status", st, span)
        dm = _STATUS_DATE.search(value)
        if dm and st in ("ongoing", "completed"):  # "closed in December 2024", "started in Q1 2024"
            day = normalise.parse_date(dm.group(1), end=st == "completed")
            if day is not None and day.precision != "year":
                d.set("end" if st == "completed" else "start", str(day), span)
    elif family == "comment":
        d.add("comments", value, span)
    elif family == "title":
        d.set("title", value, span)
        if label.startswith("event"):  # "Event: Regional Forum on ...": the entry is an event
            d.set("kind", "event", (vstart - len(label) - 2, vstart))
    elif family == "code":
        d.set("code", value, span)
    elif family == "kind":
        from initiatives.ingest.segment import kind_of

        d.set("kind", kind_of(value), span)
    elif family == "location":
        items = split_items(value, vstart)
        codes = [(country_names.lookup(i, fuzzy=False), a, b) for i, a, b in items]
        if items and all(c for c, _, _ in codes):  # "Location: Burkina Faso, Mali, Niger" lists countries
            for c, a, b in codes:
                d.add("countries", c, (a, b))
        elif len(items) == 2 and codes[1][0] and not codes[0][0]:
            # "Venue: Almaty, Kazakhstan": the place is the city (the country is where it is, not a focus)
            d.set("location", items[0][0], (items[0][1], items[0][2]))
        else:
            d.set("location", value, span)
    elif family == "announced":
        dt = normalise.parse_date(value)
        d.set("date_announced", str(dt) if dt and dt.precision == "day" else None, span)
    elif family == "description":
        d.set("summary", value, span)


_STATUS_DATE = re.compile(r"\b(?:in|on|since)\s+((?:Q[1-4]|H[12])\s*(?:19|20)\d{2}|" + normalise.DATE + ")", re.I)


def _status_word(value: str) -> str | None:
    v = value.lower()
    if re.search(r"complet|closed|ended|finished|concluded|past", v):
        return "completed"
    if re.search(r"ongoing|on-going|active|current|in progress|implementation|running|(?<!not )(?<!not yet )started|under ?way", v):
        return "ongoing"
    if re.search(r"plann|pipeline|proposed|upcoming|forthcoming|approved|not (?:yet )?started", v):
        return "planned"
    if re.search(r"suspend|on hold", v):
        return "suspended"
    if re.search(r"cancel", v):
        return "cancelled"
    return None


# --------------------------------------------------------------------------- prose cues

_FUNDER_AFTER = re.compile(r"^\W{0,3}(?:\([^)]*\)\s*)?(?:is|was|are|were|has been|will be)?\s*(?:an?|the|one of the)?\s*"
                           r"(?:core |main |lead |key |founding )?(?:investor|sponsor|donor|funder|financer)s?\b|"
                           r"^\s*(?:co-?)?(?:funds|finances|funded|financed|provided funding|contributed|pledged|donated)\b",
                           re.I)
_SIGN = re.compile(r"\b(?:sign(?:ed|ing|s)?|signature|memorandum of understanding|MoU|(?:have|has) agreed to)\b", re.I)
_BUDGET_CUE = re.compile(r"(?:budget|worth|total(?:ling|ing)?|grants?|funding|funded|fund of|close of|invest\w*|pledg\w*|commit\w*|receiv\w*|"
                         r"rais\w*|disburs\w*|capital|allocat\w*|award\w*|contribut\w*|size|valued|cost\w*|"
                         r"donat\w*|financ\w*|amount\w*)\W+(?:\w+\W+){0,6}$", re.I)

THEMES = [
    "digital public goods", "open source", "e-government", "e-participation", "open government data", "open data",
    "artificial intelligence", "machine learning", "blockchain", "cryptocurrency", "data science", "big data",
    "drones", "internet governance", "cybersecurity", "digital identity", "digital transformation",
    "capacity building", "capacity development", "education", "health", "public health", "nutrition", "WASH",
    "water", "sanitation", "climate", "renewable energy", "agriculture", "gender", "youth", "entrepreneurship",
    "innovation", "fintech", "financial inclusion", "governance", "accountability", "transparency",
    "policy coherence", "service delivery", "employment", "child protection", "social protection", "connectivity",
    "disaster risk reduction", "South-South cooperation", "public-private partnership", "early childhood",
    "teacher training", "mobile technology", "real-time data", "design", "research", "startups",
]
_THEME_RE = re.compile(r"(?<![\w-])(" + "|".join(re.escape(t) for t in sorted(THEMES, key=len, reverse=True))
                       + r")(?![\w-])", re.I)
_THEME_CANON = {t.casefold(): t for t in THEMES}
_THEME_WORDS = frozenset(w for t in THEMES for w in t.casefold().split())


_CLAUSE_CUES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(?:funded|financed|sponsored|underwritten|backed|capitali[sz]ed|endowed|bankrolled|co-?funded|anchored|"
                r"co-?financed) by\b|\b(?:grants?|funding|donations?|"
                r"contributions?|financial support|financing) from\b|"
                r"\b(?:financed|funded|paid for|backed)\s+with\s+[^.;\n]{1,40}?\s+from\b|"
                r"(?:\b(?:USD|EUR|GBP|CHF|US\$)|[$€£])\s?\d[\d,.]*\s*(?:million|billion|m|bn)?\s+(?:in\s+\w+\s+)?from\b",
                re.I), "funder"),  # "... with EUR 15 million from the European Union"
    (re.compile(r"\b(?:led|lead|headed|coordinated|convened|organi[sz]ed|hosted|launched|established|"
                r"founded|created|set up|initiated)(?:\s+[a-z]+){0,3}\s+by\b|"
                # "A regional programme of the World Food Programme (WFP) with ...": whose programme it is
                r"\b(?:an?|the)\s+(?:[a-z-]+\s+){0,2}(?:programme|program|initiative|project) of\b", re.I), "lead"),
    (re.compile(r"\b(?:donors?|funders?|backers?|financiers?|contributors?|investors?)\s+(?:are|is|were|include[sd]?)\b",
                re.I),
     "funder"),  # "The fund's first donors are the X Foundation and the Government of Y"
    (re.compile(r"\b(?:technical|in-kind)\s+(?:support|assistance)\s+from\b", re.I), "partner"),
    (re.compile(r"\b(?:implemented|delivered|executed|run|operated|managed|administered) by\b|"
                r"\b(?:its|the fund's|the)\s+(?:fund\s+|investment\s+)?manager,?\s*$", re.I), "implementer"),
    (re.compile(r"\b(?:evaluated|assessed|monitored|advised|audited) by\b", re.I), "partner"),
    (re.compile(r"\bin (?:partnership|collaboration|cooperation) with\b|\bpartnered with\b|\btogether with\b|"
                r"\b(?:worked|works|working|collaborated|collaborates|teamed up|teams up|partners) with\b|"
                r"\bjointly with\b|\bwith (?:the )?support (?:of|from)\b|\bco-?organi[sz]ed (?:\w+ )?(?:by|with)\b|"
                r"\bin association with\b", re.I), "partner"),
]


_PROSE_UNTIL = re.compile(r"\b(?:(?:runs?|running|lasts?|lasting|continues?|valid|extended)\s+(?:until|till|through|to)|"
                          # "starting in January 2025 and ending in December 2028", "will close in June 2027"
                          r"(?:ending|ends|will end|to end|and end|closing|will close|concluding|will conclude)\s+(?:in|on|by))\s+("
                          + normalise.DATE + ")", re.I)
_BUDGET_AFTER = re.compile(r"^\s*(?:[\w\-]+\s+){0,2}(?:fund|facility|programme|program|budget|investment|grant|"
                           r"initiative|project|commitment|pledge|contribution|loan|financing|vehicle|deal|agreement)\b", re.I)
# "June 2022 to May 2027", "Mar 2021 – Feb 2024": two dates to the month are a period even without "from"
_MONTH_RANGE = re.compile(r"(?<![\w-])((?:\d{1,2}\s+)?" + normalise._MONTH + r",?\s+(?:19|20)\d{2})\s*(?:to|until|till|through|–|—|-)\s*"
                          r"((?:\d{1,2}\s+)?" + normalise._MONTH + r",?\s+(?:19|20)\d{2})(?!\d)")
_SINCE = re.compile(r"(?:^|(?<=[.;]\s)|(?<=\n))\s*[Ss]ince\s+(" + normalise.DATE + ")")  # "Since January 2022 the toolkit ..."
_WILL_FROM = re.compile(r"\bwill\b[^.\n]{0,150}?\b(?:from|as of|starting)\s+(" + normalise.DATE + r")(?!\s*(?:to|until|till|-|–|—)\s)",
                        re.I)
_PROSE_START = re.compile(r"\b(?:starting|beginning|commencing|to start|will start|will begin|launched|started|began|starts|begins|"
                          r"to begin|(?:is|are|was|were) due to (?:start|begin)|kicked off|"
                          r"since its launch|established|founded|created|set up)\s+(?:in|on|from)\s+("
                          + normalise.DATE + ")", re.I)
_RUNS_RANGE = re.compile(r"\b(?:runs?|running|ran|will run|lasts?|will last|operates?|is implemented)\s+from\s+("
                         + normalise.DATE + r")\s+(?:to|until|till|through|–|-)\s+(" + normalise.DATE + ")", re.I)
_PROSE_RANGE = re.compile(r"\b(?:from|between)\s+(" + normalise.DATE + r")\s+(?:to|until|and|through|–|-)\s+("
                          + normalise.DATE + ")", re.I)


def _line_break_before(text: str, pos: int) -> int:
    """Start of the sentence's line; a line break inside a wrapped sentence (after a lower-case word or a
    comma) does not end the sentence."""
    nl = text.rfind("\n", 0, pos)
    while nl > 0 and re.search(r"[a-z,(&]$", text[max(0, nl - 1):nl]) and text[nl + 1:nl + 2] != "\n" \
            and text[nl - 1:nl] != "\n":
        nl = text.rfind("\n", 0, nl)
    return nl + 1


def role_for(text: str, m: OrgMention, window_start: int, press: bool) -> str:
    """The role a sentence gives an organisation: the nearest cue before it in its clause, or one after it.
    "mentioned" when nothing in the sentence says what it does."""
    after = text[m.end:m.end + 60]
    if _FUNDER_AFTER.search(after):
        return "funder"
    if re.match(r"^\s*(?:\([^)]*\)\s*)?(?:is|was|are) (?:a |an |the )?part of\b", after):
        return "lead"
    if re.match(r"^\s*(?:\([^)]*\)\s*)?(?:will |also )?(?:provides?|supports?|offers?|contributes?|joins?|"
                r"co-organi[sz]es?|co-hosts?)\b", after):
        return "partner"
    # a cue is looked for in the sentence before the name, at most 400 characters back (a sentence with no end
    # in sight, e.g. a megabyte on one line, must not make every organisation scan all of it)
    sent_start = max(text.rfind(". ", max(0, m.start - 400), m.start) + 2, _line_break_before(text, m.start),
                     window_start, m.start - 400)
    before = text[sent_start:m.start].replace("\n", " ")  # a cue wrapped over a line end ("funding\nfrom")
    best, best_pos = None, -1
    for rx, role in _CLAUSE_CUES:
        for cm in rx.finditer(before):
            if cm.start() > best_pos:
                best, best_pos = role, cm.start()
    if best is not None and not re.search(r"[.;]", before[best_pos:]):
        return best
    if press:
        sent_end_c = [i for i in (text.find(". ", m.end, m.end + 400), text.find("\n", m.end, m.end + 400)) if i >= 0]
        sent = text[sent_start:min(sent_end_c) if sent_end_c else min(len(text), m.end + 400)]
        if _SIGN.search(sent):
            return "signatory"
    if re.search(r"\bpart of (?:the )?$", text[max(window_start, m.start - 30):m.start]):
        return "lead"
    return "mentioned"


class TextIndex:
    """Country, group, SDG, money and theme mentions of a whole document, found once and sliced per record."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.countries = country_names.find_in_text(text)
        self.groups = groups.find_in_text(text)
        self.sdgs = normalise.find_sdgs(text)
        self.money = normalise.find_money(text)
        self.themes = [(_THEME_CANON[m.group(1).casefold()], m.start(), m.end()) for m in _THEME_RE.finditer(text)]
        self._starts: dict[int, list[int]] = {}
        self._sorted: dict[int, Any] = {}
        self._titles: dict[int, Any] = {}
        for hits in (self.countries, self.groups, self.sdgs, self.money, self.themes):
            if any(self._start(x) > self._start(y) for x, y in zip(hits[1:], hits)):
                hits.sort(key=self._start)  # `within` bisects on the start

    def starting_in(self, items: list[Any], a: int, b: int) -> list[Any]:
        """Items (with .start) that start in [a, b), in text order; the sorted copy is made once per list."""
        cached = self._sorted.get(id(items))
        if cached is None or cached[0] is not items:
            ordered = sorted(range(len(items)), key=lambda i: items[i].start)
            cached = self._sorted[id(items)] = (items, ordered, [items[i].start for i in ordered])
        _, ordered, starts = cached
        picked = sorted(ordered[bisect.bisect_left(starts, a):bisect.bisect_left(starts, b)])
        return [items[i] for i in picked]  # in the list's own order

    def names_another_record(self, name: str, titles: list[str], own: str | None) -> bool:
        """`any(_same_name(name, t) for t in titles if t != own)` by set look-ups: the title keys are counted
        once per list, and a name matches a title that is its whole key or a long enough ending of it."""
        cached = self._titles.get(id(titles))
        if cached is None or cached[0] is not titles:
            counts: dict[str, int] = {}
            raw: dict[str, int] = {}
            for t in titles:
                counts[_nkey(t)] = counts.get(_nkey(t), 0) + 1
                raw[t] = raw.get(t, 0) + 1
            cached = self._titles[id(titles)] = (titles, counts, raw)
        counts, raw = cached[1], cached[2]
        own_key = _nkey(own) if own else None
        ka = _nkey(name)

        def hit(kb: str) -> bool:
            n = counts.get(kb, 0)
            if own is not None and kb == own_key:
                n -= raw.get(own, 0)  # titles written exactly as its own do not count
            return n > 0

        if hit(ka):
            return True
        return any(hit(ka[i:]) for i in range(1, len(ka) - 8))

    @staticmethod
    def _start(h: Any) -> int:
        return h.start if hasattr(h, "start") else h[-2]

    def within(self, hits: list[Any], a: int, b: int) -> list[Any]:
        """Hits inside [a, b) (absolute offsets). Each list is in text order, so the window is found by bisection:
        a document of thousands of records must not scan every hit for every record."""
        starts = self._starts.get(id(hits))
        if starts is None or len(starts) != len(hits):
            starts = self._starts[id(hits)] = [h.start if hasattr(h, "start") else h[-2] for h in hits]
        out = []
        for h in hits[bisect.bisect_left(starts, a):bisect.bisect_left(starts, b)]:
            if (h.end if hasattr(h, "end") else h[-1]) <= b:
                out.append(h)
        return out


_PLACED_IN = re.compile(r"\b(?:in|across|throughout|(?:districts|regions|provinces|coast|parts|areas) of)\s+"
                        r"(?:rural\s+|the\s+)?$")


def prose_fields(text: str, seg: Segment, d: Draft, orgs: list[OrgMention], *, has_labels: bool,
                 taken_spans: Spans, record_titles: list[str], index: TextIndex | None = None,
                 label_spans: Spans = ()) -> None:
    """Values written in running text within the segment's window."""
    a, b = seg.text_range
    window = text[a:b]
    index = index or TextIndex(text)
    orgs = index.starting_in(orgs, a, b)  # the organisations named in the window, found by bisection
    in_orgs = [(o.start, o.end) for o in orgs if a <= o.start < b and o.type != "unknown"]

    def inside_org(s: int, e: int) -> bool:
        return any(os <= s and e <= oe for os, oe in in_orgs)

    # partners from organisation mentions (first: funders' countries are not focus countries)
    # a country written as a funder ("Donor: Denmark") is not where the work is
    funder_spans: Spans = [p["span"] for p in d.partners if p.get("span") and p["role"] == "funder"]
    labelled = [p["span"] for p in d.partners if p.get("span")]
    for o in orgs:
        if not (a <= o.start < b):
            continue
        if any(ls <= o.start and o.end <= le for ls, le in labelled):
            continue  # part of a partner already read from a labelled field or table cell
        if seg.title and (_same_name(o.name, seg.title) or _name_begins(seg.title, o.name)):
            continue  # the record's own name, or its first words ("Women Entrepreneurs" of "... Entrepreneurs Fund")
        if index.names_another_record(o.name, record_titles, seg.title):
            continue
        role = role_for(text, o, a, seg.mode == "press")
        if role == "mentioned":
            if seg.mode in ("entry", "teaser", "press") and not (seg.cue and not has_labels):
                # listings name their partners with labels or cues, and a release names its parties in its
                # lead sentences: an organisation merely mentioned is not a partner (an entry of a repeated shape
                # written as prose, with no labels, names its partners in its sentences)
                continue
            role = "partner"
        if role == "funder":
            funder_spans.append((o.start, o.end))
        d.partner(o.name, role, o.type, o.acronym, (o.start, o.end))
    # countries
    hits = [(c, s - a, e - a) for c, s, e in index.within(index.countries, a, b)]
    if not has_labels:
        loc_country = _location(window, a, d)
        loc_code = country_names.lookup(text[loc_country[0]:loc_country[1]], fuzzy=False) if loc_country else None
        non_gov = [(o.start, o.end) for o in orgs if a <= o.start < b and not o.name.startswith("Government")]
        listed = {(s, e) for run in _enumerations(hits) for _c, s, e in run}
        for code, s, e in hits:
            s, e = s + a, e + a
            if (s, e) == loc_country or any(fs <= s and e <= fe for fs, fe in funder_spans + non_gov):
                continue
            if seg.kind == "event" and code == loc_code and (s - a, e - a) not in listed:
                continue  # the host country of an event, unless it is also listed among the participants
            d.add("countries", code, (s, e))
    elif not d.values.get("countries"):
        _location(window, a, d)
        # a listing whose label names only groups: countries enumerated in its text still count (not the
        # countries in a "Donors: Sweden, Switzerland" field)
        for run in _enumerations(hits):
            for code, s, e in run:
                if not any(ls <= s + a < le for ls, le in label_spans):
                    d.add("countries", code, (s + a, e + a))
        if not d.values.get("countries"):
            # "... plan water use in Lesotho": a country the description places the work in
            for code, s, e in hits:
                if _PLACED_IN.search(window[max(0, s - 25):s]) and not any(ls <= s + a < le for ls, le in label_spans) \
                        and not any(fs <= s + a < fe for fs, fe in funder_spans):
                    d.add("countries", code, (s + a, e + a))
    else:
        _location(window, a, d)
    # groups
    for label, s, e in [(g, s - a, e - a) for g, s, e in index.within(index.groups, a, b)]:
        if not inside_org(s + a, e + a):
            d.add("country_groups", label, (s + a, e + a))
    # SDGs
    for n, s, e in [(n, s - a, e - a) for n, s, e in index.within(index.sdgs, a, b)]:
        d.add("sdgs", n, (s + a, e + a))
    # a time frame written in prose: "will run from June 2023 to May 2028", "runs until December 2023"
    if "start" not in d.values and "end" not in d.values:
        rr = _RUNS_RANGE.search(window)  # "It runs from March 2024 to February 2028" (its own term, before milestones)
        if rr:
            start, end = normalise.parse_range(f"{rr.group(1)} - {rr.group(2)}")
            if start and end and start.precision != "year" and end.precision != "year":
                d.set("start", str(start), (a + rr.start(1), a + rr.end(1)))
                d.set("end", str(end), (a + rr.start(2), a + rr.end(2)))
    if "end" not in d.values:
        um = _PROSE_UNTIL.search(window)
        if um:
            end = normalise.parse_date(um.group(1))
            if end is not None and end.precision != "year":
                d.set("end", str(end), (a + um.start(1), a + um.end(1)))
    if "start" not in d.values:
        sm = _PROSE_START.search(window)
        if sm:
            start = normalise.parse_date(sm.group(1))
            if start is not None and start.precision != "year":
                d.set("start", str(start), (a + sm.start(1), a + sm.end(1)))
    if "start" not in d.values:  # a sentence opening "Since January 2022 the toolkit has been deployed ..."
        sm2 = _SINCE.search(window)
        if sm2:
            start = normalise.parse_date(sm2.group(1))
            if start is not None and start.precision != "year":
                d.set("start", str(start), (a + sm2.start(1), a + sm2.end(1)))
    if "start" not in d.values:  # "will connect ... from October 2024"
        fm = _WILL_FROM.search(window)
        if fm:
            start = normalise.parse_date(fm.group(1))
            if start is not None and start.precision != "year":
                d.set("start", str(start), (a + fm.start(1), a + fm.end(1)))
    if "start" not in d.values:
        rm = _PROSE_RANGE.search(window) or _MONTH_RANGE.search(window)
        if rm:
            start, end = normalise.parse_range(f"{rm.group(1)} - {rm.group(2)}")
            if start and end:
                d.set("start", str(start), (a + rm.start(1), a + rm.end(1)))
                d.set("end", str(end), (a + rm.start(2), a + rm.end(2)))
    # budget in prose (only with a money cue just before, and not a per-item ceiling)
    if "budget" not in d.values:
        amounts = [normalise.MoneyHit(h.amount, h.currency, h.start - a, h.end - a)
                   for h in index.within(index.money, a, b)]
        # one amount in an entry of a repeated listing is that entry's budget, whatever word stands before it
        sole = seg.cue == "repetition" and len(amounts) == 1
        for h in amounts:
            before = window[max(0, h.start - 60):h.start]
            if re.search(r"\b(?:up to|each|per|of up to|maximum of|at most)(?:\s+(?:will\s+)?(?:receives?|gets?))?\s*$",
                         before, re.I) or re.search(r"\beach\b", before[-45:], re.I):  # "each receive 125 ETH, about $200,000"
                continue
            after = window[h.end:h.end + 70]
            after = re.sub(r"^\s*\([^()\n]{1,40}\)", "", after)[:40]  # "USD 3.2 million (about Sh413 million) deal"
            if _BUDGET_CUE.search(before) or _BUDGET_AFTER.match(after) or sole:
                d.set("budget", {"amount": h.amount, "currency": h.currency}, (h.start + a, h.end + a))
                break
    for theme, s, e in index.within(index.themes, a, b):
        if len(d.values.get("themes", [])) >= 8:
            break
        d.add("themes", theme, (s, e))
    if seg.title_span:
        for theme, s, e in title_themes(text, seg.title_span):
            if len(d.values.get("themes", [])) >= 8:
                break
            current = d.values.get("themes", [])
            if any(set(_nkey(theme).split()) <= set(_nkey(t).split()) for t in current):
                continue  # already tagged as specifically
            # "water" and "governance" give way to the title's "water governance"
            inside = [t for t in current if set(_nkey(t).split()) <= set(_nkey(theme).split())]
            if inside:
                gone = {_nkey(t) for t in inside}
                d.values["themes"] = [t for t in current if t not in inside]
                d.spans["themes"] = [sp for sp in d.spans.get("themes", []) if _nkey(text[sp[0]:sp[1]]) not in gone]
            d.add("themes", theme, (s, e))


_TITLE_CUT = re.compile(r"\s*(?:[,:;()–—|/]|\s-\s)\s*|\s+(?:for|in|of|on|to|and|with|through|across|by|from|at|"
                        r"into|under|via|the|a|an|&)\s+", re.I)
_GENERIC = frozenset("""strengthening strengthen support supporting building build project projects programme program
initiative initiatives phase pilot pilots fund facility partnership partnerships national regional global new
improving improve enhancing enhance promoting promote developing towards toward scaling scale launch launches
joint integrated sustainable inclusive innovative increasing increase expanding expand accelerating accelerate
making make using use helping help ensuring ensure cycle second first third agreement memorandum understanding
year years""".split())


@lru_cache(maxsize=8)
def _lower_words(text: str) -> frozenset[str]:
    """The words a document writes in lower case (found once per document, not once per title word)."""
    return frozenset(re.findall(r"(?<![\w-])[a-z][\w-]*(?![\w-])", text))


def title_themes(text: str, span: tuple[int, int]) -> list[tuple[str, int, int]]:
    """Free tags from a title ("Strengthening Water Governance in the Senqu Basin" -> "water governance"): its
    phrases between prepositions, without generic words, kept when every word is a common noun of the document
    (written in lower case somewhere in it), so names of places and organisations are left out."""
    a, b = span
    title = text[a:b]
    if len(title.split()) > 14:
        return []
    out = []
    pos = 0
    for cut in [*_TITLE_CUT.finditer(title), None]:
        end = cut.start() if cut else len(title)
        chunk = title[pos:end]
        start = pos
        pos = cut.end() if cut else len(title)
        words = [w for w in re.findall(r"[A-Za-z][\w\-]*", chunk)]
        while words and words[0].lower() in _GENERIC:
            start += chunk.find(words[0]) + len(words[0]) - (chunk.find(words[0]) if False else 0)
            words = words[1:]
        while words and words[-1].lower() in _GENERIC:
            words = words[:-1]
        if not 1 <= len(words) <= 3 or any(w.lower() in _GENERIC for w in words):
            continue
        if any(w.isupper() and len(w) > 1 for w in words) or any(re.search(r"\d", w) for w in words):
            continue
        lower = _lower_words(text)
        if not all(w.lower() in _THEME_WORDS or w.lower() in lower for w in words):
            continue  # a word never written in lower case (and not a theme word) is a name
        phrase = " ".join(w.lower() for w in words)
        if len(phrase) < 4:
            continue
        k = title.find(words[0], 0)
        s0 = a + (k if k >= 0 else 0)
        e0 = a + title.find(words[-1], k) + len(words[-1]) if k >= 0 else b
        out.append((phrase, s0, max(e0, s0 + 1)))
    return out[:2]


@lru_cache(maxsize=4096)
def _nkey(s: str) -> str:
    s = re.sub(r"\s*\([^)]*\)", "", s)  # "Inclusive Local Governance Programme (ILGP)" is the programme
    return re.sub(r"[^\w]+", " ", re.sub(r"['’]s\b", "", s.casefold())).strip()


_ENDS_IN_KIND = re.compile(r"\b(?:fund|facility|programme|program|initiative|project|alliance|platform|partnership|"
                           r"pilot|challenge|accelerator|network)$")


def _name_begins(title: str, org: str) -> bool:
    """"The Women Entrepreneurs Growth Fund" begins with "Women Entrepreneurs": the organisation noun is part of
    the initiative's own name, not a partner."""
    kt, ko = re.sub(r"^the ", "", _nkey(title)), re.sub(r"^the ", "", _nkey(org))
    return kt != ko and kt.startswith(ko + " ") and bool(_ENDS_IN_KIND.search(kt))


def _same_name(a: str, b: str) -> bool:
    ka, kb = _nkey(a), _nkey(b)
    return ka == kb or ka.endswith(kb) and len(kb) > 8


def _enumerations(hits: list[tuple[str, int, int]]) -> list[list[tuple[str, int, int]]]:
    """Runs of >= 2 countries written as one list ("Bangladesh, Nepal, Panama and Uruguay")."""
    runs, cur = [], []
    for h in hits:
        if cur and h[1] - cur[-1][2] <= 7:
            cur.append(h)
        else:
            if len(cur) >= 2:
                runs.append(cur)
            cur = [h]
    if len(cur) >= 2:
        runs.append(cur)
    return runs


_LOC_RE = re.compile(r"\b(?:in|at)\s+(?P<city>[A-Z][\w’'\-]+(?:\s[A-Z][\w’'\-]+){0,2}),\s+(?P<country>[A-Z][\w’'\-]+"
                     r"(?:\s[A-Z][\w’'\-]+){0,2})")


def _location(window: str, a: int, d: Draft) -> tuple[int, int] | None:
    """ "held in João Pessoa, Brazil" -> location João Pessoa; returns the country's span (not a focus country)."""
    for m in _LOC_RE.finditer(window):
        code = country_names.lookup(m.group("country"), fuzzy=False)
        if code and not country_names.lookup(m.group("city"), fuzzy=False):
            d.set("location", m.group("city"), (a + m.start("city"), a + m.end("city")))
            return (a + m.start("country"), a + m.end("country"))
    return None



_PROPER = re.compile(r"(?<![\w\-’'])([A-Z][\w\-]*(?:[ \t]+(?:(?:for|of)[ \t]+)?[A-Z][\w\-]*){0,8})")
_STOP_PROPER = {"dpg", "dpgs", "in", "as", "the", "a", "an", "this", "it", "ict", "ict4d", "sdg", "sdgs", "we", "our",
                "government", "ministry", "accelerator", "dpg accelerator", "strengthening", "supporting",
                "leveraging", "engaging", "conducted", "worked", "assisting", "including", "additionally",
                # sector acronyms, not organisations or products
                "wash", "stem", "hiv", "aids", "gbv", "ecd", "ict", "icts", "ai", "iot", "r&d", "ngo", "ngos"}


def named_things(value: str, start: int, d: Draft, known: list[OrgMention], titles: list[str]) -> None:
    """Named products, platforms and partners in a table cell ("Qlang", "OpenG2P", "Global Digital Library"):
    partners of unknown type, unless they are organisations already found or countries."""
    for m in _PROPER.finditer(value):
        phrase = m.group(1)
        s = m.start(1)
        if s == 0 or re.search(r"[.:;]\s*$", value[:s]):
            # the first word of a sentence is capitalised anyway: drop it ("Strengthening Project AEDES")
            parts = phrase.split(None, 1)
            if len(parts) < 2:
                continue
            phrase = parts[1]
        phrase = re.sub(r"^(?:DPGs?|the|[Oo]f|[Ff]or)\s+", "", phrase)
        s = value.find(phrase, s)
        if not phrase or phrase.casefold() in _STOP_PROPER or re.fullmatch(r"[A-Z]{1,2}", phrase):
            continue
        if len(phrase.split()) == 1 and (re.search(r"\b(?:in|at|from|across|near)\s+$", value[:s]) or re.match(
                r"^\s+(?:province|district|region|city|state|county|municipality|village)\b", value[s + len(phrase):])):
            continue  # a place ("in Nampula province"), not a partner
        if country_names.lookup(phrase, fuzzy=False) or any(_same_name(phrase, t) for t in titles):
            continue
        a, b = start + s, start + s + len(phrase)
        if any(o.start <= a < o.end or a <= o.start < b for o in known):
            continue
        depth = value.count("(", 0, s) - value.count(")", 0, s)
        if depth > 0 and (len(phrase.split()) > 1 or value[s + len(phrase):s + len(phrase) + 1] == ")"
                          and value[max(0, s - 1):s] == "(" and _just_added(d, value, s)):
            continue  # words in brackets explain; an acronym right after a name was kept with it
        acr = re.match(r"^\s*\(([A-Z][A-Z0-9\-]{1,9}s?)\)", value[s + len(phrase):])
        if acr:
            b = start + s + len(phrase) + acr.end()
            phrase = f"{phrase} ({acr.group(1)})"
        d.partner(phrase, "partner", "unknown", None, (a, b))


def _just_added(d: Draft, value: str, s: int) -> bool:
    return bool(d.partners) and d.partners[-1]["name"].endswith(f"({value[s:value.find(')', s)]})")
