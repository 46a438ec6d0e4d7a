"""Benchmark the web app on a large SQLite registry, over loopback, and print JSON figures.

    python bench/web.py [--n 100000] [--db bench/out/web.db] [--requests 300] [--workers 2]

Fills the store by a fast path (SQLAlchemy Core bulk inserts; the records are synthetic, made from a small
vocabulary), starts `uvicorn` with N workers on 127.0.0.1, and measures:
  - Explore page (HTML) with two facets and a text query: p50/p95 latency, sequential;
  - GET /api/v1/initiatives/{id}: p50/p95 latency, sequential; and requests/s with concurrent clients.
Every loop is bounded in count and time; the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from initiatives.model import KINDS, ORG_TYPES, ROLES, STATUSES  # noqa: E402
from initiatives.reference import countries  # noqa: E402
from initiatives.store import Store  # noqa: E402
from initiatives.store.tables import (  # noqa: E402
    FindingInitiativeRow,
    FindingRow,
    InitiativeCountryRow,
    InitiativeRow,
    InitiativeSdgRow,
    OrganizationRow,
    ParticipationRow,
    SearchEntryRow,
    utcnow,
)

WORDS = ("water sanitation health education digital governance climate energy solar youth women finance "
         "agriculture nutrition data innovation capacity resilience urban rural school clinic mobile payments "
         "identity inclusion skills markets trade transport housing disaster recovery forest ocean").split()
GROUPS = ("LDC", "LLDC", "SIDS", "Developing Countries", "Global")


def fill(store: Store, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    codes = countries.all_codes()
    now = utcnow()
    n_orgs = max(50, n // 50)
    with store.engine.begin() as conn:
        conn.execute(insert(OrganizationRow), [
            {"id": i, "key": f"org {i}|", "name": f"Organisation {i} for {rng.choice(WORDS)}", "acronym": f"O{i}",
             "aliases": [], "type": rng.choice(ORG_TYPES), "country": rng.choice(codes)} for i in range(1, n_orgs + 1)])
        batch = 5000
        for lo in range(1, n + 1, batch):
            ids = range(lo, min(n, lo + batch - 1) + 1)
            rows, cs, sdgs, parts, finds, links, entries = [], [], [], [], [], [], []
            for i in ids:
                year = rng.randint(2005, 2025)
                title = " ".join(rng.sample(WORDS, 4)).capitalize()
                rows.append({
                    "id": i, "kind": rng.choice(KINDS), "code": f"B{i:06d}", "title": title,
                    "summary": " ".join(rng.choices(WORDS, k=30)), "status": rng.choice(STATUSES),
                    "start": f"{year}-{rng.randint(1, 12):02d}", "end": f"{year + rng.randint(0, 5)}-12",
                    "budget_amount": rng.randint(10_000, 5_000_000) if rng.random() < .7 else None,
                    "budget_currency": rng.choice(("USD", "USD", "EUR", "GBP")), "funding_source": None,
                    "date_announced": None, "location": None, "lead_unit": None, "region": None,
                    "country_groups": rng.sample(GROUPS, rng.randint(0, 2)), "themes": rng.sample(WORDS, 2),
                    "comments": [], "extras": {}, "source_document": None, "source_first_line": None,
                    "source_last_line": None, "document_id": None, "natural_key": None, "version": 1,
                    "created_at": now, "updated_at": now})
                # the search index entry the store writes with every record (store/search_index.py)
                entries.append({"initiative_id": i, "title": f"B{i:06d} {title}",
                                "body": "\n".join([rows[-1]["summary"], *rows[-1]["themes"]])})
                for p, c in enumerate(rng.sample(codes, rng.randint(1, 3))):
                    cs.append({"initiative_id": i, "iso3": c, "position": p})
                for p, g in enumerate(rng.sample(range(1, 18), rng.randint(0, 3))):
                    sdgs.append({"initiative_id": i, "sdg": g, "position": p})
                for p, o in enumerate(rng.sample(range(1, n_orgs + 1), rng.randint(1, 3))):
                    parts.append({"initiative_id": i, "organization_id": o, "role": rng.choice(ROLES),
                                  "name": f"Organisation {o}", "type": rng.choice(ORG_TYPES), "position": p})
                if rng.random() < .1:
                    fid = len(finds) + lo * 10
                    finds.append({"id": fid, "fingerprint": f"fp{i}", "rule": rng.choice(("missing-field", "stale-status")),
                                  "severity": "medium", "record": f"B{i:06d}", "field": "budget", "message": "synthetic",
                                  "evidence": [], "evidence_text": "", "initiative_ids": [i],
                                  "status": rng.choice(("open", "open", "resolved")), "reviewer_flagged": False,
                                  "created_at": now, "updated_at": now, "last_seen_at": now})
                    links.append({"finding_id": fid, "initiative_id": i})
            conn.execute(insert(InitiativeRow), rows)
            conn.execute(insert(SearchEntryRow), entries)
            conn.execute(insert(InitiativeCountryRow), cs)
            if sdgs:
                conn.execute(insert(InitiativeSdgRow), sdgs)
            conn.execute(insert(ParticipationRow), parts)
            if finds:
                conn.execute(insert(FindingRow), finds)
                conn.execute(insert(FindingInitiativeRow), links)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentiles(samples: list[float]) -> dict[str, float]:
    qs = statistics.quantiles(samples, n=100)
    return {"p50_ms": round(statistics.median(samples) * 1000, 1), "p95_ms": round(qs[94] * 1000, 1),
            "max_ms": round(max(samples) * 1000, 1), "count": len(samples)}


def _timed(conn: http.client.HTTPConnection, urls: list[str]) -> list[float]:
    """Sequential GETs on one keep-alive connection (stdlib client: no client-side buffering delays)."""
    out = []
    for url in urls:
        t = time.perf_counter()
        conn.request("GET", url)
        r = conn.getresponse()
        body = r.read()
        out.append(time.perf_counter() - t)
        if r.status != 200:
            raise SystemExit(f"{url}: HTTP {r.status} {body[:200]!r}")
    return out


def throughput(base: str, ids: list[int], clients: int, seconds: float, max_requests: int) -> dict[str, float]:
    done = [0] * clients
    stop = time.perf_counter() + seconds

    host, port = base.removeprefix("http://").split(":")

    def worker(k: int) -> None:
        rng = random.Random(k)
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        while time.perf_counter() < stop and sum(done) < max_requests:
            conn.request("GET", f"/api/v1/initiatives/{rng.choice(ids)}")
            r = conn.getresponse()
            r.read()
            if r.status != 200:
                raise SystemExit(f"HTTP {r.status}")
            done[k] += 1
        conn.close()

    t = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t
    return {"requests": sum(done), "seconds": round(elapsed, 2), "req_per_s": round(sum(done) / elapsed, 1),
            "clients": clients}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--db", default=str(ROOT / "bench" / "out" / "web.db"))
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--reuse", action="store_true", help="keep an existing filled database")
    args = ap.parse_args()
    db = Path(args.db)
    db.parent.mkdir(parents=True, exist_ok=True)
    fill_s = None
    if not (args.reuse and db.exists()):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        store = Store.open(str(db))
        t = time.perf_counter()
        fill(store, args.n)
        fill_s = round(time.perf_counter() - t, 1)
        store.close()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "INITIATIVES_DB": str(db), "PYTHONPATH": str(ROOT / "src")}
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "initiatives.web.app:app_from_env", "--factory",
                               "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers),
                               "--http", "initiatives.web.server:NoDelayH11Protocol",
                               "--log-level", "warning"], env=env)
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/api/v1/initiatives/1", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        if True:
            rng = random.Random(1)
            codes = ["KEN", "BGD", "NPL", "ETH", "BRA", "IND", "FJI", "HTI"]
            explore_urls = [f"/explore?q={rng.choice(WORDS)}&kind={rng.choice(KINDS)}&country={rng.choice(codes)}"
                            for _ in range(args.requests)]
            _timed(c, explore_urls[:10])  # warm up
            explore = _percentiles(_timed(c, explore_urls))
            ids = [rng.randint(1, args.n) for _ in range(args.requests * 2)]
            _timed(c, [f"/api/v1/initiatives/{i}" for i in ids[:20]])
            get_one = _percentiles(_timed(c, [f"/api/v1/initiatives/{i}" for i in ids]))
        c.close()
        rate = throughput(base, ids, clients=8, seconds=10, max_requests=20_000)
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(json.dumps({
        "load_average_1min": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
        "initiatives": args.n, "database": "sqlite", "workers": args.workers, "fill_seconds": fill_s,
        "explore_2_facets_and_text": explore, "get_initiative": get_one, "get_initiative_throughput": rate,
        "targets": {"explore_p95_ms": 150, "get_p95_ms": 50, "get_req_per_s": 300},
    }, indent=2))


if __name__ == "__main__":
    main()
