"""Normalisers: dates and date ranges, money amounts, SDG numbers.

Small hand-written parsers rather than dateparser/price-parser: STACK.md measured that dateparser misreads
labelled ranges ("Time Frame:January 2014" as November) and price-parser knows no "million" nor ISO codes.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from decimal import Decimal

import pycountry

from initiatives.model import PartialDate

MONTHS: dict[str, int] = {}
for _i in range(1, 13):
    MONTHS[calendar.month_name[_i].lower()] = _i
    MONTHS[calendar.month_abbr[_i].lower()] = _i
MONTHS["sept"] = 9

_MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_YEAR = r"(?:19|20)\d{2}"
# One date: "1 July 2016", "July 1, 2016", "July 2016", "July, 2016", "2016-07-01", "07/2016", "2016"
DATE = (rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+{_YEAR}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,\s*{_YEAR}"
        rf"|{_MONTH},?\s+{_YEAR}|{_YEAR}-\d{{2}}(?:-\d{{2}})?|\d{{1,2}}/{_YEAR}|{_YEAR})")
DATE_RE = re.compile(DATE, re.I)
_PART_RE = re.compile(rf"(?:\d{{1,2}}\s+{_MONTH}|{_MONTH}(?:\s+\d{{1,2}})?|{_MONTH})", re.I)
RANGE_SPLIT = re.compile(r"\s*(?:[-–—]+|\bto\b|\buntil\b|\btill\b|\bthrough\b)\s*", re.I)


_QUARTER = re.compile(rf"\b(Q(?=[1-4])|H(?=[12]))(\d)\s*[-/]?\s*({_YEAR})\b", re.I)  # "Q3 2024", "H2-2025"


def parse_date(text: str, *, end: bool = False) -> PartialDate | None:
    """One date as written, at the precision written ("June 2014" -> 2014-06)."""
    t = text.strip().strip(".,;()").strip()
    if not t:
        return None
    m = re.fullmatch(rf"({_YEAR})-(\d{{2}})(?:-(\d{{2}}))?", t)
    if m:
        try:
            return PartialDate(int(m[1]), int(m[2]), int(m[3]) if m[3] else None)
        except ValueError:
            return None
    m = re.fullmatch(rf"(\d{{1,2}})/({_YEAR})", t)
    if m:
        return _safe(int(m[2]), int(m[1]), None)
    m = re.fullmatch(rf"(\d{{1,2}})[/.](\d{{1,2}})[/.]({_YEAR})", t)
    if m:  # "30/06/2024" (day first) or "12/31/2024" (month first); "01/07/2022" could be either: its year only
        a, b = int(m[1]), int(m[2])
        if a > 12 >= b:
            return _safe(int(m[3]), b, a)
        if b > 12 >= a:
            return _safe(int(m[3]), a, b)
        return PartialDate(int(m[3]))
    year_m = re.search(_YEAR, t)
    if not year_m:
        return None
    year = int(year_m.group(0))
    month_m = re.search(_MONTH, t, re.I)
    if not month_m:
        part = _QUARTER.search(t)
        if part:  # "Q3 2024" starts in July and ends in September; "H2 2025" runs July to December
            n, span = int(part.group(2)), 3 if part.group(1).upper() == "Q" else 6
            return PartialDate(int(part.group(3)), n * span if end else n * span - span + 1)
        return PartialDate(year)
    month = MONTHS.get(month_m.group(0).lower().rstrip("."))
    if month is None:
        return PartialDate(year)
    rest = (t[: month_m.start()] + " " + t[month_m.end():]).replace(year_m.group(0), " ")
    day_m = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\b", rest)
    return _safe(year, month, int(day_m.group(1)) if day_m else None)


def _safe(year: int, month: int | None, day: int | None) -> PartialDate | None:
    try:
        return PartialDate(year, month, day)
    except ValueError:
        try:
            return PartialDate(year, month)
        except ValueError:
            return None


def parse_range(text: str) -> tuple[PartialDate | None, PartialDate | None]:
    """A time frame as written: "June 2014 – December 2016", "1 July 2016 – 31 December 2019",
    "December 2021-November 2022", "June – December 2016", "2014-2016", "from 2015 to 2018"."""
    t = re.sub(r"^\W*(?:from|between|since)\s+", "", text.strip(), flags=re.I)
    t = re.sub(r"\s+and\s+", " - ", t)
    t = t.strip().rstrip(".")
    iso = re.fullmatch(rf"({_YEAR}-\d{{2}}(?:-\d{{2}})?)\s*(?:to|/|–|—|\s-\s)\s*({_YEAR}-\d{{2}}(?:-\d{{2}})?)", t)
    if iso:
        return parse_date(iso[1]), parse_date(iso[2], end=True)
    single_iso = re.fullmatch(rf"{_YEAR}-\d{{2}}(?:-\d{{2}})?", t)
    if single_iso:
        d = parse_date(t)
        return d, None
    parts = [p for p in RANGE_SPLIT.split(t) if p.strip()]
    if len(parts) > 2:  # "18-19 May 2011"-style pieces: keep the first and last
        parts = [parts[0], parts[-1]]
    if len(parts) == 1:
        return parse_date(parts[0]), None
    left, right = parts
    end = parse_date(right, end=True)
    start = parse_date(left)
    if start is None and end is not None and _PART_RE.fullmatch(left.strip().rstrip(",")):
        start = parse_date(f"{left} {end.year}")  # "June – December 2016"
    elif start is None and end is not None and re.fullmatch(r"\d{1,2}", left.strip()) and end.month:
        start = _safe(end.year, end.month, int(left))  # "18-19 May 2011"
    if start and end and start.earliest() > end.latest():
        return start, None
    # The registry's schema keeps dates to the month or day; a bare year is too vague to store as a date.
    if start is not None and start.precision == "year":
        start = None
    if end is not None and end.precision == "year":
        end = None
    return start, end


# --------------------------------------------------------------------------- money

_CCY_SYMBOLS = {"US$": "USD", "$": "USD", "USD": "USD", "€": "EUR", "EUR": "EUR", "£": "GBP", "GBP": "GBP",
                "CHF": "CHF", "¥": "JPY", "JPY": "JPY", "CAD": "CAD", "AUD": "AUD", "C$": "CAD", "A$": "AUD", "NZ$": "NZD",
                "NOK": "NOK", "SEK": "SEK", "DKK": "DKK", "INR": "INR", "₹": "INR", "KES": "KES",
                "BTC": "BTC", "ETH": "ETH", "USDC": "USDC", "USDT": "USDT", "DAI": "DAI", "CELO": "CELO"}
_CCY_WORDS = {"dollars": "USD", "us dollars": "USD", "euros": "EUR", "euro": "EUR", "pounds": "GBP",
              "bitcoin": "BTC", "bitcoins": "BTC", "btc": "BTC", "ether": "ETH", "eth": "ETH", "usdc": "USDC",
              "usdt": "USDT", "dai": "DAI", "celo": "CELO", "francs": "CHF", "swiss francs": "CHF",
              "usd": "USD", "eur": "EUR", "gbp": "GBP", "chf": "CHF", "nok": "NOK", "sek": "SEK", "dkk": "DKK",
              "kroner": "NOK", "yen": "JPY"}
_MULT = {"million": 10**6, "millions": 10**6, "mn": 10**6, "m": 10**6, "billion": 10**9, "bn": 10**9,
         "b": 10**9, "thousand": 10**3, "k": 10**3}
_NUM = r"\d{1,3}(?:[,\s]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_MULT_RE = r"(?:million|millions|mn|m|billion|bn|b|thousand|k)\b"
# any ISO 4217 code written in capitals ("UGX 9.2 billion", "NZD 800,000", "40 million KES"), except codes
# that are also common words or abbreviations in this domain ("SDG 3" is a goal, "COP 28" a conference)
_ISO_CCY = frozenset(c.alpha_3 for c in pycountry.currencies) - {"SDG", "COP", "ALL", "TOP", "CUP", "MOP", "XXX",
                                                                  "XTS"}
MONEY_RE = re.compile(
    rf"(?P<pre>US\s?\$|USD|EUR|GBP|CHF|NOK|SEK|DKK|CAD|AUD|JPY|INR|KES|BTC|ETH|USDC|USDT|DAI|CELO|C\$|A\$|NZ\$|"
    rf"[$€£¥₹])\s?"
    rf"(?P<num>{_NUM})(?:\s?(?P<mult>{_MULT_RE}))?"
    rf"|(?P<num2>{_NUM})(?:\s?(?P<mult2>{_MULT_RE}))?[\s-]?"  # "12.5m-euro deal": written as one adjective
    rf"(?P<post>US dollars|dollars|euros?|pounds|swiss francs|francs|kroner|yen|bitcoins?|ether|"
    rf"USD|EUR|GBP|CHF|NOK|SEK|DKK|BTC|ETH|USDC|USDT|DAI|CELO|(?-i:[A-Z]{{3}}))\b",
    re.I,
)
# other ISO codes before the amount ("UGX 9.2 billion"): a second, simpler pass (one alternative more in the
# pattern above would be tried at every position of every text)
ISO_PRE_RE = re.compile(rf"(?<![\w$])(?P<pre>[A-Z]{{3}})\s?(?P<num>{_NUM})(?:\s?(?P<mult>(?i:{_MULT_RE})))?")


@dataclass(frozen=True)
class MoneyHit:
    amount: Decimal
    currency: str
    start: int
    end: int


def _iso(code: str) -> str | None:
    return code if code in _ISO_CCY else None


def currency_code(text: str) -> str | None:
    """ISO 4217 (or crypto) code for a symbol, code or word, if known."""
    t = text.strip()
    return _CCY_SYMBOLS.get(t.upper()) or _CCY_WORDS.get(t.lower()) or _iso(t)


def find_money(text: str) -> list[MoneyHit]:
    """Amounts with a currency: "US$3,518,594.00", "$3,056,613", "USD 1.2 million", "50 BTC", "€2m",
    "UGX 9.2 billion" (any ISO 4217 code in capitals)."""
    hits = []
    for m in MONEY_RE.finditer(text):
        if m.group("num") is not None:
            num, mult, ccy = m.group("num"), m.group("mult"), m.group("pre")
            code = _CCY_SYMBOLS.get(re.sub(r"\s", "", ccy).upper()) or _CCY_SYMBOLS.get(ccy)
        else:
            num, mult, ccy = m.group("num2"), m.group("mult2"), m.group("post")
            code = _CCY_WORDS.get(ccy.lower()) or _iso(ccy)
        hit = _hit(num, mult, code, m.start(), m.end())
        if hit is not None:
            hits.append(hit)
    extra = [h for m in ISO_PRE_RE.finditer(text) if _iso(m.group("pre"))
             for h in [_hit(m.group("num"), m.group("mult"), m.group("pre"), m.start(), m.end())]
             if h is not None and not any(o.start < h.end and h.start < o.end for o in hits)]
    return sorted(hits + extra, key=lambda h: h.start) if extra else hits


def _hit(num: str, mult: str | None, code: str | None, start: int, end: int) -> MoneyHit | None:
    if not code:
        return None
    try:
        amount = Decimal(re.sub(r"[,\s]", "", num))
    except ArithmeticError:
        return None
    if mult:
        amount *= _MULT[mult.lower()]
    if amount == amount.to_integral_value():
        amount = amount.quantize(Decimal(1))
    return MoneyHit(amount, code, start, end)


# --------------------------------------------------------------------------- SDGs

_SDG_RE = re.compile(
    r"\b(?:SDGs?|Sustainable Development Goals?|Goals?)\s*#?\s*"
    r"(\d{1,2}(?:\s*(?:,|and|&|/)\s*(?:SDG\s*)?\d{1,2})*)", re.I)


def find_sdgs(text: str) -> list[tuple[int, int, int]]:
    """SDG goal numbers named explicitly: "SDG 16", "SDGs 7, 9 and 16", "Goal 4": (number, start, end)."""
    out = []
    for m in _SDG_RE.finditer(text):
        if m.group(0).lower().startswith("goal") and "sdg" not in text[max(0, m.start() - 40):m.start()].lower():
            # "Goal 4" alone is ambiguous; accept it only close to an SDG mention.
            continue
        for n in re.finditer(r"\d{1,2}", m.group(1)):
            v = int(n.group(0))
            if 1 <= v <= 17:
                out.append((v, m.start(1) + n.start(), m.start(1) + n.end()))
    return out
