"""Duplicates family: `duplicate-record`, `copied-text`, `text-duplicated-in-record`, `title-mismatch`.

Records are compared only when an index says they might match: shared word shingles (`textindex`), related
codes, or equal normalised titles. Never all pairs.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from initiatives.audit import textindex
from initiatives.audit.base import AuditContext, Rule
from initiatives.audit.config import default, rule_settings
from initiatives.audit.evidence import finding
from initiatives.audit.layout import DocLayout, label, layouts, record_text
from initiatives.model import Finding, Initiative

ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b|\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|"
                     r"tenth|eleventh|twelfth)\b", re.I)
_ORD_WORDS = {w: i + 1 for i, w in enumerate("first second third fourth fifth sixth seventh eighth ninth tenth "
                                             "eleventh twelfth".split())}
_STOP = {"the", "a", "an", "of", "for", "and", "in", "on", "to", "by", "with", "through"}


def ordinal(title: str | None) -> int | None:
    m = ORDINAL.search(title or "")
    if not m:
        return None
    return int(m.group(1)) if m.group(1) else _ORD_WORDS[m.group(2).lower()]


def code_key(code: str | None) -> str:
    return re.sub(r"[^0-9A-Z]", "", (code or "").upper())


def title_key(title: str | None) -> str:
    words = [w for w in re.findall(r"\w+", (title or "").casefold()) if w not in _STOP]
    return " ".join(sorted(words))


def position(rec: Initiative) -> tuple[str, int, int]:
    return (rec.source_document or "", rec.source_lines[0] if rec.source_lines else 0, rec.id or 0)


@dataclass
class Pair:
    a: Initiative  # earlier
    b: Initiative  # later
    jaccard: float
    passages: list[tuple[str, str, int]]  # (quote in a, quote in b, words)
    reasons: list[str]
    duplicate: bool = False


def _settings(ctx: AuditContext, rule: str) -> dict:
    cache = ctx.cache.setdefault("settings", {})
    if rule not in cache:
        cache[rule] = rule_settings(ctx.cache.get("config") or default(), rule, "medium")
    return cache[rule]


def analyse(ctx: AuditContext) -> list[Pair]:
    """Every pair of records that share text, a code or a title, with what they share (cached per run)."""
    if "pairs" in ctx.cache:
        return ctx.cache["pairs"]
    cp = _settings(ctx, "copied-text")
    dp = _settings(ctx, "duplicate-record")
    k = int(cp.get("shingle_words", 8))
    recs = ctx.records
    texts = [_prose(ctx, r, n) for n, r in enumerate(recs)]
    counts: list[int] = []

    def wordlists():  # one record's words at a time: only their hashes are kept
        for t in texts:
            ws = textindex.words(t, limit=2000)
            counts.append(len(ws))
            yield ws

    index = textindex.build(wordlists(), k, int(cp.get("boilerplate_records", 3)))
    ctx.cache["word_counts"] = {id(r): n for r, n in zip(recs, counts, strict=True)}
    ctx.cache["index"] = (index, texts)
    candidates: dict[tuple[int, int], list[str]] = defaultdict(list)
    for key in index.pairs:
        candidates[key].append("text")
    # related codes: 'DA1617B' and '1617B', or a record that cites another's code
    by_code: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(recs):
        ck = code_key(r.code)
        if len(ck) >= 4:
            by_code[ck].append(i)
    suffixes: dict[str, list[int]] = defaultdict(list)
    for ck, ids in by_code.items():
        for cut in range(1, len(ck) - 3):
            suffixes[ck[cut:]].extend(ids)
    for ck, ids in by_code.items():
        for j in suffixes.get(ck, []):
            for i in ids:
                if i != j:
                    candidates[tuple(sorted((i, j)))].append("code")  # type: ignore[index]
        for i in ids:
            for j in ids:
                if i < j:
                    candidates[(i, j)].append("same-code")
    # equal titles (after dropping small words and order)
    by_title: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(recs):
        tk = title_key(r.title)
        if len(tk.split()) >= 2:
            by_title[tk].append(i)
    for ids in by_title.values():
        if 1 < len(ids) <= 50:
            for x in ids:
                for y in ids:
                    if x < y:
                        candidates[(x, y)].append("title")
    # a specific title written inside an untitled record of the same document
    min_words = int(dp.get("min_title_words", 5))
    for lay in layouts(ctx).values():
        untitled = [r for r in lay.records if not r.title and not r.code]
        if not untitled:
            continue
        pos = {id(r): i for i, r in enumerate(recs)}
        for r in lay.records:
            if r.title and len(r.title.split()) >= min_words:
                pat = re.compile(re.escape(r.title.casefold()))
                for u in untitled:
                    if pat.search(record_text(ctx, u).casefold()):
                        candidates[tuple(sorted((pos[id(r)], pos[id(u)])))].append("title-in-text")  # type: ignore[index]
    min_passage = int(cp.get("min_words", 9))
    pairs = []
    for (i, j), reasons in candidates.items():
        if _overlap(recs[i], recs[j]):
            continue  # two records read from the same lines share their text by construction
        a, b = sorted((recs[i], recs[j]), key=position)
        ia, ib = (i, j) if a is recs[i] else (j, i)
        lo, hi = min(i, j), max(i, j)
        hits = index.pairs.get((lo, hi))
        passages, jac = [], 0.0
        if hits:
            shared = len({h for h, _ in hits.hits})
            na, nb = index.shingle_counts[lo], index.shingle_counts[hi]
            jac = shared / max(na + nb - shared, 1)
            if jac < float(dp.get("similarity", 0.8)):
                # edited copies: a few changed words break many shingles but few characters
                jac = max(jac, fuzz.ratio(" ".join(texts[lo].split()), " ".join(texts[hi].split())) / 100
                          if abs(len(texts[lo]) - len(texts[hi])) < 0.3 * max(len(texts[lo]), 1) else 0.0)
            tlo = thi = None
            for p in hits.passages(k):
                if p.length < min_passage or index.near_common(lo, p.a_start, p.length):
                    continue  # too short to matter, or part of standard wording that more records repeat
                if tlo is None:
                    tlo, thi = textindex.tokens(texts[lo], limit=2000), textindex.tokens(texts[hi], limit=2000)
                q_lo = texts[lo][tlo.starts[p.a_start]:tlo.ends[p.a_start + p.length - 1]]
                q_hi = texts[hi][thi.starts[p.b_start]:thi.ends[p.b_start + p.length - 1]]
                passages.append((q_lo, q_hi, p.length) if lo == ia else (q_hi, q_lo, p.length))
        pairs.append(Pair(a, b, jac, passages, reasons))
    for p in pairs:
        p.duplicate = _is_duplicate(ctx, p, float(dp.get("similarity", 0.8)))
    ctx.cache["pairs"] = pairs
    return pairs


def _overlap(a: Initiative, b: Initiative) -> bool:
    return bool(a.source_document and a.source_document == b.source_document and a.source_lines and b.source_lines
                and a.source_lines[0] <= b.source_lines[1] and b.source_lines[0] <= a.source_lines[1])


_FIELD_LINE = re.compile(r"^\s*[A-Z][A-Za-z /&()'’-]{1,45}:[^\n]{0,80}$")


def _prose(ctx: AuditContext, rec: Initiative, n: int) -> str:
    """The record's text with short labelled field lines ('Time Frame: ...') blanked out by a marker no other
    record has, so structured values shared by many entries are never taken for copied prose."""
    text = record_text(ctx, rec)
    if ":" not in text:
        return text
    lines = text.split("\n")
    return "\n".join(f"zz{n}x{i}" if _FIELD_LINE.match(ln) else ln for i, ln in enumerate(lines))


def _conflict(a: Initiative, b: Initiative) -> str | None:
    oa, ob = ordinal(a.title), ordinal(b.title)
    if (oa or ob) and oa != ob:
        return "ordinal"
    if a.budget and b.budget and (a.budget.currency != b.budget.currency or
                                  abs(a.budget.amount - b.budget.amount) > a.budget.amount / 100):
        return "budget"
    return None


def _is_duplicate(ctx: AuditContext, p: Pair, similarity: float) -> bool:
    if _conflict(p.a, p.b):
        return False
    if p.jaccard >= similarity:
        return True
    if "same-code" in p.reasons:
        return True
    if "code" in p.reasons:
        return bool(p.passages) or bool(set(p.a.countries) & set(p.b.countries)) or \
            fuzz.token_set_ratio(p.a.title or "", p.b.title or "") >= 80
    if "title" in p.reasons:
        agree = (set(p.a.countries) & set(p.b.countries)) or p.passages or \
            (p.a.start and p.b.start and p.a.start.year == p.b.start.year)
        return bool(agree) and fuzz.token_sort_ratio(p.a.title or "", p.b.title or "") >= 95
    if "title-in-text" in p.reasons:
        return True
    return False


def _named(ctx: AuditContext, r: Initiative) -> str:
    """The record's label with where it is, e.g. 'WX-1 (line 12)'."""
    lab = label(r)
    return lab if "(line " in lab else f"{lab} ({_where(ctx, r)})"


