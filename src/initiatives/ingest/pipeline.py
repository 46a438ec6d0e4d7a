"""The ingest pipeline as one pure function: `extract(path) -> Batch` (read -> segment -> extract -> normalise).

Nothing here touches the store; `initiatives.cli.ingest` saves each Batch in one transaction.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from initiatives.ingest import boundaries, normalise
from initiatives.ingest.fields import Draft, TextIndex, _apply_label, labelled_fields, named_things, prose_fields
from initiatives.ingest.labels import label_of
from initiatives.ingest.orgs import OrgBook, OrgMention, find_orgs, org_type
from initiatives.ingest.prose import prose_segments
from initiatives.ingest.readers import read_document
from initiatives.ingest.repetition import countries_in_line
from initiatives.ingest.segment import (_COUNTED, _LIST_SUBTITLE, Line, Segment, contents_lines, find_dateline, headings as segment_headings, kind_of, learned_entries, segment, split_lines,
                                        unwrap)
from initiatives.reference import country_names
from initiatives.model import Batch, Document, Initiative, Organization, PartnerRef, Span

_STRUCTURED = {"time", "start", "end", "countries", "budget", "funding", "donor", "partners", "lead", "region"}
_NO_DOMINANT_LEAD = {"entry", "teaser", "press"}


def extract(path: Path | str, root: Path | str | None = None, key: str | None = None) -> Batch:
    """Read one file and return everything it describes: the Document, its initiatives and organisations.

    `root` is the folder the file was found under: the file's path relative to it (`sub/report.txt`) is
    what tells its records apart from those of another `report.txt` in another folder (see `document_key`).
    `key` overrides that (two files of one name at the top of two folders of one run; see `cli.ingest`)."""
    doc = read_document(Path(path))
    batch = extract_document(doc)
    key = key or document_key(Path(path), root)
    if key != doc.name:  # a file at the top of the root keeps the plain file name (as stores made before had)
        for rec in batch.initiatives:
            rec.extras["document_key"] = key
    return batch


def _whole_document(text: str, lines: list[Line], index: TextIndex) -> list[Segment]:
    """No cue found an initiative, yet every document given to ingest describes one: a page with a title line and
    the facts of an initiative (an amount, a date range or a country, and an organisation) is one record, titled by
    its first line ("# Cash Plus Nutrition" above a page that never calls it a programme)."""
    from initiatives.ingest.repetition import line_cues

    head = next((ln for ln in lines if not ln.blank), None)
    if head is None:
        return []
    title = re.sub(r"^\s*#+\s*|[*_]{2}", "", head.text).strip()
    if not (2 <= len(title.split()) <= 16) or title.endswith((".", ":")):
        return []
    cues = set().union(*line_cues([ln.text for ln in lines], [h.start for h in index.money],
                                  [a for _c, a, _b in index.countries]))
    if len(cues & {"money", "date", "country", "label"}) < 2 or "org" not in cues:
        return []
    last = max(ln.no for ln in lines if not ln.blank)
    off = head.text.find(title)
    span = (head.start + off, head.start + off + len(title)) if off >= 0 else (head.start, head.end)
    return [Segment("heading", head.no, last, head.start, lines[last - 1].end, title=title, title_span=span,
                    kind=kind_of(title) or "project", cue="whole document")]


def _words_in(name: str, headline: str) -> bool:
    """Whether a name of three or more words is (nearly) all words of the headline."""
    words = [w for w in re.findall(r"[a-z0-9]+", name.lower()) if w not in _STOP_WORDS]
    head = set(re.findall(r"[a-z0-9]+", headline.lower()))
    return len(words) >= 3 and sum(w in head for w in words) >= 0.8 * len(words)


_STOP_WORDS = frozenset("the a an of for and in on to with by at from".split())


_PICTOGRAMS = re.compile(r"\s*[\u2190-\u2bff\U0001f000-\U0001faff\ufe0f\u200d]+\s*$")
_PAST_NAME = re.compile(r"\b(?:builds? on|built on|follows|followed|earlier|previous|former|predecessor|ended|"
                        r"completed|closed)\b", re.I)


def _opening_lines(lines: list[Line], first: int, paragraphs: int) -> int:
    """The number of the last line of the first `paragraphs` paragraphs from line `first` on (1-based)."""
    seen, last, blank = 0, first, True
    for ln in lines[first - 1:]:
        if ln.blank:
            blank = True
            continue
        if blank:
            seen += 1
            if seen > paragraphs:
                break
            blank = False
        last = ln.no
    return last


def _sentence_of(text: str, span: tuple[int, int]) -> str:
    a = max(text.rfind(". ", 0, span[0]), text.rfind("\n\n", 0, span[0])) + 1
    b = text.find(". ", span[1])
    return text[a:len(text) if b < 0 else b]


def _headline_like(title: str) -> bool:
    """"Coders gather in Quito for a data weekend": a sentence-case headline, not a name."""
    words = title.split()
    return len(words) >= 5 and title[:1].isupper() and sum(w[:1].isupper() for w in words[1:]) * 2 < len(words)


def _headlined_items(lines: list[Line], segs: list[Segment], prose: list[Segment]) -> list[Segment]:
    """A digest's items: under each of two or more like headings a paragraph naming the initiative it reports
    ("### Coders gather in Quito ..." / "QUITO — Eighty coders joined the Andes Water Data Hackathon, ..."). The
    item is one record titled by its headline (as a release is), not one named after the thing."""
    if not prose:
        return prose
    heads = segment_headings(lines)
    levels = Counter(h.level for h in heads.values() if _headline_like(h.text))
    if not any(n >= 2 for n in levels.values()):
        return prose
    taken = {s.first for s in segs}
    out: list[Segment] = []
    used: set[int] = set()
    nos = sorted(heads)
    for p in prose:
        at = bisect.bisect_left(nos, p.first)
        no = nos[at - 1] if at else None
        h = heads.get(no) if no is not None else None
        if h is None or no in taken or no in used or levels[h.level] < 2 or not _headline_like(h.text) or \
                p.first > _opening_lines(lines, no + 1, 1) or h.level > 4:
            out.append(p)
            continue
        used.add(no)
        ln = lines[no - 1]
        off = ln.text.find(h.text)
        last = _opening_lines(lines, no + 1, 1)
        out.append(replace(p, first=no, last=max(p.last, last), start=ln.start, title=h.text,
                           title_span=(ln.start + off, ln.start + off + len(h.text)) if off >= 0 else None,
                           window=(ln.start, lines[last - 1].end)))
    return out


def _untitled_block(seg: Segment) -> bool:
    return seg.cue in ("repetition", "boundaries") and not seg.title


def document_key(path: Path, root: Path | str | None) -> str:
    """The document's identity in the store: its path relative to the ingest root, `/`-separated; the file
    name when there is no root or the file is not under it."""
    if root is not None:
        try:
            return path.resolve().relative_to(Path(root).resolve()).as_posix()
        except (ValueError, OSError):
            pass
    return path.name


def extract_document(doc: Document) -> Batch:
    text = doc.text
    lines = split_lines(text)
    index = TextIndex(text)
    segs = segment(text, lines, index)
    for k, seg in enumerate(segs):
        genre = _DOC_TYPE.search(seg.title or "") if seg.title_span and seg.mode in ("heading", "entry") else None
        if genre and genre.start() > 0:
            # "Digital Agriculture Services Programme – Concept Note": the document's genre is no part of the name
            segs[k] = replace(seg, title=seg.title[:genre.start()],
                              title_span=(seg.title_span[0], seg.title_span[0] + genre.start()))
        num = re.match(r"\d{1,2}[.)]\s+(?=[A-Z“\"'])", seg.title or "") if seg.title_span and seg.mode in (
            "press", "heading") else None
        if num:  # "1. LAOS AND CAMBODIA TEAM UP ...": a newsletter item's number is no part of its headline
            seg = segs[k] = replace(seg, title=seg.title[num.end():],
                                    title_span=(seg.title_span[0] + num.end(), seg.title_span[1]))
        pict = _PICTOGRAMS.search(seg.title or "") if seg.title_span else None
        if pict and pict.start() > 0:  # "Our new partnership is live 🌱": a post's pictograms are no part of the title
            seg = segs[k] = replace(seg, title=seg.title[:pict.start()],
                                    title_span=(seg.title_span[0], seg.title_span[0] + pict.start()))
        quoted = re.fullmatch(r'"([^"]{3,})"', seg.title or "")
        if quoted and seg.title_span:  # 'title: "Solar Schools"' in front matter: the quotes are no part of the name
            segs[k] = replace(seg, title=quoted.group(1), title_span=(seg.title_span[0] + 1, seg.title_span[1] - 1))
    excluded = {n for s in segs if s.mode in ("entry", "teaser", "row", "heading") and not _untitled_block(s) for n in
                (range(s.first, s.last + 1) if s.mode != "heading" else [s.first])}
    press = next((s for s in segs if s.mode == "press"), None)
    excluded.update(contents_lines(lines))
    excluded.update(ln.no for ln in lines if ":" in ln.text and _LIST_FUNDING.match(ln.text))
    if press is not None:  # the boilerplate after a press release ("About X", contacts) describes no initiative
        excluded.update(range(press.last + 1, len(lines) + 1))
    mentions = find_orgs(unwrap(text, lines))  # names broken over a wrapped line are still found
    # organisations written with their acronym, or named in a list of partners, are not initiatives
    org_names = {_pk(m.name) for m in mentions if m.cue == "list" or (m.acronym and m.acronym != m.name)}
    prose = prose_segments(text, lines, excluded, segs, org_names)
    dateline = find_dateline(lines)
    if press is not None and _COUNTED.search(press.title or "") and not re.search(
            r"\binvest|\bbets?\b|\bstart-?ups\b", press.title or "", re.I) and sum(
            1 for p in prose if press.first < p.first <= press.last) >= 2:
        # "ITU and UNEP launch three initiatives ...", then "The first, the X Initiative, ...": the headline
        # counts the records the release announces, it is not one of them
        segs = [s for s in segs if s is not press]
        press = None
    if press is not None and dateline is not None:
        # "ZURICH, 3 March 2023 - The Humanitarian Blockchain Fund, set up ...": the release is about that
        # fund, so the name is the release's own subject, not a second initiative
        kind = press_kind(text, press, dateline)
        lead_start = dateline[0].start + dateline[1].end()
        lead_end = text.find(". ", lead_start)
        lead_end = len(text) if lead_end < 0 else lead_end
        # "... today launched the Cities Climate Finance Alliance, a platform ...": what the release announces
        # ... or "today signed a contribution agreement for Connect Health Sahel, a four-year partnership"
        launched = [p for p in prose if p.title_span and lead_start <= p.title_span[0] < lead_end and re.search(
            rf"(?:{_LAUNCHED.pattern}|\b(?:agreement|deal)\s+for(?=\s))"
            r"\s+(?:the\s+|a\s+new\s+)?$", text[max(lead_start, p.title_span[0] - 60):p.title_span[0]])]
        # "The partnership, known as the X Initiative, will ...": the release's own subject under its name ("The four-year
        # scheme, dubbed X")
        known = [p for p in prose if p.title_span and re.search(
            r"\b(?:the|this|our)\s+(?:[\w-]+\s+){0,2}(?:partnership|agreement|alliance|initiative|programme|program|"
            r"collaboration|scheme|deal|project|effort),?\s+(?:(?:known as|called|named|dubbed)\s+)?(?:the\s+)?$",  # "The three-year partnership, the X"
            text[max(0, p.title_span[0] - 60):p.title_span[0]], re.I)]
        # "WHO and Rwanda launch national digital health records partnership" ... "The Rwanda Digital Health
        # Records Partnership will connect ...": the headline's own subject, named
        headlined = [p for p in prose if p.kind == kind and p.title and _words_in(p.title, press.title or "")]
        # "The three-year Smart Markets Partnership will be funded by ...": a name of the release's own kind, with
        # the definite article, in its first paragraphs and not in the past, is what the release announces
        opening = _opening_lines(lines, dateline[0].no, 4)
        definite = [p for p in prose if p.kind == kind and p.title_span and press.first <= p.first <= opening
                    and re.search(r"\b(?:partnership|alliance|fund|facility|programme|program|initiative|pilot|"
                                  r"project|coalition|compact)$", p.title or "", re.I)
                    and re.search(r"\b(?:the|this)\s+(?:[\w-]+\s+){0,2}$",
                                  text[max(0, p.title_span[0] - 40):p.title_span[0]], re.I)
                    and not _PAST_NAME.search(_sentence_of(text, p.title_span))]
        prose = [p for p in prose if not (p.kind == kind and p.title_span and
                                          0 <= p.title_span[0] - lead_start <= 6) and p not in launched
                 and p not in known and p not in headlined and p not in definite]
    # a digest's item headlined "Open data hackathon for cleaner air in X", then "... took part in the Clean Air Data
    # Hackathon, held on ...": the name in the item's first paragraph, of the kind its headline gives, is the item
    headlines = [(s.first, _opening_lines(lines, s.first + 1, 1), s.kind) for s in segs
                 if s.mode == "heading" and s.kind and s.title and _headline_like(s.title)]
    prose = [p for p in prose if not any(a < p.first <= b and p.kind == k for a, b, k in headlines)]
    prose = _headlined_items(lines, segs, prose)
    listed = [x.start for x in segs if x.mode in ("entry", "row")]
    if len(listed) >= 2:  # the scheme a listing's rows were funded under is their funding source, not a record
        schemes = [m.span("name") for m in _UNDER_SCHEME.finditer(text, 0, min(listed))]
        prose = [p for p in prose if not (p.title_span and any(a <= p.title_span[0] < b for a, b in schemes))]
    # "financed by the Global Fund to Fight AIDS, ...": a name inside a known organisation's is not an initiative
    known_spans = [(m.start, m.end) for m in mentions if m.cue == "known"]
    prose = [p for p in prose if not (p.title_span and any(s <= p.title_span[0] < e for s, e in known_spans))]
    # a name a cue already made a partner of a record ("The X Fund has awarded EUR 60,000 to Y Initiative") is
    # an organisation there, not another initiative
    hinted = {_pk(name) for s in segs for name, role, _s, _e in s.hints if role in ("funder", "beneficiary")}
    prose = [p for p in prose if not (p.title and _pk(p.title) in hinted)]
    # an untitled entry of a repeated shape in which the prose names an initiative is that initiative
    named_at = sorted(p.first for p in prose)
    segs = [s for s in segs if not (_untitled_block(s) and bisect.bisect_right(named_at, s.last)
                                    > bisect.bisect_left(named_at, s.first))]
    segs += prose
    if not segs:
        segs = _whole_document(text, lines, index)
    if boundaries.mode() == "combined":  # the learned boundaries where no cue found anything
        segs = learned_entries(text, lines, segs, index, "combined")
    segs.sort(key=lambda s: (s.first, s.start))

    book = OrgBook()
    counts: Counter[int] = Counter()
    for m in mentions:
        entry = book.add(m)
        counts[id(entry)] += 1
    dominant = _dominant(book, counts)
    titles = [s.title for s in segs if s.title]

    records: list[Initiative] = []
    made: list[tuple[Segment, Initiative]] = []
    for seg in segs:
        rec = _record(doc, text, lines, seg, mentions, book, dominant, dateline, titles, index)
        if rec is not None:
            records.append(rec)
            made.append((seg, rec))
    _countries_from_parts(made)
    _pilots_led_as_programme(made)
    _page_country(doc, lines, made)
    _listing_start(doc, text, made)
    _listing_funding(doc, lines, made)
    _link_investment_round(records, text, dateline)
    _link_release_events(doc, records, dateline, mentions)
    _status_as_of(doc, records)
    orgs = _organizations(book, records)
    return Batch(origin=doc.path, documents=[doc], initiatives=records, organizations=orgs)


_LEAD_SUBJECT = re.compile(r"^\W*(?:The\s+)?(?P<name>[A-Z][\w&\-]*(?:\s+(?:(?:of|for|and|the|&)\s+)?[A-Z][\w&\-]*){0,7})"
                           r"(?:\s*\([A-Z][A-Za-z]{1,9}\))?(?P<appos>,[^,]{0,200},)?\s+(?:has\s+|have\s+|today\s+|on\s+\w+\s+)?"
                           r"(?:announced|invest(?:ed|s)|made|committed|awarded|backed|selected|closed|completed)\b")


_PLACE_FIRST = re.compile(r"^\s*[A-Z][A-Z.'’/-]+(?:[ ,]+[A-Z][A-Za-z.'’/-]+){0,3}\s*[—–-]+\s+(?=[A-Z])")
_PART_WITH = re.compile(r"\b(?:agreement|memorandum of understanding|MoU|partnership|deal|contract)\s+with\s+(?:the\s+)?"
                        r"(?:[a-z][\w-]*\s+){0,3}$")


def _part_signatories(text: str, seg: Segment, mentions: list[OrgMention], d: Draft) -> None:
    """One of several agreements a release announces: who signed the lead sentence's agreements signs this one,
    and so do the parties its own first sentence names ("UNDP and the Government of X, through Y, will build",
    "A memorandum of understanding with the company Z")."""
    la, lb = seg.lead_span
    if _SIGN_WORD.search(text[la:lb]):
        for o in mentions:
            if la <= o.start < lb and o.type != "unknown" or la <= o.start < lb and o.acronym:
                d.partner(o.name, "signatory", o.type, o.acronym, (o.start, o.end))
    body = re.search(r"\S", text[seg.start:seg.end].split("\n", 1)[-1])
    if body is None:
        return
    first_line_end = text.find("\n", seg.start)
    bstart = first_line_end + 1 + body.start() if first_line_end >= 0 else seg.start
    stop = text.find(". ", bstart, seg.end)
    bend = stop if stop > 0 else seg.end
    verb = re.search(r"\s(?:will|shall|have|has|agreed|signed|are to|plan to|aim to)\s", text[bstart:bend])
    for o in mentions:
        if not (bstart <= o.start < bend):
            continue
        if (verb and o.end <= bstart + verb.start()) or _PART_WITH.search(text[max(bstart, o.start - 80):o.start]):
            d.partner(o.name, "signatory", o.type, o.acronym, (o.start, o.end))


_SIGN_WORD = re.compile(r"\bsign(?:ed|s|ing)?\b|\bconclud(?:ed|es)\b|\bentered into\b", re.I)


_LAUNCHED = re.compile(r"\b(?:today|on \w+day|this week)\s+(?:jointly\s+)?(?:launched|unveiled|formed|created|established|"
                       r"set up|announced|signed|started|began|kicked off|opened|renewed|extended)\b")


_WILL_BEGIN = re.compile(r"\bwill (?:begin|start|commence|be launched|kick off|get under way)\b|"
                         r"\b(?:is|are) (?:due|expected|scheduled|set) to (?:begin|start)\b|"
                         # "ITU will implement the partnership ..., starting in January 2025"
                         r"\bwill\b[^.]{0,160}?\b(?:starting|beginning) (?:in|on|from)\b")
_TEAM_UP = re.compile(r"\b(?:said|announced|agreed)\b[^.]{0,40}?\b(?:would|will|to)\s+(?:work together|cooperate|"
                      r"collaborate|partner|join forces)\b|\b(?:teamed|team|teams) up\b|\bjoined forces\b")


def _launchers(text: str, dateline: Any, mentions: list[OrgMention], d: Draft) -> None:
    """"NEW YORK, April 12 -- A, B and C today launched the X Alliance": the organisations before the lead
    sentence's verb lead what the release announces (they sign it when the verb is "signed")."""
    ln, m = dateline
    if text[ln.start + m.end():ln.end].strip(" *_"):  # the lead goes on after the dateline on its line
        base = ln.start
    else:  # a dateline on a line of its own: the lead is the next paragraph
        nxt = re.search(r"\S", text[ln.end:])
        if nxt is None:
            return
        base = ln.end + nxt.start()
    para_end = text.find("\n\n", base)
    lead = text[base:para_end if para_end >= 0 else len(text)]
    end = lead.find(". ")
    verb = _LAUNCHED.search(lead, 0, end if end > 0 else len(lead))
    role = "signatory" if verb is not None and re.search(r"sign|renew|extend", verb.group(0)) else "lead"
    if verb is None:  # "A and B said on Thursday they would work together": partners of what the release announces
        verb = _TEAM_UP.search(lead, 0, end if end > 0 else len(lead))
        role = "partner"
    if verb is None:
        return
    # "X (XF), a fund hosted by A and capitalised by B, today announced": A and B describe X, they do not act
    appos = re.search(r",\s+(?:an?|which|who|whose)\b", lead[:verb.start()])
    stop = appos.start() if appos else verb.start()
    for o in mentions:
        if base <= o.start and o.end <= base + stop and o.start >= ln.start + m.end() - 1:
            d.partner(o.name, role, o.type, o.acronym, (o.start, o.end))


