"""Completeness family: `missing-field`, `stale-record`, and the completeness score shown with findings."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from initiatives.audit import comments
from initiatives.audit.base import AuditContext, Rule
from initiatives.audit.evidence import finding
from initiatives.audit.layout import DocLayout, Field, label, layout_of, layouts
from initiatives.model import Finding, Initiative

# Labelled lines of listings ("Proposed Budget:", "Lead Division:") and the record field they stand for.
_LABEL_FIELDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"budget|amount|cost", re.I), "budget"),
    (re.compile(r"fund|donor|financ", re.I), "funding_source"),
    (re.compile(r"division|lead unit|department|branch", re.I), "lead_unit"),
    (re.compile(r"partner", re.I), "partners"),
    (re.compile(r"countr", re.I), "countries"),
    (re.compile(r"time ?frame|duration|period|dates?\b", re.I), "dates"),
)
_WORDS = {"budget": "budget", "funding_source": "funding source", "lead_unit": "division", "partners": "partners",
          "countries": "focus countries", "dates": "time frame", "code": "code", "title": "title",
          "start": "start date", "end": "end date"}
_RECORD_FIELDS = ("code", "title", "start", "end")


def label_field(text: str) -> str | None:
    for pattern, name in _LABEL_FIELDS:
        if pattern.search(text):
            return name
    return None


def has_value(rec: Initiative, name: str) -> bool:
    value = getattr(rec, name, None)
    return value not in (None, "", [], {})


def completeness(rec: Initiative, kinds: Mapping[str, Any]) -> float:
    """Share of the fields its kind should have (`[kinds.<kind>].expected`) that the record has."""
    expected = list(kinds.get(rec.kind, {}).get("expected", []))
    if not expected:
        return 1.0
    return sum(1 for f in expected if has_value(rec, f)) / len(expected)


def _labelled(lay: DocLayout, rec: Initiative) -> dict[str, Field]:
    """The record's labelled lines, by the field they stand for (first one wins; filled ones preferred)."""
    out: dict[str, Field] = {}
    for f in lay.fields(rec):
        name = label_field(f.label)
        if name and (name not in out or (not out[name].value and f.value)):
            out[name] = f
    return out


def _filled(lay: DocLayout, rec: Initiative, f: Field) -> bool:
    if f.value:
        return True
    # a header label whose value is on the following lines ("Partners:" then a list) is filled
    nxt = next((ln for ln in lay.lines[f.line:f.line + 3] if ln.strip()), "")
    return bool(nxt) and f.line < (rec.source_lines or (0, 0))[1] and not _is_label_line(nxt)


def _is_label_line(line: str) -> bool:
    from initiatives.audit.layout import LABEL_RE

    m = LABEL_RE.match(line)
    return bool(m and len(m.group(1).split()) <= 5)


def _peer_missing(ctx: AuditContext, lay: DocLayout) -> dict[int, tuple[list[str], list[str]]]:
    """For each record (by position) the fields most of its siblings have and it lacks, with evidence."""
    share = float(ctx.settings.get("peer_share", 0.5))
    rec_share = float(ctx.settings.get("record_peer_share", 0.75))
    min_peers = int(ctx.settings.get("min_peers", 3))
    groups: dict[tuple[str, str | None], list[Initiative]] = defaultdict(list)
    for rec in lay.records:
        groups[(rec.kind, rec.status)].append(rec)
    out: dict[int, tuple[list[str], list[str]]] = {}
    for peers in groups.values():
        if len(peers) < min_peers:
            continue
        labelled = {id(r): _labelled(lay, r) for r in peers}
        filled = {id(r): {n for n, f in labelled[id(r)].items() if _filled(lay, r, f)} for r in peers}
        counts: dict[str, int] = defaultdict(int)
        for r in peers:
            for n in filled[id(r)]:
                counts[n] += 1
        for r in peers:
            missing, quotes = [], []
            for name in _RECORD_FIELDS:
                present = sum(1 for p in peers if has_value(p, name))
                if present / len(peers) >= rec_share and not has_value(r, name):
                    missing.append(name)
            order = [name for _, name in _LABEL_FIELDS]
            for name, n in sorted(counts.items(), key=lambda kv: order.index(kv[0])):
                if n / len(peers) < share or name in filled[id(r)]:
                    continue
                if name == "countries" and (r.countries or r.country_groups):
                    continue
                if name == "dates" and (r.start or r.end):
                    continue
                if has_value(r, name) and name != "countries":
                    continue
                missing.append(name)
                f = labelled[id(r)].get(name)
                if f is not None:  # the label is there with nothing after it
                    quotes.append(lay.lines[f.line - 1].strip())
            if missing:
                out[id(r)] = (missing, quotes)
    return out


def _words(names: list[str], conj: str = "or") -> str:
    ws = [_WORDS.get(n, n.replace("_", " ")) for n in dict.fromkeys(names)]
    return ws[0] if len(ws) == 1 else ", ".join(ws[:-1]) + f" {conj} " + ws[-1]


def _missing_field(ctx: AuditContext) -> Iterable[Finding]:
    kinds = ctx.settings.get("kinds", {})
    per_doc = {name: _peer_missing(ctx, lay) for name, lay in layouts(ctx).items()}
    for rec in ctx.records:
        try:
            yield from _missing_for(ctx, rec, kinds, per_doc)
        except Exception as exc:  # noqa: BLE001
            ctx.errors.append((ctx.rule_id, label(rec), f"{type(exc).__name__}: {exc}"))
    for lay in layouts(ctx).values():
        yield from _lost_values(ctx, lay)