def _where(ctx: AuditContext, r: Initiative) -> str:
    return f"line {r.source_lines[0]}" if r.source_lines else (f"#{r.id}" if r.id else label(r))


def _first_line(ctx: AuditContext, r: Initiative, limit: int = 130) -> str:
    text = record_text(ctx, r).strip().split("\n")[0]
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[:cut if cut > 40 else limit]


def _duplicate_record(ctx: AuditContext) -> Iterable[Finding]:
    for p in analyse(ctx):
        if not p.duplicate:
            continue
        # the copy is the later one; an untitled entry that names a titled record is reported on the titled one
        rec, other = (p.b, p.a)
        if not (rec.code or rec.title) and (other.code or other.title):
            rec, other = other, rec
        why = []
        if p.jaccard >= 0.8:
            why.append(f"their texts are {round(p.jaccard * 100)}% the same")
        if "code" in p.reasons:
            why.append(f"the codes {other.code} and {rec.code} are the same project code" if other.code and rec.code
                       else "one cites the other's code")
        if "title-in-text" in p.reasons:
            why.append("the untitled entry is about the titled one")
        if "title" in p.reasons:
            why.append("their titles are the same")
        if p.passages and p.jaccard < 0.8:
            why.append("they share a passage of text")
        if set(rec.countries) & set(other.countries) and set(rec.countries) == set(other.countries):
            why.append("they have the same countries")
        status = ""
        if rec.status and other.status and rec.status != other.status:
            status = f" with conflicting statuses ({other.status} vs {rec.status})"
        msg = (f"The same initiative appears twice{status}: {_named(ctx, other)} and {_named(ctx, rec)}; "
               + ", ".join(why) + ".")
        quotes = [_first_line(ctx, other), _first_line(ctx, rec)]
        if p.passages and p.jaccard >= 0.8:
            quotes = [p.passages[0][1 if rec is p.b else 0][:200]]
        elif p.passages:
            quotes = [_first_line(ctx, rec, 60), p.passages[0][0][:120]]
        yield finding(ctx, rec, msg, quotes, others=[other], field="title")


