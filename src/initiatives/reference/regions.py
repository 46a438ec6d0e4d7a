"""UN M49 regions of countries, from `country_converter`'s table (loaded once; it needs pandas)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def un_table() -> Any:
    """country_converter's country table (a pandas DataFrame with ISO3, UNregion, continent, ...)."""
    import country_converter as coco

    return coco.CountryConverter().data


@lru_cache(maxsize=1)
def _by_iso3() -> dict[str, tuple[str, str]]:
    data = un_table()
    return {str(i): (str(sub), str(cont)) for i, sub, cont in zip(data["ISO3"], data["UNregion"], data["continent"],
                                                                    strict=True)}


def subregion(iso3: str) -> str | None:
    """The M49 sub-region, e.g. "Southern Asia"; None for codes outside the table."""
    found = _by_iso3().get(iso3)
    return found[0] if found and found[0] not in ("nan", "not found") else None


def continent(iso3: str) -> str | None:
    found = _by_iso3().get(iso3)
    return found[1] if found and found[1] not in ("nan", "not found") else None
