"""Segmentation cues of news copies, releases and bulletins, beside the layout cues of `segment.py`: several
agreements announced in one release, companies a news text names with the amount each receives, names set in
bold with a code in running text, bulletin items opened by a capitalised tag, and lists of companies a sentence
introduces. Each returns Segments for `segment.segment` to add; none looks at more than the lines it is given."""

from __future__ import annotations

import re

from initiatives.ingest.labels import label_of
from initiatives.ingest.segment import (_CODE, _COUNTED, _DOC_PART, _NOT_CODE, Heading, Line, Segment, find_dateline,
                                        kind_of)


def announced_parts(lines: list[Line], heads: dict[int, Heading], press: Segment) -> list[Segment]:
    """A release whose lead announces several agreements ("today signed two partnership agreements") and gives
    each a sub-heading of its own: one press record per sub-heading, instead of one for the whole release."""
    found = find_dateline(lines)
    if found is None:
        return []
    dl, m = found
    lead_line = dl if dl.text[m.end():].strip(" *_") else next(
        (ln for ln in lines[dl.no:] if not ln.blank), dl)
    if not _COUNTED.search(lead_line.text):
        return []
    top = heads[press.first].level if press.first in heads else 0
    subs = [no for no in sorted(heads) if max(press.first, lead_line.no) < no <= press.last and heads[no].level > top
            and heads[no].level < 6 and not _DOC_PART.match(heads[no].text)
            and not re.match(r"^(?:about|notes? to editors|contacts?|media)\b", heads[no].text, re.I)]
    if subs:  # the agreements' own sub-headings are of one level: the highest rank among them
        best = min(heads[no].level for no in subs)
        subs = [no for no in subs if heads[no].level == best]
    if len(subs) < 2:
        return []
    sent_end = lead_line.text.find(". ", m.end() if lead_line is dl else 0)
    lead_span = (lead_line.start, lead_line.start + sent_end if sent_end > 0 else lead_line.end)
    parts = []
    for k, no in enumerate(subs):
        last = subs[k + 1] - 1 if k + 1 < len(subs) else press.last
        while last > no and lines[last - 1].blank:
            last -= 1
        ln = lines[no - 1]
        title = heads[no].text
        off = ln.text.find(title)
        parts.append(Segment("press", no, last, ln.start, lines[last - 1].end, title=title,
                             title_span=(ln.start + off, ln.start + off + len(title)) if off >= 0 else None,
                             lead_span=lead_span))
    return parts


_NAME = r"(?P<name>[A-Z][\w'’&\-]*(?:[ \t]+[A-Z][\w'’&\-]*){0,3})"
# "Ugandan grain trader Nafaka Grain Hub receives UGX 9.2 billion", "... goes to MilkLink, a Nairobi-based ..."
_RECEIVES = re.compile(rf"(?<![\w’'])(?<!\. ){_NAME}[ \t]+(?:receives|received|gets|got|secures|secured|wins|won|"
                       rf"takes|took|is awarded|was awarded|lands|landed|bags|bagged)[ \t]+(?:an?[ \t]+)?(?=\S)")
_GOES_TO = re.compile(rf"\b(?:goes|go|went|going|is going)[ \t]+to[ \t]+{_NAME}(?=[,.;]|[ \t]+(?:for|to|in)\b)")
_NOT_INVESTEE = re.compile(r"^(?:The|This|That|Each|Every|It|They|He|She|We|Our|Its|Their|A|An|In|On|At|For|"
                           r"Under|With|Both|All)\b")
_INVESTING = re.compile(r"\binvest\w*|\bfund\b|\bbets?\b|\bbacks?\b|\bbacked\b|\bgrants?\b|\bstake\b|"
                        r"\bfinancing\b|\bportfolio\b", re.I)


