"""Segmentation: find every initiative a document describes, as a block of lines with its context.

Generic cues only: code + title headings ("ROA 245-8A: ...", "1617B - ..."), title-only headings followed by
labelled fields, Markdown/HTML headings that name an initiative, table rows, teaser paragraphs under section
headings such as "Current Projects", "Head – description" items under a "... partnerships" heading, and the
headline of a press release with a dateline. Prose mentions are found later (see `prose.py`).
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from initiatives.ingest import boundaries
from initiatives.ingest.labels import label_of, labels_in_line


@dataclass
class Line:
    no: int  # 1-based
    start: int
    end: int
    text: str

    @property
    def s(self) -> str:
        return self.text.strip()

    @property
    def blank(self) -> bool:
        return not self.text.strip()


@dataclass
class Segment:
    mode: str  # entry | teaser | heading | row | press | item | prose
    first: int
    last: int
    start: int
    end: int
    title: str | None = None
    title_span: tuple[int, int] | None = None
    code: str | None = None
    code_span: tuple[int, int] | None = None
    kind: str | None = None
    status: str | None = None
    owner: str | None = None
    context: str | None = None
    row: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    window: tuple[int, int] | None = None  # the text fields are read from, when narrower than the lines
    hints: list[tuple[str, str, int, int]] = field(default_factory=list)  # partners named by the cue itself
    context_span: tuple[int, int] | None = None  # the section heading that gives the status
    lead_span: tuple[int, int] | None = None  # one of several agreements a release announces: its lead sentence
    place: tuple[int, int] | None = None  # a line naming only the entry's countries ("KENYA")
    dated: tuple[int, int] | None = None  # an entry opened by a date line ("14 February 2025"): when it was announced
    cue: str | None = None  # what found it, when not the mode's own rule ("repetition")

    @property
    def text_range(self) -> tuple[int, int]:
        return self.window or (self.start, self.end)


def split_lines(text: str) -> list[Line]:
    out, pos = [], 0
    for i, raw in enumerate(text.split("\n"), start=1):
        out.append(Line(i, pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return out


def _wrapped(cur: Line, nxt: Line | None, width: int = 0) -> bool:
    """True when `nxt` continues the sentence of `cur` (hard-wrapped plain text), not a new block. `width` is
    the document's wrap width (`wrap_width`): a line well short of it ended where its writer ended it (a
    'Partner: Ministry of X' line above a description is not a sentence running on)."""
    if nxt is None or nxt.blank or len(cur.text) < max(40, int(width * 0.7)):
        return False
    if not re.search(r"[A-Za-z,&(\-]$", cur.text.rstrip()) or cur.text != cur.text.rstrip():
        return False
    if re.match(r"^\s*(?:#|\||[-*•]\s|\d+[.)]\s)", nxt.text) or re.match(r"^\s*(?:#|\|)", cur.text):
        return False
    return label_of(nxt.text) is None


def wrap_width(lines: list[Line]) -> int:
    """The length most long lines of a document reach (its 90th percentile over lines of 40+ characters): the
    column a hard-wrapped text breaks at, or the length of whole paragraphs in a text that is not wrapped."""
    lengths = sorted(len(ln.text.rstrip()) for ln in lines if len(ln.text.rstrip()) >= 40
                     and not TABLE_ROW.match(ln.text))
    return lengths[int(len(lengths) * 0.9)] if len(lengths) >= 5 else 0


def unwrap(text: str, lines: list[Line]) -> str:
    """The text with the line breaks inside hard-wrapped sentences turned into spaces (same length, so every
    offset still points at the same character)."""
    chars = list(text)
    width = wrap_width(lines)
    for cur, nxt in zip(lines, lines[1:]):
        if _wrapped(cur, nxt, width):
            chars[cur.end] = " "
    return "".join(chars)


def logical_lines(text: str, lines: list[Line]) -> list[tuple[Line, list[int]]]:
    """Physical lines joined where a sentence wraps: (a Line over the joined text, the physical line numbers)."""
    flat = unwrap(text, lines)
    out: list[tuple[Line, list[int]]] = []
    i = 0
    while i < len(lines):
        j = i
        while j + 1 < len(lines) and flat[lines[j].end:lines[j].end + 1] == " " and lines[j].end < len(text) \
                and text[lines[j].end] == "\n":
            j += 1
        first, last = lines[i], lines[j]
        out.append((Line(first.no, first.start, last.end, flat[first.start:last.end]),
                    [ln.no for ln in lines[i:j + 1]]))
        i = j + 1
    return out


# --------------------------------------------------------------------------- cues

_CODE = r"(?:[A-Z]{1,6}[ \-/]?)?\d[\dA-Z]*(?:[\-./][\dA-Z]+)*|[A-Z]{2,6}\d[\dA-Z]*(?:[\-./][\dA-Z]+)*"
CODE_HEAD = re.compile(
    rf"^\s*(?:Project\s+(?:code\s+)?)?(?P<code>{_CODE})\s*(?::|\s[-–—]\s|\s\|\s)\s*(?P<title>[A-Z0-9“\"'‘].{{8,}})$")
# "2326A  Strengthening statistical capacities ...": a code set apart from its title by a wide gap (no punctuation);
# a code with a letter or of five or more characters, so that "2024  Annual report" is no code
CODE_HEAD_SPACED = re.compile(
    rf"^\s*(?P<code>(?=[\dA-Z\-/.]*[A-Z])(?:{_CODE})|\d{{5,}})(?:[ ]{{2,}}|\t+)(?P<title>[A-Z“\"'‘][a-z].{{8,}})$")
_NOT_CODE = re.compile(r"^(?:SDGs?|GOAL|COVID|STEP|PHASE|TABLE|FIGURE|ANNEX|SECTION|PART|CHAPTER|ARTICLE|NO)\b", re.I)

MD_HEAD = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
EMPH_HEAD = re.compile(r"^\s*[_*]{1,3}([^_*].{1,80}?)[_*]{1,3}\s*:?\s*$")
NUM_HEAD = re.compile(r"^\s*(?:\d{1,2}[.)]|[IVX]{1,4}[.)])\s+([A-Z][\w\- ]{2,60})$")
TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
# a Markdown horizontal rule, or the "--" / "==" line plain text separates entries with
RULE = re.compile(r"^\s{0,3}(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,}|-{2}|={2,})\s*$")
SETEXT = re.compile(r"^\s{0,3}(={3,}|-{3,})\s*$")  # the underline of a Markdown setext heading
TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")

_STATUS_WORDS = [
    (r"\b(?:past|completed|closed|former|previous|concluded|finished|archived?|ended)\b", "completed"),
    (r"\b(?:current|ongoing|on-going|active|present|running|in progress)\b", "ongoing"),
    (r"\b(?:planned|upcoming|future|pipeline|proposed|forthcoming)\b", "planned"),
]
_SECTION_NOUNS = (r"projects|programmes|programs|initiatives|partnerships|pilots|activities|funds|investments|"
                  r"events|grants|portfolio|engagements|collaborations|work|investees|grantees|awardees|"
                  r"start-?ups|portfolio companies|companies|ventures|winners|cohort|schemes|sites|locations")
# investees, grantees, start-ups ... named under such a heading: each item is one investment
_INVESTEE_NOUNS = re.compile(r"investees|grantees|awardees|start-?ups|portfolio companies|companies|ventures|"
                             r"winners|cohort")
SECTION_HEAD = re.compile(
    r"^(?:\d+[.)]\s*)?(?:(?:current|past|completed|ongoing|on-going|active|closed|previous|former|recent|upcoming|"
    r"planned|future|new|other|key|selected|featured|our|global|regional|national|country[- ]level|international|"
    r"related|all|list of|major|flagship|country|pilot|partner|research|field|the|this year's|\d{4}|first|second|"
    r"third|fourth|fifth|sixth|latest|newest|next|inaugural)\s+)*"
    r"(?:" + _SECTION_NOUNS + r")$", re.I)

KIND_NOUNS: list[tuple[str, str]] = [
    (r"(?:\b|(?<=[a-z]))(?:fund|funds)\b|\b(?:facility|grant|grants|endowment)\b", "fund"),
    (r"\binvestments?\b", "investment"),
    (r"\bpilots\b", "programme"),
    (r"\bpilot\b", "pilot"),
    # "Regional Dialogues on Digital Public Infrastructure": a series of events is a programme
    (r"\b(?:dialogues|webinars|roundtables|summits|conferences)\b", "programme"),
    (r"\b(?:summit|forum|conference|workshop|hackathon|symposium|congress|expo|festival|webinar|dialogue|"
     r"meeting|roundtable|week)\b", "event"),
    (r"\b(?:partnership|coalition|compact|consortium|memorandum|agreement|mou|network)\b", "partnership"),
    (r"\b(?:toolkit|app|software|digital public good|open-source tool|mobile application)\b", "product"),
    (r"\b(?:programme|program|initiative|alliance|platform|centre|center|challenge|accelerator|"
     r"campaign|series|corridors?|incubator|award|prize|fellowship|scheme|service|exchange)\b",
     "programme"),
    (r"\b(?:project|study|survey|assessment)\b", "project"),
]


def kind_of(text: str) -> str | None:
    low = text.lower()
    for pattern, kind in KIND_NOUNS:
        if re.search(pattern, low):
            return kind
    return None


def status_of(text: str) -> str | None:
    low = text.lower()
    for pattern, status in _STATUS_WORDS:
        if re.search(pattern, low):
            return status
    return None


def clean_heading(text: str) -> str:
    t = re.sub(r"^\s*#+\s*", "", text)
    t = re.sub(r"[*_]{1,3}", "", t).strip()
    return t.rstrip(":").strip()


_HEAD_MARKS = re.compile(r"^\s{0,3}(?:#{1,6}\s+)?(?:[*_]{1,3})?")


def _code_head(line: Line) -> re.Match[str] | None:
    """A "CODE: Title" line (a Markdown heading or emphasis around it is allowed)."""
    lead = _HEAD_MARKS.match(line.text)
    offset = lead.end() if lead else 0
    m = CODE_HEAD.match(" " * offset + line.text[offset:])  # same offsets as the line, marks blanked
    if not m:
        m = CODE_HEAD_SPACED.match(" " * offset + line.text[offset:])
    if not m:
        return None
    code = m.group("code").strip()
    if _NOT_CODE.match(code) or re.fullmatch(r"(?:19|20)\d{2}", code) or re.fullmatch(r"\d{1,3}", code):
        return None
    if label_of(line.text) is not None:
        return None
    title = m.group("title").strip().rstrip("*_").strip()
    if len(title.split()) < 2 and not re.search(r"[A-Z]{3,}", title):
        return None
    return m


@dataclass
class Heading:
    line: Line
    level: int
    text: str


# "2.1 Malawi - electronic health records", "3. Outlook": a numbered section heading of a report
NUMBERED_HEAD = re.compile(r"^\s*(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(?P<text>[A-Z][^\n]{2,90})$")
_PAGE_MARK = re.compile(r"(?:^|\s)(?:page|p\.|pg\.?)\s*\d+(?:\s*(?:of|/)\s*\d+)?\s*$|^\s*[-–—]?\s*\d{1,3}\s*[-–—]?\s*$",
                        re.I)


def page_furniture(lines: list[Line]) -> set[int]:
    """Line numbers of page headers and footers left in text taken from a PDF or a printout: "... page 1 of 2",
    a bare page number, or a short line repeated on several pages ("DHAP Annual Report 2023")."""
    out: set[int] = set()
    seen: dict[str, list[int]] = {}
    for ln in lines:
        s = ln.s
        if not s or len(s) > 120:
            continue
        if _PAGE_MARK.search(s) and not TABLE_ROW.match(s):
            out.add(ln.no)
            continue
        if len(s.split()) <= 10 and not RULE.match(s) and not s.startswith(("|", "-", "*", "#")):
            seen.setdefault(re.sub(r"\s+", " ", s), []).append(ln.no)
    marks = {re.sub(r"\s+", " ", ln.s) for ln in lines if ln.no in out}
    for key, nos in seen.items():
        # repeated, and written again beside a page number (a running header/footer), or repeated 3+ times
        if len(nos) >= 3 or any(m.startswith(key) and len(m) > len(key) for m in marks):
            out.update(nos)
    return out


def headings(lines: list[Line]) -> dict[int, Heading]:
    """Line number -> heading, for Markdown headings, emphasised lines and short standalone titles."""
    out: dict[int, Heading] = {}
    furniture = page_furniture(lines)
    first_text = next((ln.no for ln in lines if not ln.blank), 0)
    for i, ln in enumerate(lines):
        s = ln.s
        if not s or TABLE_ROW.match(s) or ln.no in furniture:
            continue
        m = MD_HEAD.match(ln.text)
        if m:
            out[ln.no] = Heading(ln, len(m.group(1)), clean_heading(m.group(2)))
            continue
        under = SETEXT.match(lines[i + 1].text) if i + 1 < len(lines) else None
        if under and len(s) <= 100 and not RULE.match(s) and not re.match(r"[-*•|>]", s):
            out[ln.no] = Heading(ln, 1 if under.group(1)[0] == "=" else 2, clean_heading(s))  # "Title" over "-----"
            continue
        m = EMPH_HEAD.match(ln.text)
        if m and len(m.group(1).split()) <= 8:
            out[ln.no] = Heading(ln, 4, clean_heading(m.group(1)))
            continue
        prev_blank = i == 0 or lines[i - 1].blank or lines[i - 1].no in furniture
        next_blank = i + 1 >= len(lines) or lines[i + 1].blank
        words = s.split()
        m = NUMBERED_HEAD.match(ln.text)
        if m and prev_blank and next_blank and len(words) <= 12 and not re.search(r"[.;,:!?…]$", s) \
                and label_of(s) is None:
            out[ln.no] = Heading(ln, 1 + m.group("num").count(".") + 1, clean_heading(m.group("text")))
            continue
        m = NUM_HEAD.match(ln.text)
        if m and len(s.split()) <= 6 and SECTION_HEAD.match(clean_heading(m.group(1))):
            out[ln.no] = Heading(ln, 5, clean_heading(m.group(1)))
            continue
        if ln.no == first_text and s.isupper() and 2 <= len(words) <= 12 and not re.search(r"[.;,!?…]$", s) \
                and re.search(r"[A-Z]{3}", s) and not _code_head(ln):
            out[ln.no] = Heading(ln, 1, clean_heading(s))  # a plain-text title in capitals
            continue
        if (prev_blank and next_blank and 1 <= len(words) <= 6 and len(s) <= 60 and s[0].isupper()
                and not re.search(r"[.;,!?…]$", s) and label_of(s) is None and not _code_head(ln)):
            out[ln.no] = Heading(ln, 6, clean_heading(s))
    return out


# --------------------------------------------------------------------------- segmentation


def segment(text: str, lines: list[Line] | None = None, index: Any = None) -> list[Segment]:
    """`index`: the document's `fields.TextIndex` when already built (its money and country hits are reused)."""
    from initiatives.ingest import cues  # news and bulletin cues; they build on this module's own

    lines = lines or split_lines(text)
    heads = headings(lines)
    segs: list[Segment] = []
    taken: set[int] = set()

    contents = contents_lines(lines)
    if contents:  # a newsletter's "In this issue" list repeats the headings below it: it heads nothing itself
        heads = {no: h for no, h in heads.items() if no not in contents}
        taken.update(contents)
    entries = [e for e in _listing_entries(lines, heads) if e.first not in contents]
    pipe_rows = _bare_table_lines(lines)
    if pipe_rows:  # "CODE | Title | Org | ..." rows of an export: table rows, not "CODE | Title" entries
        entries = [e for e in entries if e.first not in pipe_rows]
    _pilot_places(entries, lines, heads)
    columns = _column_entries(lines, set())
    if columns:  # a two-column table flattened to text: its entries replace what the rules cut from its lines
        spans = [(s.first, s.last) for s in columns]
        entries = [e for e in entries if not any(a <= e.first <= b or e.first <= a <= e.last for a, b in spans)]
        entries.extend(columns)
    for seg in entries:
        taken.update(range(seg.first, seg.last + 1))
    segs.extend(entries)

    rows = _table_rows(lines, heads, taken)
    for seg in rows:
        taken.add(seg.first)
    segs.extend(rows)

    for seg in _section_items(lines, heads, taken):
        taken.update(range(seg.first, seg.last + 1))
        segs.append(seg)

    heading_recs = _heading_records(lines, heads, taken)
    segs.extend(heading_recs)
    segs.extend(_sentence_pilots(text, lines, heading_recs))
    coded = cues.coded_names(lines, taken)
    taken.update(s.first for s in coded)
    segs.extend(coded)
    bulletin = cues.bulletin_items(lines, taken)
    taken.update(s.first for s in bulletin)
    segs.extend(bulletin)
    listed = cues.introduced_items(lines, taken)
    taken.update(s.first for s in listed)
    segs.extend(listed)

    press = _press_release(lines, heads, taken)
    if press:
        segs = [s for s in segs if not (s.mode == "heading" and s.first == press.first)]
        parts = cues.announced_parts(lines, heads, press)
        if parts:  # "today signed two partnership agreements", one sub-heading each: one record each
            firsts = {p.first for p in parts}
            segs = [s for s in segs if not (s.mode == "heading" and s.first in firsts)]
            segs.extend(parts)
        elif not _counts_listed(press, segs):
            segs.append(press)  # (a headline counting the records listed under it is not one of them)
        segs.extend(cues.prose_investees(lines, press, taken))
    segs = _prefer_repetition(text, lines, heads, segs, index)
    if press is not None and any(s is press for s in segs) and _counts_listed(press, segs):
        segs = [s for s in segs if s is not press]  # the repeated shape found the records its headline counts
    if boundaries.mode() == "model":  # the learned boundaries alone (`combined` is applied by the pipeline)
        segs = learned_entries(text, lines, [], index, "model", heads)
    for seg in segs:
        if seg.status:
            seg.context_span = _context_span(heads, seg)
    _narrow_to_own_text(segs, heads, lines)
    segs.sort(key=lambda s: (s.first, s.start))
    return segs


