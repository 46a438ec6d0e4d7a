"""A shingle index over record texts: which records share word sequences, without comparing all pairs.

Each record's text becomes hashed word k-shingles (a rolling polynomial hash in numpy). All shingles of the
run are sorted once; a shingle held by exactly two records links that pair, and one held by `boilerplate` or
more records is standard wording and links nobody. Only linked records are ever compared, so the cost is one
sort of all shingles (n log n), not n² comparisons.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

WORD = re.compile(r"\w+", re.UNICODE)
_P = np.uint64(1_000_003)


@dataclass
class Tokens:
    words: list[str]
    starts: list[int]
    ends: list[int]


def tokens(text: str, limit: int | None = None) -> Tokens:
    """Words of a text (case-folded) with their character offsets, for quoting passages."""
    words, starts, ends = [], [], []
    for m in WORD.finditer(text):
        words.append(m.group(0).casefold())
        starts.append(m.start())
        ends.append(m.end())
        if limit and len(words) >= limit:
            break
    return Tokens(words, starts, ends)


def words(text: str, limit: int | None = None) -> list[str]:
    out = WORD.findall(text.casefold())
    return out[:limit] if limit else out


def shingles(ws: list[str], k: int) -> np.ndarray:
    """Hashes of the word k-grams of `ws` (position j = words j..j+k-1)."""
    n = len(ws) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    ids = np.fromiter(map(hash, ws), dtype=np.int64, count=len(ws)).view(np.uint64)
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for t in range(k):
            h = h * _P + ids[t:t + n]
    return h


@dataclass
class Passage:
    a_start: int  # word index in record a
    b_start: int
    length: int  # in words


@dataclass
class PairHits:
    hits: list[tuple[int, int]] = field(default_factory=list)  # (word index in a, word index in b)

    def passages(self, k: int, max_gap: int = 0) -> list[Passage]:
        """Maximal runs of shared shingles on the same diagonal, as word passages."""
        by_diag: dict[int, list[int]] = defaultdict(list)
        for ia, ib in self.hits:
            by_diag[ib - ia].append(ia)
        out = []
        for diag, starts in by_diag.items():
            starts.sort()
            run_start = prev = starts[0]
            for s in starts[1:] + [None]:  # type: ignore[list-item]
                if s is not None and s - prev <= 1 + max_gap:
                    prev = s
                    continue
                out.append(Passage(run_start, run_start + diag, prev - run_start + k))
                if s is not None:
                    run_start = prev = s
        return sorted(out, key=lambda p: (-p.length, p.a_start, p.b_start))


@dataclass
class ShingleIndex:
    k: int
    hashes: list[np.ndarray]  # per record
    shingle_counts: list[int]
    pairs: dict[tuple[int, int], PairHits]
    common: set[int] = field(default_factory=set)  # shingles in `boilerplate` or more records

    def near_common(self, rec: int, start: int, length: int) -> bool:
        """Whether a passage is a piece of longer standard wording: the common shingles right before or after
        it run longer than the passage itself (a variant word broke a boilerplate paragraph into pieces)."""
        h, k = self.hashes[rec], self.k

        def common(j: int) -> bool:
            return 0 <= j < len(h) and int(h[j]) in self.common

        before, j = 0, start - 1
        while common(j) and before <= length:
            before, j = before + 1, j - 1
        after, j = 0, start + length - k + 1
        while common(j) and after <= length:
            after, j = after + 1, j + 1
        return bool(max(before, after)) and max(before, after) + k - 1 >= length


def build(texts: Iterable[list[str]], k: int, boilerplate: int) -> ShingleIndex:
    """Index the word lists of all records."""
    hashes = [shingles(ws, k) for ws in texts]
    counts = [len(h) for h in hashes]
    if not any(counts):
        return ShingleIndex(k, hashes, counts, {})
    all_h = np.concatenate(hashes)
    rec = np.repeat(np.arange(len(hashes), dtype=np.int64), counts)
    pos = np.concatenate([np.arange(c, dtype=np.int64) for c in counts])
    order = np.argsort(all_h, kind="stable")  # records and positions stay in order within a hash
    all_h, rec, pos = all_h[order], rec[order], pos[order]
    # keep the first occurrence of a shingle in each record
    first = np.ones(len(all_h), dtype=bool)
    first[1:] = (all_h[1:] != all_h[:-1]) | (rec[1:] != rec[:-1])
    all_h, rec, pos = all_h[first], rec[first], pos[first]
    starts = np.flatnonzero(np.r_[True, all_h[1:] != all_h[:-1]])
    sizes = np.diff(np.r_[starts, len(all_h)])
    common = set(all_h[starts[sizes >= boilerplate]].tolist())
    pairs: dict[tuple[int, int], PairHits] = defaultdict(PairHits)
    linked = starts[(sizes >= 2) & (sizes < boilerplate)]
    for s, size in zip(linked.tolist(), sizes[(sizes >= 2) & (sizes < boilerplate)].tolist(), strict=True):
        for x in range(s, s + size):
            for y in range(x + 1, s + size):
                pairs[(int(rec[x]), int(rec[y]))].hits.append((int(pos[x]), int(pos[y])))
    return ShingleIndex(k, hashes, counts, dict(pairs), common)