def _page_country(doc: Document, lines: list[Line], made: list[tuple[Segment, Initiative]]) -> None:
    """"# Our projects in Cambodia": a page whose title names one country is about work there, so its listed
    projects that name no country or region of their own are in it."""
    top = next((ln for ln in lines[:12] if ln.text.startswith("# ")), None)
    if top is None:  # a text's first line: a title ("SOUTH SUDAN HUMANITARIAN FUND") or a page header
        top = next((ln for ln in lines[:3] if not ln.blank), None)
        if top is None or len(top.text) > 100 or top.text.rstrip().endswith((".", ":")):
            return
    title = top.text.title() if top.text.isupper() else top.text  # (the same length: spans stay right)
    found = country_names.find_in_text(title) if len(title) == len(top.text) else []
    if len({c for c, _, _ in found}) != 1:
        return
    code, s, e = found[0]
    span = _span(doc, top.start + s, top.start + e)
    for seg, rec in made:
        if seg.mode in ("entry", "row") and not rec.countries and not rec.country_groups:
            rec.countries = [code]
            rec.sources["countries"] = [span]


_ALL_START = re.compile(r"\b(?:All|Each of the|The)\s+(?:\w+\s+)?(?:projects|grants|activities|allocations|awards)\s+"
                        r"(?:will\s+)?(?:start|begin|started|began|starts|begins)\s+(?:on|in)\s+(" + normalise.DATE + ")",
                        re.I)


