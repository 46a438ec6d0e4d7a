"""A learned boundary model: where one initiative's text starts and ends, from the shape of each line.

Every non-blank line gets a handful of binary features that name no content (its markup, case pattern, length,
line shape, the field cues on it and in the next lines, whether its shape repeats in the document, the same for
the lines around it). A multinomial logistic regression trained on the team's own labelled held-out sets
(`bench/train_boundaries.py`, weights in `boundary_weights.json`) scores each line B (first line of a record),
I (inside one) or O (outside any), and a Viterbi pass with the training set's transition rates picks the best
B/I/O sequence. Inference is dictionary look-ups and sums: no scikit-learn at run time.

Switched by `INITIATIVES_BOUNDARIES` = `off` (default) | `model` | `combined` (see `segment.segment`).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

from initiatives.ingest.labels import label_of

LABELS = ("B", "I", "O")
WEIGHTS = Path(__file__).with_name("boundary_weights.json")
_MODES = ("off", "model", "combined")

_MD = re.compile(r"^\s{0,3}(#{1,6})\s")
_BULLET = re.compile(r"^\s*[-*•]\s")
_NUM = re.compile(r"^\s*(?:\d{1,3}[.)]|\(\d{1,3}\)|[IVX]{1,4}[.)])\s")
_TABLE = re.compile(r"^\s*\|")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{3,}")
_RULE = re.compile(r"^\s{0,3}(?:(?:-\s*){2,}|(?:\*\s*){3,}|(?:_\s*){3,}|={2,})\s*$")
_CODE = re.compile(r"^\s*(?:[*_#]+\s*)?(?:[A-Z][A-Z0-9]*(?:[-/.][A-Z0-9]+)+|[A-Z]{2,8}\d[\w-]*|\d[\dA-Z]*[-/.][\dA-Z]+)"
                   r"[*_]*\s*[:–—-]")
_LABEL_SHAPE = re.compile(r"^\s*(?:[-*•]\s*)?[*_]{0,2}[A-Z][\w ()/&.-]{0,30}?[*_]{0,2}\s*(?::|\.{3,})\s*[*_]{0,2}\S")
_DATE_ALONE = re.compile(r"^\W*(?:\d{1,2}\s+[A-Z][a-z]{2,8}\.?,?\s+\d{4}|[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s+\d{4}|"
                         r"[A-Z][a-z]{2,8}\s+\d{4}|\d{4}-\d{2}-\d{2})\W*$")
_SPACED_COLS = re.compile(r"\S(?: {3,}|\t)\S")
_CUE_KINDS = ("money", "date", "country", "label", "org", "kind")
_AHEAD = 4  # next lines whose cues count


def mode() -> str:
    m = os.environ.get("INITIATIVES_BOUNDARIES", "off").strip().lower()
    return m if m in _MODES else "off"


def _own(s: str) -> list[str]:
    """Features of one non-blank line by itself."""
    from initiatives.ingest.repetition import line_shape

    f: list[str] = []
    md = _MD.match(s)
    mark = ("h" + str(min(len(md.group(1)), 4))) if md else "table" if _TABLE.match(s) else "rule" if _RULE.match(s) \
        else "bullet" if _BULLET.match(s) and not s.lstrip().startswith("**") else "num" if _NUM.match(s) else "plain"
    if mark == "table" and _TABLE_SEP.match(s):
        mark = "tablesep"
    f.append("m=" + mark)
    indent = len(s) - len(s.lstrip(" \t"))
    f.append("ind=" + ("0" if indent == 0 else "1" if indent < 4 else "4"))
    bare = s.strip()
    shape = line_shape(s) if mark not in ("table", "tablesep", "rule") else mark
    f.append("sh=" + shape)
    f.append("msh=" + mark + "/" + shape)
    words = bare.split()
    n = len(words)
    f.append("len=" + ("1" if n <= 3 else "2" if n <= 8 else "3" if n <= 16 else "4" if n <= 40 else "5"))
    if n <= 16 and len(bare) >= 3 and bare.isupper():
        f.append("caps")
    if 2 <= n <= 16 and sum(1 for w in words if w[:1].isupper()) / n >= 0.6:
        f.append("titlecase")
    first = next((c for c in bare.lstrip("#*_-•|>([ 0123456789.") if c.isalpha()), "")
    f.append("start=" + ("low" if first.islower() else "up" if first else "none"))
    last = bare.rstrip("*_ ")[-1:]
    f.append("end=" + (last if last in ".:,;)|" else "other"))
    if bare.startswith(("**", "__")):
        f.append("bold_start")
    if _CODE.match(s):
        f.append("code")
    if _LABEL_SHAPE.match(s):
        f.append("labelshape")
    if (":" in s or ".." in s or "–" in s or "—" in s or " - " in s or "**" in s) and label_of(s) is not None:
        f.append("label")
    if _DATE_ALONE.match(bare):
        f.append("datealone")
    if _SPACED_COLS.search(bare):
        f.append("spaced_cols")
    return f


def features(lines: list[str], cues: list[frozenset[str]]) -> list[tuple[int, list[str]]]:
    """(0-based line index, feature names) for every non-blank line, in order."""
    idx = [i for i, ln in enumerate(lines) if ln.strip()]
    own = [_own(lines[i]) for i in idx]
    heads = [(o[2], o[0]) for o in own]  # (shape, mark)
    opened = [k == 0 or idx[k - 1] < idx[k] - 1 for k in range(len(idx))]  # a blank line (or the start) above
    block_heads = Counter(heads[k] for k in range(len(idx)) if opened[k])
    block_of: list[int] = []  # position of each line in its block of non-blank lines
    size: list[int] = []
    for k in range(len(idx)):
        block_of.append(0 if opened[k] else block_of[-1] + 1)
    for k in range(len(idx) - 1, -1, -1):
        size.append(1 if k + 1 == len(idx) or opened[k + 1] else size[-1] + 1)
    size.reverse()  # lines left in the block from here
    out: list[tuple[int, list[str]]] = []
    prev_head: tuple[str, str] | None = None
    for k, i in enumerate(idx):
        f = list(own[k])
        pos = block_of[k]
        f.append("bpos=" + ("0" if pos == 0 else "1" if pos == 1 else "2"))
        if pos == 0:
            n = size[k]
            f.append("blen=" + ("1" if n == 1 else "2" if n <= 3 else "4" if n <= 8 else "9"))
            bcues = Counter(kind for j in idx[k:k + n] for kind in cues[j])
            strong = sum(1 for kind in ("money", "date", "country", "label") if bcues[kind])
            f.append("bstrong=" + str(min(strong, 3)))
        mark = own[k][0]
        if mark == "m=table":
            nxt = own[k + 1][0] if k + 1 < len(idx) else ""
            f.append("table_header" if nxt == "m=tablesep" else "table_body")
        after = k + 1 == len(idx) or idx[k + 1] > i + 1
        f.append("bb" if opened[k] else "nbb")
        f.append("ba" if after else "nba")
        f.append(("bb" if opened[k] else "nbb") + "/" + own[k][2])
        if k == 0:
            f.append("doc_first")
        if opened[k]:
            c = block_heads[heads[k]]
            f.append("rep=" + ("1" if c == 1 else "2" if c == 2 else "3"))
            f.append("rep/" + own[k][3] + "=" + ("1" if c == 1 else "n"))
            if prev_head == heads[k]:
                f.append("same_as_prev_block")
            prev_head = heads[k]
        for kind in _CUE_KINDS:
            if kind in cues[i]:
                f.append("c=" + kind)
        ahead = Counter(kind for j in idx[k + 1:k + 1 + _AHEAD] for kind in cues[j])
        for kind in ("money", "date", "country", "label"):
            if ahead[kind]:
                f.append("nx_" + kind + ("2" if ahead[kind] >= 2 else "1"))
        strong = sum(1 for kind in ("money", "date", "country", "label") if ahead[kind])
        f.append("nx_strong=" + str(min(strong, 3)))
        for off, tag in ((-1, "p"), (1, "n")):
            j = k + off
            if 0 <= j < len(idx):
                o = own[j]
                f.extend(tag + ":" + x for x in (o[0], o[2], o[3]))
                if "label" in o:
                    f.append(tag + ":label")
            else:
                f.append(tag + ":none")
        out.append((i, f))
    return out


def doc_lines_and_cues(text: str, index: Any = None) -> tuple[list[str], list[frozenset[str]]]:
    from initiatives.ingest.repetition import line_cues

    lines = text.split("\n")
    money = [h.start for h in index.money] if index is not None else None
    countries = [a for _c, a, _b in index.countries] if index is not None else None
    return lines, line_cues(lines, money, countries)


def gold_labels(n_lines: int, spans: list[tuple[int, int]], nested: bool = True) -> list[str]:
    """B/I/O of every line (0-based list) from the gold records' 1-based `source_lines`. `nested=False`: a record
    whose lines lie inside another record's (an initiative a release names in a sentence) opens no entry."""
    if not nested:
        spans = [(a, b) for a, b in spans if not any((x, y) != (a, b) and x <= a and b <= y for x, y in spans)]
    lab = ["O"] * n_lines
    for a, b in spans:
        for i in range(a, min(b, n_lines) + 1):
            if lab[i - 1] == "O":
                lab[i - 1] = "I"
    for a, _b in spans:
        if 1 <= a <= n_lines:
            lab[a - 1] = "B"
    return lab


