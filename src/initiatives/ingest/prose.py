"""Initiatives named in running text: "the UNICEF Innovation Fund", “Design for UNICEF”, "Global Pulse (the
Secretary-General's flagship initiative ...)", "U-Report has been used with ...", "X works with Y on Z"."""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field

from initiatives.ingest.labels import label_of
from initiatives.ingest.segment import Line, Segment, kind_of, logical_lines
from initiatives.reference import country_names

_CAPW = r"(?:[A-Z][\w’'\-]*|\d+(?:st|nd|rd|th))"
_LINKW = r"(?:of|for|and|the|&)"
_NOUNS = (r"(?:Fund|Facility|Programme|Program|Initiative|Alliance|Network|Platform|Centre|Center|Challenge|"
          r"Accelerator|Campaign|Corridors?|Summit|Forum|Conference|Hackathon|Symposium|Partnership|Coalition|"
          r"Compact|Project|Pilot|Prize|Award|Fellowship|Incubator|Festival|Expo|Week)")
NOUN_NAME = re.compile(
    rf"(?<![\w’'])(?P<name>(?:{_CAPW}[ \t]+(?:{_LINKW}[ \t]+){{0,2}}){{1,8}}{_NOUNS}(?:[ \t]+(?:for|of|on)[ \t]+"
    rf"(?:the[ \t]+)?{_CAPW}(?:[ \t]+{_CAPW}){{0,4}})?)(?![\w\-])")
QUOTED = re.compile(r"[“\"](?P<name>[A-Z][^”\"\n]{2,60}?)[.,]?[”\"]")
PAREN_INIT = re.compile(rf"(?P<name>{_CAPW}(?:[ \t]+{_CAPW}){{0,5}})\s*\((?:(?:the|a|an)\b[^)]*?\b(?:initiative|programme|program|"
                        rf"project|platform|fund|partnership|campaign)\b[^)]*)\)")
SUBJECT = re.compile(rf"^\s*(?:[-*•]\s*)?(?P<name>{_CAPW}(?:[ \t]+{_CAPW}){{0,3}})\s+(?:has been (?:used|deployed|"
                     rf"launched|scaled|rolled out)|was (?:launched|created|established|set up)|"
                     rf"is (?:a|an) (?:\w+[ \t]+){{0,3}}(?:initiative|programme|program|platform|tool|project|"
                     rf"service|app|fund|network|partnership))\b")
# "launch Connected Classrooms Sahel, a programme that ...", "The Climate Facility (CF), a blended-finance fund
# hosted by ...": a name the sentence itself calls an initiative
APPOSITIVE = re.compile(rf"(?<![\w’'])(?P<name>{_CAPW}(?:[ \t]+(?:{_LINKW}[ \t]+)?{_CAPW}){{1,6}})(?:[ \t]*\([A-Z][A-Za-z]{{1,9}}\))?"
                        rf",[ \t]+an?[ \t]+(?:[\w\-]+[ \t]+){{0,2}}(?P<noun>programme|program|initiative|fund|facility|"
                        rf"platform|partnership|project|pilot|alliance|network|campaign|scheme|accelerator|"
                        rf"coalition|challenge)\b")
# "The hotline, called Mama Line, will ...", "a new platform named DataBridge": the text names what it describes
CALLED = re.compile(r"\b(?:[Tt]he|[Aa]n?|[Ii]ts|[Tt]heir|[Tt]his)[ \t]+(?:new[ \t]+)?(?:[\w\-]+[ \t]+){0,2}?(?P<noun>hotline|helpline|"
                    r"service|programme|program|project|initiative|platform|app|application|fund|facility|network|"
                    r"campaign|scheme|pilot|partnership|alliance|tool|portal|challenge|accelerator|product|"
                    r"solution),?[ \t]+"
                    r"(?:called|named|dubbed|known as|branded)[ \t]+[“\"]?(?P<name>[A-Z][\w’'\-]*(?:[ \t]+"
                    r"(?:(?:of|for|and|the|&)[ \t]+)?[A-Z0-9][\w’'\-]*){0,5})")
ORDINAL_EVENT = re.compile(r"\b(?P<name>(?:first|second|third|fourth|fifth|\d+(?:st|nd|rd|th)|annual|inaugural)[ \t]+"
                           r"(?:(?:UN|global|international|regional|national|high-level|ministerial)[ \t]+)?"
                           r"(?:conference|summit|forum|symposium|hackathon|congress)[ \t]+on[ \t]+"
                           r"[A-Z][\w\-]*(?:[ \t]+(?:and[ \t]+)?[A-Z][\w\-]*){0,6})")