def _listing_start(doc: Document, text: str, made: list[tuple[Segment, Initiative]]) -> None:
    """"All projects start on 1 August 2024" above a listing: the start of each entry below that gives none."""
    m = _ALL_START.search(text, 0, 6000)
    day = normalise.parse_date(m.group(1).replace("\n", " ")) if m else None
    if m is None or day is None or day.precision == "year":
        return
    span = _span(doc, m.start(1), m.end(1))
    for seg, rec in made:
        if seg.mode in ("entry", "row") and seg.start > m.end() and rec.start is None:
            rec.start = day
            rec.sources["start"] = [span]


# a listing's funding source given once for all its entries: "Funding source for all rows: X", "Donor: X" on a line
# of its own outside every entry
_LIST_FUNDING = re.compile(r"^\s*[*_]{0,2}(?:funding source|source of fund(?:s|ing)|funded by|donors?|funders?)"
                           r"(?:\s+(?:for|of)\s+(?:all|every|each|these|the)\b[^:]{0,30})?[*_]{0,2}\s*:\s*(?P<v>\S.{2,150}?)"
                           r"\s*\.?\s*$", re.I)
_UNDER_SCHEME = re.compile(r"\b(?:funded|financed|supported|awarded|granted|made)\b[^.\n]{0,60}?\bunder\s+(?:its|the|their|our)\s+"
                           r"(?P<name>[A-Z][\w-]*(?:\s+[A-Z][\w-]*){0,5}?\s+(?i:grant scheme|grants? programme|scheme|"
                           r"window|facility|fund|trust fund|programme))\b")
_FUND_NAME = re.compile(r"\b(?:fund|facility|trust fund|financing facility)\s*$", re.I)


def _listing_funding(doc: Document, lines: list[Line], made: list[tuple[Segment, Initiative]]) -> None:
    """The funding source of a listing's rows and entries, when the page gives it once for all of them: a line
    "Funding source for all rows: X" outside every entry, or a masthead naming a fund ("SUDAN HUMANITARIAN FUND")
    over a subtitle naming the list ("2024 First Standard Allocation - approved projects")."""
    listed = [(seg, rec) for seg, rec in made if seg.mode in ("entry", "row")]
    if len(listed) < 2:
        return
    inside = [(seg.first, seg.last) for seg, _rec in made if seg.mode in ("entry", "row", "heading", "press")]
    value = span = None
    for ln in lines:
        low = ln.text.lower()
        if ln.blank or ":" not in low or "fund" not in low and "donor" not in low:
            continue
        m = _LIST_FUNDING.match(ln.text)
        if m and not any(a <= ln.no <= b for a, b in inside):
            value, span = m.group("v"), (ln.start + m.start("v"), ln.start + m.end("v"))
            break
    if value is None:  # "This annex lists the agreements X funded in 2024 under its Digital Public Goods grant scheme."
        first = min(seg.start for seg, _rec in listed)
        um = _UNDER_SCHEME.search(doc.text, 0, first)
        if um:
            value, span = um.group("name"), (um.start("name"), um.end("name"))
    if value is None:
        texts = [ln for ln in lines[:4] if not ln.blank]
        if len(texts) >= 2 and _FUND_NAME.search(texts[0].s.strip("#*_ ")) and _LIST_SUBTITLE.search(texts[1].s) \
                and not any(a <= texts[0].no <= b for a, b in inside):
            value = texts[0].s.strip("#*_ ")
            off = texts[0].text.find(value)
            span = (texts[0].start + off, texts[0].start + off + len(value))
    if value is None:
        return
    if value.isupper():
        value = value.title()
    for _seg, rec in listed:
        if not rec.funding_source:
            rec.funding_source = value
            rec.sources["funding_source"] = [_span(doc, *span)]


