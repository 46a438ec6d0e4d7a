"""Figures for the home page and GET /api/v1/stats: counts and USD budgets by year, SDG, partner type, country."""

from __future__ import annotations

import threading
from collections import defaultdict
from decimal import Decimal
from typing import Any

from initiatives.store import Store, facets
from initiatives.web.money import Rates, Totals


def _money(t: Totals) -> dict[str, Any]:
    return {"usd": float(round(t.usd, 2)), "converted": t.converted,
            "unconverted": {c: float(a) for c, a in sorted(t.unconverted.items())}}


_CACHE: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {}
_LOCK = threading.Lock()


def compute(store: Store, rates: Rates) -> dict[str, Any]:
    """The figures, recomputed only when the data (or the loaded rates) changed since the last call."""
    key = (*facets.data_fingerprint(store), rates.source)
    cached = _CACHE.get(store.url)
    if cached and cached[0] == key:
        return cached[1]
    with _LOCK:
        figures = _compute(store, rates)
        _CACHE[store.url] = (key, figures)
    return figures


def _compute(store: Store, rates: Rates) -> dict[str, Any]:
    counts = facets.unfiltered_facets(store)
    by_year: dict[int, Totals] = defaultdict(Totals)
    by_sdg: dict[int, Totals] = defaultdict(Totals)
    overall = Totals()
    for _iid, when, sdgs, amount, currency in facets.budgets(store):
        t = rates.total([(Decimal(amount), currency, when)])
        overall.add(t)
        if when:
            by_year[int(when[:4])].add(t)
        for sdg in sdgs:
            by_sdg[sdg].add(t)
    year_counts = dict(counts["year"])
    sdg_counts = dict(counts["sdg"])
    years = sorted(set(year_counts) | set(by_year))
    return {
        "totals": facets.totals(store),
        "budget": _money(overall),
        "by_year": [{"year": y, "initiatives": year_counts.get(y, 0), "budget": _money(by_year[y])} for y in years],
        "by_sdg": [{"sdg": g, "initiatives": sdg_counts.get(g, 0), "budget": _money(by_sdg[g])}
                   for g in range(1, 18) if g in sdg_counts or g in by_sdg],
        "by_partner_type": [{"type": t, "initiatives": n} for t, n in counts["partner_type"]],
        "by_kind": [{"kind": k, "initiatives": n} for k, n in counts["kind"]],
        "by_country": [{"iso3": c, "initiatives": n} for c, n in counts["country"]],
        "rates": rates.source,
    }