# ----------------------------------------------------------------------------------------------- inference

class Model:
    """Weights of a trained model: per feature a (B, I, O) vector, an intercept, and log transition rates."""

    def __init__(self, data: dict[str, Any]) -> None:
        if tuple(data.get("labels", ())) != LABELS:
            raise ValueError(f"boundary weights must be for labels {LABELS}")
        self.intercept: list[float] = [float(x) for x in data["intercept"]]
        self.weights: dict[str, list[float]] = {k: [float(x) for x in v] for k, v in data["weights"].items()}
        self.trans: list[list[float]] = [[float(x) for x in row] for row in data["transitions"]]
        self.start: list[float] = [float(x) for x in data["start"]]

    def scores(self, feats: list[str]) -> list[float]:
        """Log-probabilities of B, I, O for one line."""
        s = list(self.intercept)
        w = self.weights
        for name in feats:
            v = w.get(name)
            if v is not None:
                s[0] += v[0]
                s[1] += v[1]
                s[2] += v[2]
        top = max(s)
        z = top + math.log(sum(math.exp(x - top) for x in s))
        return [x - z for x in s]

    def decode(self, feats: list[list[str]]) -> list[str]:
        """The best B/I/O sequence (Viterbi over the line scores and the transition rates)."""
        if not feats:
            return []
        em = [self.scores(f) for f in feats]
        best = [self.start[s] + em[0][s] for s in range(3)]
        back: list[list[int]] = []
        for e in em[1:]:
            row, nxt = [], []
            for s in range(3):
                p = max(range(3), key=lambda q: best[q] + self.trans[q][s])
                row.append(p)
                nxt.append(best[p] + self.trans[p][s] + e[s])
            back.append(row)
            best = nxt
        s = max(range(3), key=lambda q: best[q])
        path = [s]
        for row in reversed(back):
            s = row[s]
            path.append(s)
        return [LABELS[s] for s in reversed(path)]


@lru_cache(maxsize=1)
def _shipped() -> Model:
    try:
        return Model(json.loads(WEIGHTS.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RuntimeError(f"boundary model weights {WEIGHTS} unreadable ({exc}); retrain with "
                           "bench/train_boundaries.py or set INITIATIVES_BOUNDARIES=off") from exc


_override: Model | None = None


def use(model: Model | None) -> None:
    """Use these weights instead of the shipped ones (cross-validation trains one model per left-out set)."""
    global _override
    _override = model


def current() -> Model:
    return _override or _shipped()


def spans(text: str, index: Any = None, model: Model | None = None) -> list[tuple[int, int]]:
    """(first, last) 1-based line numbers of each entry the model finds: a B line and the I lines after it."""
    lines, cues = doc_lines_and_cues(text, index)
    feats = features(lines, cues)
    labels = (model or current()).decode([f for _i, f in feats])
    out: list[list[int]] = []
    open_ = False
    for (i, _f), lab in zip(feats, labels):
        if lab == "B":
            out.append([i + 1, i + 1])
            open_ = True
        elif lab == "I" and open_:
            out[-1][1] = i + 1
        elif lab == "O":
            open_ = False
    return [(a, b) for a, b in out]
