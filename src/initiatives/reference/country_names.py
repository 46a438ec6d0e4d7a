"""Country names, variants, adjectives and misspellings -> ISO 3166-1 alpha-3.

Names come from `pycountry` (ISO 3166-1 name, official name, common name). The variants and adjectives below
are the everyday English forms that ISO leaves out (source: the UN Statistics Division M49 short names and
the CIA World Factbook "nationality" adjectives, typed from general knowledge and kept short). Anything else
falls back to a fuzzy match (rapidfuzz) that only accepts close spellings of one country, so "Buthan" gives
BTN while the original text is kept by the caller for the audit to flag.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import pycountry

from initiatives.reference.countries import USER_ASSIGNED

VARIANTS: dict[str, str] = {
    "laos": "LAO", "lao pdr": "LAO", "lao people's democratic republic": "LAO", "vietnam": "VNM", "viet nam": "VNM",
    "south korea": "KOR", "korea": "KOR", "republic of korea": "KOR", "korea, republic of": "KOR",
    "north korea": "PRK", "dprk": "PRK", "russia": "RUS", "iran": "IRN", "syria": "SYR", "tanzania": "TZA",
    "bolivia": "BOL", "venezuela": "VEN", "moldova": "MDA", "turkey": "TUR", "turkiye": "TUR",
    "ivory coast": "CIV", "cote d'ivoire": "CIV", "burma": "MMR", "myanmar": "MMR", "kosovo": "XKX",
    "drc": "COD", "dr congo": "COD", "democratic republic of the congo": "COD", "democratic republic of congo": "COD",
    "congo-kinshasa": "COD", "republic of the congo": "COG", "congo-brazzaville": "COG", "congo": "COG",
    "czech republic": "CZE", "czechia": "CZE", "macedonia": "MKD", "north macedonia": "MKD", "swaziland": "SWZ",
    "eswatini": "SWZ", "cape verde": "CPV", "cabo verde": "CPV", "gambia": "GMB", "the gambia": "GMB",
    "uk": "GBR", "united kingdom": "GBR", "great britain": "GBR", "britain": "GBR", "england": "GBR",
    "usa": "USA", "us": "USA", "u.s.": "USA", "u.s.a.": "USA", "united states": "USA",
    "united states of america": "USA", "america": "USA", "brunei": "BRN", "micronesia": "FSM",
    "palestine": "PSE", "state of palestine": "PSE", "west bank and gaza": "PSE", "timor-leste": "TLS",
    "east timor": "TLS", "sao tome and principe": "STP", "st lucia": "LCA", "saint lucia": "LCA",
    "st kitts and nevis": "KNA", "st vincent and the grenadines": "VCT", "vatican": "VAT", "holy see": "VAT",
    "the netherlands": "NLD", "netherlands": "NLD", "holland": "NLD", "the philippines": "PHL",
    "philippines": "PHL", "kyrgyzstan": "KGZ", "kyrgyz republic": "KGZ", "slovak republic": "SVK",
    "taiwan": "TWN", "hong kong": "HKG", "macau": "MAC", "macao": "MAC", "uae": "ARE",
    "emirates": "ARE", "bahamas": "BHS", "the bahamas": "BHS", "comoros": "COM", "maldives": "MDV",
    "sudan": "SDN", "south sudan": "SSD", "guinea bissau": "GNB", "guinea-bissau": "GNB",
}

ADJECTIVES: dict[str, str] = {
    "afghan": "AFG", "albanian": "ALB", "algerian": "DZA", "argentine": "ARG", "argentinian": "ARG",
    "australian": "AUS", "austrian": "AUT", "bangladeshi": "BGD", "belgian": "BEL", "bhutanese": "BTN",
    "bolivian": "BOL", "brazilian": "BRA", "british": "GBR", "burkinabe": "BFA", "burundian": "BDI",
    "cambodian": "KHM", "cameroonian": "CMR", "canadian": "CAN", "chadian": "TCD", "chilean": "CHL",
    "chinese": "CHN", "colombian": "COL", "congolese": "COD", "danish": "DNK", "dutch": "NLD",
    "ecuadorian": "ECU", "egyptian": "EGY", "ethiopian": "ETH", "fijian": "FJI", "finnish": "FIN",
    "french": "FRA", "gambian": "GMB", "german": "DEU", "ghanaian": "GHA", "greek": "GRC",
    "guatemalan": "GTM", "haitian": "HTI", "indian": "IND", "indonesian": "IDN", "iranian": "IRN",
    "iraqi": "IRQ", "irish": "IRL", "israeli": "ISR", "italian": "ITA", "jamaican": "JAM", "japanese": "JPN",
    "jordanian": "JOR", "kazakh": "KAZ", "kenyan": "KEN", "korean": "KOR", "kyrgyz": "KGZ", "lao": "LAO",
    "lebanese": "LBN", "liberian": "LBR", "libyan": "LBY", "malagasy": "MDG", "malawian": "MWI",
    "malaysian": "MYS", "malian": "MLI", "mauritian": "MUS", "mexican": "MEX", "mongolian": "MNG",
    "moroccan": "MAR", "mozambican": "MOZ", "namibian": "NAM", "nepali": "NPL", "nepalese": "NPL",
    "nigerian": "NGA", "nigerien": "NER", "norwegian": "NOR", "pakistani": "PAK", "palestinian": "PSE",
    "panamanian": "PAN", "peruvian": "PER", "filipino": "PHL", "philippine": "PHL", "polish": "POL",
    "portuguese": "PRT", "rwandan": "RWA", "senegalese": "SEN", "sierra leonean": "SLE", "somali": "SOM",
    "south african": "ZAF", "spanish": "ESP", "sri lankan": "LKA", "sudanese": "SDN", "swedish": "SWE",
    "swiss": "CHE", "syrian": "SYR", "tajik": "TJK", "tanzanian": "TZA", "thai": "THA", "tunisian": "TUN",
    "turkish": "TUR", "ugandan": "UGA", "ukrainian": "UKR", "uruguayan": "URY", "uzbek": "UZB",
    "venezuelan": "VEN", "vietnamese": "VNM", "yemeni": "YEM", "zambian": "ZMB", "zimbabwean": "ZWE",
    "american": "USA", "canadian ": "CAN", "emirati": "ARE", "saudi": "SAU", "qatari": "QAT",
    "togolese": "TGO", "ivorian": "CIV", "beninese": "BEN", "guinean": "GIN", "mauritanian": "MRT",
    "gabonese": "GAB", "angolan": "AGO", "eritrean": "ERI", "djiboutian": "DJI", "south sudanese": "SSD",
    "salvadoran": "SLV", "honduran": "HND", "nicaraguan": "NIC", "costa rican": "CRI", "cuban": "CUB",
    "paraguayan": "PRY", "barbadian": "BRB", "trinidadian": "TTO", "guyanese": "GUY", "surinamese": "SUR",
    "belizean": "BLZ", "samoan": "WSM", "tongan": "TON", "timorese": "TLS", "burmese": "MMR",
    "singaporean": "SGP", "azerbaijani": "AZE", "armenian": "ARM", "moldovan": "MDA", "turkmen": "TKM",
    "omani": "OMN", "bahraini": "BHR", "kuwaiti": "KWT", "botswanan": "BWA", "basotho": "LSO",
}

_STRIP_PREFIX = re.compile(r"^(?:the\s+)?(?:(?:republic|kingdom|state|commonwealth|federation|"
                           r"federal republic|islamic republic|people's republic) of\s+(?:the\s+)?)?", re.I)


@functools.lru_cache(maxsize=8192)  # pure, and called for the same names many times
def fold(text: str) -> str:
    """Lower-case, accents and curly quotes removed, trailing marks (asterisks, dots) dropped."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", text.strip(" *.,;:†‡\t\n").casefold())


