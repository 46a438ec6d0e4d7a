"""Run the audit: load the rule families, run each enabled rule, keep going when one fails."""

from __future__ import annotations

import datetime as dt
import importlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from initiatives.audit import config as config_mod
from initiatives.audit.base import AuditContext, LineReader, Rule
from initiatives.errors import InputError
from initiatives.model import Document, Finding, Initiative

# The families the runner knows without configuration. The interop engineer's IATI rulesets join with one line.
FAMILIES: list[str] = [
    "initiatives.audit.completeness",
    "initiatives.audit.status",
    "initiatives.audit.country_groups",
    "initiatives.audit.duplicates",
    "initiatives.audit.spelling",
    "initiatives.audit.dates",
    "initiatives.audit.funding",
    "initiatives.audit.iati_rules",
]


@dataclass
class AuditResult:
    findings: list[Finding]
    rules_run: list[str]
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (rule, record, problem)
    seconds: dict[str, float] = field(default_factory=dict)


def load_rules(families: list[str] | None = None) -> list[Rule]:
    rules: list[Rule] = []
    for name in families or FAMILIES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise InputError(f"cannot load rule family: {exc}", field="audit.families") from None
        rules.extend(getattr(module, "RULES", []))
    return rules


def known_rule_ids(families: list[str] | None = None) -> set[str]:
    return {r.id for r in load_rules(families)}


def documents_index(docs: list[Document]) -> dict[str, Document]:
    out: dict[str, Document] = {}
    for d in docs:
        out[d.name] = d
        out[d.sha256] = d
    return out


def run(records: list[Initiative], documents: Mapping[str, Document] | list[Document] | None = None, *,
        cfg: dict[str, Any] | None = None, config_path: Path | None = None, today: dt.date | None = None,
        only: set[str] | None = None, pieces: LineReader | None = None) -> AuditResult:
    """Audit `records` (with their `documents`). `only` limits the run to some rule ids. `pieces` reads the
    lines of documents passed without their text (large files kept in pieces: `audit.documents.from_store`)."""
    if cfg is None:
        base = config_mod.default()
        fams = base.get("audit", {}).get("families") or FAMILIES
        cfg = config_mod.load(config_path, known_rules=known_rule_ids(fams))
    families = cfg.get("audit", {}).get("families") or FAMILIES
    if isinstance(documents, list):
        documents = documents_index(documents)
    ctx = AuditContext(records=records, documents=documents or {}, today=today or dt.date.today(), pieces=pieces)
    findings: list[Finding] = []
    rules_run: list[str] = []
    seconds: dict[str, float] = {}
    for rule in load_rules(families):
        settings = config_mod.rule_settings(cfg, rule.id, rule.severity)
        if not settings["enabled"] or (only and rule.id not in only):
            continue
        rctx = ctx.for_rule(rule.id, settings)
        t0 = time.perf_counter()
        try:
            for f in rule.check(rctx):
                findings.append(f)
        except Exception as exc:  # a broken rule is reported, the others still run
            ctx.errors.append((rule.id, "(all records)", f"{type(exc).__name__}: {exc}"))
        rules_run.append(rule.id)
        seconds[rule.id] = round(time.perf_counter() - t0, 3)
    return AuditResult(findings=_dedupe(findings), rules_run=rules_run, errors=list(ctx.errors), seconds=seconds)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: dict[tuple[str, str, str | None, str], Finding] = {}
    for f in findings:
        seen.setdefault((f.rule, f.record, f.source_document, f.evidence_text), f)
    return list(seen.values())