_RECORD_MODES = ("entry", "heading", "item", "teaser", "row")

# "Clean cooking for rural households         Period: FY2022-FY2024": a name, a wide gap, a field
_COLUMNS = re.compile(r"^(?P<left>\S(?:.*?\S)?)[ \t]{3,}(?P<right>[A-Z][^\n]*)$")
_CODE_TAIL = re.compile(r"\s*\((?P<c>[A-Z0-9][\w./-]{2,24})\)$")


def _column_rows(lines: list[Line]) -> dict[int, tuple[str, int, int]]:
    """0-based index -> (left text, its offset, right column's offset) for the lines of a two-column layout
    whose right column holds labelled fields, at the column most of them share."""
    rows: dict[int, tuple[str, int, int]] = {}
    for i, ln in enumerate(lines):
        t = ln.text
        if "   " not in t:
            continue
        m = _COLUMNS.match(t)
        if m and label_of(m.group("right")) is not None and label_of(m.group("left")) is None:
            rows[i] = (m.group("left"), m.start("left"), m.start("right"))
        elif t[:1] == " " and len(t) - len(t.lstrip()) >= 20 and label_of(t) is not None:
            rows[i] = ("", 0, len(t) - len(t.lstrip()))
    if len(rows) < 4:
        return {}
    col = Counter(r[2] for r in rows.values()).most_common(1)[0][0]
    return {i: r for i, r in rows.items() if abs(r[2] - col) <= 2}


