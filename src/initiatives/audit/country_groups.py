"""Country-group family: `country-group-mismatch` — a record's countries do not fit the group or region it
says it serves (UN LDC / LLDC / SIDS lists with their dates, UN M49 regions from country_converter)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import lru_cache

from initiatives.audit import comments
from initiatives.audit.base import AuditContext, Rule, per_record
from initiatives.audit.evidence import finding
from initiatives.audit.layout import DocLayout, layout_of, record_text
from initiatives.model import Finding, Initiative
from initiatives.reference import countries as country_ref
from initiatives.reference import groups
from initiatives.reference import regions as regions_ref

_GROUP_NAMES = {"LDC": "least developed countries (LDCs)", "LLDC": "landlocked developing countries (LLDCs)",
                "SIDS": "small island developing States (SIDS)"}


def _coco():  # noqa: ANN202 - country_converter's table, loaded once
    return regions_ref.un_table()


@lru_cache(maxsize=1)
def regions() -> dict[str, frozenset[str]]:
    """Region names as documents write them -> ISO3 codes of their countries (UN M49 via country_converter)."""
    data = _coco()
    by_cont: dict[str, set[str]] = {}
    by_sub: dict[str, set[str]] = {}
    for iso3, sub, cont in zip(data["ISO3"], data["UNregion"], data["continent"], strict=True):
        by_cont.setdefault(str(cont), set()).add(iso3)
        by_sub.setdefault(str(sub), set()).add(iso3)
    subs = lambda *names: set().union(*(by_sub.get(n, set()) for n in names))  # noqa: E731
    latin = subs("South America", "Central America")
    table = {
        "africa": by_cont.get("Africa", set()), "asia": by_cont.get("Asia", set()),
        "europe": by_cont.get("Europe", set()), "oceania": by_cont.get("Oceania", set()),
        "the pacific": by_cont.get("Oceania", set()), "pacific": by_cont.get("Oceania", set()),
        "latin america": latin, "the caribbean": subs("Caribbean"), "caribbean": subs("Caribbean"),
        "east asia": subs("Eastern Asia", "South-eastern Asia"), "eastern asia": subs("Eastern Asia"),
        "south asia": subs("Southern Asia"), "southern asia": subs("Southern Asia"),
        "south-east asia": subs("South-eastern Asia"), "southeast asia": subs("South-eastern Asia"),
        "central asia": subs("Central Asia"), "western asia": subs("Western Asia"),
        "west africa": subs("Western Africa"), "western africa": subs("Western Africa"),
        "east africa": subs("Eastern Africa"), "eastern africa": subs("Eastern Africa"),
        "southern africa": subs("Southern Africa"), "north africa": subs("Northern Africa"),
        "northern africa": subs("Northern Africa"), "central africa": subs("Middle Africa"),
        "middle east": subs("Western Asia") | {"EGY"},
    }
    return {k: frozenset(v) for k, v in table.items()}


_REGION_CUE = re.compile(r"(?:countries|nations|states|economies)\s+(?:in|of|from|across)\s", re.I)


@lru_cache(maxsize=1)
def _region_re() -> re.Pattern[str]:
    names = sorted(regions(), key=len, reverse=True)
    one = "(?:" + "|".join(re.escape(n) for n in names) + ")"
    many = rf"{one}(?:(?:\s*,\s*|\s+and\s+(?:the\s+)?|\s+and\s+){one})*"
    return re.compile(rf"\b(?:countries|nations|states|economies)\s+(?:in|of|from|across)\s+(?:the\s+)?({many})"
                      rf"(?:\s+regions?)?", re.I)




@lru_cache(maxsize=1)
def _title_region() -> re.Pattern[str]:
    names = sorted(regions(), key=len, reverse=True)
    one = "(?:" + "|".join(re.escape(n) for n in names) + ")"
    return re.compile(rf"\bin\s+(?:the\s+)?({one}(?:\s+and\s+(?:the\s+)?{one})*)\s*$", re.I)


@lru_cache(maxsize=4096)
def _split_regions(text: str) -> list[str]:
    found = []
    rest = text.casefold()
    for name in sorted(regions(), key=len, reverse=True):
        if re.search(rf"\b{re.escape(name)}\b", rest):
            found.append(name)
            rest = re.sub(rf"\b{re.escape(name)}\b", " ", rest)
    return found


@lru_cache(maxsize=1)
def _country_patterns() -> list[tuple[str, re.Pattern[str]]]:
    data = _coco()
    return [(iso3, re.compile(rx, re.I)) for iso3, rx in zip(data["ISO3"], data["regex"], strict=True)
            if isinstance(rx, str) and country_ref.is_alpha3(iso3)]


def countries_named(text: str) -> list[str]:
    """ISO3 codes of the countries a text names (country_converter's name patterns)."""
    words = re.findall(r"[A-Z][\w'’-]+(?:\s+[A-Za-z][\w'’-]+){0,4}", text)
    if not words:
        return []
    out = []
    for iso3, rx in _country_patterns():
        if rx.search(text):
            out.append(iso3)
    return out


def _frame(rec: Initiative, today: dt.date) -> tuple[dt.date, dt.date]:
    start = rec.start.earliest() if rec.start else (rec.end.earliest() if rec.end else today)
    end = rec.end.latest() if rec.end else (rec.start.latest() if rec.start else today)
    return start, end


def _focus_line(lay: DocLayout | None, rec: Initiative) -> str | None:
    if lay is None:
        return None
    for f in lay.fields(rec):
        if re.search(r"countr", f.label, re.I):
            return lay.lines[f.line - 1].strip()
    return None


def _check(ctx: AuditContext, rec: Initiative) -> Iterable[Finding]:
    today = ctx.today or dt.date.today()
    lay = layout_of(ctx, rec)
    yield from _group_members(ctx, rec, lay, today)
    yield from _reviewer_countries(ctx, rec, lay)
    yield from _regions(ctx, rec, lay)


def _group_members(ctx: AuditContext, rec: Initiative, lay: DocLayout | None, today: dt.date) -> Iterable[Finding]:
    named: dict[str, str] = {}
    for g in rec.country_groups:
        c = groups.canonical(g)
        if c:
            named.setdefault(c, g)
    for m in groups.alias_pattern().finditer(rec.title or ""):
        c = groups.canonical(m.group(1))
        if c:
            named.setdefault(c, m.group(1))
    if not named or not rec.countries:
        return
    if rec.kind == "event" and len(rec.countries) == 1:
        return  # an event's one country is where it takes place, not whom it serves (a SIDS session in Bangkok)
    start, end = _frame(rec, today)
    outside = {c: [iso for iso in rec.countries if not groups.was_member_during(iso, c, start, end)] for c in named}
    if not all(outside.values()):
        # at least one named group holds every country: e.g. "LDCs, LLDCs and SIDS" names alternatives
        if len(named) > 1 and any(not v for v in outside.values()):
            covered = {iso for iso in rec.countries if any(groups.was_member_during(iso, c, start, end)
                                                           for c in named)}
            stray = [iso for iso in rec.countries if iso not in covered]
            if not stray:
                return
            outside = {c: stray for c in named}
        else:
            return
    stray = sorted({iso for v in outside.values() for iso in v}, key=rec.countries.index)
    if not stray:
        return
    names = ", ".join(country_ref.name(i) for i in stray)
    gnames = " / ".join(_GROUP_NAMES[c] for c in named)
    when = f"{start.year}" if start.year == end.year else f"{start.year}–{end.year}"
    quotes = []
    focus = _focus_line(lay, rec)
    if focus:
        quotes.append(focus.split(":", 1)[1].strip() if ":" in focus and rec.title and focus.count(":") == 1
                      and not focus.lower().startswith("focus") else focus)
    text = record_text(ctx, rec)
    for m in groups.alias_pattern().finditer(text):
        s = text.rfind(".", 0, m.start()) + 1
        e = text.find(".", m.end())
        sent = text[s:e if e > 0 else len(text)].strip()
        if sent and len(sent) < 200:
            quotes.append(sent)
        elif sent:
            a = text.find(" ", max(m.start() - 40, s)) + 1
            b = text.rfind(" ", m.end(), m.end() + 40)
            quotes.append(text[a if 0 < a <= m.start() else m.start():b if b > 0 else m.end()].strip())
        break
    flagged = comments.matching(ctx, rec, comments.NOT_IN_GROUP) if lay else []
    quotes += [c.value.strip() for c in flagged]
    yield finding(ctx, rec, f"The record says it serves {gnames}, but names countries that were not in that group "
                  f"in {when}: {names}.", quotes, field="countries", reviewer_flagged=bool(flagged))


def _reviewer_countries(ctx: AuditContext, rec: Initiative, lay: DocLayout | None) -> Iterable[Finding]:
    focus = _focus_line(lay, rec)
    if lay is None or focus is None or countries_named(focus.split(":", 1)[-1]):
        return
    for c in comments.remarks(ctx, rec):
        named = countries_named(c.value)
        if named:
            yield finding(ctx, rec, "The focus countries give only a group ('" + focus.split(":", 1)[-1].strip() +
                          "'), but the reviewer's Comment names the countries: " +
                          ", ".join(country_ref.name(i) for i in named) + ".",
                          [focus, lay.lines[c.line - 1].strip()], field="countries", reviewer_flagged=True)
            return


def _regions(ctx: AuditContext, rec: Initiative, lay: DocLayout | None) -> Iterable[Finding]:
    if not rec.countries:
        return
    text = record_text(ctx, rec)
    claims: list[tuple[str, list[str]]] = []
    for m in (_region_re().finditer(text) if _REGION_CUE.search(text) else ()):
        claims.append((m.group(0), _split_regions(m.group(1))))
    tm = _title_region().search(rec.title or "")
    if tm:
        claims.append((tm.group(0), _split_regions(tm.group(1))))
    if not claims:
        return
    table = regions()
    empty = []
    for phrase, names in claims:
        for name in names:
            if not set(rec.countries) & table[name]:
                empty.append((phrase, name))
    if not empty:
        return
    missing = sorted({n for _, n in empty})
    quotes = []
    if tm:
        quotes.append(tm.group(0).strip())
    quotes += [p for p, _ in claims if not tm or p != tm.group(0)]
    focus = _focus_line(lay, rec)
    if focus:
        quotes.append(focus)
    listed = ", ".join(country_ref.name(c) for c in rec.countries)
    yield finding(ctx, rec, f"The text places the project in {', '.join(n.title() for n in missing)}, but none "
                  f"of its countries ({listed}) is there.", quotes, field="countries")


RULES = [
    Rule("country-group-mismatch", "high", "A record says it serves LDCs / LLDCs / SIDS or a region, but names "
         "countries that are not in that group (at the record's time) or region.", per_record(_check)),
]
