"""The query language people type: words, "phrases", -exclusions and field:value filters.

    open data "e-government" -pilot country:NPL sdg:16 partner:UNDP kind:project year:2015..2018 budget:>1000000

Anything that is not a known filter is a plain word, so stray quotes, SQL or FTS operators are harmless.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from initiatives.errors import InputError

MAX_QUERY_LENGTH = 1000

FILTER_FIELDS = ("country", "sdg", "partner", "kind", "status", "year", "budget", "group", "document")

_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')
_BUDGET = re.compile(r"^(>=|<=|>|<|=)?\s*([\d.,]+)\s*([kmb]|bn|million|billion)?$", re.I)
_YEAR_RANGE = re.compile(r"^(\d{4})?\s*(?:\.\.|-|–)\s*(\d{4})?$|^(\d{4})$")
_MULTIPLIERS = {"k": 1_000, "m": 1_000_000, "million": 1_000_000, "b": 1_000_000_000, "bn": 1_000_000_000,
                "billion": 1_000_000_000}


# The Snowball English stop word list (snowballstem.org, BSD), which PostgreSQL's `english` configuration
# also drops: pronouns, articles, auxiliaries, prepositions and conjunctions only.
FUNCTION_WORDS = frozenset("""
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself
it its itself they them their theirs themselves what which who whom this that these those am is are was were be
been being have has had having do does did doing would should could ought a an the and but if or because as until
while of at by for with about against between into through during before after above below to from up down in
out on off over under again further then once here there when where why how all any both each few more most
other some such no nor not only own same so than too very
""".split())


@dataclass
class ParsedQuery:
    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    sdgs: list[int] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None
    budget_op: str | None = None
    budget_value: Decimal | None = None
    # Set by the engine, never typed: match any of the words (ranked by how many and how rare) instead of
    # all of them, when no record has them all.
    any_word: bool = False

    @property
    def has_text(self) -> bool:
        return bool(self.words or self.phrases)

    @property
    def is_empty(self) -> bool:
        return not (self.has_text or self.excluded or self.has_filters)

    @property
    def has_filters(self) -> bool:
        return bool(self.countries or self.sdgs or self.partners or self.kinds or self.statuses or self.groups
                    or self.documents or self.year_from or self.year_to or self.budget_op)

    def text_terms(self) -> list[str]:
        """Every word and phrase that must match, in order (for highlighting)."""
        return [*self.words, *self.phrases]

    def relaxed(self) -> ParsedQuery | None:
        """The same query matching any of its words and phrases, function words left out (in an OR query
        they match nearly everything and rank nothing); None when that would change nothing."""
        if self.any_word or len(self.text_terms()) < 2:
            return None
        from dataclasses import replace

        words = [w for w in self.words if w.lower() not in FUNCTION_WORDS] or self.words
        return replace(self, words=words, any_word=True)


def _clean_word(raw: str) -> str:
    """Keep letters, digits and inner hyphens/apostrophes; everything else separates words."""
    return re.sub(r"[^\w'’-]+", " ", raw).strip(" -'’")


def parse(text: str) -> ParsedQuery:
    if len(text) > MAX_QUERY_LENGTH:
        raise InputError(f"the query is {len(text)} characters long; the limit is {MAX_QUERY_LENGTH}", field="q")
    q = ParsedQuery()
    # an unbalanced quote is treated as a plain character
    if text.count('"') % 2:
        text = text.replace('"', " ")
    for m in _TOKEN.finditer(text):
        negated, phrase, token = m.group(1), m.group(2), m.group(3)
        if phrase is not None:
            words = " ".join(_clean_word(w) for w in phrase.split() if _clean_word(w))
            if words:
                (q.excluded if negated else q.phrases).append(words)
            continue
        if ":" in token and not token.startswith("-") and _apply_filter(q, *token.split(":", 1)):
            continue
        if token.startswith("-") and len(token) > 1:
            word = _clean_word(token[1:])
            if word:
                q.excluded.extend(word.split())
            continue
        q.words.extend(_clean_word(token).split())
    return q


def _apply_filter(q: ParsedQuery, name: str, value: str) -> bool:
    """Apply `name:value`; False when it is not a filter (then it is read as words)."""
    name = name.lower()
    if name not in FILTER_FIELDS or not value:
        return False
    values = [v for v in value.split(",") if v]
    if name == "country":
        from initiatives.reference import countries

        for v in values:
            code = countries.lookup(v)
            if code is None:
                raise InputError(f"unknown country {v!r}", field="country")
            q.countries.append(code)
    elif name == "sdg":
        for v in values:
            if not v.isdigit() or not 1 <= int(v) <= 17:
                raise InputError(f"SDG {v!r} does not exist (1-17)", field="sdg")
            q.sdgs.append(int(v))
    elif name == "partner":
        q.partners.extend(v.replace("_", " ") for v in values)
    elif name == "kind":
        from initiatives.model import KINDS

        for v in values:
            if v.lower() not in KINDS:
                raise InputError(f"unknown kind {v!r} (one of {', '.join(KINDS)})", field="kind")
            q.kinds.append(v.lower())
    elif name == "status":
        from initiatives.model import STATUSES

        for v in values:
            if v.lower() not in STATUSES:
                raise InputError(f"unknown status {v!r} (one of {', '.join(STATUSES)})", field="status")
            q.statuses.append(v.lower())
    elif name == "group":
        q.groups.extend(values)
    elif name == "document":
        q.documents.extend(values)
    elif name == "year":
        m = _YEAR_RANGE.match(value)
        if not m:
            raise InputError(f"expected a year or a range such as 2015..2018, got {value!r}", field="year")
        single = m.group(3)
        q.year_from = int(single or m.group(1)) if (single or m.group(1)) else None
        q.year_to = int(single or m.group(2)) if (single or m.group(2)) else None
    elif name == "budget":
        m = _BUDGET.match(value.replace(" ", ""))
        if not m:
            raise InputError(f"expected a budget such as >1000000 or <=2.5m, got {value!r}", field="budget")
        try:
            amount = Decimal(m.group(2).replace(",", ""))
        except InvalidOperation:
            raise InputError(f"{m.group(2)!r} is not a number", field="budget") from None
        if m.group(3):
            amount *= _MULTIPLIERS[m.group(3).lower()]
        q.budget_op, q.budget_value = m.group(1) or "=", amount
    return True
