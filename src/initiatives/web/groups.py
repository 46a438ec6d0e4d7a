"""Country group memberships (LDC, LLDC, SIDS, ...) from the reference package, when it provides them.

The reference data for groups is a versioned file owned by another part of the project; until it is there,
countries simply show no groups.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _lookup() -> Any:
    try:
        module = importlib.import_module("initiatives.reference.groups")
    except ImportError:
        return None
    return getattr(module, "groups_of", None)


def groups_of(iso3: str) -> list[str]:
    fn = _lookup()
    if fn is None:
        return []
    try:
        return sorted(fn(iso3))
    except Exception:  # a reference module with another signature must not break a page
        return []
