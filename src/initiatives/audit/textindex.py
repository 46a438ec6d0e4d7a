"""A shingle index over record texts: which records share word sequences, without comparing all pairs.

Each record's text becomes word k-shingles (hashed). A posting list per shingle holds the records that
contain it; shingles in `boilerplate` or more records are standard wording and are dropped. Only records
that share a shingle are ever compared. On very large runs, shingles are sampled by hash (1 in `mod`) so
memory stays bounded; long copied passages are still found, very short ones may not be.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class Tokens:
    words: list[str]
    starts: list[int]
    ends: list[int]


def tokens(text: str, limit: int | None = None) -> Tokens:
    words, starts, ends = [], [], []
    for m in WORD.finditer(text):
        words.append(m.group(0).casefold())
        starts.append(m.start())
        ends.append(m.end())
        if limit and len(words) >= limit:
            break
    return Tokens(words, starts, ends)


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
    shingle_counts: list[int]
    pairs: dict[tuple[int, int], PairHits]
    mod: int
    common: set[int] = field(default_factory=set)  # shingles in `boilerplate` or more records

    def near_common(self, words: list[str], start: int, length: int) -> bool:
        """Whether a passage is a piece of longer standard wording: the common shingles right before or after
        it run longer than the passage itself (a variant word broke a boilerplate paragraph into pieces)."""
        k = self.k

        def common(j: int) -> bool:
            return 0 <= j <= len(words) - k and hash(tuple(words[j:j + k])) in self.common

        before = 0
        j = start - 1
        while common(j) and before <= length:
            before += 1
            j -= 1
        after = 0
        j = start + length - k + 1
        while common(j) and after <= length:
            after += 1
            j += 1
        return max(before, after) + k - 1 >= length if max(before, after) else False


def build(texts: list[Tokens], k: int, boilerplate: int, budget: int = 3_000_000) -> ShingleIndex:
    total = sum(max(len(t.words) - k + 1, 0) for t in texts)
    mod = max(1, -(-total // budget))
    postings: dict[int, list[tuple[int, int]]] = {}
    counts = []
    for i, t in enumerate(texts):
        w = t.words
        n = 0
        seen: set[int] = set()
        for j in range(len(w) - k + 1):
            h = hash(tuple(w[j:j + k]))
            if mod > 1 and h % mod:
                continue
            n += 1
            if h in seen:
                continue
            seen.add(h)
            lst = postings.get(h)
            if lst is None:
                postings[h] = [(i, j)]
            elif len(lst) <= boilerplate:
                lst.append((i, j))
        counts.append(n)
    pairs: dict[tuple[int, int], PairHits] = defaultdict(PairHits)
    common: set[int] = set()
    for h, lst in postings.items():
        if len(lst) < 2:
            continue
        recs = {i for i, _ in lst}
        if len(recs) >= boilerplate:
            common.add(h)
            continue
        if len(recs) < 2:
            continue
        (ia, ja), (ib, jb) = lst[0], next(x for x in lst if x[0] != lst[0][0])
        if ia > ib:
            ia, ja, ib, jb = ib, jb, ia, ja
        pairs[(ia, ib)].hits.append((ja, jb))
    return ShingleIndex(k, counts, dict(pairs), mod, common)