def prose_investees(lines: list[Line], press: Segment, taken: set[int]) -> list[Segment]:
    """Companies a news release on investments names in its sentences with the amount each receives:
    one investment each, read from its own clause."""
    from initiatives.ingest.normalise import find_money

    head = " ".join(ln.text for ln in lines[press.first - 1:press.first + 8])
    if not _INVESTING.search(head):
        return []
    out: list[Segment] = []
    for ln in lines[press.first:press.last]:
        if ln.no in taken or ln.blank or len(ln.text) < 30:
            continue
        t = ln.text
        hits = []
        for m in _RECEIVES.finditer(t):
            money = find_money(t[m.end():m.end() + 40])
            if money and money[0].start <= 12:
                hits.append(m)
        for m in _GOES_TO.finditer(t):
            sent_start = max(t.rfind(". ", 0, m.start()) + 2, 0)
            if find_money(t[sent_start:m.start()]):
                hits.append(m)
        named = [(m.group("name"), m.start("name"), m.end("name")) for m in hits]
        seen = {n for n, _s, _e in named}
        # "... in three companies: A (Viet Nam), which sells sensors, receives USD 600,000; B (Indonesia) receives
        # USD 450,000 ...; and C (Philippines), a marketplace, receives USD 300,000": each clause opens with a
        # company and its country, and says what it receives further on
        for c in _CLAUSE_INVESTEE.finditer(t):
            end = t.find("; ", c.end())
            end = len(t) if end < 0 else end
            stop = t.find(". ", c.end())
            end = end if stop < 0 else min(end, stop)
            r = _RECEIVES_VERB.search(t, c.end(), end)
            if r and c.group("name") not in seen and (money := find_money(t[r.end():r.end() + 40])) and \
                    money[0].start <= 12:
                named.append((c.group("name"), c.start("name"), c.end("name")))
                seen.add(c.group("name"))
        for name, ns, ne in named:
            if _NOT_INVESTEE.match(name) or name.isupper() and len(name) <= 5 or kind_of(name):
                continue
            # the clause: from the sentence (or ", while") before the name to the next one
            a = max(t.rfind(". ", 0, ns) + 2, t.rfind(", while ", 0, ns) + 2, t.rfind("; ", 0, ns) + 2,
                    t.rfind(": ", 0, ns) + 2 if t.rfind(": ", 0, ns) > t.rfind(". ", 0, ns) else 0, 0)
            ends = [i for i in (t.find(". ", ne), t.find(", while ", ne), t.find("; ", ne)) if i >= 0]
            b = min(ends) + 1 if ends else len(t)
            out.append(Segment("item", ln.no, ln.no, ln.start, ln.end, title=name,
                               title_span=(ln.start + ns, ln.start + ne), kind="investment",
                               context="investees", window=(ln.start + a, ln.start + b)))
    return out


_CLAUSE_INVESTEE = re.compile(rf"(?:(?<=: )|(?<=; )|(?<=; and )|(?<=, and )){_NAME}[ \t]*\([A-Z][^()]{{1,30}}\)")
_RECEIVES_VERB = re.compile(r"\b(?:receives|received|gets|got|secures|secured|wins|won|is awarded|was awarded|"
                            r"takes|took)[ \t]+(?:an?[ \t]+)?(?=\S)")


# "**Solar Irrigation for Smallholders** (FP232), a US$85 million project led by ...": a name set in bold with
# its code in brackets, in running text
_BOLD_CODED = re.compile(rf"(?:\*\*|__)(?P<title>[^*_\n]{{4,140}}?)(?:\*\*|__)\s*\((?P<code>{_CODE})\)")


def coded_names(lines: list[Line], taken: set[int]) -> list[Segment]:
    """Initiatives a news text names in bold with their code, each read from its own part of the sentence (up to
    the next such name)."""
    out: list[Segment] = []
    board = None
    if any("**" in ln.text or "__" in ln.text for ln in lines):
        board = _approving_body(lines)
    for ln in lines:
        if ln.no in taken or "(" not in ln.text or ("**" not in ln.text and "__" not in ln.text):
            continue
        if ln.s.startswith(("#", "|")):
            continue
        t = ln.text
        found = [m for m in _BOLD_CODED.finditer(t) if re.search(r"\d", m.group("code"))
                 and not _NOT_CODE.match(m.group("code")) and not re.fullmatch(r"(?:19|20)\d{2}", m.group("code"))]
        for k, m in enumerate(found):
            sent = max(t.rfind(". ", 0, m.start()) + 2, 0)
            a = max(sent, m.start() if k else 0)  # the words before the next name still describe the one before
            nxt = t.find(". ", m.end())
            b = min([x for x in (nxt + 1 if nxt >= 0 else len(t), found[k + 1].start() if k + 1 < len(found) else len(t))])
            clause = t[a:b]
            after = t[m.end():b]
            noun = re.search(r"\b(?:an?|the)\s+(?:[\w$€£.,\-]+\s+){0,4}?(project|programme|program|pilot|fund|facility|"
                             r"initiative|partnership|platform)\b", after, re.I)
            kind = kind_of(noun.group(1)) if noun else (kind_of(m.group("title")) or "project")
            status = "planned" if re.search(r"\bapprov\w*|\bwill\b", t[sent:b], re.I) and not re.search(
                r"\b(?:completed|ended|closed)\b", clause, re.I) else None
            cs = ln.start + m.start("code")
            ts = ln.start + m.start("title")
            seg = Segment("item", ln.no, ln.no, ln.start, ln.end, title=m.group("title").strip(),
                               title_span=(ts, ts + len(m.group("title").strip())), code=m.group("code"),
                               code_span=(cs, cs + len(m.group("code"))), kind=kind, status=status,
                               window=(ln.start + a, ln.start + b))
            if board:
                seg.hints.append(board)
            out.append(seg)
    return out


# "The Board of the Green Climate Fund (GCF) ... approved": the fund whose board approves funds what it approves
_BOARD = re.compile(r"\b(?:[Ee]xecutive\s+)?(?:Board|Council|Committee)\s+of\s+(?:the\s+)?(?P<name>[A-Z][\w&\-]*(?:\s+"
                    r"(?:of\s+|for\s+|and\s+)?[A-Z][\w&\-]*){0,6}(?:\s+\([A-Z][A-Za-z]{1,9}\))?)[^.\n]{0,160}?\bapprov")


