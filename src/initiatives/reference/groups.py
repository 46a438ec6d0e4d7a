"""UN country groups (LDC, LLDC, SIDS) with the dates countries joined and left them.

The data is the versioned file `data/un_country_groups.csv` (its header names the source: UN DESA CDP list
of LDCs, UN-OHRLLS lists of LLDCs and SIDS). No maintained package carries these groups.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

GROUPS = ("LDC", "LLDC", "SIDS")

# How documents name the groups; matched case-insensitively on whole words.
_ALIASES: dict[str, tuple[str, ...]] = {
    "LDC": ("ldc", "ldcs", "least developed countries", "least developed country", "least-developed countries"),
    "LLDC": ("lldc", "lldcs", "landlocked developing countries", "landlocked developing country",
             "land-locked developing countries"),
    "SIDS": ("sids", "small island developing states", "small island developing state"),
}


@dataclass(frozen=True)
class Membership:
    group: str
    iso3: str
    name: str
    since: int | None  # year joined; None = for the whole period covered
    until: dt.date | None  # first day no longer a member; None = still a member


@lru_cache(maxsize=1)
def memberships() -> tuple[Membership, ...]:
    text = resources.files("initiatives.reference").joinpath("data/un_country_groups.csv").read_text("utf-8")
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    out = []
    for row in csv.DictReader(lines):
        out.append(Membership(
            group=row["group"], iso3=row["iso3"], name=row["name"],
            since=int(row["since"]) if row["since"] else None,
            until=dt.date.fromisoformat(row["until"]) if row["until"] else None,
        ))
    return tuple(out)


def canonical(name: str) -> str | None:
    """'Least Developed Countries' -> 'LDC'; None when the name is not one of the UN groups."""
    key = re.sub(r"\s+", " ", name.strip().casefold())
    for group, aliases in _ALIASES.items():
        if key == group.casefold() or key in aliases:
            return group
    return None


@lru_cache(maxsize=1)
def alias_pattern() -> re.Pattern[str]:
    words = sorted({a for aliases in _ALIASES.values() for a in aliases}, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)


def is_member(iso3: str, group: str, on: dt.date | None = None) -> bool:
    """Whether a country is in the group on a date (default: today)."""
    on = on or dt.date.today()
    for m in memberships():
        if m.group == group and m.iso3 == iso3:
            if m.since is not None and on.year < m.since:
                continue
            if m.until is not None and on >= m.until:
                continue
            return True
    return False


def members(group: str, on: dt.date | None = None) -> set[str]:
    return {m.iso3 for m in memberships() if m.group == group and is_member(m.iso3, group, on)}


def was_member_during(iso3: str, group: str, start: dt.date, end: dt.date) -> bool:
    """True when the country belonged to the group at some point between start and end."""
    for m in memberships():
        if m.group != group or m.iso3 != iso3:
            continue
        joined = dt.date(m.since, 1, 1) if m.since else dt.date.min
        left = m.until or dt.date.max
        if joined <= end and left > start:
            return True
    return False
