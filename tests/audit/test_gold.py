"""The audit on the four seed documents, measured against the hand-made gold findings."""

from __future__ import annotations

import re
from collections import Counter


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace("’", "'")).strip().casefold()


def _key(doc: str, rule: str, record: str) -> tuple[str, str, str]:
    return doc, rule, _norm(record)


def test_every_reviewer_flagged_finding_is_found(gold_run):
    _store, gold, result, _docs = gold_run
    found = Counter(_key(f.source_document or "", f.rule, f.record) for f in result.findings)
    flagged = [g for g in gold if g["reviewer_flagged"]]
    assert len(flagged) == 8
    missing = [g for g in flagged if not found[_key(g["doc"], g["rule"], g["record"])]]
    assert missing == []


def test_recall_and_precision_meet_targets(gold_run):
    _store, gold, result, _docs = gold_run
    pred = Counter(_key(f.source_document or "", f.rule, f.record) for f in result.findings)
    want = Counter(_key(g["doc"], g["rule"], g["record"]) for g in gold)
    matched = sum(min(n, pred[k]) for k, n in want.items())
    assert matched / len(gold) >= 0.85
    assert matched / sum(pred.values()) >= 0.80


def test_evidence_quotes_the_document_exactly(gold_run):
    _store, _gold, result, docs = gold_run
    by_name = {d.name: d for d in docs}
    assert result.findings
    for f in result.findings:
        text = by_name[f.source_document].text
        for quote in f.evidence_text.split(" | "):
            assert quote in text, (f.rule, f.record, quote)
        for span in f.evidence:
            assert text[span.start:span.end] == span.text


def test_findings_name_their_record_and_lines(gold_run):
    _store, _gold, result, _docs = gold_run
    untitled = [f for f in result.findings if f.record.startswith("untitled")]
    assert untitled and all(re.fullmatch(r"untitled current project \(line \d+\)", f.record) for f in untitled)
    assert all(f.source_lines and f.source_document for f in result.findings)
    assert result.errors == []
