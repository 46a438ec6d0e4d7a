"""What worked elsewhere: initiatives in other countries that a country office could adapt.

For a country (and an optional theme), the query is what that country works on (the mean vector of its
own records) blended with the theme; candidates are records in other countries. Ranking is by meaning,
with small boosts for countries that share the target's UN groups or region (peers face similar
constraints: south-south transfer) and for completed work (it has a track record).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select

from initiatives.errors import InputError
from initiatives.model import Initiative
from initiatives.reference import countries, groups, regions
from initiatives.search.embeddings import EmbeddingModel, default_model
from initiatives.search.semantic import load_index
from initiatives.store import Store
from initiatives.store.tables import InitiativeCountryRow

GROUPS = ("LDC", "LLDC", "SIDS")
SHARED_GROUP_BOOST = 0.05
COMPLETED_BOOST = 0.03


@dataclass
class ElsewhereHit:
    initiative: Initiative
    score: float
    similarity: float
    shared: list[str]  # groups and region the hit's countries share with the target country


def profile(iso3: str, on: dt.date | None = None) -> set[str]:
    """A country's UN groups on a date (LDC, LLDC, SIDS) and its M49 sub-region."""
    out = {g for g in GROUPS if groups.is_member(iso3, g, on)}
    region = regions.subregion(iso3)
    if region:
        out.add(region)
    return out


def what_worked_elsewhere(store: Store, country: str, theme: str | None = None, k: int = 10, *,
                          model: EmbeddingModel | None = None, today: dt.date | None = None) -> list[ElsewhereHit]:
    code = countries.lookup(country)
    if code is None:
        raise InputError(f"unknown country {country!r}", field="country")
    model = model or default_model()
    index = load_index(store, model.name)
    with store.transaction() as s:
        own = set(s.scalars(select(InitiativeCountryRow.initiative_id).where(InitiativeCountryRow.iso3 == code)))
        placed = s.execute(select(InitiativeCountryRow.initiative_id, InitiativeCountryRow.iso3)).all()
    parts: list[np.ndarray] = []
    own_vectors = [v for v in (index.vector_of(i) for i in own) if v is not None]
    if own_vectors:
        parts.append(np.mean(own_vectors, axis=0))
    if theme and theme.strip():
        parts.append(model.encode([theme])[0] * (2.0 if own_vectors else 1.0))  # the theme leads when given
    if not parts:
        raise InputError(f"no initiative names {countries.name(code)} yet: give a theme to search by", field="theme")
    query = np.sum(parts, axis=0)
    query = (query / (np.linalg.norm(query) or 1.0)).astype(np.float32)

    where: dict[int, set[str]] = {}
    for iid, iso3 in placed:
        where.setdefault(int(iid), set()).add(iso3)
    candidates = [i for i, cs in where.items() if code not in cs]
    target = profile(code, today)
    hits: list[tuple[float, float, int, list[str]]] = []
    for iid, sim in index.nearest(query, max(k * 5, 50), allowed=candidates):
        shared = sorted(target & set().union(*(profile(c, today) for c in where[iid])))
        hits.append((sim + SHARED_GROUP_BOOST * len(shared), sim, iid, shared))
    hits.sort(key=lambda h: (-h[0], h[2]))
    out = []
    for score, sim, iid, shared in hits[: k * 2]:
        rec = store.get_initiative(iid)
        bonus = COMPLETED_BOOST if rec.status == "completed" else 0.0
        out.append(ElsewhereHit(rec, score + bonus, sim, shared))
    out.sort(key=lambda h: (-h.score, h.initiative.id or 0))
    return out[:k]