def _missing_for(ctx: AuditContext, rec: Initiative, kinds: Mapping[str, Any],
                 per_doc: dict[str, dict[int, tuple[list[str], list[str]]]]) -> Iterable[Finding]:
    lay = layout_of(ctx, rec)
    required = [f for f in kinds.get(rec.kind, {}).get("required", []) if not has_value(rec, f)]
    missing, quotes = list(required), []
    peer_found = bool(required)
    if lay is not None:
        peer = per_doc.get(lay.doc.name, {}).get(id(rec))
        if peer:
            missing += peer[0]
            quotes += peer[1]
            peer_found = True
    remarks = comments.matching(ctx, rec, comments.ABSENT)
    if not missing and not remarks:
        return
    if remarks and not missing:
        missing = ["countries"] if not rec.countries else []
    if "dates" in missing and ("start" in missing or "end" in missing):
        missing.remove("dates")
    parts = []
    if missing and peer_found:
        if quotes and len(missing) == 1:
            parts.append(f"The {_words(missing)} is empty: '{quotes[0]}' has nothing after it.")
        else:
            parts.append(f"Missing: {_words(missing, 'and')}" + (" (most other entries of this kind in the document "
                                                                  "have them)." if lay is not None else "."))
    if remarks and "countries" in missing and not rec.countries:
        groups = ", ".join(rec.country_groups)
        parts.append("The focus countries are not listed" + (f": only the group(s) {groups} are given." if groups
                                                            else "."))
    if not quotes and lay is not None and rec.source_lines:
        quotes.append(_anchor(lay, rec, missing))
    for r in remarks:
        parts.append(f"Reviewer: “{r.value.strip()}”")
        quotes.append(lay.lines[r.line - 1].strip() if lay else r.value)
    yield finding(ctx, rec, " ".join(parts), quotes, field=missing[0] if missing else None,
                  reviewer_flagged=bool(remarks))


def _anchor(lay: DocLayout, rec: Initiative, missing: list[str]) -> str:
    """A line to quote for a field that is absent: the focus-countries line if any, else the last labelled
    line, else the record's first line."""
    fields = lay.fields(rec)
    for f in fields:
        if label_field(f.label) == "countries" and "countries" in missing:
            return lay.lines[f.line - 1].strip()
    if fields:
        return lay.lines[fields[-1].line - 1].strip()
    return lay.lines[rec.source_lines[0] - 1].strip()[:120]


_DANGLING = re.compile(r"[,;]\s*$")


def _lost_values(ctx: AuditContext, lay: DocLayout) -> Iterable[Finding]:
    """Lines that promise a value the text no longer has: 'visit:' with no link, a contact line ending in ','."""
    cues = [c.casefold() for c in ctx.settings.get("url_cues", [])]
    links: dict[int, list[str]] = defaultdict(list)
    dangling: dict[int, list[str]] = defaultdict(list)
    owners: dict[int, Initiative] = {}
    n = len(lay.lines)
    for i, raw in enumerate(lay.lines, start=1):
        line = raw.strip()
        if not line:
            continue
        nxt = next((ln.strip() for ln in lay.lines[i:i + 4] if ln.strip()), "")
        rec = lay.owner(i)
        if rec is None:
            continue
        if line.endswith(":"):
            words = re.findall(r"[\w-]+", line[:-1].casefold())
            tail = " ".join(words[-2:])
            if words and (words[-1] in cues or tail in cues) and not re.match(r"(https?://|www\.|\[|<)", nxt):
                tail = re.split(r"(?<=[.!?])\s+", line)[-1]
                links[id(rec)].append(tail)
                owners[id(rec)] = rec
        elif _DANGLING.search(line) and len(line) < 120 and i < n and (not nxt or nxt[:1].isupper()):
            if re.search(r"\d", line) or "@" in line:  # a contact or reference line cut after its last comma
                dangling[id(rec)].append(line)
                owners[id(rec)] = rec
    for key, quotes in links.items():
        yield finding(ctx, owners[key], "Link targets were lost: " + ("these lines end" if len(quotes) > 1 else
                      "this line ends") + " with a colon and no address after it.", quotes, field="url")
    for key, quotes in dangling.items():
        yield finding(ctx, owners[key], "Contact or reference lines end in a trailing comma with nothing after "
                      "it: the last value (an e-mail address or link) was stripped.", quotes, field="contact")


def _stale_record(ctx: AuditContext) -> Iterable[Finding]:
    days = int(ctx.settings.get("days", 180))
    today = ctx.today or dt.date.today()
    for rec in ctx.records:
        touched = rec.updated_at or rec.created_at
        if touched is None:
            continue
        age = (today - touched.date()).days
        if age > days:
            yield finding(ctx, rec, f"Nobody has touched this record for {age} days (last change "
                          f"{touched.date().isoformat()}); check that it is still accurate.", [],
                          field="updated_at")


RULES = [
    Rule("missing-field", "medium", "A field the record's kind requires, or that most sibling entries in the "
         "same document have, is absent or empty.", _missing_field),
    Rule("stale-record", "low", "Nobody has edited the record for longer than the configured number of days.",
         _stale_record),
]
