"""Ranking quality of text, semantic and hybrid search on the judged query set (nDCG@10, MRR), as JSON."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from initiatives.interop import registry_json  # noqa: E402
from initiatives.search import semantic  # noqa: E402
from initiatives.search.quality import evaluate  # noqa: E402
from initiatives.store import Store  # noqa: E402

GOLD = (ROOT / ".." / "shared" / "gold").resolve()
JUDGED = ROOT / "tests" / "search" / "judged_queries.json"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{tmp}/q.db")
        for path in sorted(GOLD.glob("*.json")):
            store.save_batch(registry_json.read(path))
        semantic.update_vectors(store)
        report = {mode: evaluate(store, JUDGED, mode) for mode in ("text", "semantic", "hybrid")}
        store.close()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