WORKS_WITH = re.compile(r"(?P<name>(?P<a>[A-Z][\w\-]+(?:[ \t][A-Z][\w\-]+)?)[ \t]+(?:works|worked|is working|"
                        r"partnered|partners|teamed up|collaborates|collaborated)[ \t]+with[ \t]+"
                        r"(?P<b>[A-Z][\w&\-]+(?:[ \t][A-Z][\w&\-]+){0,6})[ \t]+(?:on|to)[ \t]+[^–—.;:\n(]{1,200}?)"
                        r"(?=[ \t]+[–—]|[.;:\n(]|$)")

_BAD_START = re.compile(r"^(?:The|This|That|These|Those|Our|Its|Their|His|Her|A|An|In|On|At|For|From|As|By|With|"
                        r"Under|Through|During|After|Before|Since|Each|Every|All|Both|New)\s+")
_NOT_INITIATIVE = re.compile(r"\b(?:Centre of Excellence|Center of Excellence|Country Office|Secretariat|"
                             r"Development Goals?|Member States|General Assembly|Security Council)\b")
_EVENT_PAST = re.compile(r"\b(?:gathered|took place|was held|were held|convened|brought together|hosted|met|"
                         r"last (?:year|month|week|january|february|march|april|may|june|july|august|september|"
                         r"october|november|december))\b", re.I)


@dataclass
class Mention:
    name: str
    kind: str
    start: int
    end: int
    line: int
    cue: str
    partners: list[tuple[str, str, int, int]] = field(default_factory=list)
    named: bool = False  # the sentence calls it an initiative ("X, a fund that ..."), whatever else it looks like


def _clean(name: str) -> str:
    name = re.sub(r"\s+", " ", name.strip(" ,.;:"))
    while _BAD_START.match(name):
        name = _BAD_START.sub("", name, count=1)
    return name


