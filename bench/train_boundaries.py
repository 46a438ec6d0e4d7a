"""Train the boundary model (`initiatives/ingest/boundaries.py`) on the team's own labelled sets. Prints JSON.

    pip install -e '.[train]'            # scikit-learn, for training only
    python bench/train_boundaries.py [--out src/initiatives/ingest/boundary_weights.json] [--C 0.5]

Training data: every held-out set `tests/ingest/fixtures/heldout*/` (docs + gold) and the examples
(`examples/documents` with `tests/ingest/fixtures/gold`). Never the seeds or their gold: those only measure.
Each line of a document is labelled from its gold records' `source_lines`: B (a record's first line), I (inside
one), O (outside any); blank lines are left out. The weights file holds, per feature, its (B, I, O) weights, the
intercepts and the log transition rates between labels (for the Viterbi pass).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from initiatives.ingest import boundaries  # noqa: E402

FIXTURES = ROOT / "tests" / "ingest" / "fixtures"
NESTED = os.environ.get("BOUNDARIES_NESTED", "1") == "1"  # label records inside another record as entries too


def labelled_sets() -> list[tuple[str, Path, Path]]:
    """(name, docs folder, gold folder) of every set the model may learn from."""
    sets = [(p.name, p / "docs", p / "gold") for p in sorted(FIXTURES.glob("heldout*"), key=_set_order)
            if (p / "gold").is_dir()]
    sets.append(("examples", ROOT / "examples" / "documents", FIXTURES / "gold"))
    return sets


def _set_order(p: Path) -> int:
    tail = p.name.removeprefix("heldout")
    return int(tail) if tail.isdigit() else 1


def documents(gold_dir: Path, docs_dir: Path) -> list[tuple[Path, list[tuple[int, int]]]]:
    out = []
    for gf in sorted(gold_dir.glob("*.json")):
        gold = json.loads(gf.read_text(encoding="utf-8"))
        path = docs_dir / gold["doc"]
        if path.is_file():
            out.append((path, [tuple(r["source_lines"]) for r in gold["records"] if r.get("source_lines")]))
    return out


_CACHE: dict[Path, list[tuple[list[str], str]]] = {}


def rows(path: Path, spans: list[tuple[int, int]]) -> list[tuple[list[str], str]]:
    """(features, label) of each non-blank line of one document, read the way the pipeline reads it."""
    if path not in _CACHE:
        from initiatives.ingest.fields import TextIndex
        from initiatives.ingest.readers import read_document

        text = read_document(path).text
        lines, cues = boundaries.doc_lines_and_cues(text, TextIndex(text))
        labels = boundaries.gold_labels(len(lines), spans, NESTED)
        _CACHE[path] = [(f, labels[i]) for i, f in boundaries.features(lines, cues)]
    return _CACHE[path]


def sequences(sets: list[tuple[str, Path, Path]]) -> list[list[tuple[list[str], str]]]:
    return [rows(p, s) for _n, docs, gold in sets for p, s in documents(gold, docs)]


def fit(seqs: list[list[tuple[list[str], str]]], C: float = 0.5) -> dict[str, Any]:
    """Multinomial logistic regression on the line features, and transition rates counted over the sequences."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    X = [{name: 1 for name in f} for seq in seqs for f, _y in seq]
    y = [lab for seq in seqs for _f, lab in seq]
    vec = DictVectorizer()
    M = vec.fit_transform(X)
    clf = LogisticRegression(C=C, max_iter=2000, class_weight="balanced")
    clf.fit(M, y)
    order = [list(clf.classes_).index(lab) for lab in boundaries.LABELS]
    names = vec.get_feature_names_out()
    weights = {}
    for j, name in enumerate(names):
        w = [round(float(clf.coef_[k, j]), 4) for k in order]
        if max(abs(x) for x in w) >= 1e-3:
            weights[str(name)] = w
    trans = Counter()
    start = Counter()
    for seq in seqs:
        if seq:
            start[seq[0][1]] += 1
        for (_a, p), (_b, q) in zip(seq, seq[1:]):
            trans[p, q] += 1
    L = boundaries.LABELS

    def log_rate(c: int, total: int) -> float:
        return round(math.log((c + 0.1) / (total + 0.3)), 4)

    transitions = [[log_rate(trans[p, q], sum(trans[p, r] for r in L)) for q in L] for p in L]
    transitions[L.index("O")][L.index("I")] = -30.0  # an entry's inside follows its first line, never the outside
    starts = [log_rate(start[q], sum(start.values())) for q in L]
    starts[L.index("I")] = -30.0
    return {"labels": list(L), "intercept": [round(float(clf.intercept_[k]), 4) for k in order],
            "weights": weights, "transitions": transitions, "start": starts, "C": C,
            "lines": len(y), "label_counts": dict(Counter(y))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=boundaries.WEIGHTS)
    ap.add_argument("--C", type=float, default=0.5, help="inverse regularisation strength")
    args = ap.parse_args()
    sets = labelled_sets()
    data = fit(sequences(sets), args.C)
    data["trained_on"] = [n for n, _d, _g in sets]
    args.out.write_text(json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
    print(json.dumps({"out": str(args.out), "features": len(data["weights"]), "lines": data["lines"],
                      "label_counts": data["label_counts"], "sets": data["trained_on"],
                      "bytes": args.out.stat().st_size}, indent=2))


if __name__ == "__main__":
    main()