def _copy_owner(p: Pair) -> tuple[Initiative, Initiative]:
    """(copy, original): the record that started later; with equal starts the later code; else the later one."""
    a, b = p.a, p.b
    sa, sb = (a.start.earliest() if a.start else None), (b.start.earliest() if b.start else None)
    if sa and sb and sa != sb:
        return (b, a) if sb > sa else (a, b)
    if a.code and b.code and code_key(a.code) != code_key(b.code):
        return (b, a) if code_key(b.code) > code_key(a.code) else (a, b)
    return b, a


def _copied_text(ctx: AuditContext) -> Iterable[Finding]:
    s = ctx.settings
    min_words = int(s.get("min_words", 9))
    for p in analyse(ctx):
        if p.duplicate and p.jaccard >= 0.8:
            continue  # the same record twice: reported as duplicate-record
        counts = ctx.cache.get("word_counts", {})
        shorter_words = min(counts.get(id(r), 0) for r in (p.a, p.b))
        need = min_words if shorter_words < 80 else max(min_words, int(s.get("min_words_long", 12)))
        long = [x for x in p.passages if x[2] >= need]
        if not long:
            continue
        copy, original = _copy_owner(p)
        total = sum(x[2] for x in long)
        shorter = shorter_words
        short_rec = p.a if counts.get(id(p.a), 0) <= counts.get(id(p.b), 0) else p.b
        if shorter and total >= 0.6 * shorter and record_text(ctx, short_rec).rstrip().endswith(("...", "…")):
            continue  # a teaser ('…') quoting the full entry it introduces
        qa, qb, n = long[0]
        quote = qa if copy is p.b else qb
        if len(quote) > 200:
            quote = quote[:200].rsplit(" ", 1)[0]
        more = f" ({len(long)} passages, {total} words in all)" if len(long) > 1 else f" ({n} words)"
        yield finding(ctx, copy, f"Text copied from {_named(ctx, original)}{more}: "
                      "a passage is word for word the same in two different records.", [quote],
                      others=[original], field="summary")


