"""What a document's own reviewer remarks (`Comment:` lines) say, sorted by the rule they point at.

A remark does not make a finding on its own in every case; rules use it as extra evidence and to mark a
finding `reviewer_flagged`.
"""

from __future__ import annotations

import re

from initiatives.audit.base import AuditContext
from initiatives.audit.layout import Field, layout_of
from initiatives.model import Initiative

# The remark says the work is still going on (a past record whose text was never updated).
IN_PROGRESS = re.compile(r"\b(is|are) being (implemented|carried out|executed)|\bhas been extended\b|"
                         r"\bstill (running|ongoing|active|under way|underway)\b|\bongoing\b", re.I)
# The remark says the work ended, or questions whether it did.
ENDED = re.compile(r"\b(concluded|closed|completed|finished|has ended|have ended|supposed to (have )?end(ed)?|"
                   r"check (the )?status|status (is )?unclear)\b", re.I)
# The remark says a value is absent.
ABSENT = re.compile(r"\b(not (listed|given|provided|stated|specified|named)|missing|no \w+ (is|are) (listed|given))\b",
                    re.I)
# The remark disputes group membership ("X and Y are not LDCs").
NOT_IN_GROUP = re.compile(r"\bnot (an? )?(LDC|LLDC|SIDS|least developed|landlocked|small island)", re.I)


def remarks(ctx: AuditContext, rec: Initiative) -> list[Field]:
    lay = layout_of(ctx, rec)
    return lay.comments(rec) if lay is not None else []


def matching(ctx: AuditContext, rec: Initiative, pattern: re.Pattern[str]) -> list[Field]:
    return [c for c in remarks(ctx, rec) if pattern.search(c.value)]


def quote(c: Field, lines: list[str] | None = None) -> str:
    """The remark as written (without trailing blanks), for evidence."""
    return c.value.rstrip() if lines is None else lines[c.line - 1].strip()
