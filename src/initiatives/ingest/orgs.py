"""Organisations: find them in text, tell their type, and keep one entry per real organisation.

Cues are generic: "Full Name (ACRONYM)", names built on organisation nouns (Ministry, University, Agency...),
"Government(s) of A and B", lists after "corporations such as", and a short gazetteer of UN-system and
multilateral acronyms (public knowledge, not taken from any document).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from initiatives.reference import country_names

# UN system entities and other multilaterals by acronym (UN System Chart; general knowledge).
UN_ACRONYMS = {
    "UN", "UNICEF", "UNDP", "UNESCO", "UNFPA", "UNHCR", "UNEP", "UNOPS", "UNIDO", "UNITAR", "UNCTAD", "UNECA", "ECA",
    "ESCAP", "UNESCAP", "ECLAC", "ESCWA", "ECE", "UNECE", "ITU", "WHO", "WFP", "FAO", "ILO", "IOM", "IFAD", "UNAIDS",
    "OCHA", "OHCHR", "UNHABITAT", "UN-Habitat", "UN-Women", "UN Women", "UNU", "UNV", "UNRWA", "UNODC", "UN DESA",
    "DESA", "UNDESA", "OHRLLS", "UN OHRLLS", "ECOSOC", "UNCDF", "UNSSC",
    "UNCTs", "UNCT", "RCO", "RCOs", "DCO", "UNFCCC", "WIPO", "UPU", "ICAO", "IMO", "WMO", "UNWTO", "IAEA", "UNMAS",
    "UNSD", "UNFF",
}
MULTILATERAL_ACRONYMS = {"WB", "IMF", "OECD", "EU", "AU", "ADB", "AfDB", "IDB", "IsDB", "AIIB", "GAVI", "GPE",
                         "DPGA", "EIB", "EBRD", "ASEAN", "ECOWAS", "SADC", "OAS", "APEC", "G20", "G7"}

# Head nouns that make a capitalised phrase an organisation, with the type they suggest.
_TYPE_NOUNS: list[tuple[str, str]] = [
    (r"\bUnited Nations\b|^UN\b|^UN[-\s]|\bUNICEF\b|\bUNDP\b", "un"),
    (r"\b(?:University|Universidad|Université|Academy|College|Institute of Technology|Polytechnic|School)\b", "academic"),
    (r"\bFoundation\b|\bFoundations\b|\bTrust\b", "foundation"),
    (r"\b(?:Government|Ministry|Ministries|Minister|Federal|Directorate|Authority|Agence|Agency for|Department of|"
     r"National Agency|Municipality|City of|Council of|Parliament|Presidency|Embassy|Commission for)\b", "government"),
    (r"\b(?:Bank|Alliance|Union|Partnership on|Organisation for|Organization for)\b", "multilateral"),
    (r"\b(?:Inc|Ltd|LLC|plc|Corp|Corporation|Company|Group|GmbH|S\.A\.|Technologies|Labs|Capital|Ventures|"
     r"Capital Partners|Energy|Bank Ltd)\b\.?", "private"),
    (r"\b(?:NGO|Network|Association|Society|Scouts|Guides|Entrepreneurs|Coalition|Federation of|Red Cross|"
     r"Crescent|Initiative for)\b", "civil_society"),
    (r"\b(?:Academy of|Institute|Centre for|Center for)\b", "academic"),
]
_ORG_NOUNS = (r"(?:University|Academy|College|Institute|Foundation|Trust|Ministry|Government|Directorate|Authority|"
              r"Agency|Department|Division|Office|Commission|Organi[sz]ation|Programme|Bank|Union|Council|"
              r"Association|Society|Secretariat|Branch|Network|Alliance|Federation|Corporation|Company|"
              r"Entrepreneurs|Scouts|Hub|Laboratory|Board|Centre|Center|Mission|Unit|Partners|Ventures|Capital|"
              r"Agence)\b")

_CAP = r"(?:[dlDL]['’])?[A-Z][\w’'&\-]*"
_LINK = r"(?:of|for|on|and|the|de|la|du|des|pour|l'|l’|in|&)"
# Repetitions are bounded (a name has at most a dozen words): unbounded ones make every start position of a
# long Title Case run scan to its end, which is quadratic.
_NAME = rf"{_CAP}(?:[ \t]+(?:{_LINK}[ \t]+){{0,3}}{_CAP}){{0,12}}"
_NAME_C = rf"{_CAP}(?:(?:,?[ \t]+)(?:{_LINK}[ \t]+){{0,3}}{_CAP}){{0,16}}"
PAREN_ACR = re.compile(rf"(?P<name>{_NAME_C})[ \t]*\((?P<acr>[A-Z]{{2,}} [A-Z]{{2,}}|[A-Z][A-Za-z]*[A-Z][A-Za-z\-]*|[A-Z]{{2,}}[a-z]?s?)\)")
NOUN_NAME = re.compile(rf"(?P<name>(?:{_CAP}[ \t]+(?:{_LINK}[ \t]+){{0,3}}){{0,10}}{_ORG_NOUNS}"
                       rf"(?:[ \t]+(?:{_LINK}[ \t]+){{1,3}}{_NAME})?)")
GOVS = re.compile(r"\b[Gg]overnments?\s+of\s+(?:the\s+)?(?P<list>(?:[A-Z][\w’'\-]*(?:\s+[A-Z][\w’'\-]*){0,4}"
                  r"(?:,\s*|\s+and\s+|\s*&\s*)?){1,12})")
SUCH_AS = re.compile(r"\b(?P<noun>corporations|companies|firms|businesses|universities|foundations|NGOs|"
                     r"organi[sz]ations|partners|donors|agencies|startups)\s*\(?\s*(?:such as|like|including|e\.g\.|"
                     r"from(?: the)?)"
                     r"\s+(?P<list>[^.;)]+)")
_NOUN_TYPE = {"corporations": "private", "companies": "private", "firms": "private", "businesses": "private",
              "universities": "academic", "foundations": "foundation", "ngos": "civil_society",
              "startups": "startup", "donors": "unknown", "partners": "unknown", "organisations": "unknown",
              "organizations": "unknown", "agencies": "unknown"}

_NOT_ORG_WORDS = re.compile(
    r"^(?:The|This|These|Our|Its|Their|A|An|In|On|At|For|From|Sustainable Development Goals?|Member States|"
    r"Secretary[- ]General|General Assembly Resolution|Internet|Objective|Comment|Time Frame|Focus Countries|"
    r"Key Accomplishments|Main Expectations)$")


@dataclass
class OrgMention:
    name: str
    acronym: str | None
    type: str
    start: int
    end: int
    country: str | None = None
    aliases: list[str] = field(default_factory=list)
    cue: str = ""


def org_type(name: str, acronym: str | None = None) -> str:
    probe = f"{name} {acronym or ''}"
    if acronym in UN_ACRONYMS or name in UN_ACRONYMS:
        return "un"
    if acronym in MULTILATERAL_ACRONYMS or name in MULTILATERAL_ACRONYMS:
        return "multilateral"
    for pattern, kind in _TYPE_NOUNS:
        if re.search(pattern, probe):
            return kind
    if re.search(r"\b(?:Division|Branch|Office|Secretariat)\b", name) and re.search(r"\bUN|United Nations", probe):
        return "un"
    if country_names.lookup(name, fuzzy=False):
        return "government"
    # "Kenya Civil Registration Service", "National Bureau of Statistics": public bodies of a country
    first = name.split()[0] if name.split() else ""
    if (first == "National" or country_names.lookup(first, fuzzy=False)) and re.search(
            r"\b(?:Service|Bureau|Office|Registry|Commission|Council|Institute|Agency|Board|Authority)\b", name):
        return "government"
    return "unknown"


_PERSON_TITLES = r"(?:Chancellor|Dean|President|Director|Director-General|Minister|Representative|Head|Chair|Secretary)"
_NOT_ORG_PARTS = re.compile(r"\b(?:Goals?|Agenda|Framework|Plan|Strategy|Tool|Readiness|Management|System|Platform|"
                            r"Report|Resolution|Summit|Conference|Fund|Forum)\b")
_GENERIC = {"lead division", "division", "lead agency", "media center", "media centre", "press office", "civil society", "private sector", "innovation lab", "country office", "country offices", "government",
            "the government", "national government", "local government"}


def _clean(name: str, split_and: bool = True) -> str:
    name = re.sub(r"\s+", " ", name.strip())
    # "UNICEF's Office of Innovation" -> "UNICEF Office of Innovation" (a named sub-unit keeps its parent)
    name = re.sub(r"^((?:[A-Z][\w\-]*\s+){0,2}[A-Z][\w\-]*)['’]s\s+", r"\1 ", name)
    name = re.sub(r"^(?:the|The|a|an|An|A|and|with|by|of|Our|Their|Its|This|These)\s+", "", name)
    name = re.sub(rf"^(?:\w+ing\s+(?:the\s+)?|{_PERSON_TITLES}\s+(?:of\s+)?(?:the\s+)?)", "", name)
    # "Tsinghua University and UNICEF", "Ministry of Education and UNICEF": two organisations, keep the first
    m = re.match(r"^(.+?)\s+(?:and|&)\s+(.+)$", name)
    if split_and and m and re.fullmatch(r"[A-Z]{2,8}", m.group(1)) and _NOUN_ANYWHERE.search(m.group(2)):
        # "FAO and the Fisheries Commission of Ghana": the organisation noun belongs to the second name
        name = re.sub(r"^(?:the|The)\s+", "", m.group(2))
    elif split_and and m and (re.fullmatch(r"[A-Z][A-Z\-]+s?", m.group(2)) or org_type(m.group(1)) != "unknown" and (
            org_type(m.group(2)) != "unknown" or re.match(r"^(?:the\s+)?[A-Z]", m.group(2)) and _NOUN_ANYWHERE.search(m.group(2)))
            or re.search(r"\([A-Z][A-Za-z]{1,9}\)$", m.group(1))):
        # "... Reduction (UNDRR) and the Pacific Community (SPC)": an acronym in brackets closes the first name
        name = m.group(1)
    return name.strip(" ,;:.’'\"“”*")


def _initials_match(name: str, acr: str) -> bool:
    words = [w for w in re.split(r"[\s\-/]+", name) if w and w[0].isupper()]
    letters = "".join(w[0] for w in words).upper()
    a = re.sub(r"[^A-Z]", "", acr.upper())
    return bool(a) and (a in letters or letters.endswith(a) or _subseq(a, "".join(name.split()).upper()))


def _subseq(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def _trim_to_acronym(name: str, acr: str) -> str:
    """Start the name at the first capitalised word that begins the acronym ("... Directorate of X (DX)")."""
    words = name.split()
    for i in range(len(words)):
        tail = " ".join(words[i:])
        if words[i][0] == acr[0].upper() and not re.search(r"['’]s$", words[i]) \
                and _initials_match(tail, acr):
            return tail
    return name


_KNOWN_ACRONYMS = re.compile(r"(?<![\w\-])(" + "|".join(sorted(map(re.escape, UN_ACRONYMS | MULTILATERAL_ACRONYMS),
                                                                 key=len, reverse=True)) + r")(?![\w\-])")


# "the Swiss charity Relief Ledger", "the crypto exchange BlockBridge": a common noun then the name
DESCRIBED = re.compile(r"\b(?P<noun>charity|foundation|company|NGO|non-?profit|organi[sz]ation|firm|start-?up|"
                       r"cooperative union|credit union|trade union|cooperative|association|operator|insurer|exchange|"
                       r"lender|investor|fintech|social enterprise|bank|microfinance institution|utility|telco)"
                       r"\s+(?P<name>[A-Z][\w&\-]*(?:[ \t]+[A-Z][\w&\-]*){0,4})")
_DESCRIBED_TYPE = {"charity": "civil_society", "foundation": "foundation", "ngo": "civil_society",
                   "nonprofit": "civil_society", "non-profit": "civil_society", "association": "civil_society",
                   "cooperative": "civil_society", "startup": "startup", "start-up": "startup",
                   "cooperative union": "civil_society", "credit union": "civil_society", "trade union": "civil_society"}


_NOUN_ANYWHERE = re.compile(_ORG_NOUNS)
_OPEN_PAREN = re.compile(r"\(")


def finditer_lines(rx: re.Pattern[str], text: str, needle: re.Pattern[str]) -> Iterator[re.Match[str]]:
    """`rx.finditer(text)` for a pattern that never crosses a line break, run only on the lines where
    `needle` (something every match must contain) occurs: the same matches at the same offsets, without
    trying every position of every other line (most of a document's time in the longer name patterns)."""
    pos = 0
    for hit in needle.finditer(text):
        if hit.start() < pos:
            continue
        start = text.rfind("\n", 0, hit.start()) + 1
        end = text.find("\n", hit.end())
        end = len(text) if end < 0 else end + 1  # the line break stays in view, as in the whole text
        yield from rx.finditer(text, start, end)
        pos = end


# "capitalised by the Green Climate Fund": a fund named as the agent of funding is an organisation
AGENT_FUND = re.compile(r"\b(?:funded|financed|capitali[sz]ed|backed|sponsored|supported|endowed|co-?funded|"
                        r"co-?financed|grants?|funding|financing) (?:by|from)\s+(?:the\s+)?"
                        r"(?P<name>(?:[A-Z][\w\-]*[ \t]+(?:(?:for|of)[ \t]+)?){1,5}(?:Fund|Facility|Trust))\b")


def find_orgs(text: str) -> list[OrgMention]:
    """Every organisation mention in a text, longest names first where they overlap."""
    found: list[OrgMention] = []
    for m in finditer_lines(PAREN_ACR, text, _OPEN_PAREN):
        name, acr = m.group("name"), m.group("acr")
        if country_names.lookup(acr, fuzzy=False):
            continue
        name = _trim_to_acronym(_clean(name, split_and=False), acr)
        tail = re.search(r"\s+(?:and|&)\s+(?:the\s+)?(?P<rest>[A-Z][^()]+)$", name)
        if tail and _initials_match(tail.group("rest"), acr) and (org_type(name[:tail.start()]) != "unknown"
                                                                 or not _initials_match(name, acr)):
            name = tail.group("rest")  # "Government of Ecuador and the World Health Organization (WHO)": the second
        if not _initials_match(name, acr) and acr in UN_ACRONYMS:
            name = acr
        if _NOT_ORG_PARTS.search(name) and not re.search(r"United Nations|UN ", name) \
                and not re.search(r"\bFund$", name):  # "Green Climate Fund (GCF)" is an organisation
            continue
        if re.search(r"\bGovernment Data\b", name):
            continue
        if not re.search(_ORG_NOUNS, name) and acr not in UN_ACRONYMS | MULTILATERAL_ACRONYMS:
            continue
        if name == acr or not _initials_match(name, acr):
            t = org_type(acr, acr)
            if t == "unknown" and not re.search(_ORG_NOUNS, name):
                continue
        start = m.start("name") + m.group("name").find(name.split()[0])
        # "Sierra Leone Directorate of ... (DSTI)": a country named just before belongs to the name
        before = text[max(0, start - 40):start]
        cm = re.search(r"([A-Z][\w’'\-]*(?:[ \t]+[A-Z][\w’'\-]*){0,3})[ \t]+$", before)
        if cm:
            for k in range(len(cm.group(1).split())):
                cand = " ".join(cm.group(1).split()[k:])
                if country_names.lookup(cand, fuzzy=False):
                    name = f"{cand} {name}"
                    start -= len(before) - before.rfind(cand)
                    break
        found.append(OrgMention(name, acr, org_type(name, acr), start, m.end()))
    for m in DESCRIBED.finditer(text):
        name = m.group("name")
        if country_names.lookup(name, fuzzy=False) or len(name) < 3:
            continue
        kind = _DESCRIBED_TYPE.get(m.group("noun").lower(), "private")
        found.append(OrgMention(name, None, org_type(name) if org_type(name) != "unknown" else kind,
                                m.start("name"), m.end("name")))
    for m in AGENT_FUND.finditer(text):
        name = m.group("name")
        found.append(OrgMention(name, None, org_type(name), m.start("name"), m.end("name")))
    for m in GOVS.finditer(text):
        items = [x for x in re.split(r",\s*|\s+and\s+|\s*&\s*", m.group("list")) if x.strip()]
        pos = m.start("list")
        for k, item in enumerate(items):
            item = item.strip()
            code = country_names.lookup(item, fuzzy=False)
            if not code:
                break
            start = text.find(item, pos)
            pos = start + len(item)
            if k == 0:
                start = m.start()  # "Government of Canada": the mention starts at "Government"
            prefix = "Government of the " if item.startswith("Republic") else "Government of "
            found.append(OrgMention(prefix + item, None, "government", start, pos, country=code))
    for m in SUCH_AS.finditer(text):
        kind = _NOUN_TYPE.get(m.group("noun").lower(), "unknown")
        pos = m.start("list")
        for item in re.split(r",\s*|\s+and\s+|\s+or\s+", m.group("list")):
            item = item.strip(" .")
            if not item or not item[0].isupper() or len(item.split()) > 6:
                continue
            if country_names.lookup(item, fuzzy=False):
                continue
            start = text.find(item, pos)
            pos = start + len(item)
            found.append(OrgMention(item, None, org_type(item) if org_type(item) != "unknown" else kind, start, pos,
                                    cue="list"))
    for m in finditer_lines(NOUN_NAME, text, _NOUN_ANYWHERE):
        whole = _clean(m.group("name"), split_and=False)
        name = _clean(m.group("name"))
        if name != whole and whole.startswith(name):
            # "the Ministry of Health of Kenya and the Zambia Institute of Public Health": two organisations
            second = re.sub(r"^(?:and|&)\s+(?:the\s+)?", "", whole[len(name):].strip())
            pos = m.group(0).rfind(second)
            if second and pos >= 0 and org_type(second) != "unknown" and len(second.split()) >= 2:
                found.append(OrgMention(second, None, org_type(second), m.start() + pos,
                                        m.start() + pos + len(second)))
        if len(name.split()) < 2 or _NOT_ORG_WORDS.match(name) or name.casefold() in _GENERIC:
            continue
        if _NOT_ORG_PARTS.search(name) or re.search(r"\bCountries\b", name):
            continue
        if text[m.end():m.end() + 1] == ":" and len(name.split()) <= 3:
            continue  # a field label such as "Lead Division:"
        if text[m.end():m.end() + 1] == ":" and name.endswith(m.group("name").split()[-1]):
            # "... from the Government of Italy\n What: Ear-tags" (lines joined): the next field's label is no part
            name = name.rsplit(" ", 1)[0]
        if re.search(r"\bGovernment$", name) and not country_names.lookup(name.split()[0], fuzzy=False):
            continue  # "Open Government", "Digital Government" are topics, not governments
        if re.search(r"\band Trust$", name):
            continue
        if re.fullmatch(rf"(?:{_LINK}\s+)*{_ORG_NOUNS}s?(?:\s+.*)?", name) and not re.search(r"\b(?:of|for)\s+[A-Z]", name):
            continue  # "Ministry" alone, "Office" alone
        pos = m.group(0).find(name)
        start, end = (m.start() + pos, m.start() + pos + len(name)) if pos >= 0 else (m.start(), m.end())
        found.append(OrgMention(name, None, org_type(name), start, end))
    for m in _KNOWN_ACRONYMS.finditer(text):
        if m.group(1) in {"UN", "WB", "AU", "EU", "ECE", "ECA", "G7", "G20", "RCO", "UNCT"}:
            continue
        found.append(OrgMention(m.group(1), m.group(1), org_type(m.group(1), m.group(1)), m.start(), m.end()))
    found += known_orgs(text)
    return _non_overlapping(found)


# organisations whose full names read like an initiative's ("... Fund", "... Alliance"): public knowledge, so
# that "financed by the Global Fund to Fight AIDS, ..." names a funder, not a second fund
KNOWN_ORGS: dict[str, str] = {
    "Global Fund to Fight AIDS, Tuberculosis and Malaria": "multilateral",
    "International Monetary Fund": "multilateral",
    "International Fund for Agricultural Development": "un",
    "OPEC Fund for International Development": "multilateral",
    "Gavi, the Vaccine Alliance": "multilateral",
    "United Nations Population Fund": "un",
    "United Nations Children's Fund": "un",
    "United Nations Capital Development Fund": "un",
}
_KNOWN_NAME = re.compile(r"\b(" + "|".join(re.escape(n).replace(r"\ ", r"\s+").replace("'", "['’]")
                                          for n in KNOWN_ORGS) + r")\b")


def known_orgs(text: str) -> list[OrgMention]:
    """The organisations of KNOWN_ORGS a text names (cue "known")."""
    out = []
    for m in _KNOWN_NAME.finditer(text):
        name = re.sub(r"\s+", " ", m.group(1)).replace("’", "'")
        out.append(OrgMention(name, None, KNOWN_ORGS.get(name, "multilateral"), m.start(), m.end(), cue="known"))
    return out


_TOPIC_GOV = re.compile(r"\b(?:Open|Digital|E-|Good|Electronic|Smart)\s*Government(?!\s+of\b)")


def _non_overlapping(found: list[OrgMention]) -> list[OrgMention]:
    found = [o for o in found if not (_TOPIC_GOV.search(o.name) and not o.acronym)]
    found.sort(key=lambda o: (o.start, -(o.end - o.start)))
    out: list[OrgMention] = []
    for o in found:
        if out and o.start < out[-1].end:
            prev = out[-1]
            if o.end - o.start > prev.end - prev.start and o.start >= prev.start:
                out[-1] = o
            continue
        out.append(o)
    for o in out:
        if o.country is None:
            o.country = _org_country(o.name)
    return out


def _org_country(name: str) -> str | None:
    m = re.search(r"\b(?:of|in)\s+(?:the\s+)?([A-Z][\w’'\-]+(?:\s+[A-Z][\w’'\-]+)*)\s*$", name)
    if m and re.search(r"Government|Ministry|Embassy|Republic", name):
        code = country_names.lookup(m.group(1), fuzzy=False)
        if code:
            return code
    first = name.split()[0]
    for probe in (first, " ".join(name.split()[:2])):
        code = country_names.lookup(probe, fuzzy=False)
        if code and len(name.split()) > 1:
            return code
    return None


@functools.lru_cache(maxsize=8192)  # pure, and called for the same names many times
def key(name: str) -> str:
    """A spelling-insensitive key: case, punctuation, "the", possessives and "UN" = "United Nations"."""
    name = re.sub(r"['’]s\b", "", name.casefold())
    name = re.sub(r"[^\w]+", " ", re.sub(r"^the\s+", "", name)).strip()
    return re.sub(r"^un\b", "united nations", name)


class OrgBook:
    """Organisations seen in one document: one entry per organisation, joined by name or acronym."""

    def __init__(self) -> None:
        self.entries: list[OrgMention] = []
        # entry positions by key(name or alias) and by acronym: `find` looks only at the entries these name
        # (in the order they were added), not at every entry (thousands in a long document)
        self._by_key: dict[str, list[int]] = {}
        self._by_acr: dict[str, list[int]] = {}
        self._by_name: dict[str, list[int]] = {}
        self._pos: dict[int, int] = {}

    def _index(self, pos: int) -> None:
        e = self.entries[pos]
        for k in {key(e.name), *(key(a) for a in e.aliases)}:
            self._add(self._by_key, k, pos)
        if e.acronym:
            self._add(self._by_acr, e.acronym, pos)
        self._add(self._by_name, e.name, pos)

    @staticmethod
    def _add(index: dict[str, list[int]], k: str, pos: int) -> None:
        lst = index.setdefault(k, [])
        if pos not in lst:
            lst.append(pos)

    def add(self, m: OrgMention) -> OrgMention:
        hit = self.find(m.name, m.acronym, m.country)
        if hit is None:
            entry = OrgMention(m.name, m.acronym, m.type, m.start, m.end, m.country)
            self.entries.append(entry)
            self._pos[id(entry)] = len(self.entries) - 1
            self._index(len(self.entries) - 1)
            return entry
        if hit.acronym is None and m.acronym:
            hit.acronym = m.acronym
        if hit.type == "unknown" and m.type != "unknown":
            hit.type = m.type
        # Prefer the full name over the acronym as the entry's name.
        if hit.name == hit.acronym and m.name != m.acronym:
            hit.aliases.append(hit.name)
            hit.name = m.name
        elif m.name not in (hit.name, hit.acronym) and m.name not in hit.aliases:
            hit.aliases.append(m.name)
        self._index(self._pos[id(hit)])  # its name, acronym or aliases may have changed
        return hit

    def find(self, name: str, acronym: str | None = None, country: str | None = None) -> OrgMention | None:
        k = key(name)
        cands = set(self._by_key.get(k, ())) | set(self._by_acr.get(name, ()))
        if acronym:
            cands |= set(self._by_acr.get(acronym, ())) | set(self._by_name.get(acronym, ()))
        for pos in sorted(cands):
            e = self.entries[pos]
            if country and e.country and country != e.country:
                continue
            if key(e.name) == k or (e.acronym and (e.acronym == name or e.acronym == acronym)) \
                    or (acronym and e.name == acronym) or k in {key(a) for a in e.aliases}:
                return e
        return None