_DOC_CURRENCY = re.compile(r"\b(?:figures|amounts|budgets|values|costs)\b[^.\n]{0,30}?\b(?:are\s+|given\s+|shown\s+)?"
                           r"(?:in|of)\s+(?P<ccy>US dollars|United States dollars|U\.S\. dollars|USD|US\$|euros?|EUR|"
                           r"pounds sterling|GBP|Swiss francs|CHF)\b", re.I)
_CCY_NAMES = {"us dollars": "USD", "united states dollars": "USD", "u.s. dollars": "USD", "usd": "USD", "us$": "USD",
              "euro": "EUR", "euros": "EUR", "eur": "EUR", "pounds sterling": "GBP", "gbp": "GBP",
              "swiss francs": "CHF", "chf": "CHF"}


@functools.lru_cache(maxsize=2)  # asked once per record of the same text
def _doc_currency(text: str) -> str | None:
    """"Figures in US dollars", "All amounts are in United States dollars": the currency of bare amounts."""
    m = _DOC_CURRENCY.search(text, 0, 5000)
    return _CCY_NAMES.get(m.group("ccy").lower()) if m else None


def _countries_from_parts(made: list[tuple[Segment, Initiative]]) -> None:
    """A programme whose own text names no country works where its nested records (its country pilots) do."""
    for seg, rec in made:
        if seg.mode != "heading" or rec.countries:
            continue
        named = f"{rec.title} pilot: " if rec.title else None  # its pilots, "X pilot: Kenya", wherever they sit
        for other_seg, other in made:
            if other is not rec and other_seg.mode != "prose" and (
                    seg.window is not None and seg.first < other_seg.first <= seg.last
                    or named and (other.title or "").startswith(named)):
                for code in other.countries:
                    if code not in rec.countries:
                        rec.countries.append(code)
                        rec.sources.setdefault("countries", []).extend(
                            sp for sp in other.sources.get("countries", []) if sp.text and
                            country_names.lookup(sp.text, fuzzy=False) == code)


def _pilots_led_as_programme(made: list[tuple[Segment, Initiative]]) -> None:
    """"X pilot: Kenya" with no lead of its own is led by whoever leads programme X."""
    leads = {rec.title: [p for p in rec.partners if p.role == "lead"][:1] for _s, rec in made
             if rec.title and rec.kind == "programme"}
    for _seg, rec in made:
        name, sep, _place = (rec.title or "").partition(" pilot: ")
        if rec.kind == "pilot" and sep and leads.get(name) and not any(p.role == "lead" for p in rec.partners):
            rec.partners = [*leads[name], *rec.partners]


def _lead_subject(text: str, dateline: Any) -> tuple[str, str] | None:
    """Who the release says acts ("The X Facility (XF), a fund hosted by ..., today announced investments"):
    the investor of an investment round."""
    if not dateline:
        return None
    ln, m = dateline
    if text[ln.start + m.end():ln.end].strip(" *_"):
        base = ln.start + m.end()
    else:  # a dateline on its own line: the lead is the next paragraph
        nxt = re.search(r"\S", text[ln.end:])
        base = ln.end + nxt.start() if nxt else len(text)
    body = text[base:base + 600]
    body = _PLACE_FIRST.sub("", body, count=1)  # a dateline with no date: "NEW YORK — The X Fund has ..."
    sm = _LEAD_SUBJECT.match(body)
    if not sm or country_names.lookup(sm.group("name"), fuzzy=False):
        return None
    return sm.group("name"), sm.group("appos") or ""  # the name, and what the release says the investor is


def _link_investment_round(records: list[Initiative], text: str, dateline: Any) -> None:
    """An announced investment round: its investor funds each listed investment, and the investees are the
    round's beneficiaries."""
    items = [r for r in records if r.extras.get("segment") == "item" and r.kind == "investment"]
    press = next((r for r in records if r.extras.get("segment") == "press" and r.kind == "investment"), None)
    if press is None and len(items) >= 2:
        # "X Fund backs three start-ups" over the companies it names, each with its amount: the headline is the
        # round, not the fund (its "Fund" is the investor's name)
        press = next((r for r in records if r.extras.get("segment") == "press" and r.kind == "fund" and r.source_lines
                      and all(r.source_lines[0] <= (i.source_lines or (0, 0))[0] <= r.source_lines[1] for i in items)
                      and re.search(r"\b(?:backs|invests|bets|disburses|awards|funds|makes|announces)\b.*\b(?:start-?ups|"
                                    r"companies|firms|ventures|grants|investments|businesses|enterprises)\b",
                                    r.title or "", re.I)), None)
        if press is not None:
            press.kind = "investment"
            press.status = None
    if press is None or not items:
        return
    subject = _lead_subject(text, dateline)
    investor = PartnerRef(name=subject[0], role="funder", type=org_type(subject[0])) if subject else None
    if subject and subject[1]:  # "X, a fund hosted by A and capitalised by B, announced": A and B back X, not the round
        press.partners = [p for p in press.partners if p.name not in subject[1]]
    known = {p.name for p in press.partners}
    extra = [PartnerRef(name=p.name, role="beneficiary", type=p.type) for r in items for p in r.partners
             if p.role == "beneficiary" and p.name not in known]
    for r in items:  # the listed investments of an announced round are announced with it
        if r.date_announced is None and press.date_announced is not None:
            r.date_announced = press.date_announced
            if "date_announced" in press.sources:
                r.sources["date_announced"] = list(press.sources["date_announced"])
    if investor is not None and investor.name not in known:
        press.partners = [investor, *press.partners, *extra]
        for r in items:
            if investor.name not in {p.name for p in r.partners}:
                r.partners = [*r.partners, investor]
    else:
        press.partners = [*press.partners, *extra]


def _link_release_events(doc: Document, records: list[Initiative], dateline: Any, mentions: list[OrgMention]) -> None:
    """A release announcing several initiatives with no record of its own ("ITU and UNEP today announced three
    joint initiatives. The first, the X Initiative, ..."; "UN-Habitat and the AfDB will convene three dialogues",
    then one paragraph per dialogue): each is announced on the release's day, where the release was issued (an
    event keeps its own venue), led by the organisations its lead sentence names before the verb, and planned
    when it starts after that day."""
    if not dateline or any(r.extras.get("segment") == "press" for r in records):
        return
    ln, m = dateline
    text = doc.text
    end = next((x.start() for x in _RELEASE_END.finditer(text, ln.end)), len(text))
    last_line = text.count("\n", 0, end) + 1
    # what the release counts ("three joint initiatives", "three regional dialogues") are what it announces: an
    # initiative merely named in it ("under their Cities Finance Facility launched in 2023") is not
    counted = _COUNTS.search(text[ln.start:ln.start + 600]) or _COUNTS.search(text[:ln.start])
    prose_too = bool(counted and kind_of(re.sub(r"s$", "", counted.group("noun"))) != "event")
    events = [r for r in records if r.source_lines and ln.no < r.source_lines[0] <= last_line and (
        r.kind == "event" and r.extras.get("segment") in ("repetition", "item", "entry", "heading")
        or prose_too and r.extras.get("segment") == "prose")]
    if len(events) < 2:
        return
    day = _dateline_date(text, ln, m)
    lead_start = ln.start + m.end() if text[ln.start + m.end():ln.end].strip(" *_") else ln.end
    body = text[lead_start:lead_start + 600]
    verb = _LEAD_VERB.search(body)
    leads = [o for o in mentions if verb is not None and lead_start <= o.start < lead_start + verb.start()]
    loc = m.group("loc").split(",")[0].strip()
    for r in events:
        if r.date_announced is None and day is not None and day.precision == "day":
            r.date_announced = str(day)
            r.sources["date_announced"] = [_span(doc, ln.start + m.start("date"), ln.start + m.end("date"))]
            if r.start is not None and str(r.start)[:7] > str(day)[:7] and r.status is None and r.kind != "event":
                r.status = "planned"
                r.sources["status"] = list(r.sources["date_announced"])
        if r.location is None and r.kind != "event" and loc:
            r.location = loc.title() if loc.isupper() else loc
            r.sources["location"] = [_span(doc, ln.start + m.start("loc"), ln.start + m.start("loc") + len(loc))]
        named = {p.name for p in r.partners}
        new = [o for o in leads if o.name not in named]
        if new:  # the organisations that announce them jointly lead them
            r.partners = [*(PartnerRef(name=o.name, role="lead", type=o.type, acronym=o.acronym) for o in new),
                          *r.partners]
            r.sources["partners"] = [*(_span(doc, o.start, o.end) for o in new), *r.sources.get("partners", [])]


_COUNTS = re.compile(r"\b(?:two|three|four|five|six|seven|eight|nine|ten|\d)\s+(?:new\s+|joint\s+|regional\s+)*"
                     r"(?P<noun>initiatives|projects|programmes|programs|partnerships|funds|pilots|dialogues|events|"
                     r"workshops|forums|meetings|conferences)\b", re.I)