@lru_cache(maxsize=1)
def names() -> dict[str, str]:
    """Every known folded name or variant -> alpha-3."""
    table: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                table.setdefault(fold(value), c.alpha_3)
                if "," in value:  # "Korea, Republic of" -> "Republic of Korea"
                    head, _, tail = value.partition(",")
                    table.setdefault(fold(f"{tail.strip()} {head.strip()}"), c.alpha_3)
    for code, name in USER_ASSIGNED.items():
        table.setdefault(fold(name), code)
    table.update(VARIANTS)
    return table


def lookup(text: str, *, fuzzy: bool = True) -> str | None:
    """ISO3 for a country name, variant or misspelling; None when it names no one country."""
    key = fold(text)
    if not key or len(key) < 2:
        return None
    table = names()
    if key in table:
        return table[key]
    stripped = _STRIP_PREFIX.sub("", key)
    if stripped in table:
        return table[stripped]
    if key in ADJECTIVES:
        return ADJECTIVES[key]
    if fuzzy and len(key) >= 4:
        return _fuzzy(stripped)
    return None


def _fuzzy(key: str) -> str | None:
    from rapidfuzz import fuzz, process

    choices = names()
    hit = process.extract(key, list(choices), scorer=fuzz.ratio, limit=2)
    if not hit:
        return None
    best_name, score, _ = hit[0]
    if score < 80 or abs(len(best_name) - len(key)) > 2:
        return None
    if len(hit) > 1 and hit[1][1] >= score - 3 and choices[hit[1][0]] != choices[best_name]:
        return None  # two countries equally close: do not guess
    return choices[best_name]


