"""Leave-one-set-out cross-validation of the segmenter over the team's own labelled sets. Prints JSON.

    python bench/crossval.py [--config rules|model|combined ...] [--C 0.5] [--diff]

Sets: every `tests/ingest/fixtures/heldout*/` (docs + gold) and the examples (`examples/documents` with
`tests/ingest/fixtures/gold`); never the seeds. For each set k the documents are extracted and scored against its
gold with `bench/extraction.py`'s matching (record precision / recall / F1 per set, and the mean over sets).
`rules`: the layout rules and the structural segmenter, as shipped (optimistic: the rules were fixed on these
sets after their first runs). `model` / `combined`: the boundary model (`ingest/boundaries.py`) alone, or added
where the rules found nothing; for set k it is trained on all the other sets, never on k.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import extraction  # noqa: E402
import train_boundaries as train  # noqa: E402

from initiatives.ingest import boundaries  # noqa: E402
from initiatives.ingest.pipeline import extract  # noqa: E402
from initiatives.interop.registry_json import record_to_data  # noqa: E402


def score_set(docs: Path, gold: Path, diff: list[str] | None = None) -> dict[str, Any]:
    names = {json.loads(g.read_text(encoding="utf-8"))["doc"] for g in gold.glob("*.json")}
    records = [record_to_data(r, with_sources=False) for name in sorted(names) if (docs / name).is_file()
               for r in extract(docs / name).initiatives]
    return extraction.score({"records": records, "organizations": [], "findings": []}, gold, diff)["records"]


def run(config: str, C: float, diff: list[str] | None = None) -> dict[str, Any]:
    sets = train.labelled_sets()
    per_set: dict[str, Any] = {}
    os.environ["INITIATIVES_BOUNDARIES"] = "off" if config == "rules" else config
    try:
        for k, (name, docs, gold) in enumerate(sets):
            if config != "rules":
                others = [s for j, s in enumerate(sets) if j != k]
                boundaries.use(boundaries.Model(train.fit(train.sequences(others), C)))
            d: list[str] | None = [] if diff is not None else None
            r = score_set(docs, gold, d)
            if diff is not None and d:
                diff += [f"[{config}] {name} {x}" for x in d if "MISSED" in x or "EXTRA" in x]
            per_set[name] = {"p": r["precision"], "r": r["recall"], "f1": r["f1"], "gold": r["gold"],
                             "extracted": r["extracted"], "matched": r["matched"]}
    finally:
        boundaries.use(None)
        os.environ.pop("INITIATIVES_BOUNDARIES", None)
    f1s = [v["f1"] for v in per_set.values()]
    return {"config": config, "mean_f1": round(sum(f1s) / len(f1s), 3),
            "mean_p": round(sum(v["p"] for v in per_set.values()) / len(f1s), 3),
            "mean_r": round(sum(v["r"] for v in per_set.values()) / len(f1s), 3),
            "micro_f1": _micro(per_set), "per_set": per_set}


def _micro(per_set: dict[str, Any]) -> float:
    m = sum(v["matched"] for v in per_set.values())
    p = m / max(sum(v["extracted"] for v in per_set.values()), 1)
    r = m / max(sum(v["gold"] for v in per_set.values()), 1)
    return round(2 * p * r / (p + r), 3) if p + r else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", nargs="+", default=["rules", "model", "combined"],
                    choices=["rules", "model", "combined"])
    ap.add_argument("--C", type=float, default=0.5, help="the model's inverse regularisation strength")
    ap.add_argument("--diff", action="store_true", help="also list missed and extra records on stderr")
    args = ap.parse_args()
    t0 = time.perf_counter()
    diff: list[str] | None = [] if args.diff else None
    out = {"runs": [run(c, args.C, diff) for c in args.config], "C": args.C,
           "seconds": round(time.perf_counter() - t0, 1), "load_average_1min": round(os.getloadavg()[0], 2)}
    print(json.dumps(out, indent=2))
    if diff:
        print("\n".join(diff), file=sys.stderr)


if __name__ == "__main__":
    main()
