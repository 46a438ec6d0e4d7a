"""Labelled fields ("Time Frame:", "Focus Countries :", "Proposed Budget -", "Donor") with any spacing/punctuation.

A label is recognised by its words, not its exact spelling: each family lists the words people use for it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

# family -> label phrasings (lower case, single spaces). Order matters: first match wins.
FAMILIES: dict[str, tuple[str, ...]] = {
    "time": ("time frame", "timeframe", "time-frame", "duration", "project period", "implementation period", "when",
             "start / end", "start/end", "start - end", "start-end", "from / to", "dates of implementation",
             "period", "dates", "project dates", "project duration", "timeline", "years", "period of implementation", "implementation"),
    "start": ("start date", "start", "starting date", "launch date", "launched", "start of project", "first close",
              "inception", "date of inception", "since", "running since", "active since"),
    "end": ("end date", "end", "completion date", "closing date", "expected end date"),
    "countries": ("focus countries", "focus country", "countries", "country", "target countries", "target country",
                  "beneficiary countries", "recipient countries", "programme countries", "project countries",
                  "countries covered", "geographic coverage", "geographical coverage", "coverage",
                  "country/countries", "countries of implementation", "where", "host country", "host countries",
                  "country of implementation", "implementing country", "partner country", "partner countries"),
    "budget": ("proposed budget", "budget", "total budget", "approved budget", "total cost", "project budget",
               "amount", "funding amount", "grant amount", "grant size", "value", "total funding", "investment",
               "fund size", "budget (usd)", "budget usd", "total value", "how much", "cost", "grant"),
    "funding": ("funding", "funding source", "source of funding", "source of funds", "financing", "funded through",
                "fund"),
    "donor": ("donor", "donors", "funded by", "funder", "funders", "sponsor", "sponsors", "financed by",
              "funding partner", "funding partners", "financing partner", "financing partners", "funding agency",
              "investors", "investor", "anchor investors", "anchor investor", "limited partners",
              "financial partner", "financial partners", "supported by"),
    "partners": ("partners", "partner", "cooperation partners", "implementing partners", "implementing partner",
                 "partner organizations", "partner organisations", "in partnership with", "collaborators",
                 "partner agencies", "key partners", "project partners", "co-organizers", "co-organisers",
                 "fund manager", "investment manager", "manager", "asset manager", "who", "co-implementer",
                 "co-implementers", "implementer", "implementers", "executing partner", "grantee", "grantees",
                 "implementing organisation", "implementing organization"),
    "lead": ("lead partner", "lead partners", "lead division", "division", "lead agency", "lead organization", "lead organisation", "lead",
             "implementing agency", "implementing entity", "executing agency", "implemented by",
             "responsible division", "lead entity", "entity", "implementing entities", "executing entity", "organizer", "organiser", "managed by", "led by", "lead unit",
             "office", "unit", "organization", "organisation", "agency", "recipient organization", "accredited entity",
             "recipient organisation"),  # an allocation list's "Organization" column: who carries the project out
    "region": ("region", "regions"),
    "themes": ("thematic area", "thematic areas", "themes", "theme", "sector", "sectors", "focus area",
               "focus areas", "topics", "topic", "keywords", "tags", "areas of work", "area", "cluster", "result area", "result areas"),
    "sdgs": ("sdgs", "sdg", "sdg goals", "sustainable development goals", "related sdgs", "sdg alignment",
             "contributing to", "contributes to", "sdg contribution", "sdg targets"),
    "status": ("status", "project status", "current status", "stage", "project stage"),
    "comment": ("comment", "comments", "note", "notes", "remark", "remarks", "reviewer comment"),
    "title": ("title", "project title", "project name", "name", "programme name", "initiative", "initiative name",
              "programme title", "event", "event name", "event title"),
    "code": ("project code", "code", "project number", "project id", "reference", "ref", "project no", "ref no",
             "reference no", "reference number", "project ref", "project reference", "id", "symbol",
             "award id", "award number", "award no", "grant id", "grant number", "grant no", "contract number",
             "contract no"),
    "kind": ("type", "project type", "category", "initiative type"),
    "location": ("venue", "location", "place", "city"),
    "announced": ("date announced", "announced", "date of announcement", "published"),
    "description": ("objective", "objectives", "objective/purpose of project", "purpose", "purpose of project",
                    "main expectations", "brief description", "description", "summary", "background",
                    "key accomplishments", "key accomplishments (to-date)", "expected accomplishments",
                    "expected results", "results", "overview", "aim", "aims", "goal", "goals", "activities",
                    "outcomes", "expected outcomes", "accomplishments", "about", "context"),
}
_LOOKUP: dict[str, str] = {}
for _fam, _names in FAMILIES.items():
    for _n in _names:
        _LOOKUP.setdefault(_n, _fam)

# a label may follow a pictogram ("🌍 Where: Nepal", "📅 When: ..."; social posts and newsletters) and be written
# in snake case ("start_date: 2023-04-01", a CMS export's front matter)
LABEL_RE = re.compile(r"^\s*(?:[-*•]\s*)?(?:[\u2190-\u2bff\U0001f000-\U0001faff\ufe0f\u200d]+\s*)?[*_]{0,2}"
                      r"(?P<label>[A-Za-z](?:[A-Za-z/()\-&'.$€£ ]|(?<=[a-z])_(?=[a-z])){1,45}?)[*_]{0,2}\s*"
                      r"(?:[:：]|\s[-–—]\s|\t|\s\.{3,}\s*|\s…+\s*)[*_]{0,2}\s*(?P<value>.*?)\s*$")  # "Country ...... Kenya"

# a two-cell table row "| Duration | March 2021 – February 2025 |": a field table (HTML, Word and Markdown
# tables all read as such rows) holds labelled fields too
TABLE_LABEL_RE = re.compile(r"^\s*\|\s*[*_]{0,2}(?P<label>[A-Za-z][A-Za-z/()\-&'.$€£ ]{1,45}?)[*_]{0,2}\s*[:：]?\s*\|"
                            r"\s*(?P<value>[^|]*?)\s*\|?\s*$")


@dataclass(frozen=True)
class Label:
    family: str
    label: str
    value: str
    value_offset: int  # offset of the value inside the line


def _norm(label: str) -> str:
    """Lower case, single spaces, no full stops ("Ref. no." -> "ref no")."""
    return re.sub(r"\s+", " ", label.replace(".", " ").replace("_", " ").strip().lower()).strip()


# inline fields side by side: "Budget — USD 1.2m | Duration 2019–2022 | Where: Fiji, Tonga"
# ... or written as sentences: "1. Title. Countries: Mali, Niger. Duration: 2019 - 2022. Budget: USD 1.2m."
_INLINE_SEP = re.compile(r"\s+[|¦·•]\s+|(?<=[\w)%])\.\s+(?=[A-Z][A-Za-z ]{1,30}:\s)|"
                         r"(?<=\S)(?:[ ]{3,}|\t+)(?=[A-Z][A-Za-z ]{1,30}:\s)")  # "Entity: X      Budget: $1"
# inside such a line a label may run straight into its value when the value is a number, an amount or a date
_BARE_LABEL_RE = re.compile(r"^\s*[*_]{0,2}(?P<label>[A-Za-z][A-Za-z/()\-&' ]{1,30}?)[*_]{0,2}\s+"
                            r"(?P<value>(?:[\d$€£¥]|[A-Z]{3}\s?\d|(?:from|since|until|to)\s+\w|"
                            r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d).*?)\s*$")


def labels_in_line(line: str) -> list[Label]:
    """Every labelled field of a line (value_offset into the line): one, or several for a line of inline fields
    separated by " | " when at least two of its parts are labelled."""
    return list(_labels_in_line(line))


@functools.lru_cache(maxsize=16384)  # pure, and asked about the same lines many times per document
def _labels_in_line(line: str) -> tuple[Label, ...]:
    if not line.lstrip().startswith("|") and _INLINE_SEP.search(line):
        out: list[Label] = []
        pos = 0
        seps = list(_INLINE_SEP.finditer(line))
        for sep in [*seps, None]:
            end = sep.start() if sep else len(line)
            part = line[pos:end]
            lab = _single(part) or _bare(part)
            if lab is not None:
                out.append(Label(lab.family, lab.label, lab.value, pos + lab.value_offset))
            pos = sep.end() if sep else pos
        if len(out) >= 2:
            return tuple(out)
        if len(out) == 1 and not seps[-1].group(0).strip() and out[0].value_offset > seps[-1].start():
            # "Clean cooking for rural households        Period: FY2022-FY2024": a two-column page flattened,
            # its right column a field
            return tuple(out)
    lab = _single(line)
    return (lab,) if lab else ()


def family_of(label: str) -> str | None:
    """The family of a normalised label, also without a parenthesis ("budget (usd)") and in the other number
    ("beneficiary country" as "beneficiary countries")."""
    for cand in (label, re.sub(r"\s*\(.*?\)\s*", "", label).strip()):
        fam = _LOOKUP.get(cand)
        if fam is None and len(cand) > 3:
            fam = _LOOKUP.get(cand[:-1] if cand.endswith("s") else cand + "s")
            if fam is None and cand.endswith("y"):
                fam = _LOOKUP.get(cand[:-1] + "ies")
            if fam is None and cand.endswith("ies"):
                fam = _LOOKUP.get(cand[:-3] + "y")
        if fam is not None:
            return fam
    # "Utility partner", "Pilot city", "Host country": a qualified field keeps its last word's family
    words = label.split()
    if 2 <= len(words) <= 3 and words[-1] in _LAST_WORD:
        return _LAST_WORD[words[-1]]
    # "Approved (USD)", "Disbursed (US$)": a column whose unit is a currency holds amounts
    unit = re.fullmatch(r"[a-z][a-z0-9 ]{2,30}\(\s*([^()]{1,5}?)\s*\)", label)  # also "Disbursed 2024 (NOK)"
    if unit and _currency_unit(unit.group(1)):
        return "budget"
    # "Grant period from" / "Period end": the start or end of a time field
    m = re.fullmatch(r"(?P<base>.+?)\s+(?P<edge>from|to|start|end|begins|ends)", label)
    if m and "time" in (family_of(m.group("base")), family_of(m.group("base").split()[-1])):
        return "start" if m.group("edge") in ("from", "start", "begins") else "end"
    return None


_LAST_WORD = {"partner": "partners", "partners": "partners", "city": "location", "site": "location",
              "town": "location", "country": "countries", "countries": "countries", "donor": "donor",
              "donors": "donor", "budget": "budget", "ref": "code", "reference": "code", "period": "time"}


def _currency_unit(text: str) -> bool:
    from initiatives.ingest.normalise import currency_code

    return len(text) >= 2 and currency_code(text.upper() if len(text) == 3 else text) is not None


def _bare(part: str) -> Label | None:
    m = _BARE_LABEL_RE.match(part)
    if not m:
        return None
    fam = _LOOKUP.get(_norm(m.group("label")))
    if fam not in ("time", "start", "end", "budget", "code", "sdgs"):
        return None
    return Label(fam, _norm(m.group("label")), m.group("value"), m.start("value"))


_AMOUNT_FIRST = re.compile(r"^(?:(?:US|AU|NZ|CA|HK|S)?\$|€|£|¥|[A-Z]{3}\s?)\s?\d[\d,.]*(?:\s?(?:m|bn|k|million|billion|thousand)\b)?",
                           re.I)
_RANGE_ONLY = re.compile(r"^(?:[A-Za-z]{3,9}\.?\s+)?(?:19|20)\d{2}\s*(?:[-–—]|to)\s*(?:[A-Za-z]{3,9}\.?\s+)?(?:19|20)\d{2}\.?$")


def family_by_value(value: str) -> str | None:
    """The family of a field whose label is not one of ours, from what its value is: an amount first (a budget;
    "... from X" also names who funds it), a list of countries only, or a date range only."""
    from initiatives.ingest.repetition import countries_in_line

    v = value.strip()
    am = _AMOUNT_FIRST.match(v)
    if am and (not re.match(r"[A-Z]{3}", v) or v[:3] not in ("SDG", "COP")):
        return "funding" if re.match(r"\s+(?:from|by|provided by)\s", v[am.end():]) else "budget"
    if _RANGE_ONLY.match(v):
        return "time"
    if countries_in_line(v.rstrip(".")):
        return "countries"
    return None


def label_of(line: str) -> Label | None:
    """The labelled field a line holds, or None. "Time Frame:January 2014 - July 2016" -> time.
    A line of inline fields gives its first one."""
    found = _labels_in_line(line)
    return found[0] if found else None


# "**Lead agency** UNDP": a bold label with no separator before its value
BOLD_LABEL_RE = re.compile(r"^\s*(?:[-*•]\s*)?(?:\*\*|__)(?P<label>[A-Za-z][A-Za-z/()\-&'.$€£ ]{1,45}?)(?:\*\*|__)\s+"
                           r"(?P<value>[^\s:].*?)\s*$")


def _single(line: str) -> Label | None:
    bm = BOLD_LABEL_RE.match(line)
    if bm:
        fam = family_of(_norm(bm.group("label")))
        if fam is not None:
            return Label(fam, _norm(bm.group("label")), bm.group("value"), bm.start("value"))
    m = LABEL_RE.match(line)
    table = False
    if not m or line.lstrip().startswith("|"):
        m = TABLE_LABEL_RE.match(line)
        table = True
    if not m:
        return None
    raw = _norm(m.group("label"))
    fam = family_of(raw)
    if fam is None and ":" in line[m.end("label"):m.start("value")] and len(raw.split()) <= 3:
        fam = family_by_value(m.group("value"))  # "Money: USD 3,000,000 from the EU", "Where to: Fiji, Tonga"
    if fam is None:
        return None
    # a dash separator needs a short value-looking label (avoid "Private sector – convening ...")
    sep = line[m.end("label"):m.start("value")]
    if not table and ":" not in sep and "：" not in sep and "..." not in sep and "…" not in sep \
            and fam in ("description", "kind", "title", "themes", "lead"):
        return None
    return Label(fam, raw, m.group("value"), m.start("value"))