def find_mentions(text: str, lines: list[Line], excluded: set[int],
                  org_names: set[str] | None = None) -> list[Mention]:
    out: list[Mention] = []

    def line_of(pos: int) -> int:
        lo, hi = 0, len(lines) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if lines[mid].start <= pos:
                lo = mid
            else:
                hi = mid - 1
        return lines[lo].no

    first = next((ln.no for ln in lines if not ln.blank), 0)
    for ln, physical in logical_lines(text, lines):  # a hard-wrapped sentence is read as one line
        if ln.blank or re.match(r"^\s*(?:#|\|)", ln.text) or len(ln.text.split()) <= 3:
            continue
        if any(n in excluded for n in physical):
            # inside a listing entry only a name its sentence itself calls an initiative counts ("the workshop
            # is part of the X Initiative, a five-year programme funded by ..."); labelled lines never
            if label_of(ln.text) is None:
                out.extend(_appositives(ln))
            continue
        if ln.no == first and not re.search(r"[.!?]\s*$", ln.text) and len(ln.text.split()) <= 14:
            continue  # the page's own title line
        t = ln.text
        for m in WORKS_WITH.finditer(t):
            if country_names.lookup(m.group("a"), fuzzy=False):
                continue
            mm = Mention(m.group("name").strip(), "partnership", ln.start + m.start("name"),
                         ln.start + m.end("name"), ln.no, "works-with")
            mm.partners = [(m.group("a"), "lead", ln.start + m.start("a"), ln.start + m.end("a")),
                           (m.group("b"), "partner", ln.start + m.start("b"), ln.start + m.end("b"))]
            out.append(mm)
        for m in ORDINAL_EVENT.finditer(t):
            out.append(Mention(m.group("name"), "event", ln.start + m.start("name"), ln.start + m.end("name"), ln.no,
                               "ordinal-event"))
        for m in QUOTED.finditer(t):
            name = m.group("name").strip(" .,")
            words = name.split()
            if not 1 <= len(words) <= 6 or re.search(r"\b(?:is|are|was|were|be|we|our|I)\b", name):
                continue
            before = t[max(0, m.start() - 40):m.start()].lower()
            if re.search(r"\b(?:said|says|vision|motto|slogan|theme|titled|entitled|called for)\W*$", before):
                continue
            if re.match(r"\s*(?:,|[.!?])?\s*(?:said|says|added|adds|noted|notes|explained|explains|according to)\b",
                        t[m.end():m.end() + 30]):
                continue  # '"Good data first," said the director': a quotation, not a name
            kind = kind_of(name) or "programme"
            out.append(Mention(name, kind, ln.start + m.start("name"), ln.start + m.start("name") + len(name),
                               ln.no, "quoted"))
        for m in PAREN_INIT.finditer(t):
            name = _clean(m.group("name"))
            if len(name) < 3 or country_names.lookup(name, fuzzy=False):
                continue
            inner = t[m.end("name"):m.end()]
            out.append(Mention(name, kind_of(inner) or "programme", ln.start + t.find(name, m.start()),
                               ln.start + t.find(name, m.start()) + len(name), ln.no, "paren"))
        out.extend(_appositives(ln))
        for m in CALLED.finditer(t):
            name = m.group("name").strip()
            if country_names.lookup(name, fuzzy=False):
                continue
            noun = m.group("noun").lower()
            kind = kind_of(noun) if kind_of(noun) in ("fund", "event", "partnership", "pilot", "project") else \
                "product" if noun in ("app", "application", "tool", "portal", "product", "solution") else "programme"
            out.append(Mention(name, kind, ln.start + m.start("name"), ln.start + m.end("name"), ln.no, "called",
                               named=True))
        m = SUBJECT.match(t)
        if m:
            name = _clean(m.group("name"))
            if name and not re.fullmatch(r"[A-Z]{2,6}", name) and not country_names.lookup(name, fuzzy=False) \
                    and not re.search(r"\b(?:University|Government|Ministry|UNICEF|UNDP|Bank|Foundation)\b", name):
                s = ln.start + t.find(name)
                out.append(Mention(name, kind_of(t[m.end("name"):m.end()]) or "programme", s, s + len(name), ln.no,
                                   "subject"))
        for m in NOUN_NAME.finditer(t):
            name = _clean(m.group("name"))
            if len(name.split()) < 2 or _NOT_INITIATIVE.search(name) or re.search(r"\bGovernments?\b", name):
                continue
            if re.match(r"^\s*\([A-Z][A-Za-z\-]+\)", t[m.end():m.end() + 12]):
                continue  # "Peer Educators Network (PEN)": an organisation with its acronym
            if re.search(r"\b(?:support|funding|grants?|financing|money|contributions?) from\s+(?:the\s+)?$|"
                         r"\b(?:[a-z]+ed|run|led) by\s+(?:the\s+)?$",
                         t[max(0, m.start() - 40):m.start()], re.I):
                continue  # "with support from the Global Fund": a funder, not an initiative
            # "Art Center Graduate Program “Design for UNICEF”": the quoted name is the title
            if re.match(r"^\s*[“\"]", t[m.end():m.end() + 3]):
                continue
            s = ln.start + m.start() + m.group("name").find(name)
            kind = kind_of(name) or "programme"
            if kind == "event" and re.search(r"\bForum\b", name) and re.search(r"\b(?:Governance|Economic)\b", name):
                kind = "programme"
            out.append(Mention(name, kind, s, s + len(name), ln.no, "noun"))
    for m in out:
        m.line = line_of(m.start)  # the physical line the name starts on
    if org_names:  # a name the text itself calls a fund or programme stays, even when written with an acronym
        out = [m for m in out if _key(m.name) not in org_names or m.named]
    out.sort(key=lambda x: (x.start, -(x.end - x.start)))
    dedup: list[Mention] = []
    for m in out:
        if dedup and m.start < dedup[-1].end:
            continue
        dedup.append(m)
    return dedup


_CLAUSE = re.compile(r",\s+(?:to|and|while|whereas|but)\s+\w+ing\b|;\s")


def _appositives(ln: Line) -> list[Mention]:
    """"launch Connected Classrooms Sahel, a programme that ...": names the sentence itself calls an initiative."""
    out = []
    t = ln.text
    for m in APPOSITIVE.finditer(t):
        name = _clean(m.group("name"))
        if len(name.split()) < 2 or country_names.lookup(name, fuzzy=False) or _NOT_INITIATIVE.search(name):
            continue
        s = ln.start + m.start() + m.group("name").find(name)
        out.append(Mention(name, kind_of(m.group("noun")) or "programme", s, s + len(name), ln.no, "appositive",
                           named=True))
    return out


