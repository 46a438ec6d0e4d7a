"""Audit benchmark: precision/recall against a gold folder, and audit time for N synthetic records.

    python bench/audit.py --gold ../shared/gold --docs ../shared/seeds            # quality, prints JSON
    python bench/audit.py --synthetic 100000 --data ../shared/data                # speed and memory, prints JSON

Matching (quality): a predicted finding matches a gold finding when both are about the same document, have
the same rule id and name the same record (code, else title, else "untitled ... (line N)"; compared after
folding case, quotes and spaces). Counts are matched one to one: for each (document, rule, record) key,
matched = min(#predicted, #gold). recall = matched / #gold, precision = matched / #predicted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from initiatives.audit import runner  # noqa: E402
from initiatives.interop import registry_json  # noqa: E402
from initiatives.model import Document  # noqa: E402
from initiatives.store import Store  # noqa: E402


def _shared() -> Path:
    """The shared/ folder beside the checkout (../shared), or beside the worktrees folder."""
    repo = Path(__file__).resolve().parents[1]
    for cand in (repo.parent / "shared", repo.parent.parent / "shared"):
        if cand.is_dir():
            return cand
    return repo.parent / "shared"


def norm(s: str) -> str:
    s = s.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", s).strip().casefold()


def load_gold_store(gold: Path, docs: Path, db: Path) -> tuple[Store, list[dict]]:
    store = Store.open(str(db))
    gold_findings = []
    for gf in sorted(gold.glob("*.json")):
        data = json.loads(gf.read_text(encoding="utf-8"))
        doc_name = data["doc"]
        for f in data.get("findings", []):
            gold_findings.append({**f, "doc": doc_name})
        batch = registry_json.from_data({**data, "findings": []}, origin=str(gf))
        doc_path = docs / doc_name
        if doc_path.exists():
            text = doc_path.read_text(encoding="utf-8")
            batch.documents.append(Document(path=doc_name, sha256=hashlib.sha256(text.encode()).hexdigest(),
                                            text=text, title=doc_name))
        store.save_batch(batch, author="bench")
    return store, gold_findings


def stored_documents(store: Store) -> list[Document]:
    return [store.get_document(d.sha256) for d in store.documents()]


def score(pred: list[dict], gold: list[dict]) -> dict:
    def key(f: dict) -> tuple[str, str, str]:
        return (f["doc"], f["rule"], norm(f["record"]))

    pc, gc = Counter(map(key, pred)), Counter(map(key, gold))
    matched = sum(min(n, pc.get(k, 0)) for k, n in gc.items())
    flagged = [f for f in gold if f.get("reviewer_flagged")]
    fc = Counter(map(key, flagged))
    matched_flagged = sum(min(n, pc.get(k, 0)) for k, n in fc.items())
    missed = [f"{k[0][:3]} {k[1]} :: {k[2][:60]}" for k, n in gc.items() for _ in range(n - min(n, pc.get(k, 0)))]
    extra = [f"{k[0][:3]} {k[1]} :: {k[2][:60]}" for k, n in pc.items() for _ in range(n - min(n, gc.get(k, 0)))]
    by_rule = {}
    for rule in sorted({k[1] for k in gc} | {k[1] for k in pc}):
        g = sum(n for k, n in gc.items() if k[1] == rule)
        p = sum(n for k, n in pc.items() if k[1] == rule)
        m = sum(min(n, pc.get(k, 0)) for k, n in gc.items() if k[1] == rule)
        by_rule[rule] = {"gold": g, "predicted": p, "matched": m}
    return {
        "gold": len(gold), "predicted": len(pred), "matched": matched,
        "recall": round(matched / len(gold), 3) if gold else None,
        "precision": round(matched / len(pred), 3) if pred else None,
        "reviewer_flagged": len(flagged), "reviewer_flagged_found": matched_flagged,
        "recall_reviewer_flagged": round(matched_flagged / len(flagged), 3) if flagged else None,
        "by_rule": by_rule, "missed": missed, "extra": extra,
    }


def quality(gold: Path, docs: Path, today: dt.date | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        store, gold_findings = load_gold_store(gold, docs, Path(tmp) / "bench.db")
        records = store.list_initiatives()
        documents = stored_documents(store)
        t0 = time.perf_counter()
        result = runner.run(records, documents, today=today)
        secs = time.perf_counter() - t0
        store.close()
    pred = [{"doc": f.source_document or "", "rule": f.rule, "record": f.record} for f in result.findings]
    out = score(pred, gold_findings)
    out["audit_seconds"] = round(secs, 2)
    out["rule_errors"] = result.errors
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", type=Path)
    ap.add_argument("--docs", type=Path)
    ap.add_argument("--today", help="YYYY-MM-DD the audit treats as today (default: today)")
    ap.add_argument("--synthetic", type=int, help="audit N synthetic records built from --data")
    ap.add_argument("--data", type=Path, default=_shared() / "data")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    today = dt.date.fromisoformat(args.today) if args.today else None
    report: dict = {}
    if args.gold:
        report["quality"] = quality(args.gold, args.docs or args.gold, today)
    if args.synthetic:
        from synthetic import build  # type: ignore[import-not-found]

        t0 = time.perf_counter()
        records, planted = build(args.data, args.synthetic, seed=args.seed)
        built = time.perf_counter() - t0
        t0, c0 = time.perf_counter(), time.process_time()
        result = runner.run(records, [], today=today)
        secs, cpu = time.perf_counter() - t0, time.process_time() - c0
        rules = Counter(f.rule for f in result.findings)
        found_dups = {tuple(sorted(f.initiative_ids)) for f in result.findings if f.rule == "duplicate-record"}
        found_copies = {tuple(sorted(f.initiative_ids)) for f in result.findings if f.rule == "copied-text"}
        report["speed"] = {
            "records": len(records), "build_seconds": round(built, 1), "audit_seconds": round(secs, 1),
            "audit_cpu_seconds": round(cpu, 1), "load_average": [round(x, 1) for x in os.getloadavg()],
            "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "findings_by_rule": dict(rules), "rule_seconds": result.seconds,
            "planted_duplicates": len(planted["duplicate"]),
            "planted_duplicates_found": sum(1 for p in planted["duplicate"] if tuple(sorted(p)) in found_dups),
            "planted_copies": len(planted["copied"]),
            "planted_copies_found": sum(1 for p in planted["copied"] if tuple(sorted(p)) in found_copies),
            "rule_errors": result.errors[:5],
        }
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
