"""Status family: `stale-status` — the status or its wording no longer fits the record's dates or section."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from initiatives.audit import comments
from initiatives.audit.base import AuditContext, Rule, per_record
from initiatives.audit.evidence import finding
from initiatives.audit.layout import DocLayout, LABEL_RE, is_past, layout_of
from initiatives.model import Finding, Initiative

# Sections that should report what was achieved.
RESULTS_LABEL = re.compile(r"\b(accomplishments?|achievements?|results?|progress|outcomes?)\b", re.I)
EXPECTED_LABEL = re.compile(r"\b(expected|planned|intended|anticipated)\b", re.I)
# Wording of work still in progress or yet to come.
IN_PROGRESS = re.compile(
    r"\bto[- ]date\b|\bunder ?way\b|\bongoing\b|\b(is|are) being \w+ed\b|\bthis year['’]s\b|\bcurrently\b|"
    r"\bwill (be|also|continue)\b|\bto be (organi[sz]ed|held|conducted|delivered|developed|launched)\b|"
    r"\bexpected (accomplish|result|outcome|achievement)\w*|\bare planned\b", re.I)
GERUND_BULLET = re.compile(r"^\s*[-*•]\s*(Maintaining|Continuing|Ensuring|Preparing|Organi[sz]ing|Developing)\b")


def _section_lines(lay: DocLayout, rec: Initiative) -> list[tuple[int, str, str]]:
    """(line, section label, text) for the lines of the record's results sections."""
    if not rec.source_lines:
        return []
    out, current, first = [], None, rec.source_lines[0]
    for n in range(first, min(rec.source_lines[1], len(lay.lines)) + 1):
        line = lay.lines[n - 1]
        m = LABEL_RE.match(line)
        if m and len(m.group(1).split()) <= 5:
            lab = m.group(1)
            current = lab if RESULTS_LABEL.search(lab) and not EXPECTED_LABEL.search(lab) else None
            if current:
                out.append((n, lab, line))
            continue
        if current and line.strip():
            out.append((n, current, line))
    return out


def _evidence_sentence(line: str, m: re.Match[str]) -> str:
    start = max(line.rfind(". ", 0, m.start()) + 2, line.rfind(": ", 0, m.start()) + 2, 0)
    start = max(start, len(line) - len(line.lstrip(" -*•")))
    end = line.find(". ", m.end())
    end = len(line.rstrip()) if end < 0 else end
    text = line[start:end].strip()
    if len(text) <= 160:
        return text
    s = line.rfind(" ", start, max(m.start() - 60, start)) + 1 or start
    e = line.find(" ", min(m.end() + 60, len(line)))
    return line[max(s, start):e if e > 0 else len(line)].strip()


def _check(ctx: AuditContext, rec: Initiative) -> Iterable[Finding]:
    today = ctx.today or dt.date.today()
    if rec.end and rec.end.latest() < today and rec.status in ("ongoing", "planned"):
        yield finding(ctx, rec, f"The record ended in {rec.end} but its status is still '{rec.status}'.",
                      [], field="status")
    if not is_past(rec, today):
        return
    lay = layout_of(ctx, rec)
    if lay is None:
        return
    claims = comments.matching(ctx, rec, comments.IN_PROGRESS)
    for c in claims:
        yield finding(ctx, rec, "The reviewer's Comment describes the work as still running, but the record is "
                      f"past{' and its time frame ended in ' + str(rec.end) if rec.end else ''}: "
                      "the status text is out of date.", [lay.lines[c.line - 1].strip()], field="status",
                      reviewer_flagged=True)
    hits: list[str] = []
    labels: list[str] = []
    for n, lab, line in _section_lines(lay, rec):
        if IN_PROGRESS.search(lab) and line.strip().startswith(lab):
            hits.append(f"{lab}")
            labels.append(lab)
        body = line.split(":", 1)[1] if line.strip().startswith(lab) else line
        m = IN_PROGRESS.search(body) or GERUND_BULLET.search(line)
        if m:
            mm = IN_PROGRESS.search(line) or GERUND_BULLET.search(line)
            if mm:
                hits.append(_evidence_sentence(line, mm))
    ended = [c for c in comments.matching(ctx, rec, comments.ENDED) if c not in claims]
    if not hits and not ended:
        return
    quotes = [lay.lines[c.line - 1].strip() for c in ended] + [h for h in hits if h not in labels] + labels[:1]
    parts = []
    if ended:
        parts.append(f"The reviewer notes: “{ended[0].value.strip()}”.")
    if hits:
        parts.append("The record is past" + (f" (time frame ended {rec.end})" if rec.end else "") +
                     ", but what it reports as accomplished is still written as work in progress or expected "
                     "results.")
    else:
        parts.append("The status of this past record is in question.")
    yield finding(ctx, rec, " ".join(parts), quotes[:4], field="status", reviewer_flagged=bool(ended))


RULES = [
    Rule("stale-status", "medium", "The status or its wording is out of date: an end date passed but the record "
         "is not completed, or a past record still reports work in progress.", per_record(_check)),
]
