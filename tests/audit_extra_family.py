"""A rule family defined outside the package, to show that a family joins the run with one line."""

from initiatives.audit.base import Rule, per_record
from initiatives.audit.evidence import finding


def _no_code(ctx, rec):
    if not rec.code:
        yield finding(ctx, rec, "The record has no identifier.", [])


RULES = [Rule("iati-identifier-missing", "high", "An activity without an identifier.", per_record(_no_code))]
