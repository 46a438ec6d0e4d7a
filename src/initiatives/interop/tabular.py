"""Initiatives as a flat table: one row per initiative, repeated values joined with "; "."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO

from initiatives.model import Initiative

COLUMNS = (
    "id", "kind", "code", "title", "status", "start", "end", "countries", "country_groups", "partners",
    "budget_amount", "budget_currency", "funding_source", "sdgs", "themes", "date_announced", "location",
    "lead_unit", "region", "summary", "source_document", "source_lines",
)
SEP = "; "


def row(rec: Initiative) -> dict[str, str]:
    def join(values: Iterable[object]) -> str:
        return SEP.join(str(v) for v in values)

    return {
        "id": str(rec.id or ""), "kind": rec.kind, "code": rec.code or "", "title": rec.title or "",
        "status": rec.status or "", "start": str(rec.start or ""), "end": str(rec.end or ""),
        "countries": join(rec.countries), "country_groups": join(rec.country_groups),
        "partners": join(f"{p.name} ({p.role}, {p.type})" for p in rec.partners),
        "budget_amount": format(rec.budget.amount.normalize(), "f") if rec.budget else "",
        "budget_currency": rec.budget.currency if rec.budget else "",
        "funding_source": rec.funding_source or "", "sdgs": join(rec.sdgs), "themes": join(rec.themes),
        "date_announced": str(rec.date_announced or ""), "location": rec.location or "",
        "lead_unit": rec.lead_unit or "", "region": rec.region or "", "summary": rec.summary or "",
        "source_document": rec.source_document or "",
        "source_lines": "-".join(map(str, rec.source_lines)) if rec.source_lines else "",
    }


def write_csv(initiatives: Iterable[Initiative], out: IO[str]) -> int:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    n = 0
    for rec in initiatives:
        writer.writerow(row(rec))
        n += 1
    return n
