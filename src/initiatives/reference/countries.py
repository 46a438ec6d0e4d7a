"""ISO 3166-1 countries from `pycountry`, plus the user-assigned code XKX for Kosovo (no ISO code exists)."""

from __future__ import annotations

from functools import lru_cache

import pycountry

# Codes in common use that ISO 3166-1 leaves unassigned; name them here with their reason.
USER_ASSIGNED: dict[str, str] = {
    "XKX": "Kosovo",  # used by the EU, IMF, World Bank and IATI for Kosovo (UNSCR 1244)
}


@lru_cache(maxsize=1)
def _by_alpha3() -> dict[str, str]:
    table = {c.alpha_3: getattr(c, "common_name", None) or c.name for c in pycountry.countries}
    table.update(USER_ASSIGNED)
    return table


def is_alpha3(code: str) -> bool:
    return code in _by_alpha3()


def name(code: str) -> str:
    """The short English name of a country code, or the code itself if it is unknown."""
    return _by_alpha3().get(code, code)


def all_codes() -> list[str]:
    return sorted(_by_alpha3())


def alpha2_to_alpha3(code: str) -> str | None:
    """Map an ISO alpha-2 code (as IATI uses) to alpha-3."""
    code = code.strip().upper()
    if code == "XK":
        return "XKX"
    country = pycountry.countries.get(alpha_2=code)
    return country.alpha_3 if country else None


def alpha3_to_alpha2(code: str) -> str | None:
    if code == "XKX":
        return "XK"
    country = pycountry.countries.get(alpha_3=code)
    return country.alpha_2 if country else None


@lru_cache(maxsize=1)
def _by_name() -> dict[str, str]:
    table: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(c, attr, None)
            if value:
                table.setdefault(value.casefold(), c.alpha_3)
    for code, label in USER_ASSIGNED.items():
        table.setdefault(label.casefold(), code)
    return table


def lookup(text: str) -> str | None:
    """An exact country reference: alpha-3, alpha-2 or an English name ("npl", "NP", "Nepal")."""
    value = text.strip()
    if not value:
        return None
    if value.upper() in _by_alpha3():
        return value.upper()
    if len(value) == 2:
        return alpha2_to_alpha3(value)
    return _by_name().get(value.casefold().replace("_", " "))
