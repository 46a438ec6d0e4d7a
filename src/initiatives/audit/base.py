"""The shape of an audit rule, and what a rule gets to look at.

A rule is a small named unit: an id, a severity, a one-line description and a check. The check takes an
`AuditContext` (all records of the run, their documents, the rule's settings) and yields Findings. Rules
over one record loop over `ctx.records`; rules across records build an index (never all pairs).
Families (one module each) expose a module-level `RULES: list[Rule]`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from initiatives.model import Document, Finding, Initiative, Severity


@dataclass
class AuditContext:
    """Everything one audit run sees."""

    records: list[Initiative]
    documents: Mapping[str, Document] = field(default_factory=dict)  # by file name (Document.name) and by sha256
    settings: Mapping[str, Any] = field(default_factory=dict)  # this rule's [rules.<id>] table from the config
    today: Any = None  # datetime.date the run treats as "now" (tests pin it)
    # shared work between rules of one run (document layouts, text indexes), keyed by the helper that built it
    cache: dict[str, Any] = field(default_factory=dict)
    # problems met while checking: (rule id, record label, message); a failing record never stops the others
    errors: list[tuple[str, str, str]] = field(default_factory=list)
    rule_id: str = ""  # the rule being run (set by the runner)

    def document_of(self, rec: Initiative) -> Document | None:
        """The document a record was read from, if it is stored."""
        if rec.source_document and rec.source_document in self.documents:
            return self.documents[rec.source_document]
        for spans in rec.sources.values():
            for s in spans:
                if s.document in self.documents:
                    return self.documents[s.document]
        return None

    def block_text(self, rec: Initiative) -> str:
        """The lines of its document that hold the record (`source_lines`), or its summary if none."""
        doc = self.document_of(rec)
        if doc is None or rec.source_lines is None:
            return rec.summary or ""
        first, last = rec.source_lines
        return "\n".join(doc.text.splitlines()[first - 1:last])


    def for_rule(self, rule_id: str, settings: Mapping[str, Any]) -> AuditContext:
        """The same run seen by another rule: shares records, documents, cache and errors."""
        return AuditContext(records=self.records, documents=self.documents, settings=settings, today=self.today,
                            cache=self.cache, errors=self.errors, rule_id=rule_id)


Check = Callable[[AuditContext], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    description: str
    check: Check
    scope: str = "record"  # "record": looks at one record at a time; "collection": across records


def per_record(fn: Callable[[AuditContext, Initiative], Iterable[Finding]]) -> Check:
    """Turn a one-record check into a rule check: a record that makes it raise is reported in `ctx.errors`
    (with the record's label) and the other records are still checked."""

    def check(ctx: AuditContext) -> Iterable[Finding]:
        for rec in ctx.records:
            try:
                yield from list(fn(ctx, rec))
            except Exception as exc:  # noqa: BLE001 - reported, never stops the run
                name = rec.code or rec.title or (f"#{rec.id}" if rec.id else "untitled")
                ctx.errors.append((ctx.rule_id, str(name), f"{type(exc).__name__}: {exc}"))

    return check