# ----------------------------------------------------------------------------------- within one document


def _in_document(ctx: AuditContext, lay: DocLayout) -> Iterable[Finding]:
    s = ctx.settings
    min_words = int(s.get("min_words", 10))
    min_frag = int(s.get("min_fragment_words", 5))
    text = lay.doc.text
    t = textindex.tokens(text)
    k = min_frag
    first: dict[tuple[str, ...], int] = {}
    hits = textindex.PairHits()
    for j in range(len(t.words) - k + 1):
        key = tuple(t.words[j:j + k])
        if key in first:
            if j - first[key] >= k:
                hits.hits.append((first[key], j))
        else:
            first[key] = j
    by_rec: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    owners: dict[int, Initiative] = {}
    for p in hits.passages(k, max_gap=2):
        if p.length < min_frag:
            continue
        sa, ea = t.starts[p.a_start], t.ends[p.a_start + p.length - 1]
        sb, eb = t.starts[p.b_start], t.ends[p.b_start + p.length - 1]
        before = text[max(sb - 3, 0):sb]
        fragment = bool(re.search(r"[.!?]\s+$", before)) and text[sb].islower()
        if p.length < min_words and not fragment:
            continue
        la, lb = lay.line_of(sa), lay.line_of(sb)
        ra, rb = _containing(lay, la), _containing(lay, lb)
        if ra is not None and rb is not None and ra is not rb:
            continue
        rec = ra or rb
        if rec is None:
            continue
        qa, qb = text[sa:ea], text[sb:eb]
        if fragment:
            s0 = text.rfind(" ", 0, max(sb - 25, 0)) + 1
            qb = text[s0:eb]
        by_rec[id(rec)].append((qa, qb, p.length))
        owners[id(rec)] = rec
    for key, items in by_rec.items():
        rec = owners[key]
        qa, qb, n = max(items, key=lambda x: x[2])
        la, lb = lay.line_of(text.find(qa)), lay.line_of(text.find(qb, text.find(qa) + 1))
        where = f"lines {la} and {lb}" if la != lb else f"line {la}"
        frag = n < min_words
        msg = (f"A stray fragment is pasted again ({where}): '{qa}' appears a second time." if frag else
               f"The same passage is given twice, almost word for word ({where}, {n} words).")
        yield finding(ctx, rec, msg, [qb, qa] if frag else [qa, qb], field="summary")


def _containing(lay: DocLayout, line: int) -> Initiative | None:
    inside = lay.containing(line)
    if not inside:
        return None
    return max(inside, key=lambda r: r.source_lines[1] - r.source_lines[0])


