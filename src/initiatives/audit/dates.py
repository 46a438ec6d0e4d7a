"""Dates family: `date-inconsistency` — dates that do not fit the record's time frame or each other."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable

from initiatives.audit.base import AuditContext, Rule
from initiatives.audit.duplicates import ORDINAL, analyse, ordinal
from initiatives.audit.evidence import finding
from initiatives.audit.layout import DocLayout, label, layout_of, record_text
from initiatives.audit.status import _section_lines
from initiatives.model import Finding, Initiative

MONTHS = ("january february march april may june july august september october november december").split()
DATE_RE = re.compile(r"\b(?:(\d{1,2})(?:\s*[-–]\s*\d{1,2})?\s+)?(" + "|".join(MONTHS) + r"),?\s+(\d{4})\b", re.I)
YEAR_RE = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
ACTIVITY = re.compile(r"prepar|under ?way|\bheld\b|organi[sz]|conduct|launch|train|workshop|seminar|meeting|tour|"
                      r"mission|participat|delivered|completed", re.I)


def _sentence(text: str, start: int, end: int) -> str:
    s = max(text.rfind(". ", 0, start) + 2, text.rfind("\n", 0, start) + 1, 0)
    if s == 1:
        s = 0
    e = text.find(". ", end)
    nl = text.find("\n", end)
    e = min(x for x in (e + 1 if e >= 0 else len(text), nl if nl >= 0 else len(text), len(text)))
    return text[s:e].strip()


def _frame_line(lay: DocLayout | None, rec: Initiative) -> str | None:
    if lay is None:
        return None
    for f in lay.fields(rec):
        if re.search(r"time ?frame|duration|period", f.label, re.I):
            return lay.lines[f.line - 1].strip()
    return None


def _outside_frame(ctx: AuditContext, rec: Initiative) -> Iterable[Finding]:
    if not rec.start:
        return
    lay = layout_of(ctx, rec)
    if lay is None:
        return
    start = rec.start.earliest()
    early = []
    for _n, _lab, line in _section_lines(lay, rec):
        for m in DATE_RE.finditer(line):
            month = MONTHS.index(m.group(2).lower()) + 1
            when = dt.date(int(m.group(3)), month, 1)
            if when >= start.replace(day=1):
                continue
            sent = _sentence(line, m.start(), m.end())
            if ACTIVITY.search(sent):
                early.append((when, sent))
    if early:
        quotes = [s for _, s in early][:2]
        frame = _frame_line(lay, rec)
        if frame:
            quotes.append(frame)
        first = min(w for w, _ in early)
        yield finding(ctx, rec, f"The accomplishments are dated before the project's time frame began ({rec.start}"
                      f"{' – ' + str(rec.end) if rec.end else ''}): they mention {first:%B %Y}.", quotes,
                      field="start")


def _announced(ctx: AuditContext, rec: Initiative) -> Iterable[Finding]:
    window = int(ctx.settings.get("announce_window_days", 7))
    a, s = rec.date_announced, rec.start
    if not (a and s and a.precision == "day" and s.precision == "day"):
        return
    gap = abs((a.earliest() - s.earliest()).days)
    if 0 < gap <= window:
        text = record_text(ctx, rec)
        quotes = []
        for d in (a, s):
            dd = d.earliest()
            pat = re.compile(rf"\b{dd.day}\s+{dd:%B},?\s+{dd.year}\b|\b{dd:%B}\s+{dd.day},?\s+{dd.year}\b")
            m = pat.search(text)
            if m:
                line_start = text.rfind("\n", 0, m.start()) + 1
                cut = text.rfind(" ", line_start, max(m.start() - 30, line_start))
                quotes.append(text[max(cut, line_start):m.end()].strip())
        yield finding(ctx, rec, f"Two dates for the same launch: announced on {a} but started (signed) on {s}; "
                      "the start and announcement dates are ambiguous.", quotes, field="start")


def _duplicates_frames(ctx: AuditContext) -> Iterable[Finding]:
    for p in analyse(ctx):
        if not p.duplicate:
            continue
        a, b = p.a, p.b
        if not ((a.start or a.end) and (b.start or b.end)):
            continue
        if (str(a.start), str(a.end)) == (str(b.start), str(b.end)):
            continue
        quotes = [q for q in (_frame_line(layout_of(ctx, a), a), _frame_line(layout_of(ctx, b), b)) if q]
        yield finding(ctx, a, f"The two records for this project ({label(a)} and {label(b)}) give different time "
                      f"frames: {a.start} – {a.end} and {b.start} – {b.end}.", quotes, others=[b], field="start")


def _series(ctx: AuditContext) -> Iterable[Finding]:
    """Numbered editions of one series ('9th', '10th' ...): an edition whose text is about another year."""
    groups: dict[tuple[str, str], list[Initiative]] = defaultdict(list)
    for rec in ctx.records:
        if ordinal(rec.title):
            base = ORDINAL.sub(" ", rec.title.split(",")[0]).casefold()
            groups[(rec.source_document or "", " ".join(base.split()))].append(rec)
    for (_doc, base), recs in groups.items():
        known: dict[int, int] = {}
        for r in recs:
            n = ordinal(r.title)
            text = record_text(ctx, r)
            for m in re.finditer(rf"\b{n}(?:st|nd|rd|th)\b", text):
                sent = _sentence(text, m.start(), m.end())
                years = YEAR_RE.findall(sent)
                if years and not sent.lower().startswith(("time frame", "duration")):
                    known[n] = int(years[-1])
                    break
        if not known:
            continue
        ref_n, ref_y = next(iter(sorted(known.items())))
        for r in recs:
            n = ordinal(r.title)
            if n in known:
                continue
            expected = ref_y - (ref_n - n)
            lay = layout_of(ctx, r)
            if lay is None:
                continue
            years, quotes = set(), []
            for _ln, _lab, line in _section_lines(lay, r):
                for m in YEAR_RE.finditer(line):
                    years.add(int(m.group(1)))
                    if len(quotes) < 1:
                        quotes.append(_sentence(line, m.start(), m.end())[:160])
            if years and expected not in years and max(years) < expected:
                frame = _frame_line(lay, r)
                yield finding(ctx, r, f"The dates belong to another year: this is edition {n} of a series whose "
                              f"edition {ref_n} took place in {ref_y}, so it should concern {expected}, but its "
                              f"accomplishments are about {', '.join(map(str, sorted(years)))}.",
                              [lay.lines[r.source_lines[0] - 1].strip(), *quotes, *([frame] if frame else [])],
                              field="start")


def _check(ctx: AuditContext) -> Iterable[Finding]:
    for rec in ctx.records:
        for fn in (_outside_frame, _announced):
            try:
                yield from list(fn(ctx, rec))
            except Exception as exc:  # noqa: BLE001
                ctx.errors.append((ctx.rule_id, label(rec), f"{type(exc).__name__}: {exc}"))
    yield from _duplicates_frames(ctx)
    yield from _series(ctx)


RULES = [
    Rule("date-inconsistency", "medium", "Dates that contradict the record: accomplishments dated outside its time "
         "frame, two time frames for one project, an edition of a series dated in another year, two launch "
         "dates.", _check, scope="collection"),
]
