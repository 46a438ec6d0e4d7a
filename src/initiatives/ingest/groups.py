"""Country groups (LDC, LLDC, SIDS, "Developing Countries", regions) as written -> one canonical label."""

from __future__ import annotations

import re
from functools import lru_cache

# canonical label -> patterns (case-insensitive) that name it
GROUPS: list[tuple[str, str]] = [
    ("LLDC", r"\bLLDCs?\b|\bland-?locked developing countries\b"),
    ("SIDS", r"\bSIDS\b|\bsmall island developing states\b"),
    ("LDC", r"\bLDCs?\b|\bleast developed countries\b"),
    ("Developing Countries", r"\bdeveloping countries\b"),
    ("All Member States", r"\ball (?:UN |united nations )?member states\b"),
    ("Global South", r"\bglobal south\b"),
    ("low- and middle-income countries", r"\blow-?\s*and\s+middle-?\s*income countries\b|\bLMICs?\b"),
    ("Eastern Caribbean", r"\b(?:the )?eastern caribbean\b"),
    ("East and Southern Africa", r"\beast(?:ern)? and southern africa\b"),
    ("West and Central Africa", r"\bwest(?:ern)? and central africa\b"),
    ("Sub-Saharan Africa", r"\bsub-saharan africa\b"),
    ("Asia and the Pacific", r"\basia(?: and|-)(?: the)? pacific\b"),
    ("Latin America and the Caribbean", r"\blatin america and the caribbean\b"),
    ("Latin America", r"\blatin america\b(?! and the caribbean)"),
    ("East Asia", r"\beast asia\b"),
    ("South Asia", r"\bsouth asia\b"),
    ("Southeast Asia", r"\bsouth-?east asia\b"),
    ("Central Asia", r"\bcentral asia\b"),
    ("Middle East and North Africa", r"\bmiddle east and north africa\b|\bMENA\b"),
    ("Arab States", r"\barab states\b|\barab region\b"),
    ("West Africa", r"\bwest africa\b"),
    ("East Africa", r"\beast africa\b"),
    ("Africa", r"\bafrica\b"),
    ("Europe", r"\beurope\b"),
    ("Pacific", r"\bpacific islands?\b|\bthe pacific\b"),
    ("Caribbean", r"\bcaribbean\b"),
    ("Global", r"^\s*global\s*$|\bworldwide\b|\bglobally\b|\beverywhere\b"),
]
_COMPILED = [(label, re.compile(p, re.I)) for label, p in GROUPS]
# The acronyms must keep their case: "sids" in a word is not SIDS.
_CASED = {"LDC", "LLDC", "SIDS", "Middle East and North Africa", "low- and middle-income countries"}


def canonical(text: str) -> str | None:
    """The canonical group a label value names ("Least Developed Countries" -> "LDC"), or None."""
    t = text.strip(" .;,*")
    for label, rx in _COMPILED:
        m = rx.search(t)
        if m and len(t) <= len(m.group(0)) + 12:
            return label
    return None


# A word each label's names contain: a pattern runs only when its word is in the (lower-cased) text.
_KEYWORDS: dict[str, tuple[str, ...]] = {
    "LLDC": ("locked",), "SIDS": ("island",), "LDC": ("least",), "Developing Countries": ("developing",),
    "All Member States": ("member states",), "Global South": ("global south",), "low- and middle-income countries":
    ("income",), "Eastern Caribbean": ("eastern caribbean",), "East and Southern Africa": ("southern africa",),
    "West and Central Africa": ("central africa",), "Sub-Saharan Africa": ("saharan",),
    "Asia and the Pacific": ("pacific",), "Latin America and the Caribbean": ("latin",), "Latin America": ("latin",),
    "East Asia": ("east asia",), "South Asia": ("south asia",), "Southeast Asia": ("east asia",),
    "Central Asia": ("central asia",), "Middle East and North Africa": ("north africa",),
    "Arab States": ("arab",), "West Africa": ("west africa",), "East Africa": ("east africa",),
    "Africa": ("africa",), "Europe": ("europe",), "Pacific": ("pacific",), "Caribbean": ("caribbean",),
    "Global": ("worldwide", "globally", "everywhere"),
}