_RELEASE_END = re.compile(r"^\s*(?:#+\s*)?[*_]{0,2}(?:About\s|Media contacts?|Press contacts?|Contacts?:|For (?:further|more) "
                          r"information|-?\s*ENDS\b|#{3}\s*$)", re.M | re.I)
_LEAD_VERB = re.compile(r"\s(?:will|to|today|have|has|are|is|announced|said|convene[sd]?|host(?:s|ed)?|organi[sz]e[sd]?)\s")


_AS_OF = re.compile(r"\b(?:status|situation|portfolio|figures|budgets?|data|information)\b[^.\n]{0,40}?\b"
                    r"(?:as (?:at|of)|at|on)\s+(?P<date>\d{1,2}\s+[A-Z][a-z]+\s+(?:19|20)\d{2})\b", re.I)


def _status_as_of(doc: Document, records: list[Initiative]) -> None:
    """A listing dated by its status ("status at 31 December 2024", "budgets as at 30 June 2024"): a record
    with no stated status is completed when it ended before that day, planned when it starts after it, and
    ongoing in between."""
    m = _AS_OF.search(doc.text[:3000])
    day = normalise.parse_date(m.group("date")) if m else None
    if day is None or day.precision != "day":
        return
    ref = str(day)
    for r in records:
        if r.status is not None or r.start is None or r.extras.get("segment") == "press":
            continue
        start, end = str(r.start), str(r.end) if r.end is not None else None
        status = ("completed" if end is not None and end[:7] < ref[:7] else
                  "planned" if start[:7] > ref[:7] else "ongoing" if end is not None else None)
        if status:
            r.status = status
            r.sources["status"] = [_span(doc, m.start("date"), m.end("date"))]


def _pk(name: str) -> str:
    from initiatives.ingest.prose import _key

    return _key(name)


def _dominant(book: OrgBook, counts: Counter[int]) -> OrgMention | None:
    if not counts:
        return None
    ident, n = counts.most_common(1)[0]
    if n < 3:
        return None
    return next(e for e in book.entries if id(e) == ident)


_TITLE_DATES = re.compile(r"^(?P<t>.+?)\s*\((?P<when>[^()]*\b(?:19|20)\d{2}\b[^()]*)\)$")
# a head line that is a field, "Label: value" with a short label and a code-like value ("Window: GR-2021-114")
_FIELD_HEAD = re.compile(r"^[A-Z][\w .()/&-]{0,30}:\s*[\w./-]*\d[\w./-]*\s*$")


_BARE_CODE = re.compile(r"[ \t]*[*_]{0,2}([A-Z]{1,6}[-/ ]?\d{2,8}[A-Z]?|\d{5,10})[*_]{0,2}[ \t]*$")


_DOC_TYPE = re.compile(r"\s*(?:[–—:|]|\s-)\s*(?:concept note|project document|project brief|fact ?sheet|brochure|"
                      r"terms of reference|progress report|annual report|one-pager|information note|"
                      r"frequently asked questions|faqs?|questions and answers|q\s?&\s?a)\s*$", re.I)
_CODE_HEAD_ALONE = re.compile(r"(?:\d{1,3}[.)]\s+)?(?P<code>[A-Z][A-Z0-9]*(?:[-/.][A-Z0-9]+){2,})")


def _title_below(text: str, span: tuple[int, int]) -> tuple[int, int] | None:
    """The next line after a span when it reads as a title (not a labelled field, not a sentence's end)."""
    nl = text.find("\n", span[1])
    if nl < 0:
        return None
    end = text.find("\n", nl + 1)
    line = text[nl + 1:len(text) if end < 0 else end]
    title = line.strip(" \t*_")
    if not title or label_of(title) is not None or len(title.split()) > 20 or not title[:1].isupper():
        return None
    start = nl + 1 + line.find(title)
    return start, start + len(title)


def _code_under(text: str, title_span: tuple[int, int]) -> tuple[int, int] | None:
    """"# Resilient Coastal Livelihoods" with "FP241" alone on the next line: the project's code."""
    nl = text.find("\n", title_span[1])
    if nl < 0:
        return None
    m = re.compile(r"\n*").match(text, nl + 1)
    start = m.end() if m else nl + 1
    line_end = text.find("\n", start)
    cm = _BARE_CODE.fullmatch(text, start, len(text) if line_end < 0 else line_end)
    if cm is None or re.fullmatch(r"(?:19|20)\d{2}", cm.group(1)):
        return None
    return cm.start(1), cm.end(1)