def _column_entries(lines: list[Line], taken: set[int]) -> list[Segment]:
    """Entries of a two-column table flattened to text (a PDF's "Project | Key facts"): each run of lines whose
    right column holds fields and whose first line has a name on the left is one entry, titled by its left
    column ("Climate-smart value chains in the" / "northern uplands" / "(00123456)": the title and its code)."""
    rows = _column_rows(lines)
    runs: list[list[int]] = []
    for i in sorted(rows):
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    runs = [r for r in runs if rows[r[0]][0] and len(r) >= 2 and not any(lines[k].no in taken for k in r)]
    if len(runs) < 2:
        return []
    segs: list[Segment] = []
    for run in runs:
        head = lines[run[0]]
        title = " ".join(rows[k][0] for k in run if rows[k][0])
        code = code_span = None
        cm = _CODE_TAIL.search(title)
        if cm and re.search(r"\d", cm.group("c")):
            code, title = cm.group("c"), title[:cm.start()].strip()
            at = next(k for k in run if code in rows[k][0])
            pos = lines[at].text.find(code)
            code_span = (lines[at].start + pos, lines[at].start + pos + len(code))
        left = rows[run[0]]
        tspan = (head.start + left[1], head.start + left[1] + len(left[0]))
        last = lines[run[-1]]
        segs.append(Segment("entry", head.no, last.no, head.start, last.end, title=title, title_span=tspan,
                            code=code, code_span=code_span, kind=_entry_kind(title), cue="columns"))
    return segs


def _place_named(title: str) -> bool:
    """"Northern Kenya", "Ethiopian highlands": a title that is a place (a country, its adjective, a region)."""
    from initiatives.reference import country_names

    words = title.split()
    if not 1 <= len(words) <= 4 or kind_of(title):
        return False
    return bool(country_names.find_in_text(title)) or any(
        country_names.ADJECTIVES.get(w.lower()) for w in words)


def _pilot_places(entries: list[Segment], lines: list[Line], heads: dict[int, Heading]) -> None:
    """Entries headed by a place under a "Pilot sites" / "Country pilots" section: the page's programme there,
    "Anticipatory Cash pilot: Northern Kenya" (as a table's rows are titled)."""
    for seg in entries:
        h = heads.get(seg.first)
        if h is None or seg.code or not seg.title or not _place_named(seg.title):
            continue
        up = _enclosing(heads, seg.first)
        if up is None or not SECTION_HEAD.match(up.text) or section_kind(up.text) != "pilot":
            continue
        page = next((x.text for no, x in sorted(heads.items()) if x.level == 1 and no < up.line.no), None)
        seg.kind = "pilot"
        seg.place = seg.title_span  # its country is the place it is headed by
        if page:
            seg.title = f"{clean_heading(page)} pilot: {seg.title}"


# a section that lists other pages, not initiatives of this one
_PAGED = re.compile(r"\f|\b[Pp](?:age|AGE)\s*\d|^[ \t]*[-–—]?[ \t]*\d{1,3}[ \t]*[-–—]?[ \t]*$", re.M)  # text with page marks
_OTHER_PAGES = re.compile(r"^(?:related|more|other|latest|recent|popular|top|see also|read (?:more|next)|you may also|"
                          r"further reading|in the news|news|stories|archive)\b", re.I)


def _prefer_repetition(text: str, lines: list[Line], heads: dict[int, Heading], segs: list[Segment],
                       index: Any = None) -> list[Segment]:
    """Where the document's own repeated block shape (see `repetition.py`) finds more entries than the layout
    rules found in the same lines, its entries replace theirs; elsewhere the rules' segments stay."""
    from initiatives.ingest import repetition

    money = [h.start for h in index.money] if index is not None else None
    countries = [a for _c, a, _b in index.countries] if index is not None else None
    # page headers and footers are not blocks of their own (but a country or date line repeats as an entry's head)
    paged = bool(_PAGED.search(text))
    furniture = {n for n in page_furniture(lines) if repetition.line_shape(lines[n - 1].text) not in ("country", "date")
                 and (_PAGE_MARK.search(lines[n - 1].s) or any(_PAGE_MARK.search(lines[k].s) for k in
                                                              range(max(0, n - 3), min(len(lines), n + 2))))} \
        if paged else set()
    found = repetition.entries(["" if ln.no in furniture else ln.text for ln in lines], money, countries)
    if not found:
        return segs
    groups: dict[int, list[repetition.Entry]] = {}
    for e in found:
        groups.setdefault(e.group, []).append(e)
    press = next((s for s in segs if s.mode == "press"), None)
    for group in groups.values():
        lo, hi = group[0].first, group[-1].last
        old = [s for s in segs if s.mode in _RECORD_MODES and lo <= s.first <= hi]
        titled = sum(1 for s in old if s.title)
        if (len(old) >= len(group) and titled >= sum(1 for e in group if e.title)) or \
                any(e.title and _DOC_PART.match(e.title) for e in group):
            continue  # the rules found as many, as well named; or the repeated shape is the parts of one description
        if any(s.mode in ("entry", "row", "item", "teaser") and s.first < lo and hi <= s.last for s in segs):
            continue  # a list inside one listing entry (its results, its partners) is part of it
        if any(s.mode == "heading" and s.first < lo and hi <= s.last for s in segs) and \
                not repetition.each_states_terms(group) and \
                sum(1 for e in group if repetition.name_like(e.title)) * 2 < len(group):
            continue  # "Our approach", "Who we work with" under a programme's heading: parts of its description
        if press is not None and lo > press.last:
            continue  # after the release's end ("Related stories", "About X"): other pages' headlines
        above = _parent_heading(heads, lo)
        if above is not None and _OTHER_PAGES.match(above.text):
            continue
        if press is not None and press.first <= lo and hi <= press.last and len(group) < 3:
            continue  # two like paragraphs in a release (photo captions) are not a listing
        # where a rule found a titled record on the same line, it stays (the rules know their layouts' titles and
        # fields); the repeated shape adds what they missed and replaces what they cut wrongly
        firsts = {e.first for e in group}
        kept = {s.first: s for s in old if s.title and s.first in firsts}
        # a record in a gap between the entries (an item of another shape: "2. SAVE THE DATE: ...") stays
        inside = [(e.first, e.last) for e in group]
        dropped = {id(s) for s in old if s.first not in kept and any(a <= s.first <= b for a, b in inside)}
        segs = [s for s in segs if id(s) not in dropped]
        for e in group:
            if e.first in kept or press is not None and press.first == e.first and press.title:
                continue  # (a news item's release, titled by its heading, is that entry)
            first, last = lines[e.first - 1], lines[e.last - 1]
            st, ctx = _status_context(lines, heads, e.first)
            kind = kind_of(e.title or "") if e.title else None
            seg = Segment("entry", e.first, e.last, first.start, last.end, title=e.title, title_span=e.title_span,
                          code=e.code, code_span=e.code_span, kind=kind or "project", status=st or e.status, context=ctx,
                          dated=e.dated, place=e.place, cue="repetition")
            segs.append(seg)
    return segs


def learned_entries(text: str, lines: list[Line], segs: list[Segment], index: Any, how: str,
                    heads: dict[int, Heading] | None = None) -> list[Segment]:
    """The boundary model's entries (`boundaries.py`): `model` keeps only them; `combined` adds those whose lines
    no other segment touches (the rules, the repeated shapes and the prose cues know their layouts' titles and
    fields where they found something)."""
    from initiatives.ingest import repetition

    heads = heads if heads is not None else headings(lines)

    found = boundaries.spans(text, index)
    if how == "model":
        segs = []
    else:
        covered = [(s.first, s.last) for s in segs]
        found = [(a, b) for a, b in found if not any(a <= y and x <= b for x, y in covered)]
        found = _listed(found, sorted(covered))
    for e in repetition.titled_entries([ln.text for ln in lines], found):
        first, last = lines[e.first - 1], lines[e.last - 1]
        st, ctx = _status_context(lines, heads, e.first)
        kind = kind_of(e.title or "") if e.title else None
        segs.append(Segment("entry", e.first, e.last, first.start, last.end, title=e.title, title_span=e.title_span,
                            code=e.code, code_span=e.code_span, kind=kind or "project", status=st, context=ctx,
                            dated=e.dated, place=e.place, cue="boundaries"))
    return segs


