"""Country group memberships (LDC, LLDC, SIDS, ...) from `initiatives.reference.groups`, when it is there.

That module (a versioned data file with its source, owned by the audit work) offers `GROUPS` and
`is_member(iso3, group, on=None)`; a `groups_of(iso3)` is used if it offers one. Without the module,
countries simply show no groups.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import lru_cache


@lru_cache(maxsize=1)
def _lookup() -> Callable[[str], list[str]] | None:
    try:
        module = importlib.import_module("initiatives.reference.groups")
    except ImportError:
        return None
    direct = getattr(module, "groups_of", None)
    if callable(direct):
        return lambda iso3: sorted(direct(iso3))
    names, is_member = getattr(module, "GROUPS", None), getattr(module, "is_member", None)
    if names and callable(is_member):
        return lambda iso3: [g for g in names if is_member(iso3, g)]
    return None


@lru_cache(maxsize=512)
def groups_of(iso3: str) -> list[str]:
    """The groups a country belongs to today."""
    fn = _lookup()
    if fn is None:
        return []
    try:
        return list(fn(iso3))
    except Exception:  # reference data of another shape must not break a page
        return []