def _record(doc: Document, text: str, lines: list[Line], seg: Segment, mentions: list[OrgMention], book: OrgBook,
            dominant: OrgMention | None, dateline: Any, titles: list[str], index: TextIndex) -> Initiative | None:
    d = Draft(default_currency=_doc_currency(text))
    if seg.code:
        d.set("code", seg.code, seg.code_span)
    elif seg.mode in ("heading", "entry") and seg.title_span and (under := _code_under(text, seg.title_span)):
        d.set("code", text[under[0]:under[1]], under)
    coded = _CODE_HEAD_ALONE.fullmatch(seg.title or "") if seg.title_span else None
    if coded and (below := _title_below(text, seg.title_span)) is not None:
        # "1. SDN-24/HSD20/SA1/WASH/INGO/0101", and the project's title on the next line
        a = seg.title_span[0] + coded.start("code")
        d.set("code", coded.group("code"), (a, a + len(coded.group("code"))))
        seg = replace(seg, title=text[below[0]:below[1]], title_span=below)
    # an entry headed by one of its fields ("Output Ref: 00112233") is named by its Title label when it has one
    field_head = bool(seg.title and seg.mode == "entry" and _FIELD_HEAD.match(seg.title))
    dated = _TITLE_DATES.match(seg.title or "") if seg.title_span else None
    when = normalise.parse_range(dated.group("when")) if dated else (None, None)
    if dated and when[0] is not None:
        # "Kigali dialogue (20-21 May 2025)": the name, and when it takes place (an event) or runs
        a = seg.title_span[0]
        d.set("title", dated.group("t"), (a, a + len(dated.group("t"))))
        span = (a + dated.start("when"), a + dated.end("when"))
        d.set("start", str(when[0]), span)
        d.set("end", str(when[1] or when[0]) if seg.kind == "event" or when[1] else None, span)
    if seg.title and not field_head:
        d.set("title", seg.title, seg.title_span)
    found = labelled_fields(text, lines, seg, d) if seg.mode in ("entry", "heading", "press") else []
    if field_head:
        d.set("title", seg.title, seg.title_span)  # (no Title label: the head line it is)
    has_labels = any(lab.family in _STRUCTURED for lab, _, _ in found)
    if seg.mode == "row":
        _row_fields(seg, d)
        has_labels = bool(d.values.get("countries"))
        for header, (value, s, _e) in seg.row.items():
            lab = label_of(f"{header}: x")
            if seg.title_span and s == seg.title_span[0]:
                continue  # the cell that names the record
            if (lab is None or lab.family == "description") and value:
                named_things(value, s, d, mentions, titles)
    signed_on_dateline = False
    if seg.mode == "press" and dateline:
        signed_on_dateline = _press_fields(text, seg, d, dateline)
        if not seg.lead_span:
            _launchers(text, dateline, mentions, d)
    if seg.lead_span:
        _part_signatories(text, seg, mentions, d)
    if seg.place and not d.values.get("countries"):
        for code, s, e in _place_countries(text[seg.place[0]:seg.place[1]]):
            d.add("countries", code, (seg.place[0] + s, seg.place[0] + e))
    if seg.dated and not d.values.get("date_announced"):
        day = normalise.parse_date(text[seg.dated[0]:seg.dated[1]])
        if day and day.precision == "day" and seg.kind != "event":
            d.set("date_announced", str(day), seg.dated)
        elif day and seg.kind == "event" and not d.values.get("start"):
            d.set("start", str(day), seg.dated)  # an event's date line is when it takes place
            first, last = normalise.parse_range(text[seg.dated[0]:seg.dated[1]])
            if first and not d.values.get("end"):  # "8-9 April 2024": two days; "15 October 2024": one
                d.set("end", str(last or first), seg.dated)
            if not d.values.get("location") and (where := _cell_place(text, seg.dated)) is not None:
                d.set("location", text[where[0]:where[1]], where)
    for name, role, s, e in seg.hints:
        d.partner(name, role, org_type(name, name if name.isupper() else None), None, (s, e))
    prose_fields(text, seg, d, mentions, has_labels=has_labels, taken_spans=[], record_titles=titles,
                 index=index, label_spans=[(s, e) for lab, s, e in found
                              if lab.family in ("donor", "funding", "partners", "lead")])
    if seg.mode in ("item", "row") and seg.kind == "investment" and seg.title_span and seg.context != "bulletin":
        _investee_fields(text, seg, d, index)
    if signed_on_dateline and ("start" not in d.values or d.values.get("kind") == "partnership" and "end" not in d.values):
        # a partnership starts when it is signed: a lone "work starts in April" is a milestone of it, while
        # a term written as a range ("will run from June 2023 to May 2028") is its period
        # "NAIROBI, 4 May 2023 - X and Y today signed ...": signed on the day of the release
        ln, m = dateline
        if d.values.get("date_announced"):
            d.values.pop("start", None)
            d.spans.pop("start", None)
        d.set("start", d.values.get("date_announced"), (ln.start + m.start("date"), ln.start + m.end("date")))
    if seg.owner:
        t = org_type(seg.owner, seg.owner if seg.owner.isupper() else None)
        span = None
        if seg.title_span:
            pos = text.find(seg.owner, seg.title_span[0], seg.title_span[1])
            span = (pos, pos + len(seg.owner)) if pos >= 0 else None
        d.partner(seg.owner, "lead", t, seg.owner if seg.owner.isupper() else None, span)
    if dominant is not None and seg.mode not in _NO_DOMINANT_LEAD and not any(
            p["role"] == "lead" for p in d.partners):
        d.partner(dominant.name, "lead", dominant.type, dominant.acronym, None)
    kind = d.values.get("kind") or seg.kind or "project"
    if "kind" not in d.spans and seg.title_span:
        # the word of the title that names the kind ("... Fund", "... Summit"), when there is one
        noun = re.search(r"\b(?:fund|facility|pilots?|summit|forum|conference|partnership|programme|program|"
                         r"initiative|alliance|network|project|investments?|event|workshop)\b",
                         text[seg.title_span[0]:seg.title_span[1]], re.I)
        if noun and kind_of(noun.group(0)) == kind:
            d.spans["kind"] = [(seg.title_span[0] + noun.start(), seg.title_span[0] + noun.end())]
    if kind == "event" or (seg.mode == "entry" and re.search(r"\b(?:Forum|Summit|Conference)\b", seg.title or "")):
        _event_fields(text, seg, d, dateline)
    elif seg.mode != "press" and not any(lab.family == "location" or lab.label == "where" for lab, _, _ in found) and not (
            seg.mode == "row" and any((lab := label_of(f"{h}: x")) is not None and lab.family == "location"
                                      for h in seg.row)):
        # "in Geneva, Switzerland" says where a meeting was, not where a project is: only events and
        # press releases get a location from prose
        d.values.pop("location", None)
        d.spans.pop("location", None)
    status = d.values.get("status") or seg.status
    if status and not d.values.get("status") and seg.context_span:
        d.spans["status"] = [seg.context_span]  # "Past Projects" is where "completed" comes from
    a, b = seg.text_range
    if not status and not d.values.get("end") and re.search(
            r"\b(?:[Ss]ince (?:(?:its|the) \w+ in )?|[Ll]aunched in |[Ss]tarted in )(?:\w+,? )?(?:19|20)\d{2}\b",
            text[a:b]) and seg.mode != "entry":
        status = "ongoing"
    if not status and not d.values.get("status") and re.search(r"\b(?:[Ii]t|[Tt]he \w+) (?:runs|is running|continues) "
                                                               r"(?:from|until|to|through)\b", text[a:b]):
        status = "ongoing"  # "It runs from January 2022 to December 2026"
    if not status and seg.mode != "press" and d.spans.get("start") and re.search(r"\bwill\b", text[a:b]) and not re.search(
            r"\b(?:has|have|had|was|were)\b", text[a:b]):
        status = "planned"
    if seg.mode == "press" and not status and kind != "event":
        # a release announces something that is happening now, or that starts after the day it is announced
        start, day = d.values.get("start"), d.values.get("date_announced")
        a, b = seg.text_range
        later = bool(start and day and str(start)[:7] > str(day)[:7] and _WILL_BEGIN.search(text[a:b]))
        status = "planned" if later else "ongoing"

    summary = d.values.get("summary") or _summary(text, lines, seg)
    data: dict[str, Any] = {
        "kind": kind, "code": d.values.get("code"), "title": d.values.get("title"), "summary": summary,
        "status": status, "start": d.values.get("start"), "end": d.values.get("end"),
        "countries": d.values.get("countries", []), "country_groups": d.values.get("country_groups", []),
        "partners": [PartnerRef(name=p["name"], role=p["role"], type=p["type"], acronym=p["acronym"])
                     for p in d.partners],
        "budget": d.values.get("budget"), "funding_source": d.values.get("funding_source"),
        "sdgs": d.values.get("sdgs", []), "themes": d.values.get("themes", []),
        "date_announced": d.values.get("date_announced"), "location": d.values.get("location"),
        "lead_unit": d.values.get("lead_unit"), "region": d.values.get("region"),
        "comments": d.values.get("comments", []),
        "source_document": doc.name, "source_lines": (seg.first, seg.last),
    }
    spans = {k: v for k, v in d.spans.items() if k in data}
    partner_spans = [p["span"] for p in d.partners if p.get("span")]
    if partner_spans:
        spans["partners"] = partner_spans
    if summary and "summary" not in spans:
        spans["summary"] = [_summary_span(text, lines, seg, summary)]
    data["sources"] = {k: [_span(doc, s, e) for s, e in v] for k, v in spans.items() if v}
    extras: dict[str, Any] = {"segment": seg.cue or seg.mode}
    if d.misspelt:
        extras["countries_as_written"] = d.misspelt
    if seg.context:
        extras["section"] = seg.context
    data["extras"] = extras
    return _validated(data)


_LAST_MONTH = re.compile(r"\blast\s+(January|February|March|April|May|June|July|August|September|October|November|"
                         r"December)\b")


_HELD_ON = re.compile(r"(?:took place|was held|were held|is held|will be held|will take place|takes place|"
                      r"is taking place|will run|ran)\b[^.\n]{0,80}?\b(?:on|from|in)\s+(?P<when>(?:\d{1,2}\s*[–—-]\s*)?"
                      + normalise.DATE + ")", re.I)


_DAY_SPAN = re.compile(r"\b(?:from|on|between)\s+(?P<first>\d{1,2})\s+(?:to|and|until|-|–)\s+(?P<last>\d{1,2}\s+"
                       r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?,?\s+(?:19|20)\d{2})\b")


def _event_fields(text: str, seg: Segment, d: Draft, dateline: Any) -> None:
    """An event's month and year ("In November, 2015", "last October" counted back from the dateline)."""
    a, b = seg.text_range
    window = text[a:b]
    held = _HELD_ON.search(window)
    if "start" not in d.values and held:  # "took place in Kigali on 12–13 October 2023"
        start, end = normalise.parse_range(held.group("when"))
        if start is not None and start.precision != "year":
            d.set("start", str(start), (a + held.start("when"), a + held.end("when")))
            d.set("end", str(end or start), (a + held.start("when"), a + held.end("when")))
            if seg.status is None and re.match(r"(?:took|was|were)\b", held.group(0)):
                seg.status = "completed"
    days = _DAY_SPAN.search(window) if "start" not in d.values else None
    if days:  # "from 18 to 22 November 2024", "on 10 and 11 June 2025": the event's first and last days
        last = normalise.parse_date(re.sub(r"\s+", " ", days.group("last")))
        if last is not None and last.day is not None:
            try:
                first = normalise.PartialDate(last.year, last.month, int(days.group("first")))
            except ValueError:
                first = None
            if first is not None:
                d.set("start", str(first), (a + days.start("first"), a + days.end("first")))
                d.set("end", str(last), (a + days.start("last"), a + days.end("last")))
    if "start" not in d.values:
        m = re.search(r"\b(?:in|on|during|from)\s+(" + normalise.DATE + ")", window, re.I)
        dt = normalise.parse_date(m.group(1)) if m else None
        if dt is not None and dt.precision != "year":
            d.set("start", str(dt), (a + m.start(1), a + m.end(1)))
            d.set("end", str(dt), (a + m.start(1), a + m.end(1)))
        elif dateline:
            lm = _LAST_MONTH.search(window)
            ref = normalise.parse_date(dateline[1].group("date"))
            if lm and ref:
                month = normalise.MONTHS[lm.group(1).lower()]
                year = ref.year if month < (ref.month or 13) else ref.year - 1
                d.set("start", f"{year:04d}-{month:02d}", (a + lm.start(), a + lm.end()))
                d.set("end", f"{year:04d}-{month:02d}", (a + lm.start(), a + lm.end()))
                if seg.status is None:
                    seg.status = "completed"