def sentence_window(text: str, start: int, end: int, others: list[tuple[int, int]]) -> tuple[int, int]:
    """The sentence around a mention, cut at the neighbouring mentions of other initiatives."""
    left = max(text.rfind(". ", 0, start) + 2, _line_start(text, start), text.rfind(": ", 0, start) + 2
               if text.rfind(": ", 0, start) > text.rfind(". ", 0, start) and start - text.rfind(": ", 0, start) < 3
               else 0)
    cands = [i for i in (text.find(". ", end), _line_end(text, end)) if i >= 0]
    right = min(cands) if cands else len(text)
    cm = _CLAUSE.search(text, end, right)  # only up to the sentence's end: a search to the end of the text
    if cm:                                 # for every mention made a long document quadratic
        right = cm.start()
    for s, e in others:
        if e <= start and s >= left:
            left = max(left, e)
        if s >= end and s < right:
            right = s
    return left, right


def _line_start(text: str, pos: int) -> int:
    """Start of the sentence's first line: a line break inside a wrapped sentence does not end it."""
    nl = text.rfind("\n", 0, pos)
    while nl > 0 and re.search(r"[a-z,(&\-]$", text[nl - 1:nl]) and text[nl - 1:nl] != "\n":
        nl = text.rfind("\n", 0, nl)
    return nl + 1


def _line_end(text: str, pos: int) -> int:
    """End of the sentence's last line, following a sentence that wraps onto the next line."""
    nl = text.find("\n", pos)
    while nl >= 0 and re.search(r"[\w,(&\-]$", text[max(0, nl - 1):nl]) \
            and text[nl + 1:nl + 2] not in ("\n", "", "#", "|", "-", "*"):
        nl = text.find("\n", nl + 1)
    return nl if nl >= 0 else len(text)


def prose_segments(text: str, lines: list[Line], excluded: set[int], existing: list[Segment],
                   org_names: set[str] | None = None) -> list[Segment]:
    mentions = find_mentions(text, lines, excluded, org_names)  # sorted by start, not overlapping
    existing_keys: dict[str, Segment] = {}
    existing_last: dict[str, list[str]] = {}
    for e in existing:
        ek = _key(e.title)
        if ek and ek not in existing_keys:
            existing_keys[ek] = e
            _index_suffixes(ek, existing_last)
    segs: list[Segment] = []
    by_key: dict[str, Segment] = {}
    by_last: dict[str, list[str]] = {}  # keys by their shorter endings (see _similar_known)
    spans = [(m.start, m.end) for m in mentions]
    starts = [m.start for m in mentions]
    named: dict[str, list[Mention]] = {}  # mentions by key, in text order
    for m in mentions:
        named.setdefault(_key(m.name), []).append(m)
    for i, m in enumerate(mentions):
        k = _key(m.name)
        if not k or _similar_known(k, existing_keys, existing_last):
            continue
        if k in by_key:
            seg = by_key[k]
            if m.line - seg.last <= 1:
                seg.last = max(seg.last, m.line)
                seg.end = max(seg.end, lines[m.line - 1].end)
            continue
        if _similar_known(k, by_key, by_last):
            continue
        ln = lines[m.line - 1]
        # the neighbouring mentions are the only ones that can cut its sentence (spans do not overlap)
        window = sentence_window(text, m.start, m.end, spans[max(0, i - 2):i] + spans[i + 1:i + 3])
        # a later sentence naming it again ("The X Fund is managed by ...") belongs to it too, when no other
        # initiative is named in between
        later = [x for x in named[k] if x.start > m.end and x.line - m.line <= 6]
        if later:
            lo, hi = bisect.bisect_right(starts, m.end), bisect.bisect_left(starts, later[-1].start)
            between = [x for x in mentions[lo:hi] if _key(x.name) != k]
            if not between:
                w2 = sentence_window(text, later[-1].start, later[-1].end, [])
                window = (window[0], max(window[1], w2[1]))
        if m.cue in ("appositive", "called"):
            # "... will launch X, a programme that ... . Its first phase is funded by ...": the rest of the
            # paragraph describes X, up to the next initiative named
            para_end = text.find("\n\n", m.end)
            right = len(text) if para_end < 0 else para_end
            right = min([right, *[s for s, _e in spans if s > m.end]])
            window = (window[0], max(window[1], right))
        window = _back_references(text, window, m.kind, [x for x, _e in spans if x > m.end])
        seg = Segment("prose", m.line, m.line, ln.start, ln.end, title=m.name, title_span=(m.start, m.end),
                      kind=m.kind, window=window)
        if re.search(r"\b(?:will|plans? to|intends? to|are to|is to|agreed to)\s+(?:launch|set up|create|establish|start|open)"
                     r"\s+(?:the\s+|a\s+new\s+)?$", text[max(0, m.start - 40):m.start]):
            seg.status = "planned"
        seg.hints = list(m.partners)
        if m.kind == "event":  # the date and place of an event are often in the sentence before its name
            prev = text.rfind(". ", ln.start, window[0] - 2)
            seg.window = (prev + 2 if prev >= 0 else ln.start, window[1])
        if m.kind == "programme" and re.search(r"\b(?:Centre|Center|Corridors?|Lab)\b", m.name) and re.search(
                r"\b(?:partnership|collaborat\w*)\b", text[max(ln.start, window[0] - 120):m.start], re.I):
            seg.kind = "partnership"
        if m.kind == "event" and _EVENT_PAST.search(text[ln.start:ln.end]):
            seg.status = "completed"
        by_key[k] = seg
        _index_suffixes(k, by_last)
        segs.append(seg)
    return segs


