"""Audit rule family: the IATI standard ruleset over records imported from IATI activity XML.

Each record imported from IATI remembers its document and the lines of its `iati-activity` element; the
element is cut from the stored document, parsed (hardened) and checked with the IATI standard ruleset
(IATI/IATI-Rulesets, JS edition). The standard ruleset is written for 2.0x, so 1.0x activities are not
checked with it. Every failing case becomes a finding that names the IATI rule id
(e.g. 6.11.1), its message, the file and line. Records from other sources are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from lxml import etree

from initiatives.audit.base import AuditContext, Rule
from initiatives.interop.rulesets import engine
from initiatives.model import Finding, Initiative, Span

RULE_ID = "iati-standard-ruleset"
_SEVERITY = {"error": "high", "critical": "high", "warning": "medium", "info": "low", "advisory": "low"}
_START = re.compile(r"<iati-activity(?=[\s/>])")
_END = "</iati-activity>"


def activity_xml(rec: Initiative, ctx: AuditContext) -> tuple[str, int, int] | None:
    """The record's `iati-activity` element as text, with its char offsets in the document. Cut from the
    record's own lines (`AuditContext.window`), so a file kept in pieces is read only where the record is."""
    if not str(rec.extras.get("iati_version", "")).startswith("2.") or rec.source_lines is None:
        return None
    doc = ctx.document_of(rec)
    win = ctx.window(rec) if doc is not None else None
    if doc is None or win is None:
        return None
    text, base = win
    anchor = next((sp.start - base for spans in rec.sources.values() for sp in spans
                   if sp.document == doc.sha256 and base <= sp.start < base + len(text)), None)
    if anchor is not None:  # a span inside the activity: its element starts at the last "<iati-activity" before
        at = text.rfind("<iati-activity", 0, anchor + 1)
        while at != -1 and text[at + 14:at + 15] not in (" ", ">", "/", "\n", "\t", "\r"):
            at = text.rfind("<iati-activity", 0, at)
        if at != -1:
            close = text.find(_END, at)
            if close != -1:
                return text[at:close + len(_END)], base + at, base + close + len(_END)
    ident = str(rec.extras.get("identifier") or "")
    for m in _START.finditer(text):
        close = text.find(_END, m.start())
        stop = close + len(_END) if close != -1 else len(text)
        chunk = text[m.start():stop]
        if not ident or ident in chunk:
            return chunk, base + m.start(), base + stop
    return None


def _parse(chunk: str, version: str) -> Any:
    wrapped = f'<iati-activities version="{version}">{chunk}</iati-activities>'.encode()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True,
                             recover=True)  # recover: d-portal extracts use prefixes declared on the root
    return etree.ElementTree(etree.fromstring(wrapped, parser))


def _check(ctx: AuditContext) -> Iterator[Finding]:
    ruleset = engine.standard()
    for rec in ctx.records:
        found = activity_xml(rec, ctx)
        if found is None:
            continue
        chunk, start, stop = found
        version = str(rec.extras.get("iati_version"))
        try:
            tree = _parse(chunk, version)
        except etree.XMLSyntaxError:
            continue
        doc = ctx.document_of(rec)
        seen: set[str] = set()
        for result in engine.run(ruleset, tree, today=ctx.today):
            if result.passed is not False:
                continue
            info = result.info
            rid = str(info.get("id") or result.rule)
            line = (rec.source_lines[0] if rec.source_lines else 1) + chunk.count("\n", 0, _offset(result, chunk))
            key = f"{rid}:{line}"
            if key in seen:
                continue
            seen.add(key)
            yield Finding(
                rule=RULE_ID, severity=_SEVERITY.get(str(info.get("severity")), "medium"),  # type: ignore[arg-type]
                initiative_ids=[rec.id] if rec.id else [], record=rec.label, field=None,
                message=f"IATI rule {rid}: {info.get('message') or result.rule} ({rec.source_document}:{line})",
                evidence=[Span(document=doc.sha256, start=start, end=stop)] if doc else [],
                evidence_text=rid, source_document=rec.source_document, source_lines=rec.source_lines,
            )


def _offset(result: engine.Result, chunk: str) -> int:
    """Roughly where the failing element starts inside the activity (its line), 0 for the activity."""
    el = result.element
    line = getattr(el, "sourceline", None)
    if not line or line <= 1:
        return 0
    pos = 0
    for _ in range(line - 1):
        nxt = chunk.find("\n", pos)
        if nxt == -1:
            break
        pos = nxt + 1
    return pos


def check(ctx: AuditContext) -> Iterable[Finding]:
    return list(_check(ctx))


RULES: list[Rule] = [
    Rule(id=RULE_ID, severity="medium",
         description="IATI standard ruleset (IATI Validator rules) on activities imported from IATI XML",
         check=check),
]