def _span(doc: Document, start: int, end: int) -> Span:
    """A span trimmed to its visible text, so that Document.text[start:end] is exactly the quote."""
    quote = doc.text[start:end]
    start += len(quote) - len(quote.lstrip())
    end -= len(quote) - len(quote.rstrip())
    return Span(document=doc.sha256, start=start, end=max(start, end), text=doc.text[start:max(start, end)])


def _validated(data: dict[str, Any]) -> Initiative | None:
    """Build the record; a value the model rejects (e.g. start after end) is dropped, not the record."""
    for _ in range(6):
        try:
            return Initiative.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = err.get("loc") or ()
            field = str(loc[0]) if loc else None
            if field in data and field not in ("kind", "source_document", "source_lines"):
                data[field] = [] if isinstance(data[field], list) else None
                data["sources"].pop(field, None)
            elif not loc and data.get("start") and data.get("end"):  # start after end
                data["end"] = None
                data["sources"].pop("end", None)
            else:
                return None
    return None


def _row_fields(seg: Segment, d: Draft) -> None:
    for header, (value, s, e) in seg.row.items():
        if not value:
            continue
        lab = label_of(f"{header}: x")
        if lab is None and re.search(r"\s(?:19|20)\d{2}\b", header):  # "Disbursed 2024 (NOK)": the year qualifies it
            lab = label_of(re.sub(r"\s(?:19|20)\d{2}\b", "", header) + ": x")
        if lab is None or lab.family == "description":
            if re.search(r"\b(?:activit|description|details|summary|notes?)\w*", header):
                d.set("summary", value, (s, e))
            continue
        _apply_label(lab.family, lab.label, value, s, d)


def press_kind(text: str, seg: Segment, dateline: Any) -> str:
    """What a press release announces, from its headline and dateline sentence."""
    ln, m = dateline
    head = (seg.title or "") + " " + _lead_text(text, ln, m)
    invest = re.compile(r"\binvest(?:s|ed|ments?|ing|ors?)?\b|\b(?:seed|equity|venture) (?:funding|capital|round)\b|"
                        r"\bfunding round\b|\braises?\b", re.I)
    if invest.search(seg.title or ""):
        return "investment"
    # "Tidewater Partners" is a name, not a partnership
    if re.search(r"\b(?:partnership|partner(?:s|ed|ing)? (?:with|on|to)|agreement|memorandum|MoU|alliance|sign\w*|deal|"
                 r"join(?:s|ed)? forces|team(?:s|ed)? up)\b", re.sub(r"\b[A-Z]\w+ Partners?\b", "", head), re.I):
        return "partnership"
    if re.search(r"\bpilot(?:s|ed|ing)?\b", seg.title or "", re.I):
        return "pilot"  # "Kenya pilots drone deliveries of blood"
    if re.search(r"\b(?:first|second|final) close\b|\bfund(?:raising)? (?:size|target)\b", head, re.I):
        return "fund"  # "Climate fund reaches first close at $85 million"
    if invest.search(head):
        return "investment"
    return kind_of(head) or "programme"


_EACH_RECEIVES = re.compile(r"(?i:\beach)(?: of (?:which|them|whom)|\s+(?:winner|grantee|awardee|company|start-?up|team|"
                            r"recipient|finalist)s?)?\s+(?:will\s+)?(?:receives?|gets?|is awarded|wins?|"
                            r"is given|obtains?)\b")


def _investee_fields(text: str, seg: Segment, d: Draft, index: TextIndex) -> None:
    """An item of a list of investees ("**FarmCast** (Ghana) – US$400,000 – ..."): the company is the
    beneficiary, and an amount written right after its name is what it receives."""
    a, b = seg.title_span
    line_end = text.find("\n", b)
    line_end = len(text) if line_end < 0 else line_end
    near = [h for h in index.within(index.money, b, line_end) if h.start - b <= 40]  # absolute offsets
    if not near:  # "3) Terra Bits (Argentina) - a platform that ...; US$75,000": the one amount on the item's line
        on_line = index.within(index.money, b, line_end)
        near = on_line if len(on_line) == 1 else []
    if not near:  # "The largest cheque, €2.5m, goes to MilkLink"
        before = [h for h in index.within(index.money, max(0, a - 80), a)
                  if re.match(r"^[^.]{0,40}\b(?:goes|go|went|going) to\s+$", text[h.end:a])]
        near = before[-1:]
    if not near:  # "... three winners, each of which receives a grant of USD 75,000": the same for every item
        each = _EACH_RECEIVES.search(text)
        near = [h for h in index.within(index.money, each.end(), each.end() + 60)][:1] if each else []
    if near and "budget" not in d.values:
        h = near[0]
        d.set("budget", {"amount": h.amount, "currency": h.currency}, (h.start, h.end))
    context = (seg.context or "") + " " + text[max(0, a - 2000):a]
    kind = "startup" if re.search(r"\bstart-?ups?\b", context, re.I) else "private"
    d.partner(seg.title or "", "beneficiary", kind, None, (a, b))
    adj = adjective_country(text, a, b)
    if adj is not None and adj[0] not in d.values.get("countries", []):
        d.values.setdefault("countries", []).insert(0, adj[0])
        d.spans.setdefault("countries", []).append(adj[1])


_ADJ_BEFORE = re.compile(r"\b(?P<adj>[A-Z][a-z]+(?:[ \t][A-Z][a-z]+)?)[ \t]+(?:[a-z][\w-]*[ \t]+){0,3}$")
_ADJ_AFTER = re.compile(r"^[*_]{0,2}(?:[ \t]*\([^)]{1,12}\))?,[ \t]+an?[ \t]+(?P<adj>[A-Z][a-z]+(?:[ \t][A-Z][a-z]+)?)[\s-]")  # "**Pesca Fria**, a Senegalese"


def adjective_country(text: str, a: int, b: int) -> tuple[str, tuple[int, int]] | None:
    """The country of a company named as "Ugandan grain trader X" or "X, a Kenyan start-up"."""
    for rx, s, chunk in ((_ADJ_BEFORE, max(0, a - 50), text[max(0, a - 50):a]), (_ADJ_AFTER, b, text[b:b + 60])):
        m = rx.search(chunk)
        if m:
            code = country_names.ADJECTIVES.get(m.group("adj").casefold())
            if code:
                return code, (s + m.start("adj"), s + m.end("adj"))
    return None


def _lead_text(text: str, ln: Line, m: re.Match[str]) -> str:
    """The dateline's line, or — when the dateline stands on a line of its own ("Accra, 5 March 2024") — the
    paragraph after it: the lead sentence that says what is announced."""
    rest = text[ln.start + m.end():ln.end].strip(" *_")
    if rest:
        return text[ln.start:ln.end]
    nxt = re.search(r"\S[^\n]*", text[ln.end:])
    return text[ln.start:ln.end] + " " + (nxt.group(0) if nxt else "")


def _dateline_date(text: str, ln: Line, m: re.Match[str]) -> normalise.PartialDate | None:
    """The dateline's date; "Feb 13" without a year takes the year of the page's own date above it
    ("Published 14 Feb 2024")."""
    date = normalise.parse_date(m.group("date"))
    if date is not None or re.search(r"\d{4}", m.group("date")):
        return date
    years = re.findall(r"\b(?:19|20)\d{2}\b", text[:ln.start]) or re.findall(r"\b(?:19|20)\d{2}\b",
                                                                           text[ln.start:ln.start + 2000])
    return normalise.parse_date(f"{m.group('date')} {years[-1 if text[:ln.start].strip() else 0]}") if years else None