def _listed(found: list[tuple[int, int]], covered: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Entries of the model that stand two or more in one gap between other segments (a listing the cues missed);
    a lone one is mostly a page's title or masthead."""
    bounds = [x for x, _y in covered]
    gaps: dict[int, list[tuple[int, int]]] = {}
    for a, b in found:
        gaps.setdefault(bisect.bisect_left(bounds, a), []).append((a, b))
    return [e for group in gaps.values() if len(group) >= 2 for e in group]


def _narrow_to_own_text(segs: list[Segment], heads: dict[int, Heading], lines: list[Line]) -> None:
    """A heading's section that holds other records (a programme and its country pilots) takes its fields from
    its own text: up to the first nested record, or the section heading above it."""
    for seg in segs:
        if seg.mode != "heading":
            continue
        inner = [o for o in segs if o is not seg and o.mode in ("heading", "entry", "row", "item", "teaser")
                 and seg.first < o.first <= seg.last]
        if not inner:
            continue
        cut = min(o.first for o in inner)
        for n in range(cut - 1, seg.first, -1):  # "2. Country pilots" above the first pilot belongs to neither
            if n in heads:
                cut = n
            elif not lines[n - 1].blank:
                break
        end = lines[cut - 2].end if cut >= 2 else seg.start
        if end > seg.start:
            seg.window = (seg.start, end)


def _status_context(lines: list[Line], heads: dict[int, Heading], line_no: int) -> tuple[str | None, str | None]:
    """Status implied by the nearest section heading above a line, and that heading's text."""
    h = _section_above(heads, line_no)
    return (status_of(h.text), h.text) if h else (None, None)


def _section_above(heads: dict[int, Heading], line_no: int) -> Heading | None:
    for no in range(line_no - 1, 0, -1):
        h = heads.get(no)
        if h and (status_of(h.text) or SECTION_HEAD.match(h.text)):
            return h
    return None


def _context_span(heads: dict[int, Heading], seg: Segment) -> tuple[int, int] | None:
    """Where the section heading above a segment is written (the source of a status it implies)."""
    h = _section_above(heads, seg.first)
    if h is None:
        return None
    pos = h.line.text.find(h.text)
    return (h.line.start + pos, h.line.start + pos + len(h.text)) if pos >= 0 else (h.line.start, h.line.end)


# headings that name a part of one description rather than another initiative
_DOC_PART = re.compile(r"^(?:\d+[.)]\s*)?(?:what (?:the|this|our) (?:project|programme|program|initiative|fund|pilot) "
                       r"(?:does|do|did|will do)|what (?:we|it) (?:does|do)|how it works|about (?:the|this) "
                       r"(?:project|programme|program|initiative|fund|pilot)|impact|"
                       r"background|context|rationale|objectives?|purpose|aims?|overview|description|"
                       r"summary|(?:draft |provisional )?(?:programme|program|agenda)|participants|participation|"
                       r"format|expected (?:outcomes|results|outputs)|outcomes|results|outputs|activities|approach|"
                       r"methodology|target audience|(?:(?:implementing|executing|delivery|local|project|key) )?"  # "Executing entities"
                       r"(?:partners|entities|agencies)|organi[sz]ers|logistics|venue|contacts?|"
                       r"key (?:facts|dates|information|figures)|(?:[\w-]+ )?at a glance|in brief|in numbers|"
                       r"fact ?sheet|where (?:we|it) works?|locations?|countries|coverage|donors|funding|"
                       r"funding and (?:timeline|partners)|timeline|budget|results(?: so far)?|achievements|"
                       r"how to apply|eligibility|documents|resources)\s*:?$", re.I)


def _listing_entries(lines: list[Line], heads: dict[int, Heading]) -> list[Segment]:
    """Entries of a project listing: a code+title heading (or a title followed by labelled fields) and its body."""
    starts: list[tuple[int, re.Match[str] | None]] = []
    label_led: set[int] = set()
    inline: dict[int, tuple[str, int]] = {}  # "1. Title. Countries: X. Budget: Y.": the title and its offset
    for i, ln in enumerate(lines):
        if ln.blank:
            continue
        im = _INLINE_ENTRY.match(ln.text)
        if im and len(labels_in_line(ln.text)) >= 2:
            inline[i] = (im.group("title").strip(), im.start("title"))
            starts.append((i, None))
            continue
        m = _code_head(ln)
        if m:
            starts.append((i, m))
            continue
        if _title_only_head(lines, i, heads):
            starts.append((i, None))
            continue
        lab = label_of(ln.text)
        if lab is not None and lab.family == "title" and lab.value.strip():
            # "Project Title: ..." opens an entry; it starts with its block ("Project Code:" may come first)
            k = i
            while k > 0 and not lines[k - 1].blank and label_of(lines[k - 1].text) is not None:
                k -= 1
            if not starts or starts[-1][0] < k:
                starts.append((k, None))
                label_led.add(k)
    if not starts:
        return []
    code_heads = sum(1 for _, m in starts if m)
    segs: list[Segment] = []
    for k, (i, m) in enumerate(starts):
        stop = starts[k + 1][0] if k + 1 < len(starts) else len(lines)
        j = i + 1
        own = heads.get(lines[i].no)
        while j < stop:
            h = heads.get(lines[j].no)
            if h and own is not None and h.level > own.level and _DOC_PART.match(h.text):
                j += 1  # "## Background" under the entry's own heading: a part of the entry, not its end
                continue
            if h and (SECTION_HEAD.match(h.text) or status_of(h.text) or MD_HEAD.match(lines[j].text)):
                break
            if RULE.match(lines[j].text):  # entries separated by horizontal rules
                break
            j += 1
        last = j - 1
        while last > i and lines[last].blank:
            last -= 1
        body = lines[i + 1:last + 1]
        n_labels = sum(len(labels_in_line(b.text)) for b in body)
        if i in inline:
            n_labels += len(labels_in_line(lines[i].text))
        if m is None and n_labels < (1 if i in label_led else 2):
            continue
        if m is not None and code_heads < 2 and n_labels < 1:
            continue
        head = lines[i]
        st, ctx = _status_context(lines, heads, head.no)
        seg = Segment("entry", head.no, lines[last].no, head.start, lines[last].end, status=st, context=ctx,
                      kind=_entry_kind(head.s))
        if m:
            seg.code = m.group("code").strip()
            seg.code_span = (head.start + m.start("code"), head.start + m.start("code") + len(seg.code))
            title = m.group("title").strip().rstrip("*_#").strip()
            seg.title = title
            seg.title_span = (head.start + m.start("title"), head.start + m.start("title") + len(title))
        elif i in inline:
            title, off = inline[i]
            seg.title, seg.title_span = title, (head.start + off, head.start + off + len(title))
            seg.kind = _entry_kind(title)
        elif i not in label_led:  # a label-led entry takes its title from its "Title:" field
            t = heads[head.no].text if head.no in heads and heads[head.no].level < 6 else head.s
            left, _, right = t.partition(":")
            if right.strip() and _PROFILE.match(left.strip()):
                t = right.strip()  # "Project profile: Clean Cooking Uganda"
            off = head.text.find(t)
            seg.title, seg.title_span = t, (head.start + off, head.start + off + len(t))
            if head.no in heads and heads[head.no].level < 6:
                seg.kind = kind_of(t) or "project"  # a page section named "... Programme" is a programme
        segs.append(seg)
    return segs


_INLINE_ENTRY = re.compile(r"^\s*(?:\d{1,3}[.)]|[-*•]|\(\d{1,3}\))\s+(?P<title>[A-Z“\"'][^\n]{5,200}?)\.\s+"
                           r"[A-Z][A-Za-z ]{1,30}:\s")


def _entry_kind(title: str) -> str:
    """A listing entry is a project unless its title names another kind ("Digital Apprenticeships Pilot")."""
    kind = kind_of(title)
    return kind if kind in ("pilot", "fund") else "project"


_FIELD_SHAPE = re.compile(r"^[A-Z][A-Za-z]+(?: [A-Za-z]+){0,2}:\s+\S")  # "Approved: ...", a short label and a value


def _field_above(lines: list[Line], i: int) -> bool:
    """True when the nearest non-blank line above (one blank line at most between) is a labelled field."""
    for prev in reversed(lines[max(0, i - 2):i]):
        if not prev.blank:
            return label_of(prev.text) is not None
    return False


def _title_only_head(lines: list[Line], i: int, heads: dict[int, Heading]) -> bool:
    ln = lines[i]
    s = ln.s
    short = 20
    if ln.no in heads and heads[ln.no].level < 6:  # "### Title" followed by labelled fields
        s = heads[ln.no].text
        # a marked heading may be a short name ("Solar Water Kiosks"), unless it names a part of a description
        short = 8 if len(s.split()) >= 2 and not _DOC_PART.match(s) else 20
    if len(s) < short or len(s) > 400 or label_of(s) is not None or s.endswith((".", ":", ";", "…", "...")):
        return False
    if s.startswith(("-", "*", "•", "|", "#")) or (i > 0 and not lines[i - 1].blank):
        return False
    if _FIELD_SHAPE.match(s) and not kind_of(s.partition(":")[0]) and _field_above(lines, i):
        return False  # "Approved: B.38, 14 March 2024" among a card's fields: a field of an unknown label, no title
    if (ln.no in heads and SECTION_HEAD.match(heads[ln.no].text)) or status_of(s) and len(s.split()) <= 4:
        return False
    if dated_byline(s):
        return False  # "Posted by X · 11 June 2024" above a post's fields: its byline, not an entry's title
    seen = 0
    for nxt in lines[i + 1:i + 8]:
        if nxt.blank:
            continue
        seen += 1
        if label_of(nxt.text) is not None:
            return True
        if seen >= 2:
            return False
    return False


def _table_rows(lines: list[Line], heads: dict[int, Heading], taken: set[int]) -> list[Segment]:
    """Rows of a Markdown table (HTML and DOCX tables are read as Markdown) that each describe an initiative."""
    segs: list[Segment] = []
    i = 0
    while i < len(lines):
        if TABLE_ROW.match(lines[i].text) and i + 1 < len(lines) and TABLE_SEP.match(lines[i + 1].text):
            header = _cells(lines[i])
            j = i + 2
            body = []
            while j < len(lines) and TABLE_ROW.match(lines[j].text):
                body.append(lines[j])
                j += 1
        elif (bare := _bare_pipe_table(lines, i)) is not None:
            header, body, j = bare
        else:
            i += 1
            continue
        names = [h[0].lower() for h in header]
        title_cols = [k for k, n in enumerate(names) if re.fullmatch(
            r"(?:(?:project|programme|program|initiative|pilot|fund|partnership|event|activity|investment|grant|"
            r"award|agreement|contract)s?(?:\s+(?:name|title))?|title|name|(?:winner|grantee|awardee|investee|company|start-?up|"
            r"recipient)s?(?:\s+name)?)", n.strip())]
        # a column naming the work ("Project") titles the row before one naming who does it ("Grantee")
        title_col = next((k for k in title_cols if not re.match(
            r"(?:winner|grantee|awardee|investee|company|start-?up|recipient)", names[k].strip())),
            title_cols[0] if title_cols else None)
        # a table of winners, grantees or investees: each row is an investment in the company it names
        investee_table = title_col is not None and bool(re.match(
            r"(?:winner|grantee|awardee|investee|company|start-?up|recipient)", names[title_col].strip()))
        country_col = next((k for k, n in enumerate(names) if re.search(r"\b(?:country|countries|location)\b", n)),
                           None)
        if title_col is None and country_col is None or _field_table([lines[i], *body]):
            i = j
            continue
        parent = _parent_heading(heads, lines[i].no)
        owner, parent_name = _owner(parent.text if parent else "")
        kind = kind_of(parent_name.replace("Pilots", "Pilot").replace("pilots", "pilot")) if parent_name else None
        # a "Grant title" or "Agreement" column names the funded work, whatever kind the word suggests
        if title_col is not None and not investee_table and kind_of(names[title_col]) and not _FUNDING_COL.match(
                names[title_col].strip()):
            kind = kind_of(names[title_col])  # a "Project" column: each row is a project, whatever the page calls it
        if investee_table:
            kind = "investment"
        if kind is None and any(re.match(r"pilots?\b", n.strip()) for n in names):
            kind = "pilot"  # "| Country | Pilot city | ...": a table of pilots
        # under a heading that names no initiative ("Where we work"), a country's row is the page's programme
        # there: "Smart Water Meters for Cities pilot: Uganda"
        page = next((h.text for no, h in sorted(heads.items()) if h.level == 1 and no < lines[i].no), None)
        page_named = bool(page and parent_name and not kind_of(parent_name) and title_col is None and kind)
        st, ctx = _status_context(lines, heads, lines[i].no)
        for row in body:
            if row.no in taken:
                continue
            cells = _cells(row)
            data = {names[k]: cells[k] for k in range(min(len(names), len(cells)))}
            label_cell = cells[title_col] if title_col is not None and title_col < len(cells) else \
                cells[country_col] if country_col is not None and country_col < len(cells) else None
            if not label_cell or not label_cell[0]:
                continue
            code = code_span = None
            tspan = (label_cell[1], label_cell[2])
            if title_col is not None:
                title = label_cell[0]
                cm = re.match(rf"^(?P<t>.+?)\s*\((?P<c>{_CODE})\)$", title)
                if cm and re.search(r"\d", cm.group("c")) and not re.fullmatch(r"(?:19|20)\d{2}", cm.group("c")):
                    # "Resilient Coffee Value Chains (LAC-21-004)": the title and the code in one cell
                    title, code = cm.group("t"), cm.group("c")
                    tspan = (label_cell[1], label_cell[1] + len(title))
                    code_span = (label_cell[1] + cm.start("c"), label_cell[1] + cm.end("c"))
            else:
                single = re.sub(r"s$", "", parent_name) if parent_name else "Activity"
                if page_named:
                    single = f"{clean_heading(page or '')} {kind}"
                title = f"{single}: {label_cell[0]}"
            seg = Segment("row", row.no, row.no, row.start, row.end, title=title,
                          title_span=tspan, kind=kind or "project", status=st,
                          owner=owner, context=parent.text if parent else ctx, row=data, code=code,
                          code_span=code_span)
            segs.append(seg)
        i = j
    return segs


_FUNDING_COL = re.compile(r"(?:grant|award|agreement|contract)s?\b")


def _bare_pipe_row(text: str) -> bool:
    """"a|b|c": three or more cells with no outer bars (string tests: a regex here backtracked on long lines)."""
    return text.count("|") >= 2 and bool(text.split("|", 1)[0].strip())


def _bare_pipe_table(lines: list[Line], i: int) -> tuple[list[tuple[str, int, int]], list[Line], int] | None:
    """An export written as a pipe list with no outer bars and no separator row ("Project code|Organization|
    Amount" over "SSD-24/001|Nile Hope|620,000"): a header of short word cells over two or more rows of as many
    cells. Returns the header's cells, the body rows and the index after them."""
    if not _bare_pipe_row(lines[i].text) or (i and _bare_pipe_row(lines[i - 1].text)):
        return None
    header = _cells(lines[i])
    if any(not c[0] or len(c[0]) > 40 or re.search(r"\d", c[0]) for c in header):
        return None
    j = i + 1
    while j < len(lines) and _bare_pipe_row(lines[j].text) and len(_cells(lines[j])) == len(header):
        j += 1
    return (header, lines[i + 1:j], j) if j - i >= 3 else None


_CONTENTS = re.compile(r"^\s*[#*_]*\s*(?:in this (?:issue|edition|newsletter|bulletin)|inside this (?:issue|edition)|"
                       r"(?:table of )?contents|what'?s inside|highlights of this issue)\s*[*_]*:?\s*$", re.I)


def contents_lines(lines: list[Line]) -> set[int]:
    """Line numbers of a newsletter's front matter: the masthead banner between two like rules at the top, and a
    contents list ("IN THIS ISSUE" over "1. Title", "2. Title"...), its heading and its items up to a blank line."""
    out: set[int] = set()
    first = next((i for i, ln in enumerate(lines[:10]) if not ln.blank), None)
    if first is not None and re.match(r"^\s*(?:={3,}|\*{3,}|#{5,})\s*$", lines[first].text):
        # a newsletter's banner: the masthead between two rules of "=" at the top ("THE CONNECTOR · Issue 42")
        close = next((k for k in range(first + 1, min(first + 7, len(lines))) if lines[k].text.strip()
                      and lines[k].text.strip() == lines[first].text.strip()), None)
        if close is not None:
            out.update(ln.no for ln in lines[first:close + 1])
    for i, ln in enumerate(lines[:80]):
        if not ln.blank and _CONTENTS.match(ln.text):
            out.add(ln.no)
            for nxt in lines[i + 1:i + 30]:
                if nxt.blank:
                    break
                out.add(nxt.no)
            break
    return out


def _bare_table_lines(lines: list[Line]) -> set[int]:
    """Line numbers of the body rows of bare pipe tables (see `_bare_pipe_table`)."""
    out: set[int] = set()
    i = 0
    while i < len(lines):
        bare = _bare_pipe_table(lines, i) if "|" in lines[i].text else None
        if bare is None:
            i += 1
            continue
        out.update(ln.no for ln in bare[1])
        i = bare[2]
    return out


def _field_table_lines(lines: list[Line]) -> set[int]:
    """0-based indexes of the lines of field tables (a heading's own facts, not a list of records)."""
    out: set[int] = set()
    i = 0
    while i < len(lines):
        if not TABLE_ROW.match(lines[i].text):
            i += 1
            continue
        j = i
        while j < len(lines) and TABLE_ROW.match(lines[j].text):
            j += 1
        rows = [ln for ln in lines[i:j] if not TABLE_SEP.match(ln.text) and any(c[0] for c in _cells(ln))]
        if rows and _field_table(rows):
            out.update(range(i, j))
        i = j
    return out


_LEAD_NOUN = re.compile(r"^\s*[*_]{0,2}(?:An?|The|This|Our)\s+(?:[\w-]+\s+){0,4}?(?P<noun>programme|program|project|initiative|fund|"
                        r"facility|platform|partnership|pilot|campaign|network|alliance)\b(?:\s+(?:that|which|to|for|of|"
                        r"in|supporting|helping)\b|,)")


_ROLLOUT = re.compile(r"^(?:(?:roll-?out|deployment|implementation|expansion|scale-?up|scaling up|adoption|phase \w+)\s+"
                      r"(?:in|across|to)\s+[A-Z]|phase\s+(?:\d{1,2}|[IVX]{1,4}|one|two|three|four|five)\b)", re.I)


def _kind_from_lead(lines: list[Line], no: int) -> str | None:
    """"# Cash Plus Nutrition" followed by "A social protection programme that ...": the heading names one."""
    for ln in lines[no:no + 8]:
        if ln.blank or _PAGE_DATE.match(ln.text) or ln.s.endswith("?"):
            continue  # "Page updated 3 February 2025", an FAQ's question: the answer below it says what it is
        m = _LEAD_NOUN.match(_PLACE_LEAD.sub("", ln.text, count=1))  # (after a news item's "DHAKA — ")
        if m:
            return kind_of(m.group("noun"))
        # "Smart Water Meters helps utilities ... The programme started in February 2023": the page's own name
        # opens its first paragraph, and the paragraph calls it a programme
        name = _PAGE_GENRE.sub("", lines[no - 1].text.lstrip("# ").strip())
        if len(name.split()) >= 2 and ln.text.lstrip(" *_").startswith(name):
            isa = _IS_A_KIND.match(ln.text.lstrip(" *_")[len(name):])
            if isa:  # "Clinic Links is a programme that ..."
                return kind_of(isa.group("noun"))
            para = " ".join(x.text for x in lines[ln.no - 1:ln.no + 5] if not x.blank)
            ref = _THE_KIND.search(para)
            return kind_of(ref.group("noun")) if ref else None
        return None
    return None


# "The Ghana pilot started in May 2024 in ...": a programme's pilot named by its country in a sentence
_COUNTRY_PILOT = re.compile(r"(?:^|(?<=\.\s))(?:The|Its|A|Our)\s+(?P<place>[A-Z][\w'’-]+(?:\s[A-Z][\w'’-]+){0,2})\s+pilot\b"
                            r"(?!s)(?=\s+(?:started|began|starts|begins|will|is|was|has|had|ran|runs|opened|launched|"
                            r"covers|covered|works|worked|reached|reaches|in|with|,))")


def _sentence_pilots(text: str, lines: list[Line], recs: list[Segment]) -> list[Segment]:
    """Pilots a programme's page names in its sentences, each by its country ("The Ghana pilot started in May 2024
    with the Ghana Health Service. The Senegal pilot ..."): one record each, read from its own sentence and
    titled like a pilots table's rows ("<Programme> pilot: Ghana")."""
    from initiatives.reference import country_names

    out: list[Segment] = []
    for rec in recs:
        if rec.kind not in ("programme", "project", "partnership") or not rec.title or " pilot" not in \
                text[rec.start:rec.end]:
            continue
        name = _PAGE_GENRE.sub("", rec.title)
        for ln in lines[rec.first:rec.last]:
            if " pilot" not in ln.text:
                continue
            for m in _COUNTRY_PILOT.finditer(ln.text):
                place = m.group("place")
                if not country_names.lookup(place, fuzzy=False):
                    continue
                end = ln.text.find(". ", m.end())
                end = len(ln.text) if end < 0 else end + 1
                out.append(Segment("item", ln.no, ln.no, ln.start, ln.end, title=f"{name} pilot: {place}",
                                   title_span=(ln.start + m.start("place"), ln.start + m.end("place")), kind="pilot",
                                   context="pilots", window=(ln.start + m.start(), ln.start + end)))
    return out


_PLACE_LEAD = re.compile(r"^\s*[A-Z][A-Z.'’ -]{2,30}[A-Z.]\s+[—–-]+\s+(?=[A-Z])")
_PAGE_DATE = re.compile(r"^\s*[*_]{0,2}(?:page\s+|last\s+)?(?:updated|published|posted|modified)\b", re.I)
# "X: frequently asked questions", "X – FAQ": the page's genre after its subject's name
_PAGE_GENRE = re.compile(r"\s*(?:[–—:|]|\s-)\s*(?:frequently asked questions|faqs?|questions and answers|q\s?&\s?a)\s*$",
                         re.I)
_IS_A_KIND = re.compile(r"^(?:\s*\([^)]{1,40}\))?\s+(?:is|was)\s+(?:an?|the)\s+(?:[\w-]+\s+){0,4}?(?P<noun>programme|"
                        r"program|project|initiative|fund|facility|platform|partnership|pilot|campaign|alliance)\b")


_THE_KIND = re.compile(r"\b(?:The|This)\s+(?P<noun>programme|program|project|initiative|fund|facility|platform|"
                       r"partnership|pilot|campaign)\s+(?:started|began|starts|runs|ran|will|is|was|has|had|aims|"
                       r"helps|supports|works)\b")


def _field_table(rows: list[Line]) -> bool:
    """A two-column table of labelled fields ("| Duration | 2021 – 2025 |"): one record's fields, not a list of
    records."""
    if any(len(_cells(r)) != 2 for r in rows):
        return False
    return sum(1 for r in rows if label_of(r.text) is not None) >= max(2, (len(rows) + 1) // 2)


def _cells(line: Line) -> list[tuple[str, int, int]]:
    out = []
    text = line.text
    # "| a | b |" opens with a bar; a bare pipe list ("a|b|c") starts with its first cell
    first = text.find("|") if text.lstrip().startswith("|") else -1
    pos = first + 1
    for part in text[first + 1:].split("|")[:-1] if text.rstrip().endswith("|") else text[first + 1:].split("|"):
        raw_start = pos
        stripped = part.strip()
        off = part.find(stripped) if stripped else 0
        out.append((stripped, line.start + raw_start + off, line.start + raw_start + off + len(stripped)))
        pos += len(part) + 1
    return out


def _parent_heading(heads: dict[int, Heading], line_no: int) -> Heading | None:
    for no in range(line_no - 1, 0, -1):
        if no in heads:
            return heads[no]
    return None


_POSSESSIVE = re.compile(r"^(?P<owner>[A-Z][\w&.\- ]{1,40}?)['’]s\s+(?P<rest>.+)$", re.I)


def _owner(heading: str) -> tuple[str | None, str]:
    """Split "UNICEF's Venture Fund" into ("UNICEF", "Venture Fund")."""
    m = _POSSESSIVE.match(heading.strip())
    if m and len(m.group("owner").split()) <= 4:
        return m.group("owner").strip(), m.group("rest").strip()
    return None, heading.strip()


_DASH_ITEM = re.compile(r"^\s*(?:[-*•]\s*|\d+[.)]\s*)?(?P<head>[^–—:]{3,120}?)\s+[–—]\s+(?P<body>\S.*)$|"
                        r"^\s*(?:[-*•]\s*|\d+[.)]\s*)(?P<head2>[A-Z][^–—:.]{2,80}?)\s+-\s+(?P<body2>\S.*)$")


def section_kind(heading: str) -> str | None:
    """The kind of what a section heading lists: "Country pilots" -> pilot, "The investees" -> investment."""
    noun = re.search(_SECTION_NOUNS, heading.lower())
    if noun is None:
        return None
    if _INVESTEE_NOUNS.search(heading.lower()):
        return "investment"
    kind = kind_of(re.sub(r"s\b", "", noun.group(0)))
    if kind in ("programme", None) and re.search(r"\bpilot", heading, re.I):  # "Country pilots", "Pilot sites"
        return "pilot"
    return kind


def _enclosing(heads: dict[int, Heading], no: int) -> Heading | None:
    """The nearest heading above line `no` of a higher rank than the heading on it."""
    level = heads[no].level
    for n in range(no - 1, 0, -1):
        if n in heads and heads[n].level < level:
            return heads[n]
    return None


def _section_items(lines: list[Line], heads: dict[int, Heading], taken: set[int]) -> list[Segment]:
    """Paragraphs under a section heading such as "Current Projects" or "Global partnerships"."""
    segs: list[Segment] = []
    head_nos = sorted(heads)
    for idx, no in enumerate(head_nos):
        h = heads[no]
        if not SECTION_HEAD.match(h.text):
            continue
        stop = len(lines) + 1
        for later in head_nos[idx + 1:]:
            if heads[later].level <= h.level or SECTION_HEAD.match(heads[later].text):
                stop = later
                break
        status = status_of(h.text)
        kind = section_kind(h.text)
        for ln in lines[no:stop - 1]:
            if ln.no in taken or ln.blank or ln.no in heads or TABLE_ROW.match(ln.text):
                continue
            s = ln.s
            m = _DASH_ITEM.match(ln.text)
            if m and m.group("head") is None:  # a list item with an ASCII " - " separator
                m = re.match(r"^(?P<pre>.*?)(?P<head>" + re.escape(m.group("head2")) + r")\s+-\s+(?P<body>\S.*)$",
                             ln.text)
            if m and len(m.group("head").split()) <= 12 and len(m.group("body").split()) >= 6:
                head = m.group("head").strip()
                body = m.group("body")
                # "**FarmCast** (Ghana) – US$400,000 – ...": the name, without its markup and country
                bare = re.sub(r"\s*\([^)]*\)\s*$", "", re.sub(r"(\*\*|__)(.+?)\1", r"\2", head)).strip()
                if bare and bare != head:
                    head = bare
                # "Kosovo – Peer Educators Network (PEN) – PEN is ...": a two-part head (not an amount)
                m2 = re.match(r"^(?P<h2>[^–—]{3,80}?)\s+[–—]\s+(?P<body>\S.*)$", body)
                if m2 and len(m2.group("h2").split()) <= 8 and len(m2.group("body").split()) >= 6 \
                        and not re.search(r"\d", m2.group("h2")):
                    head = f"{head} – {m2.group('h2').strip()}"
                hs = ln.start + ln.text.find(head.split(" – ")[0])
                segs.append(Segment("item", ln.no, ln.no, ln.start, ln.end, title=head,
                                    title_span=(hs, hs + len(head)), kind=kind or "project", status=status,
                                    context=h.text))
            elif status and len(s.split()) >= 12:
                segs.append(Segment("teaser", ln.no, ln.no, ln.start, ln.end, kind=kind or "project",
                                    status=status, context=h.text))
            elif s.endswith(("…", "...")) and len(s.split()) >= 12:
                segs.append(Segment("teaser", ln.no, ln.no, ln.start, ln.end, kind=kind or "project",
                                    status=status, context=h.text))
    return segs


_HEADLINE_VERB = re.compile(
    r"^(?P<name>.+?)\s+(?:announces?|launch(?:es)?|selects?|opens?|awards?|makes?|marks?|celebrates?|reach(?:es)?|"
    r"expands?|welcomes?|calls?|invites?|names?|unveils?|publishes|releases?|completes?|enters?|begins?|starts?|"
    r"brings? together|gathers?|attracts?|draws?|convenes?|kicks? off|took place|takes? place|returns?|wraps? up|"
    r"concludes?|ends?|showcases?|connects?|trains?|reaches?)\b")


_PROFILE = re.compile(r"^(?:(?:programme|program|project|initiative|fund|pilot|partnership)\s+)?(?:profile|fact ?sheet|"
                      r"overview|case study|spotlight|snapshot|summary|brief|in focus)$", re.I)


def _name_part(heading: str) -> str:
    """"Climate Resilience Programme: annual update" -> the name; "X Fund announces grantees" -> "X Fund";
    "Programme profile: Green Skills for Youth" -> the name after the descriptor."""
    left, _, right = heading.partition(":")
    if right.strip() and _PROFILE.match(left.strip()):
        return right.strip()
    head = heading.split(":")[0].strip() if ":" in heading and kind_of(heading.split(":")[0]) else heading
    m = _HEADLINE_VERB.match(head)
    if m and kind_of(m.group("name")) and m.group("name")[:1].isupper():
        head = m.group("name").strip()
    return head


# "SOUTH SUDAN HUMANITARIAN FUND" over "2024 Second Standard Allocation - approved projects": the masthead of a list
_LIST_SUBTITLE = re.compile(r"(?:^|[-–—:|]\s*)(?:list of|approved|funded|selected|awarded)\s+(?:\w+\s+)?"
                            r"(?:projects|grants|awards|allocations|proposals)\s*$", re.I)

_PLURAL_KINDS = re.compile(r"\b(?:grants|funds|projects|programmes|programs|partnerships|initiatives|pilots|"
                           r"investments|events|facilities)\b", re.I)


def _heading_records(lines: list[Line], heads: dict[int, Heading], taken: set[int]) -> list[Segment]:
    """Headings that name an initiative ("UNICEF's Venture Fund", "Digital Public Goods Alliance")."""
    segs: list[Segment] = []
    nos = sorted(heads)
    fields_at = _field_table_lines(lines)  # 0-based indexes of rows of two-column label tables
    for idx, no in enumerate(nos):
        h = heads[no]
        if no in taken or SECTION_HEAD.match(h.text) or h.level >= 6 or _DOC_PART.match(h.text):
            continue
        owner, name = _owner(h.text)
        kind = kind_of(name)
        if _COUNTED.search(name) and not re.search(r"\binvest|\bbets?\b|\bstart-?ups\b", name, re.I):
            continue  # "Board approves four projects worth US$310 million": a headline over several records
        if kind is not None and not owner and kind_of(_PLURAL_KINDS.sub(" ", name)) is None:
            continue  # "Small grants — where they went": a heading over a list, not one initiative
        kind = kind or _kind_from_lead(lines, no)
        if kind is None and _ROLLOUT.match(name) and _enclosing(heads, no) is not None:
            kind = "project"  # "Rollout in Lesotho" under a toolkit's page: that country's project
        if kind is None:
            # "2.1 Malawi - electronic health records" under "2. Country pilots": one of what the section lists
            up = _enclosing(heads, no)
            if up is not None and SECTION_HEAD.match(up.text) and not status_of(h.text) and len(name.split()) >= 2:
                kind = section_kind(up.text)
        if kind is None or (len(name.split()) < 2 and not owner) or re.search(r"\b(?:and|&) the\b", name):
            continue
        if re.search(r"\blist of\b|^(?:annex|appendix|table|figure|schedule)\b|\b(?:news|newsletter|bulletin|digest)\b|"
                     r"\bissue\s+\d", name, re.I) or _LIST_SUBTITLE.search(lines[no].text if no < len(lines) else ""):
            continue  # "ANNEX II. LIST OF PROJECTS FUNDED UNDER THE TRUST FUND": a list's title
        if re.match(r"^(?:about|our|contact|for more|news|related|see also|more)\b", name, re.I) or \
                re.match(r"^the\b", name, re.I) and len(name.split()) < 4:  # "The team"; not "The X Growth Fund"
            continue
        if re.search(r"\b(?:portfolio|list|overview|directory|database|catalogue|news|updates|highlights|library|pages?|"
                     r"resources|profile|report|reports|snapshot|at a glance|results|winners|finalists)$", name, re.I) and \
                not (":" in name and kind_of(name.split(":")[0]) and not _PLURAL_KINDS.search(name.split(":")[0])):
            continue  # (but "X Programme: highlights" is the programme's own page)
        last = len(lines)
        for later in nos[idx + 1:]:
            lh = heads[later]
            if lh.level <= h.level or kind_of(_owner(lh.text)[1]) and not SECTION_HEAD.match(lh.text) \
                    and not _DOC_PART.match(lh.text):
                last = later - 1
                break
        for k in range(no, last):
            if (TABLE_ROW.match(lines[k].text) and k not in fields_at) or (k + 1) in taken:
                last = k
                break
        while last > no and lines[last - 1].blank:
            last -= 1
        ln = lines[no - 1]
        start_in_line = ln.text.find(name)
        tspan = (ln.start + start_in_line, ln.start + start_in_line + len(name)) if start_in_line >= 0 else None
        name = _name_part(name)
        title = h.text if owner and kind in ("fund", "programme") else name
        if owner and tspan:
            o = ln.text.find(h.text)
            tspan = (ln.start + o, ln.start + o + len(h.text)) if o >= 0 else tspan
        st, ctx = _status_context(lines, heads, no)
        segs.append(Segment("heading", no, lines[last - 1].no, ln.start, lines[last - 1].end, title=title,
                            title_span=tspan, kind=kind, owner=owner, status=st, context=ctx))
    return segs


_MONTHS = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|"
           r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
DATELINE = re.compile(  # (in bold too: "**GENEVA, 3 June 2025** –")
    rf"^\s*[*_]{{0,2}}\(?(?P<loc>[A-Z][A-Za-z’'.\-]+(?:[ /][A-Z][A-Za-z’'.\-]+){{0,4}}(?:,\s*[A-Z][A-Za-z.]+(?:\s[A-Z][a-z]+){{0,3}})?)\)?"
    rf"\s*[,–—-]\s*(?P<date>\d{{1,2}}\s+{_MONTHS},?\s+\d{{4}}|{_MONTHS}\s+\d{{1,2}},?\s+\d{{4}})[*_]{{0,2}}\s*(?:[–—:-]+\s*|\s)")
_PRESS_END = re.compile(r"^\s*(?:#+\s*)?[*_]{0,2}(?:About\s+(?!the\s+(?:partnership|initiative|programme|program|fund|project|"
                        r"alliance|event))|For (?:further|more) information|Media contacts?|Press contacts?|"
                        r"Contacts?:|#{3}\s*$|-?\s*ENDS\s*-?$|Follow us|\(Reporting by|\(Writing by|"
                        r"Related (?:coverage|stories|articles|news|content)\b|Related\s*:|Read more\b|Subscribe to\b|Share this\b)",
                        re.I)


_LOC = r"[A-Z][A-Za-z’'.\-]+(?:(?:[ /]| / )[A-Z][A-Za-z’'.\-]+){0,4}(?:,\s*[A-Z][A-Za-z.]+(?:\s[A-Z][a-z]+){0,3})?"  # "Brussels / Geneva": two cities
_DAY_DATE = rf"\d{{1,2}}\s+{_MONTHS},?\s+\d{{4}}|{_MONTHS}\s+\d{{1,2}},?\s+\d{{4}}"
# Other dateline shapes: "GENEVA (22 March 2016) –", "22 March 2016, Geneva –", "LONDON, March 22 (Reuters) -"
DATELINES = [
    DATELINE,
    re.compile(rf"^\s*[*_]{{0,2}}(?P<loc>{_LOC})\s*\((?P<date>{_DAY_DATE})\)[*_]{{0,2}}\s*[–—:-]+\s*"),
    re.compile(rf"^\s*(?P<date>{_DAY_DATE})\s*[,–—-]\s*(?P<loc>{_LOC})\s*[–—:-]+\s*"),
    re.compile(rf"^\s*(?P<loc>[A-Z][A-Z .'/\-]{{2,40}}),\s*(?P<date>{_MONTHS}\s+\d{{1,2}})\s*\([A-Z][\w ]+\)\s*[–—-]+\s*"),
    # a line of its own: "**Press release — Accra, 5 March 2024**", "*Nairobi, 4 May 2023*"
    re.compile(rf"^\s*[*_]{{0,2}}\s*(?:(?:[Pp]ress|[Nn]ews|[Mm]edia)\s+[Rr]elease\s*[*_]{{0,2}}\s*[—–:|-]\s*)?(?P<loc>{_LOC}),\s*"
               rf"(?P<date>{_DAY_DATE})\s*[*_]{{0,2}}\s*$"),
]
# a news article's byline with no place: "Thursday 9 May 2024 — by Wanjiru Kamau, Business Desk"
BYLINE = re.compile(rf"^\s*[*_]{{0,2}}\s*(?P<loc>)(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?"
                    rf"(?P<date>{_DAY_DATE})\s*[,|—–-]+\s*[Bb]y\s+[A-Z][^\n]{{2,80}}$")
# "By Priya Nair | 18 November 2024"
# ... "Posted by Agri Hub · 11 June 2024 · 3 min read" (a blog or social post), and a page's author and time elements
# run together: "By Jane Doe Tuesday, September 10, 2024 06:30"
BYLINE_FIRST = re.compile(rf"^\s*[*_]{{0,2}}\s*(?P<loc>)(?:Posted\s+)?[Bb]y\s+[A-Z][\w.’'& -]{{1,60}}?"
                          rf"(?:\s*[|·,—–-]\s*|\s+(?=(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b))"
                          rf"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?(?P<date>{_DAY_DATE})"
                          rf"(?:,?\s+\d{{1,2}}[:.]\d{{2}}(?:\s*[AaPp]\.?[Mm]\.?)?)?"
                          rf"(?:\s*[|·]\s*\d{{1,2}}\s+min(?:ute)?s?\s+read)?\s*[*_]{{0,2}}\s*$")
# ... or a section kicker with the date on a line of its own above the headline: "NEWS | 14 October 2025",
# "Feature · 3 May 2024" (one to three words, nothing after the date)
KICKER = re.compile(rf"^\s*[*_]{{0,2}}\s*(?P<loc>)[A-Z][A-Za-z]+(?:\s+[A-Za-z]+){{0,2}}\s*[|·—–-]\s*"
                    rf"(?P<date>{_DAY_DATE})\s*[*_]{{0,2}}\s*$")
# ... or a labelled date above the headline: "Posted: 2 September 2024 | Health"
POSTED = re.compile(rf"^\s*[*_]{{0,2}}\s*(?P<loc>)(?:Posted|Published|Date|Updated)(?:\s*:|\s+on)?\s*(?P<date>{_DAY_DATE})\s*"
                    rf"(?:,?\s*(?:at\s+)?\d{{1,2}}[:.]\d{{2}}(?:\s*[AaPp]\.?[Mm]\.?)?(?:\s*[A-Z]{{2,4}})?\s*)?"  # ", 09:14 GMT"
                    rf"(?:[|·,—–-]\s*[A-Z][\w ,&-]{{0,40}})?[*_]{{0,2}}\s*$")


DATE_ONLY = re.compile(rf"^[*_]*\s*(?:{_DAY_DATE})\s*[*_]*$")


def find_dateline(lines: list[Line]) -> tuple[Line, re.Match[str]] | None:
    for ln in lines[:40]:
        for rx in DATELINES:
            m = rx.match(ln.text)
            if m and (m.group("loc").isupper() or "," in m.group("loc") or len(m.group("loc").split()) <= 3):
                return ln, m
    for ln in lines[:12]:  # no dateline: a dated byline under the headline ("9 May 2024 — by A. Writer")
        m = dated_byline(ln.text)
        if m:
            return ln, m
    return None


def dated_byline(text: str) -> re.Match[str] | None:
    """A line that dates a story without a place: a byline, a "Posted:" date or a section kicker."""
    return BYLINE.match(text) or POSTED.match(text) or BYLINE_FIRST.match(text) or KICKER.match(text)


# a page's navigation copied with its text: "Home > Business > Tech", "Share on Facebook | Share on X"
_CHROME = re.compile(r"\s[>›»]\s|^(?:share|follow|sign in|log in|subscribe)\b", re.I)
# a newsletter's masthead above the headline: "Tech Weekly — Issue 112", "Development Digest, Vol. 3 No. 7"
_MASTHEAD = re.compile(r"\b(?:Issue|Vol\.?|Volume|No\.|Edition)\s*#?\d+\b|"
                       r"\b(?:Newsletter|Digest|Bulletin|Weekly|Roundup|Round-up)\s*$", re.I)


def _press_release(lines: list[Line], heads: dict[int, Heading], taken: set[int]) -> Segment | None:
    found = find_dateline(lines)
    if not found:
        return None
    dl, _ = found
    headline = None
    above = next((ln for ln in reversed(lines[: dl.no - 1]) if not ln.blank and not RULE.match(ln.text)
                  and not SETEXT.match(ln.text)), None)
    if above is not None and above.no in heads and above.no not in taken and len(heads[above.no].text.split()) >= 4 \
            and any(h < above.no for h in heads) and not re.search(_DAY_DATE + r"|\|", heads[above.no].text):
        headline = above  # an item of a newsletter under its own heading, below the page's masthead and headings
    for ln in ([] if headline else lines[: dl.no - 1]):
        s = ln.s.lstrip("#").strip()
        if len(s.split()) >= 5 and not s.endswith(".") and ln.no not in taken and not re.match(
                r"^(?:sorry|please|skip|press release|media|news)\b", s, re.I) and not _CHROME.search(s) \
                and not _MASTHEAD.search(s):
            headline = ln
            break
    if headline is None:  # a short title above the dateline ("JOINT PRESS STATEMENT")
        headline = next((ln for ln in reversed(lines[: dl.no - 1]) if 2 <= len(ln.s.lstrip("#").split()) <= 12
                         and not ln.s.endswith(".") and ln.no not in taken and not DATE_ONLY.match(ln.s)), None)
    if headline is None:  # "Posted: 2 September 2024" above the headline
        headline = next((ln for ln in lines[dl.no:dl.no + 4] if len(ln.s.split()) >= 5 and not ln.s.endswith(".")
                         and ln.no not in taken), None) if not dl.text[found[1].end():].strip(" *_") else None
    if headline is None:
        headline = dl
    last = len(lines)
    for ln in lines[dl.no:]:
        if _PRESS_END.match(ln.text) or re.search(r"\bfor (?:more|further) information\b", ln.text, re.I):
            last = ln.no - 1
            break
    while last > headline.no and lines[last - 1].blank:
        last -= 1
    title = headline.s.lstrip("#").strip()
    if len(title) > 300:  # no headline: the dateline's paragraph stands in, cut to a title's length at a word
        title = title[:300].rsplit(" ", 1)[0].rstrip(" ,;:-–—")
    off = headline.text.find(title)
    return Segment("press", headline.no, last, headline.start, lines[last - 1].end, title=title,
                   title_span=(headline.start + off, headline.start + off + len(title)), kind=None)


def _counts_listed(press: Segment, segs: list[Segment]) -> bool:
    """A headline counting records ("… to hold three city finance dialogues") above the entries that are them."""
    return bool(_COUNTED.search(press.title or "") and not re.search(r"\binvest|\bbets?\b|\bstart-?ups\b",
                                                                     press.title or "", re.I)
                and any(press.first < s.first <= press.last for s in segs if s.mode in ("item", "entry", "row")))


_COUNTED = re.compile(r"\b(?:two|three|four|five|six|seven|eight|nine|ten|\d{1,2})\s+(?:new\s+)?(?:[\w-]+\s+){0,2}?"
                      r"(?:agreements|partnerships|memoranda|mous|deals|projects|programmes|programs|initiatives|"
                      r"grants|pilots|investments|dialogues|workshops|forums|conferences|events|meetings|summits|"
                      r"webinars)\b", re.I)
