"""Funding family: `funding-inconsistency` — budgets that cannot be right."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from initiatives.audit.base import AuditContext, Rule
from initiatives.audit.duplicates import _overlap, analyse, position
from initiatives.audit.evidence import finding
from initiatives.audit.layout import label, layout_of
from initiatives.model import Finding, Initiative


def _budget_line(ctx: AuditContext, rec: Initiative) -> str | None:
    lay = layout_of(ctx, rec)
    if lay is None:
        return None
    for f in lay.fields(rec):
        if "budget" in f.label.lower() and f.value:
            return lay.lines[f.line - 1].strip()
    return None


def _frame_line(ctx: AuditContext, rec: Initiative) -> str | None:
    lay = layout_of(ctx, rec)
    if lay is None:
        return None
    for f in lay.fields(rec):
        if "frame" in f.label.lower() or "duration" in f.label.lower():
            return lay.lines[f.line - 1].strip()
    return None


def _check(ctx: AuditContext) -> Iterable[Finding]:
    for rec in ctx.records:
        if rec.budget is not None and rec.budget.amount <= 0:
            yield finding(ctx, rec, f"The budget is {rec.budget.amount} {rec.budget.currency}: a budget must be "
                          "positive.", [q for q in [_budget_line(ctx, rec)] if q], field="budget")
    # the same budget and the same time frame in two different records: funding data copied across
    dup_pairs = {frozenset((id(p.a), id(p.b))) for p in analyse(ctx) if p.duplicate}
    blocks: dict[tuple, list[Initiative]] = defaultdict(list)
    for rec in ctx.records:
        if rec.budget and rec.start and rec.end:
            blocks[(rec.budget.amount, rec.budget.currency, str(rec.start), str(rec.end))].append(rec)
    for (amount, currency, start, end), recs in blocks.items():
        if len(recs) < 2 or len(recs) > 5:
            continue
        recs = sorted(recs, key=position)
        first, others = recs[0], [r for r in recs[1:] if frozenset((id(recs[0]), id(r))) not in dup_pairs
                                  and not _overlap(recs[0], r)]
        if not others:
            continue
        names = ", ".join(label(o) for o in others)
        quotes = [q for q in [_budget_line(ctx, first)] + [_budget_line(ctx, o) for o in others] +
                  [_frame_line(ctx, first)] if q]
        yield finding(ctx, first, f"The budget ({currency} {amount:,.0f}) and time frame ({start} – {end}) are "
                      f"identical to those of {names}, a different project: the funding data were probably copied "
                      "from one record to the other.", quotes, others=others, field="budget")


RULES = [
    Rule("funding-inconsistency", "medium", "A budget that cannot be right: not positive, or identical (with the "
         "time frame) to another project's.", _check, scope="collection"),
]
