"""The registry's database: tables, migrations and the `Store` facade."""

from initiatives.store.repository import (
    DEFAULT_URL,
    AuditSaveSummary,
    InitiativeQuery,
    SaveSummary,
    Store,
    finding_fingerprint,
    natural_key,
    normalise_url,
)

__all__ = [
    "DEFAULT_URL", "AuditSaveSummary", "InitiativeQuery", "SaveSummary", "Store", "finding_fingerprint",
    "natural_key", "normalise_url",
]