def _split_patterns() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(case-sensitive acronym patterns, lower-case name patterns), in GROUPS order."""
    cased, plain = [], []
    for label, p in GROUPS:
        if label == "Global":
            p = r"\bworldwide\b|\bglobally\b|\beverywhere\b"
        if label in _CASED:  # acronyms keep their case ("sids" inside a word is not SIDS); words do not
            parts = p.split("|")
            acr = [x for x in parts if not re.search(r"[a-z]{3}", x.replace(r"\b", ""))]
            words = [x for x in parts if x not in acr]
            if acr:
                cased.append((label, "|".join(acr)))
            if words:
                plain.append((label, "|".join(words)))
        else:
            plain.append((label, p))
    return cased, plain


_CASED_PATTERNS, _PLAIN_PATTERNS = _split_patterns()


@lru_cache(maxsize=512)
def _alternation(indexes: tuple[int, ...], cased: bool) -> tuple[list[str], re.Pattern[str]]:
    group = [(_CASED_PATTERNS if cased else _PLAIN_PATTERNS)[i] for i in indexes]
    alt = "|".join(f"(?P<g{k}>{p})" for k, (_, p) in enumerate(group))
    return [label for label, _ in group], re.compile(alt)


_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")  # keeps every offset


def _top_level_branches(pattern: str) -> list[str]:
    """`a|b(?:c|d)|e` -> [a, b(?:c|d), e]."""
    out, depth, cur, i = [], 0, "", 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            cur += pattern[i:i + 2]
            i += 2
            continue
        depth += ch == "("
        depth -= ch == ")"
        if ch == "|" and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
        i += 1
    return [*out, cur]


@lru_cache(maxsize=None)
def _branch(pattern: str) -> tuple[re.Pattern[str], bool]:
    """A branch compiled without its leading `\\b` (checked by hand instead): a pattern that starts with a
    literal is found by the regex engine's fast literal search, one that starts with `\\b` is tried at every
    position of the text (30-40 times slower on a long document)."""
    if pattern.startswith("\\b"):
        return re.compile(pattern[2:]), True
    return re.compile(pattern), False


_WORD = re.compile(r"\w")


def _scan(patterns: list[tuple[str, str]], indexes: tuple[int, ...], target: str) -> list[tuple[str, int, int]]:
    """What `finditer` of the alternation of the patterns would yield (leftmost match first; at one position
    the earlier pattern wins; matches do not overlap), from one fast scan per branch."""
    cands = []
    for order, i in enumerate(indexes):
        label, pattern = patterns[i]
        for b, branch in enumerate(_top_level_branches(pattern)):
            rx, boundary = _branch(branch)
            for m in rx.finditer(target):
                if boundary and m.start() > 0 and _WORD.match(target, m.start() - 1):
                    continue
                if m.end() > m.start():
                    cands.append((m.start(), order, b, m.end(), label))
    cands.sort()
    out, end = [], -1
    for start, _, _, stop, label in cands:
        if start >= end:
            out.append((label, start, stop))
            end = stop
    return out


def find_in_text(text: str) -> list[tuple[str, int, int]]:
    """Groups named in running text; overlapping names (Latin America ⊂ Latin America and the Caribbean) once."""
    out: list[tuple[str, int, int]] = []
    lowered = text.lower()
    if len(lowered) != len(text):  # a character whose lower case is longer ("İ"): keep every offset
        lowered = text.translate(_LOWER)
    # names are matched in lower-cased text with a case-sensitive pattern, and only the patterns whose
    # keyword occurs: far faster than one long re.IGNORECASE alternation
    present = tuple(i for i, (label, _) in enumerate(_PLAIN_PATTERNS)
                    if any(k in lowered for k in _KEYWORDS.get(label, (label.lower(),))))
    hits = _scan(_CASED_PATTERNS, tuple(range(len(_CASED_PATTERNS))), text) \
        if any(a in text for a in ("LDC", "SIDS", "LMIC", "MENA")) else []
    if present:
        hits += _scan(_PLAIN_PATTERNS, present, lowered)
    for label, start, end in hits:
        if any(s <= start < e for _, s, e in out):
            continue
        # part of a proper name ("Transform Africa Summit", "South Africa"), not a group
        before = text[max(0, start - 30):start]
        after = text[end:end + 30]
        if re.search(r"[A-Z][\w\-]*[ \t]+$", before) and not re.search(r"\b(?:and|of|in|the)[ \t]+$", before) \
                or re.match(r"^[ \t]+(?:[A-Z][a-z]+)", after) and not re.match(r"^[ \t]+(?:and|the)\b", after):
            continue
        out.append((label, start, end))
    return sorted(out, key=lambda x: x[1])