_NOUN_OF = {"fund": r"fund|facility", "programme": r"programme|program", "project": r"project",
            "partnership": r"partnership|alliance|agreement", "pilot": r"pilot", "event": r"event|summit|forum|conference",
            "investment": r"investment", "product": r"platform|tool|app"}


def _back_references(text: str, window: tuple[int, int], kind: str, later_names: list[int]) -> tuple[int, int]:
    """The sentences right after a name's own that speak of it again ("The fund is managed by X and capitalised by
    Y.", "It runs from March 2024 to February 2028.") describe it too: up to three, across one paragraph break,
    and never past the next initiative named."""
    noun = _NOUN_OF.get(kind)
    if noun is None:
        return window
    opener = re.compile(rf"(?:The|This)\s+(?:[\w-]+\s+)?(?:{noun})\b(?!\s+(?:of|for)\b)|It\s+(?:is|was|will|runs|ran|has|"
                        rf"had|aims|works|plans|began|started|ends)\b|Its\s")
    stop = min(later_names, default=len(text))
    a, b = window
    for _ in range(3):
        gap = re.match(r"[ \t]*\n?[ \t]*\n?[ \t]*", text[b:b + 8])
        nxt = b + (gap.end() if gap else 0)
        if nxt >= stop or not opener.match(text, nxt):
            break
        end = text.find(". ", nxt)
        para = text.find("\n\n", nxt)
        end = min(x for x in (end + 1 if end >= 0 else len(text), para if para >= 0 else len(text), len(text)))
        if end > stop:
            break
        b = end
    return (a, b)


@functools.lru_cache(maxsize=8192)  # pure, and called for the same names many times
def _key(title: str | None) -> str:
    if not title:
        return ""
    t = re.sub(r"['’]s\b", "", title.casefold())
    t = re.sub(r"^(?:the)\s+", "", t)
    return re.sub(r"[^\w]+", " ", t).strip()


def _index_suffixes(k: str, suffixes: dict[str, list[str]]) -> None:
    """File a key under its endings one and two words shorter (of at least two words): the only names `_similar`
    can find it to be a longer form of."""
    words = k.split()
    for drop in (1, 2):
        if len(words) - drop >= 2:
            suffixes.setdefault(" ".join(words[drop:]), []).append(k)


def _similar_known(k: str, by_key: dict[str, Segment], suffixes: dict[str, list[str]]) -> bool:
    """`any(_similar(k, kk) for kk in by_key)`, without comparing in Python with every name found so far (a
    document naming thousands of initiatives made that quadratic): spellings within ratio 90 by rapidfuzz, and
    one name ending another by dictionary look-ups of their endings."""
    from rapidfuzz import fuzz, process

    if not by_key:
        return False
    if k in by_key or process.extractOne(k, by_key.keys(), scorer=fuzz.ratio, score_cutoff=90) is not None:
        return True
    words = k.split()
    for drop in (1, 2):  # a known name is an ending of this one
        tail = " ".join(words[drop:])
        if len(words) - drop >= 2 and tail in by_key and _similar(k, tail):
            return True
    return any(_similar(k, kk) for kk in suffixes.get(k, ()))  # this one ends a known name


def _similar(a: str, b: str) -> bool:
    if a == b:
        return True
    from rapidfuzz import fuzz

    if fuzz.ratio(a, b) >= 90:
        return True
    # "UNICEF Venture Fund" vs "UNICEF's Venture Fund"; "Global Innovation Centre for Children" inside a longer one
    short, long_ = sorted((a, b), key=len)
    extra = len(long_.split()) - len(short.split())
    return long_.endswith(short) and (len(short.split()) >= 3 and extra <= 2 or len(short.split()) >= 2 and extra <= 1)
