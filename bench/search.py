"""Search benchmark: fill a store with N records varied from real data, time text, faceted, semantic and
hybrid queries, and report p50/p95, index build time and index size as JSON.

    python bench/search.py --records 100000            # text, faceted, semantic, hybrid
    python bench/search.py --records 1000000 --no-semantic

Records: the real IATI activities in ../shared/data/iati/activities (title, description, recipient
countries, dates, budget) and the DPG nominees, repeated with varied countries, years, kinds and budgets.
Vectors: each distinct real text is embedded once with the real model; a varied copy gets its base vector
plus a little noise (so the index holds N distinct vectors, and embedding throughput is measured on the
distinct texts).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from lxml import etree
from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from initiatives.model import KINDS  # noqa: E402
from initiatives.reference import countries  # noqa: E402
from initiatives.search import search  # noqa: E402
from initiatives.store import Store  # noqa: E402
from initiatives.store.tables import (  # noqa: E402
    InitiativeCountryRow,
    InitiativeRow,
    InitiativeSdgRow,
    OrganizationRow,
    ParticipationRow,
    SearchEntryRow,
    VectorRow,
)

DATA = (ROOT / ".." / "shared" / "data").resolve()
ORGS = ["UNDP", "UNICEF", "WHO", "World Bank", "ITU", "UNESCO", "FAO", "GIZ", "USAID", "FCDO", "KOICA",
        "Gates Foundation", "Ministry of Education", "Ministry of Health", "Save the Children"]
QUERIES = ["water sanitation", "health workers training", "education girls", "food security", "migration",
           "digital identity", "covid vaccine", "climate adaptation", "open data", "gender violence",
           "nutrition children", "agriculture farmers", "emergency shelter", "disaster risk", "malaria",
           "human rights", "youth employment", "governance capacity", "refugees", "maternal health"]
NEEDS = ["digital tools for teacher training in a landlocked country", "clean drinking water for rural villages",
         "helping farmers cope with drought", "safe migration and protection of migrants",
         "vaccination campaign logistics", "support for small businesses led by women"]


def base_texts() -> list[dict]:
    """One dict per real activity or product: title, text, countries, years."""
    out = []
    for path in sorted((DATA / "iati" / "activities").glob("*.xml")):
        for _, act in etree.iterparse(str(path), tag="iati-activity", huge_tree=False, resolve_entities=False):
            title = " ".join(t.strip() for t in act.xpath("title//text()") if t.strip())
            desc = " ".join(t.strip() for t in act.xpath("description//text()") if t.strip())
            codes = [countries.alpha2_to_alpha3(c) for c in act.xpath("recipient-country/@code")]
            years = [d[:4] for d in act.xpath("activity-date/@iso-date") if d[:4].isdigit()]
            if title:
                out.append({"title": title[:300], "text": desc[:1500], "countries": [c for c in codes if c],
                            "year": int(min(years)) if years else None})
            act.clear()
    for path in sorted((DATA / "dpg" / "nominees").glob("*.json")):
        d = json.loads(path.read_text())
        out.append({"title": d["name"], "text": d.get("description", ""), "countries": [], "year": None})
    return out


def fill(store: Store, n: int, bases: list[dict], rng: random.Random) -> float:
    codes = countries.all_codes()
    t0 = time.perf_counter()
    with store.transaction() as s:
        s.execute(insert(OrganizationRow), [{"id": i + 1, "key": f"{o.lower()}|", "name": o, "acronym": None,
                                             "aliases": [], "type": "unknown", "country": None}
                                            for i, o in enumerate(ORGS)])
    batch = 5000
    for start in range(0, n, batch):
        rows, ctry, sdgs, parts, entries = [], [], [], [], []
        for i in range(start + 1, min(n, start + batch) + 1):
            b = bases[i % len(bases)]
            cs = b["countries"][:3] or [rng.choice(codes)]
            if i >= len(bases):
                cs = [rng.choice(codes) for _ in range(rng.randint(1, 3))]
            cs = list(dict.fromkeys(cs))
            year = (b["year"] or 2015) + rng.randint(-3, 3)
            kind = KINDS[i % len(KINDS)]
            status = ("ongoing", "completed", "planned")[i % 3]
            rows.append({"id": i, "kind": kind, "code": f"B{i:07d}", "title": b["title"], "summary": b["text"],
                         "status": status, "start": f"{year}-01", "end": f"{year + rng.randint(1, 4)}-12",
                         "budget_amount": rng.randint(10, 5000) * 1000, "budget_currency": "USD",
                         "country_groups": [], "themes": [], "comments": [], "extras": {}, "version": 1})
            ctry += [{"initiative_id": i, "iso3": c, "position": p} for p, c in enumerate(cs)]
            sdgs += [{"initiative_id": i, "sdg": rng.randint(1, 17), "position": 0}]
            org = rng.randint(1, len(ORGS))
            parts.append({"initiative_id": i, "organization_id": org, "role": "implementer", "name": ORGS[org - 1],
                          "type": "unknown", "position": 0})
            entries.append({"initiative_id": i, "title": f"B{i:07d} {b['title']}",
                            "body": f"{b['text']}\n{' '.join(countries.name(c) for c in cs)}\n{ORGS[org - 1]}"})
        with store.transaction() as s:
            for table, values in ((InitiativeRow, rows), (InitiativeCountryRow, ctry), (InitiativeSdgRow, sdgs),
                                  (ParticipationRow, parts), (SearchEntryRow, entries)):
                s.execute(insert(table), values)
    return time.perf_counter() - t0


def timed(fn, repeats: int) -> dict:  # type: ignore[no-untyped-def]
    times = []
    for i in range(repeats):
        t = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
            "n": repeats}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=60)
    ap.add_argument("--no-semantic", action="store_true")
    ap.add_argument("--db", help="SQLAlchemy URL (default: a temporary SQLite file)")
    ap.add_argument("--queries-only", action="store_true",
                    help="time the queries on --db as filled by an earlier run (no fill, no embedding)")
    args = ap.parse_args()
    rng = random.Random(42)
    tmp = tempfile.TemporaryDirectory()
    db_path = Path(tmp.name) / "bench.db"
    store = Store.open(args.db or f"sqlite:///{db_path}")
    if args.queries_only:
        with store.transaction() as s:
            args.records = int(s.scalar(select(func.count(InitiativeRow.id))) or 0)
        report: dict = {"records": args.records, "backend": store.engine.dialect.name}
    else:
        bases = base_texts()
        fill_s = fill(store, args.records, bases, rng)
        report = {"records": args.records, "distinct_texts": len(bases), "backend": store.engine.dialect.name,
                  "fill_and_fts_index_s": round(fill_s, 1)}
    if db_path.exists():
        report["db_size_mb"] = round(db_path.stat().st_size / 1e6, 1)
    report["text"] = timed(lambda i: search(store, QUERIES[i % len(QUERIES)], limit=20, with_facets=False),
                           args.repeats)
    report["text_with_facets"] = timed(lambda i: search(store, QUERIES[i % len(QUERIES)], limit=20), args.repeats)
    report["faceted_text"] = timed(
        lambda i: search(store, f"{QUERIES[i % len(QUERIES)]} kind:{KINDS[i % len(KINDS)]} "
                                f"status:{('ongoing', 'completed')[i % 2]}", limit=20), args.repeats)
    report["filters_only"] = timed(lambda i: search(store, f"country:{('KEN', 'NPL', 'BGD', 'HTI')[i % 4]} "
                                                           f"sdg:{i % 17 + 1}", limit=20), args.repeats)
    if args.queries_only and not args.no_semantic:
        report.update(semantic_queries(store, args))
    elif not args.no_semantic:
        report.update(semantic_part(store, bases, args, rng))
    report["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps(report, indent=2))
    store.close()


def semantic_part(store: Store, bases: list[dict], args: argparse.Namespace, rng: random.Random) -> dict:
    from initiatives.search import embeddings, semantic

    model = embeddings.default_model()
    texts = [f"{b['title']}. {b['text']}"[:2000] for b in bases]
    t = time.perf_counter()
    base_vecs = model.encode(texts)
    embed_s = time.perf_counter() - t
    noise = np.random.default_rng(1)
    t = time.perf_counter()
    for start in range(0, args.records, 20_000):
        ids = np.arange(start + 1, min(args.records, start + 20_000) + 1)
        vecs = base_vecs[ids % len(bases)] + noise.normal(scale=0.02, size=(len(ids), base_vecs.shape[1]))
        vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
        with store.transaction() as s:
            s.execute(insert(VectorRow), [{"initiative_id": int(i), "model": model.name, "record_version": 1,
                                           "vector": v.tobytes()} for i, v in zip(ids, vecs, strict=True)])
    store_s = time.perf_counter() - t
    t = time.perf_counter()
    index = semantic.load_index(store, model.name)
    build_s = time.perf_counter() - t
    cache = semantic._cache_file(store, model.name)
    out = {
        "embedding_records_per_s": round(len(texts) / embed_s, 1),
        "vectors_store_s": round(store_s, 1),
        "vector_index_build_s": round(build_s, 1),
        "vector_index": "hnsw (usearch)" if index.hnsw is not None else "exact",
        "vector_index_size_mb": round(cache.stat().st_size / 1e6, 1) if cache and cache.exists() else None,
    }
    out.update(semantic_queries(store, args))
    out.update(index_upkeep(store, model.name))
    return out


def semantic_queries(store: Store, args: argparse.Namespace) -> dict:
    from initiatives.search import embeddings, semantic

    t = time.perf_counter()
    semantic.load_index(store, embeddings.default_model().name)  # the first query of a process loads it
    out = {"index_load_s": round(time.perf_counter() - t, 2)}
    out["semantic_top10"] = timed(lambda i: search(store, NEEDS[i % len(NEEDS)], mode="semantic", limit=10,
                                                   with_facets=False), args.repeats)
    out["hybrid_top10"] = timed(lambda i: search(store, NEEDS[i % len(NEEDS)], mode="hybrid", limit=10,
                                                 with_facets=False), args.repeats)
    return out


def index_upkeep(store: Store, model_name: str, edits: int = 100) -> dict:
    """What keeping the index current costs: the per-query "anything to embed?" check, the next query's index
    update after `edits` re-embedded records, and a restart (graph restored from its file, changes replayed)."""
    from sqlalchemy import update

    from initiatives.search import semantic

    out: dict = {"vectors_current_check": timed(lambda i: semantic.stale_ids(store, model_name), 20)}
    index = semantic.load_index(store, model_name)
    picked = np.random.default_rng(3).choice(index.ids, size=edits, replace=False)
    with store.transaction() as s:  # what an edit and its re-embedding leave: both versions one higher
        for i in picked:
            vec = index.vector_of(int(i)) + np.float32(0.01)
            s.execute(update(InitiativeRow).where(InitiativeRow.id == int(i)).values(version=InitiativeRow.version + 1))
            s.execute(update(VectorRow).where(VectorRow.initiative_id == int(i)).values(
                vector=(vec / np.linalg.norm(vec)).astype(np.float32).tobytes(),
                record_version=VectorRow.record_version + 1))
    t = time.perf_counter()
    semantic.load_index(store, model_name)
    out[f"index_update_after_{edits}_edits_s"] = round(time.perf_counter() - t, 3)
    semantic._cache.clear()
    t = time.perf_counter()
    restored = semantic.load_index(store, model_name)
    out["index_load_after_restart_s"] = round(time.perf_counter() - t, 2)
    out["index_after_restart"] = "hnsw (usearch)" if restored.hnsw is not None else "exact"
    return out


if __name__ == "__main__":
    main()