def _press_fields(text: str, seg: Segment, d: Draft, dateline: Any) -> bool:
    """Dateline, kind and signing date of a press release; True when it was signed on the dateline's day."""
    ln, m = dateline
    date = _dateline_date(text, ln, m)
    if date is not None and date.precision == "day":
        d.set("date_announced", str(date), (ln.start + m.start("date"), ln.start + m.end("date")))
    loc = re.split(r"\s*/\s*", m.group("loc").split(",")[0].strip())[0]  # "Brussels / Geneva": the first city
    d.set("location", loc.title() if loc.isupper() else loc, (ln.start + m.start("loc"), ln.start + m.start("loc")
                                                              + len(loc)))
    d.set("kind", press_kind(text, seg, dateline), None)
    if d.values.get("kind") == "event" and not m.group("loc"):
        # a page's posting date ("Posted on 20 October 2023") above the recap of an event announces nothing
        d.values.pop("date_announced", None)
        d.spans.pop("date_announced", None)
    # "The X Fund has invested $3 million in Y": X is the funder, Y the beneficiary
    inv = re.search(r"(?P<a>(?:[A-Z][\w&\-]*\s+){0,6}[A-Z][\w&\-]*)\s+(?:has\s+|have\s+)?invest(?:ed|s)\s+"
                    r"(?:[^.\n]{0,40}?\s+)?in\s+(?P<b>(?:[A-Z][\w&\-]*\s+){0,5}[A-Z][\w&\-]*)", text[seg.start:seg.end])
    if inv:
        a_name = re.sub(r"^(?:The|A|An)\s+", "", inv.group("a"))
        b_name = inv.group("b")
        d.partner(a_name, "funder", org_type(a_name), None,
                  (seg.start + inv.end("a") - len(a_name), seg.start + inv.end("a")))
        near = text[seg.start + inv.end("b"):seg.start + inv.end("b") + 60]
        d.partner(b_name, "beneficiary", "startup" if re.search(r"start-?up", near, re.I) else org_type(b_name), None,
                  (seg.start + inv.start("b"), seg.start + inv.end("b")))
        adj = adjective_country(text, seg.start + inv.start("b"), seg.start + inv.end("b"))
        if adj is not None:  # "invested $3 million in SunBox Energy, a Kenyan start-up"
            d.add("countries", adj[0], adj[1])
    # "signed ... on 21 March, 2016": the start of the partnership
    body = text[seg.start:seg.end]
    if "start" not in d.values and re.search(r"\bsign(?:ed|s|ing)?\b|\b(?:have|has) agreed to\b|\b(?:today|on \w+day)\s+(?:jointly\s+)?(?:launched|"
                                             r"formed|created|established|set up|started|began|kicked off|renewed)\b",
                                             _lead_text(text, ln, m)[:ln.end - ln.start + 400].split(". ")[0]) \
            and date is not None:
        signed_on_dateline = True
    else:
        signed_on_dateline = False
    for sm in re.finditer(r"\bsign(?:ed|ing)\b[^.\n]{0,300}?\bon\s+(" + normalise.DATE + ")", body, re.I):
        dt = normalise.parse_date(sm.group(1))
        if dt:
            d.set("start", str(dt), (seg.start + sm.start(1), seg.start + sm.end(1)))
            break
    return signed_on_dateline and date is not None and date.precision == "day"


def _summary(text: str, lines: list[Line], seg: Segment) -> str | None:
    a, b = seg.text_range
    chunk = text[a:b]
    if seg.mode in ("entry", "heading", "press"):
        # the entry's sentences: not its labelled fields, its tables or its sub-headings
        keep = [ln.s for ln in lines if seg.first < ln.no <= seg.last and not ln.blank
                and label_of(ln.text) is None and not _TABLE_LINE.match(ln.s) and not _HEAD_MARK.match(ln.s)]
        chunk = " ".join(keep) if keep else chunk
    chunk = re.sub(r"\s+", " ", chunk).strip()
    return _cut(chunk, SUMMARY_CHARS) or None


SUMMARY_CHARS = 800
_HEAD_MARK = re.compile(r"^#{1,6}\s+")
_TABLE_LINE = re.compile(r"^\|.*\|$")


def _cut(text: str, limit: int) -> str:
    """At most `limit` characters, ending at a sentence's end, else at a word's: a summary cut mid-word reads as
    corrupted text (and the audit would say so)."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    end = max(head.rfind(". "), head.rfind("! "), head.rfind("? "))
    if end >= limit // 2:
        return head[:end + 1]
    space = head.rfind(" ")
    return head[:space].rstrip(" ,;:") + " …" if space > 0 else head


def _summary_span(text: str, lines: list[Line], seg: Segment, summary: str) -> tuple[int, int]:
    head = summary[:40]
    pos = text.find(head, seg.start, seg.end + 1)
    if pos >= 0:
        return pos, min(seg.end, pos + len(summary))
    return seg.text_range


def _organizations(book: OrgBook, records: list[Initiative]) -> list[Organization]:
    out: dict[str, Organization] = {}
    idx = _OrgIndex()
    for e in book.entries:
        _put(out, e.name, e.acronym if e.acronym != e.name or e.name.isupper() else None, e.type, e.country,
             e.aliases, idx)
    for r in records:
        for p in r.partners:
            if r.kind == "pilot" and p.type == "unknown":
                continue
            _put(out, re.sub(r"\s*\(([^)]*)\)\s*$", "", p.name) or p.name,
                 p.acronym or _paren(p.name), p.type, None, [], idx)
    return _without_comma_cuts(list(out.values()))


def _cell_place(text: str, dated: tuple[int, int]) -> tuple[int, int] | None:
    """"Name | 8-9 April 2024 | Santiago, Chile | held": the city of the cell beside an event's date that names a
    city and its country."""
    a = text.rfind("\n", 0, dated[0]) + 1
    b = text.find("\n", dated[1])
    b = len(text) if b < 0 else b
    for m in re.finditer(r"(?:^|\|)\s*([A-Z][\w .'-]{1,30}),\s*([A-Z][\w .'-]{2,30}?)\s*(?=\||$)", text[a:b]):
        if country_names.lookup(m.group(2), fuzzy=False):
            return a + m.start(1), a + m.end(1)
    return None


def _place_countries(place: str) -> list[tuple[str, int, int]]:
    """Countries of a line naming a place: "KENYA", "Zambia and Zimbabwe", or a region of one ("Northern Kenya",
    "Ethiopian highlands")."""
    found = countries_in_line(place) or country_names.find_in_text(place)
    if found:
        return found
    for m in re.finditer(r"[A-Z][a-z]+", place):
        code = country_names.ADJECTIVES.get(m.group(0).lower())
        if code:
            return [(code, m.start(), m.end())]
    return []


def _without_comma_cuts(orgs: list[Organization]) -> list[Organization]:
    """"Ministry of Gender" beside "Ministry of Gender, Community Development and Social Welfare": a name cut at
    its first comma (a list read as several names) is the longer one."""
    names = sorted(o.name for o in orgs)
    cut = set()
    for o in orgs:
        k = bisect.bisect_left(names, o.name + ",")
        if not o.acronym and k < len(names) and names[k].startswith(o.name + ","):
            cut.add(o.name)
    return [o for o in orgs if o.name not in cut] if cut else orgs


class _OrgIndex:
    """Keys of `_organizations`' entries by base name, acronym and name, with their insertion order: `_put`
    compares a name only with the entries these point at (a document naming thousands of organisations made
    comparing with every entry quadratic)."""

    def __init__(self) -> None:
        self.order: dict[str, int] = {}
        self.by: dict[tuple[str, str], list[str]] = {}

    def note(self, k: str, o: Organization) -> None:
        from initiatives.ingest.orgs import key as org_key

        self.order.setdefault(k, len(self.order))
        for field, value in (("base", org_key(o.name)), ("acr", o.acronym), ("name", o.name)):
            if value:
                lst = self.by.setdefault((field, value), [])
                if k not in lst:
                    lst.append(k)
        base = k.split("|")[0]
        lst = self.by.setdefault(("base", base), [])
        if k not in lst:
            lst.append(k)

    def candidates(self, base: str, name: str, acronym: str | None) -> list[str]:
        keys = set(self.by.get(("base", base), ())) | set(self.by.get(("acr", name), ()))
        if acronym:
            keys |= set(self.by.get(("acr", acronym), ())) | set(self.by.get(("name", acronym), ()))
        return sorted(keys, key=self.order.__getitem__)


def _paren(name: str) -> str | None:
    m = re.search(r"\(([^)]+)\)\s*$", name)
    return m.group(1) if m else None


def _put(out: dict[str, Organization], name: str, acronym: str | None, type_: str, country: str | None,
         aliases: list[str], idx: _OrgIndex) -> None:
    from initiatives.ingest.orgs import key as org_key

    base = org_key(name)
    k = base + "|" + (country or "")
    for existing_key in idx.candidates(base, name, acronym):
        o = out[existing_key]
        if existing_key.split("|")[0] == base and (country is None or existing_key.endswith("|" + country)
                                                   or existing_key.endswith("|")):
            # the same organisation spelt differently ("UN Development Programme"): keep the spelling
            if name != o.name and name not in o.aliases and name != o.acronym:
                o.aliases = [*o.aliases, name]
            if not o.acronym and acronym:
                o.acronym = acronym
                idx.note(existing_key, o)
            return
        if (acronym and (o.acronym == acronym or o.name == acronym)) or (o.acronym and o.acronym == name):
            if o.name == o.acronym and name != acronym:
                o.aliases = [*o.aliases, o.name]
                o.name = name
            elif name not in (o.name, o.acronym) and name not in o.aliases:
                o.aliases = [*o.aliases, name]
            if o.type == "unknown" and type_ != "unknown":
                o.type = type_
            idx.note(existing_key, o)
            return
        if existing_key == k:
            return
    try:
        out[k] = Organization(name=name, acronym=acronym, type=type_, country=country,
                              aliases=[a for a in aliases if a != name])
    except ValidationError:
        return
    idx.note(k, out[k])