def _text_dup(ctx: AuditContext) -> Iterable[Finding]:
    for lay in layouts(ctx).values():
        try:
            yield from _in_document(ctx, lay)
        except Exception as exc:  # noqa: BLE001
            ctx.errors.append((ctx.rule_id, lay.doc.name, f"{type(exc).__name__}: {exc}"))
    # records without a document: a passage repeated inside their own text (from the shingle index)
    analyse(ctx)
    index, texts = ctx.cache["index"]
    with_doc = {id(r) for lay in layouts(ctx).values() for r in lay.records}
    min_words = int(ctx.settings.get("min_words", 12))
    need = max(min_words - index.k + 1, 1)  # consecutive repeated shingles
    for n, rec in enumerate(ctx.records):
        h = index.hashes[n]
        if id(rec) in with_doc or len(h) < 2 * need:
            continue
        _, first_pos, counts = np.unique(h, return_index=True, return_counts=True)
        if counts.max() < 2:
            continue
        seen: dict[int, int] = {}
        run, run_start = 0, None
        title_words = len(textindex.words(rec.title or ""))  # a summary that opens with the title is fine
        for j, v in enumerate(h.tolist()):
            prev = seen.get(v)
            if prev is not None and prev >= title_words and j - prev >= index.k:
                run += 1
                run_start = j if run == 1 else run_start
                if run >= need:
                    t = textindex.tokens(texts[n])
                    q = texts[n][t.starts[run_start]:t.ends[min(j + index.k - 1, len(t.ends) - 1)]]
                    yield finding(ctx, rec, f"The same passage is given twice in the record's text "
                                  f"({run + index.k - 1}+ words).", [q], field="summary")
                    break
            else:
                run = 0
            seen.setdefault(v, j)


# ----------------------------------------------------------------------------------- titles

_SERIES_EXTRA = re.compile(r"^(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|"
                           r"tenth|\d{4}|the|annual)$", re.I)


def _title_mismatch(ctx: AuditContext) -> Iterable[Finding]:
    for p in analyse(ctx):
        if p.duplicate and p.a.title and p.b.title and fuzz.token_sort_ratio(p.a.title, p.b.title) < 90:
            rec, other = p.b, p.a
            yield finding(ctx, rec, f"The same project has two different titles: '{other.title}' "
                          f"({label(other)}) and '{rec.title}' ({label(rec)}).",
                          [_first_line(ctx, other, 110), _first_line(ctx, rec, 110)], others=[other], field="title")
    min_words = int(ctx.settings.get("min_title_words", 3))
    for lay in layouts(ctx).values():
        titled = [r for r in lay.records if r.title and len(r.title.split()) >= min_words]
        for r in titled:
            short = r.title.casefold()
            for o in lay.records:
                if o is r or not o.title or len(o.title) <= len(r.title):
                    continue
                long = o.title.casefold()
                i = long.find(short)
                if i < 0:
                    continue
                extra = (long[:i] + " " + long[i + len(short):].split(",")[0]).split()
                if all(_SERIES_EXTRA.match(w) for w in extra):
                    continue  # an edition of a series ('9th Internet ...'), not an ambiguity
                lines = lay.lines
                qa = next((ln.strip() for ln in lines[(r.source_lines or (1, 1))[0] - 1:(r.source_lines or (1, 1))[1]]
                           if r.title.casefold() in ln.casefold()), r.title)
                qb = o.title
                qa = _sentence_with(qa, r.title)
                yield finding(ctx, r, f"The name '{r.title}' is ambiguous: it is part of the name of another "
                              f"initiative in the same document, '{o.title}', so the two can be confused or merged.",
                              [qa, qb], others=[o], field="title")
                break


def _sentence_with(text: str, phrase: str) -> str:
    i = text.casefold().find(phrase.casefold())
    if i < 0:
        return text[:160]
    stop = text.rfind(". ", 0, i)
    s = stop + 2 if stop >= 0 else 0
    e = text.find(". ", i)
    out = text[s:e if e > 0 else len(text)].strip()
    return out if len(out) <= 200 else text[max(i - 60, 0):i + len(phrase)].strip()


RULES = [
    Rule("duplicate-record", "high", "The same initiative is stored twice, under different codes or wording.",
         _duplicate_record, scope="collection"),
    Rule("copied-text", "medium", "A long passage is shared word for word between two different records.",
         _copied_text, scope="collection"),
    Rule("text-duplicated-in-record", "low", "A passage is repeated within one record, or pasted again elsewhere in "
         "its document.", _text_dup, scope="collection"),
    Rule("title-mismatch", "low", "One project with two titles, or a title so close to another initiative's that "
         "the two can be confused.", _title_mismatch, scope="collection"),
]
