"""Judge ranking quality on a set of queries with graded relevance: nDCG@k and MRR."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from initiatives.model import Initiative
from initiatives.search.engine import search
from initiatives.store import Store


def _matches(rec: Initiative, ref: dict[str, Any]) -> bool:
    return ("code" in ref and rec.code == ref["code"]) or ("title" in ref and rec.title == ref["title"])


def ndcg(grades: list[int], ideal: list[int], k: int = 10) -> float:
    def dcg(gs: list[int]) -> float:
        return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(gs[:k]))

    best = dcg(sorted(ideal, reverse=True))
    return dcg(grades) / best if best else 0.0


def evaluate(store: Store, judged_file: Path, mode: str, k: int = 10) -> dict[str, float]:
    queries = json.loads(judged_file.read_text())["queries"]
    everything = store.list_initiatives()
    ndcgs, rrs = [], []
    for item in queries:
        ideal = [max((r["grade"] for r in item["relevant"] if _matches(rec, r)), default=0) for rec in everything]
        hits = search(store, item["q"], mode=mode, limit=k, with_facets=False).hits
        grades = []
        for h in hits:
            grade = max((r["grade"] for r in item["relevant"] if _matches(h.initiative, r)), default=0)
            grades.append(grade)
        ndcgs.append(ndcg(grades, [g for g in ideal if g], k))
        rrs.append(next((1.0 / (i + 1) for i, g in enumerate(grades) if g > 0), 0.0))
    return {"ndcg@10": round(sum(ndcgs) / len(ndcgs), 3), "mrr": round(sum(rrs) / len(rrs), 3),
            "queries": len(queries)}