def _approving_body(lines: list[Line]) -> tuple[str, str, int, int] | None:
    for ln in lines[:30]:
        m = _BOARD.search(ln.text)
        if m:
            return m.group("name"), "funder", ln.start + m.start("name"), ln.start + m.end("name")
    return None


# "NEW PARTNERSHIP: The Kenya Red Cross Society and ... will ...": a bulletin item announced by a capitalised tag
_TAGGED = re.compile(r"^\s*(?P<tag>[A-Z][A-Z&/ \-]{2,40}):\s+(?P<body>[A-Z“\"].{20,})$")
_TAG_KINDS = [(r"\b(?:GRANTS?|AWARDS?|INVESTMENTS?|FUNDING)\b", "investment"), (r"\bPARTNERSHIPS?|AGREEMENTS?|MOU\b",
              "partnership"), (r"\bPILOTS?\b", "pilot"), (r"\bPROJECTS?\b", "project"), (r"\bFUNDS?\b", "fund"),
             (r"\b(?:PROGRAMMES?|PROGRAMS?|INITIATIVES?|LAUNCH(?:ES|ED)?)\b", "programme")]
_SUBJECT_END = re.compile(r"\s+(?:will|has|have|is|are|was|were|signed|launched|agreed|awarded|announced|joined|"
                          r"received|receives)\b")
_AWARDED = re.compile(r"^(?:The\s+)?(?P<a>[A-Z][\w&'’\-]*(?:\s+[A-Z][\w&'’\-]*){0,6})\s+(?:has\s+|have\s+)?"
                      r"(?:awarded|granted|given|invested)\s+[^.]{1,40}?\s+(?:to|in)\s+(?:the\s+)?"
                      r"(?P<b>[A-Z][\w&'’\-]*(?:\s+[A-Z][\w&'’\-]*){0,5})")


def bulletin_items(lines: list[Line], taken: set[int]) -> list[Segment]:
    """Items of a bulletin or newsletter, each a paragraph opened by a capitalised tag naming its kind."""
    out: list[Segment] = []
    for ln in lines:
        if ln.no in taken:
            continue
        m = _TAGGED.match(ln.text)
        if not m or label_of(ln.text) is not None:
            continue
        kind = next((k for rx, k in _TAG_KINDS if re.search(rx, m.group("tag"))), None)
        if kind is None:  # an event or other news: named in its text, found as prose
            continue
        body = m.group("body")
        end = _SUBJECT_END.search(body)
        subject = body[:end.start()] if end and end.start() <= 160 else body.split(". ")[0][:160]
        title = f"{m.group('tag').strip()}: {subject.strip()}"
        b0 = ln.start + m.start("body")
        seg = Segment("item", ln.no, ln.no, ln.start, ln.end, title=title,
                      title_span=(ln.start + m.start("tag"), b0 + len(subject.strip())), kind=kind, context="bulletin")
        aw = _AWARDED.match(body)
        if aw and kind == "investment":
            seg.hints += [(aw.group("a"), "funder", b0 + aw.start("a"), b0 + aw.end("a")),
                          (aw.group("b"), "beneficiary", b0 + aw.start("b"), b0 + aw.end("b"))]
        elif kind == "partnership":
            seg.lead_span = (b0, b0 + len(subject))  # the parties named before its verb
        out.append(seg)
    return out


# "The companies are:" / "The grants went to:" followed by "- Kilimo Data (Tanzania), $2m, for farm data analytics"
_INTRO = re.compile(r"\b(?:companies|start-?ups|investees|grantees|winners|recipients|awardees|beneficiaries|"
                    r"portfolio companies|ventures|investments)\b[^.\n]{0,60}:\s*$|\b(?:went|go|goes) to:\s*$", re.I)
# "- Kilimo Data (Tanzania), $2m", "1) **Pesca Fria**, a Senegalese start-up, receives ..."
_LISTED = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+(?P<m>\*\*|__)?(?P<name>[A-Z][^(,–—*_\n]{1,60}?)(?P=m)?\s*"
                     r"(?:\([^)]{2,40}\))?\s*(?:[,–—:]|-(?=\s))\s*\S")


def introduced_items(lines: list[Line], taken: set[int]) -> list[Segment]:
    """A list of companies a sentence introduces ("... start-ups. The companies are:"): one investment each."""
    out: list[Segment] = []
    for i, ln in enumerate(lines):
        if not _INTRO.search(ln.text) or ln.s.startswith(("#", "|", "-", "*")):
            continue
        for item in lines[i + 1:i + 60]:
            if item.blank and not out:
                continue
            m = _LISTED.match(item.text)
            if not m:
                if item.blank:
                    continue
                if out and item.text[:1].isspace() and out[-1].last == item.no - 1:
                    out[-1].last, out[-1].end = item.no, item.end  # the item's sentence goes on, indented
                    continue
                break
            if item.no in taken:
                continue
            name = m.group("name").strip()
            s = item.start + m.start("name")
            out.append(Segment("item", item.no, item.no, item.start, item.end, title=name, title_span=(s, s + len(name)),
                               kind="investment", context="investees"))
    return out