def is_exact(text: str) -> bool:
    """True when the text is a known spelling (not a fuzzy guess)."""
    return lookup(text, fuzzy=False) is not None


@lru_cache(maxsize=1)
def _forms() -> frozenset[str]:
    """The capitalised names the text scanner looks for."""
    forms: set[str] = set()
    for c in pycountry.countries:
        for attr in ("name", "common_name"):
            v = getattr(c, attr, None)
            if v and "," not in v and "(" not in v:
                forms.add(v)
    forms.update(USER_ASSIGNED.values())
    forms.update(v.title() if not v.isupper() else v for v in VARIANTS if len(v) > 3)
    forms.update({"Viet Nam", "Lao PDR", "Republic of Korea", "Côte d'Ivoire", "Côte d’Ivoire",
                  "Türkiye", "Republic of Uzbekistan", "Republic of Kyrgyzstan", "UK", "USA"})
    forms -= {"America", "Korea", "Congo", "Emirates", "England", "Britain", "Holland"}
    return frozenset(forms)


def _alternation(forms: set[str] | frozenset[str]) -> str:
    return "|".join(re.escape(f).replace("\\ ", r"\s+").replace("'", "\x00").replace("’", "\x00").replace("\x00", "['’]")
                    for f in sorted(forms, key=len, reverse=True))


@lru_cache(maxsize=1)
def _scanner() -> re.Pattern[str]:
    # Capitalised names only, longest first, so "Republic of Korea" wins over "Korea".
    return re.compile(rf"(?<![\w-])(?:{_alternation(_forms())})(?![\w-])")


def find_in_text(text: str) -> list[tuple[str, int, int]]:
    """Country names written in running text: (alpha-3, start, end) for each mention."""
    out = []
    for m in _scanner().finditer(text):
        code = lookup(m.group(0), fuzzy=False)
        if code and not _SEA_OF.search(text, max(0, m.start() - 12), m.start()):
            out.append((code, m.start(), m.end()))
    return out


_SEA_OF = re.compile(r"\b(?:Gulf|Bay|Sea|Strait|Straits)\s+of\s+(?:the\s+)?$")  # "the Gulf of Guinea" is a sea


class _AndNames:
    """Country names written with "and" ("Trinidad and Tobago", "Saint Vincent and the Grenadines"), found in a
    text so that a list split on "and" keeps them whole; compiled on first use."""

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        forms = {f for f in _forms() if " and " in f.lower()}
        return re.compile(rf"(?<![\w-])(?:{_alternation(forms)})(?![\w-])", re.I)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.pattern.finditer(text) if " and " in text.lower() else iter(())


AND_NAMES = _AndNames()
