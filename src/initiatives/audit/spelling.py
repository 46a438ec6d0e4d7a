"""Spelling family: `corrupted-word` (non-words, text cut off mid-word) and `misspelling` (typos, missing
spaces, repeated words, common confusions, near-miss country names), each with the suggested fix.

Word knowledge comes from maintained data: wordfreq (is it a word, how common), symspellpy's English
frequency dictionary (nearest real word), rapidfuzz against ISO country names. Tokens are classified once per
run (a cache), so the cost grows with the vocabulary, not the number of records.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from wordfreq import zipf_frequency

from initiatives.audit.base import AuditContext, Rule
from initiatives.audit.evidence import finding
from initiatives.audit.layout import layouts
from initiatives.model import Finding, Initiative

TOKEN = re.compile(r"(?<![\w@/.-])([A-Za-z][a-z]*(?:[A-Z][a-z]+)?)(?![\w@/-]|\.\w)")
_SHORT_OK = {"a", "an", "to", "of", "in", "on", "at", "by", "is", "as", "or", "be", "we", "it", "for", "and", "the"}

# Common English confusions: (pattern, replacement, explanation). Generic errors, not any document's words.
CONFUSIONS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"(?:^|(?<=[.;:!?]\s)|(?<=\n)|(?<=[-*•]\s))(Lead) by\b(?! example)"), "Led by",
     "'Lead by' should be 'Led by' (past participle)."),
    (re.compile(r"\b((?:arising|apart|away|derived|emerging|resulting|stemming|coming|different|free|far|removed|"
                r"benefit(?:ing|s)?|learn(?:ing|ed|t)?|recover(?:ing|ed)?|graduat(?:ing|ed)?) form)\b", re.I),
     "from", "'form' should be 'from'."),
    (re.compile(r"\b((?:could|should|would|must|might) of)\b", re.I), "have", "'of' should be 'have'."),
    (re.compile(r"\b(\w+ing-looking)\b", re.I), "", "a compound adjective takes the bare word: "),
)
_CUES = (("ead by",), (" form",), ("d of ", "t of "), ("ing-looking",))  # cheap substring tests first
REPEATED = re.compile(r"\b([A-Za-z]{3,})\s+\1\b")
_REPEAT_OK = {"that", "had", "very", "bye", "ha"}
_END_PUNCT = tuple(".!?:;…\"”’')]|*>")


_OTHER_LANGS = ("es", "fr", "pt", "de")


@dataclass(frozen=True)
class Verdict:
    kind: str  # "space" | "typo" | "corrupt" | "country"
    fix: str | None


def _known(w: str, min_zipf: float = 3.0) -> bool:
    if len(w) <= 2:
        return w.lower() in _SHORT_OK
    return zipf_frequency(w.lower(), "en") >= min_zipf


@lru_cache(maxsize=1)
def _symspell():  # noqa: ANN202
    """A SymSpell index of the common English words (wordfreq Zipf >= 3): fixes point to words people use."""
    from symspellpy import SymSpell
    from wordfreq import top_n_list

    sym = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
    for w in top_n_list("en", 40000):
        if w.isalpha() and len(w) > 2:
            z = zipf_frequency(w, "en")
            if z < 3.0:
                break
            sym.create_dictionary_entry(w, int(10 ** z))
    return sym


@lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    """The words of symspellpy's English frequency dictionary (82,765 words from a curated corpus): a frequent
    web misspelling ('goverment') is absent from it, a rare real word ('returnee') is not."""
    from importlib import resources

    text = resources.files("symspellpy").joinpath("frequency_dictionary_en_82_765.txt").read_text("utf-8")
    return frozenset(line.split(" ", 1)[0] for line in text.splitlines() if line)


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    import pycountry

    out = {}
    for c in pycountry.countries:
        for n in {c.name, getattr(c, "common_name", c.name)}:
            if " " not in n and "," not in n:
                out[n] = n
    return out


def _split(w: str) -> str | None:
    """'importantally' -> 'important ally' when both halves are common words."""
    best, best_score = None, 0.0
    for i in range(1, len(w)):
        a, b = w[:i], w[i:]
        if _known(a, 3.0) and _known(b, 3.0):
            score = min(zipf_frequency(a, "en"), zipf_frequency(b, "en"))
            if score > best_score:
                best, best_score = f"{a} {b}", score
    return best


_SUFFIXES = ("s", "es", "ed", "ing", "ings", "ising", "izing", "isation", "ization", "isations", "izations",
             "ise", "ize", "ised", "ized", "ly", "ally", "er", "ers", "ment", "ments", "ness", "al", "ity", "ist",
             "ists", "ism", "ant", "ants", "ance", "ive", "ives", "able", "ible", "ship", "hood", "wise", "less")
_PREFIXES = ("un", "re", "non", "pre", "post", "co", "inter", "intra", "trans", "multi", "sub", "over", "under",
             "counter", "anti", "de", "dis", "mis", "micro", "macro", "cross", "self", "semi", "socio", "geo")


def _derived(low: str) -> bool:
    """A regular derivation of a known word ('operationalising', 'transhumant'): not a corruption."""
    for suf in _SUFFIXES:
        if low.endswith(suf) and len(low) - len(suf) >= 4:
            stem = low[: -len(suf)]
            if any(zipf_frequency(x, "en") >= 2.5 for x in (stem, stem + "e", stem.replace("is", "iz"))):
                return True
    for pre in _PREFIXES:
        if low.startswith(pre) and len(low) - len(pre) >= 4 and (
                zipf_frequency(low[len(pre):], "en") >= 2.5 or _derived_stem(low[len(pre):])):
            return True
    return False


def _derived_stem(low: str) -> bool:
    return any(low.endswith(suf) and zipf_frequency(low[: -len(suf)], "en") >= 2.5 for suf in _SUFFIXES)


def _embedded_word(w: str) -> bool:
    """A long non-word that starts with a real word and goes on with letters that are no word:
    the mark of a find-and-replace accident ('defaultrmation')."""
    low = w.lower()
    if _derived(low):
        return False
    for i in range(len(low) - 3, 4, -1):
        if zipf_frequency(low[:i], "en") >= 3.5 and zipf_frequency(low[i:], "en") == 0:
            return True
    return False


class Classifier:
    def __init__(self, max_zipf: float, min_length: int, min_corrupt: int, country_score: float,
                 known: frozenset[str] = frozenset()) -> None:
        self.max_zipf, self.min_length, self.min_corrupt = max_zipf, min_length, min_corrupt
        self.known = known  # words taken as correct whatever the dictionaries say (lower case)
        self.country_score = country_score
        self.cache: dict[str, Verdict | None] = {}

    def __call__(self, tok: str) -> Verdict | None:
        v = self.cache.get(tok, False)
        if v is False:
            v = self.cache[tok] = self._classify(tok)
        return v  # type: ignore[return-value]

    def _classify(self, tok: str) -> Verdict | None:
        if len(tok) < self.min_length:
            return None
        camel = re.fullmatch(r"([a-z]+)([A-Z][a-z]+)", tok)
        if camel:
            a, b = camel.groups()
            if (a == "a" or (len(a) >= 2 and _known(a, 4.0))) and _known(b, 3.0):
                return Verdict("space", f"{a} {b}")
            return None
        low = tok.lower()
        if low in self.known:
            return None
        z = zipf_frequency(low, "en")
        if z >= self.max_zipf:
            # a frequent misspelling ('goverment') is still far rarer than the word one letter away
            plural = low.endswith("s") and zipf_frequency(low[:-1], "en") >= 3.0
            if z < 3.0 and tok.islower() and len(low) >= 6 and low not in _dictionary() and not plural:
                sugg = _symspell().lookup(low, verbosity=0, max_edit_distance=1)
                if sugg and sugg[0].term != low and sugg[0].term[0] == low[0] and \
                        zipf_frequency(sugg[0].term, "en") >= max(4.0, z + 1.5):
                    return Verdict("typo", sugg[0].term)
            return None
        if low.endswith("s") and len(low) > self.min_length and tok[-1] == "s" and \
                zipf_frequency(low[:-1], "en") >= self.max_zipf:
            # a rare plural of a word in use ("investees" of "investee"): judged as its singular is
            single = self._classify(tok[:-1])
            return None if single is None or single.kind != "typo" else Verdict("typo", f"{single.fix}s")
        if any(zipf_frequency(low, lang) >= 2.0 for lang in _OTHER_LANGS):
            return None  # a word of another language quoted in the text, not a misspelling
        if tok[0].isupper():
            from rapidfuzz import fuzz, process

            hit = process.extractOne(tok, _country_names(), scorer=fuzz.ratio, score_cutoff=self.country_score)
            if hit and hit[0] != tok:
                return Verdict("country", hit[0])  # kept only where the line names other countries
            if len(tok) >= self.min_corrupt + 2 and _embedded_word(tok) and not _split(low):
                return Verdict("corrupt", None)
            return None
        parts = _split(low) if zipf_frequency(low, "en") == 0 else None
        if parts:
            return Verdict("space", parts)
        sugg = _symspell().lookup(low, verbosity=0, max_edit_distance=2 if len(low) > 5 else 1)
        if sugg and sugg[0].term != low and sugg[0].term[0] == low[0] and zipf_frequency(sugg[0].term, "en") >= 3.0:
            return Verdict("typo", sugg[0].term)
        if len(low) >= self.min_corrupt and _embedded_word(low):
            return Verdict("corrupt", None)
        return None


def _texts(ctx: AuditContext) -> Iterator[tuple[Initiative, int, str]]:
    """(owner record, line number or 0, text) for every line of every document that has records, and the
    title + summary of records without a document."""
    for lay in layouts(ctx).values():
        for n, line in enumerate(lay.lines, start=1):
            if not line.strip():
                continue
            rec = lay.owner(n)
            if rec is not None:
                yield rec, n, line
    with_doc = {id(r) for lay in layouts(ctx).values() for r in lay.records}
    for rec in ctx.records:
        if id(rec) not in with_doc:
            for text in (rec.title, rec.summary):
                if text:
                    yield rec, 0, text


def _context(line: str, start: int, end: int, width: int = 24) -> str:
    s = line.rfind(" ", 0, max(start - width, 0)) + 1 if start > width else 0
    e = line.find(" ", min(end + width, len(line)))
    return line[s:e if e > 0 else len(line)].strip()


def _scan(ctx: AuditContext) -> dict[str, list[tuple[Initiative, str, str, str]]]:
    """All spelling problems of the run, by rule: (record, word, fix or '', quote). Shared by both rules."""
    if "spelling" in ctx.cache:
        return ctx.cache["spelling"]
    s = ctx.settings
    from initiatives.audit.config import default, rule_settings

    cfg = default()
    corr = rule_settings(cfg, "corrupted-word", "medium")
    miss = rule_settings(cfg, "misspelling", "low")
    known = frozenset(w.lower() for w in [*miss.get("known_words", []), *s.get("known_words", [])])
    classify = Classifier(float(miss.get("max_zipf", s.get("max_zipf", 1.5))), int(miss.get("min_length", 4)),
                          int(corr.get("min_length", 8)), float(miss.get("country_score", 80)), known)
    trunc = int(corr.get("truncated_line_chars", 150))
    out: dict[str, list[tuple[Initiative, str, str, str]]] = defaultdict(list)
    lines: list[tuple[Initiative, str, list[str]]] = []
    for rec, _n, line in _texts(ctx):
        stripped = line.rstrip()
        if len(stripped) >= trunc and not stripped.endswith(_END_PUNCT):
            tail = stripped[-40:]
            last = re.search(r"([A-Za-z]+)$", tail)
            if last and last.group(1).islower() and (len(last.group(1)) <= 2 or
                                                     zipf_frequency(last.group(1), "en") == 0):
                out["corrupted-word"].append((rec, last.group(1), "truncated", tail.split(" ", 1)[-1].strip()))
                stripped = stripped[:len(stripped) - len(tail) + last.start()]
        lines.append((rec, stripped))
    # classify the vocabulary once; then each line only intersects its words with the suspicious ones
    vocab: set[str] = set()
    for _r, stripped in lines:
        vocab.update(TOKEN.findall(stripped))
    bad = {t for t in vocab if classify(t) is not None}
    known: dict[str, bool] = {}

    def english(toks: list[str]) -> bool:
        """Whether a text is English enough to spell-check (others would be all 'misspellings')."""
        low = [t for t in toks if len(t) > 3 and t.islower()]
        if len(low) < 8:
            return True
        hits = 0
        for t in low:
            v = known.get(t)
            if v is None:
                v = known[t] = zipf_frequency(t, "en") >= 2.0
            hits += v
        return hits / len(low) >= 0.75

    for rec, stripped in lines:
        toks = TOKEN.findall(stripped)
        suspicious = bad.intersection(toks)
        if suspicious:
            handle = re.fullmatch(r"\s*[A-Z][\w -]{0,30}:\s*(\S+)\s*", stripped)  # "Wechat: someaccount"
            if handle and not handle.group(1)[:1].isupper():  # an account name, not a word
                suspicious.discard(handle.group(1))
        if suspicious and english(toks):
            for m in TOKEN.finditer(stripped):
                if m.group(1) not in suspicious:
                    continue
                v = classify(m.group(1))
                if v.kind == "country" and not any(t in _country_names() and t != m.group(1) for t in toks):
                    continue  # a place name near a country's spelling, in a line about no country
                quote = _context(stripped, m.start(1), m.end(1))
                if v.kind == "corrupt":
                    out["corrupted-word"].append((rec, m.group(1), "", quote))
                else:
                    out["misspelling"].append((rec, m.group(1), f"{v.kind}:{v.fix}", quote))
        if " " not in stripped:
            continue
        repeats = len(set(toks)) < len(toks) and any(a == b for a, b in zip(toks, toks[1:]))
        for m in REPEATED.finditer(stripped) if repeats else ():
            if m.group(1).lower() not in _REPEAT_OK:
                out["misspelling"].append((rec, m.group(0), f"repeat:{m.group(1)}", _context(stripped, m.start(),
                                                                                              m.end())))
        for (pattern, fix, why), cue in zip(CONFUSIONS, _CUES, strict=True):
            if not any(c in stripped for c in cue):
                continue
            for m in pattern.finditer(stripped):
                wrong = m.group(1)
                if fix == "":  # "-ing-looking" compounds
                    stem = wrong.split("-")[0][:-3]
                    if not _known(stem, 3.0):
                        continue
                    right = f"{stem}-looking"
                    msg_fix = f"confusion:{right}|'{wrong}' should be '{right}'."
                else:
                    right = re.sub(r"\b(form|of)$", fix, wrong) if fix in ("from", "have") else fix
                    msg_fix = f"confusion:{right}|{why}"
                out["misspelling"].append((rec, wrong, msg_fix, _context(stripped, m.start(1), m.end(1))))
    ctx.cache["spelling"] = out
    return out


def _corrupted(ctx: AuditContext) -> Iterable[Finding]:
    grouped: dict[tuple[int, str, str], list[tuple[Initiative, str, str]]] = defaultdict(list)
    for rec, word, how, quote in _scan(ctx)["corrupted-word"]:
        grouped[(id(rec), word.lower(), how)].append((rec, word, quote))
    for (_rid, _w, how), items in grouped.items():
        rec, word, _ = items[0]
        quotes = list(dict.fromkeys(q for _, _, q in items))
        forms = "/".join(dict.fromkeys(w for _, w, _ in items))
        times = f" appears {len(items)} times" if len(items) > 1 else ""
        if how == "truncated":
            msg = f"The text is cut off mid-word ('… {word}')."
        else:
            msg = (f"Corrupted word '{forms}'{times}: it is not a word in any common English word list and no real "
                   "word is one or two letters away (a find-and-replace or encoding accident?).")
        yield finding(ctx, rec, msg, quotes, field="text")


def _misspelling(ctx: AuditContext) -> Iterable[Finding]:
    seen: set[tuple[int, str]] = set()
    for rec, word, fix, quote in _scan(ctx)["misspelling"]:
        key = (id(rec), word.lower())
        if key in seen:
            continue
        seen.add(key)
        kind, _, rest = fix.partition(":")
        if kind == "space":
            msg = f"Missing space: '{word}' should be '{rest}'."
        elif kind == "typo":
            msg = f"Typo: '{word}' should be '{rest}'."
        elif kind == "country":
            msg = f"'{word}' should be '{rest}' (country name)."
        elif kind == "repeat":
            msg = f"Word repeated: '{word}'."
        else:
            right, _, why = rest.partition("|")
            msg = why if why.startswith("'") else f"'{word}' should be '{right}'."
        yield finding(ctx, rec, msg, [quote], field="text")
    yield from _country_name_forms(ctx)


def _country_name_forms(ctx: AuditContext) -> Iterable[Finding]:
    """'Republic of X' where no country is officially called that (ISO 3166 official and short names)."""
    import pycountry

    names = set()
    for c in pycountry.countries:
        for n in (c.name, getattr(c, "official_name", None), getattr(c, "common_name", None)):
            if n:
                names.add(n.casefold())
                names.add(n.casefold().replace(" the ", " "))
                if ", " in n:
                    a, b = n.split(", ", 1)
                    names.add(f"{b} {a}".casefold())
    short = {getattr(c, "common_name", None) or c.name: c for c in pycountry.countries}
    pat = re.compile(r"\bRepublic of ([A-Z][a-z]+)\b")
    seen = set()
    for rec, _n, line in _texts(ctx):
        if "Republic of " not in line:
            continue
        for m in pat.finditer(line):
            phrase, country = m.group(0), m.group(1)
            if country not in short or phrase.casefold() in names or (id(rec), phrase) in seen:
                continue
            seen.add((id(rec), phrase))
            c = short[country]
            official = getattr(c, "official_name", None) or c.name
            s = line.rfind(",", 0, m.start())
            quote = line[s + 1 if s >= 0 and m.start() - s < 40 else m.start():m.end()].strip()
            prev = re.search(r"([A-Z][\w ]+?,\s*)$", line[:m.start()])
            if prev and len(prev.group(1)) < 40:
                quote = (prev.group(1) + phrase).strip()
            yield finding(ctx, rec, f"Non-standard country name: '{phrase}'; the official name is '{official}'.",
                          [quote], field="countries")


RULES = [
    Rule("corrupted-word", "medium", "A non-word (not in the wordfreq lists, no real word within two edits), such "
         "as a find-and-replace accident, or text cut off mid-word.", _corrupted),
    Rule("misspelling", "low", "A misspelt word, a missing space, a repeated word, a common confusion ('form' for "
         "'from') or a misspelt country name, with the suggested fix.", _misspelling),
]
