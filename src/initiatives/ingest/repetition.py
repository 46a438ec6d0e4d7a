"""Entries found from a document's own repetition, not from a rule per layout.

A listing repeats one shape at the start of each entry: a line of capitals naming a country above a title, a
date line above a headline, a bold run-in title (`**Name.** text`), a `### heading`, a numbered paragraph.
Each paragraph block (lines between blank lines or rules) gets a *signature* from its first lines (markup,
case pattern, length, what the line is: date, country, code + title, run-in title, title, sentence). A
signature that recurs, and whose blocks (each up to the next one) hold field cues of several kinds (amounts,
dates, countries, labels, organisations, initiative nouns), is the document's entry delimiter.

`entries()` returns the entries of the best such signatures; `segment._prefer_repetition` uses them where they
find more (or better titled) records than the layout rules do, keeping a titled record a rule found on an entry's
own first line, and keeps the rules' segments elsewhere. Linear in the number of lines (one pass to build blocks,
one dictionary of signatures, field cues found once per document).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from initiatives.ingest.labels import label_of
from initiatives.ingest.segment import MD_HEAD, RULE, SETEXT
from initiatives.reference import country_names

_MD, _RULE, _SETEXT = MD_HEAD, RULE, SETEXT  # the headings and separator lines the layout rules read
_TABLE = re.compile(r"^\s*\|")
_BULLET = re.compile(r"^\s*(?:[-*•]\s+|(?:>>|[»►▶▸‣▪◦→])\s*|(?:\d{1,3}|[a-z]|[IVX]{1,4})[.)]\s+|\((?:\d{1,3}|[a-z]|[ivx]{1,4})\)\s+)")
_RUNIN = re.compile(r"^\s*(?:[-*•]\s+|\d{1,3}[.)]\s+)?(?P<m>\*\*|__)(?P<t>[^*_\n]{3,120}?)(?P=m)\s*[.:–—-]?\s*(?=\S)")
_EMPH = re.compile(r"^\s*(?P<m>\*\*|__|\*|_)(?P<t>[^*_\n]{3,120}?)(?P=m)\s*:?\s*$")
_MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|" \
         r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_DATE_LINE = re.compile(rf"^\s*[*_]{{0,2}}(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?(?P<d>\d{{1,2}}\s+{_MONTH},?\s+"
                        rf"\d{{4}}|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})[*_]{{0,2}}\s*$")
# "12 March 2025 — Fund opens in Accra", "March 2024 | New partnership with X": a date, then the entry's title
_DATE_TITLE = re.compile(rf"^\s*[*_]{{0,2}}(?P<d>\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|{_MONTH}\s+\d{{4}}|"
                         rf"\d{{4}}-\d{{2}}-\d{{2}})[*_]{{0,2}}\s*(?:[–—|:·]|\s-)\s*[*_]{{0,2}}(?P<t>[A-Z“\"'‘].{{5,}}?)[*_]{{0,2}}\s*$")
# the head phrase of a paragraph: "Name – text", "Name: text", "Name. Text"
_LEAD_PHRASE = re.compile(r"^(?P<t>[A-Z“\"'‘][^.:;–—]{2,100}?)(?:\s+[–—]\s+|\s+-\s+|:\s+|\.\s+(?=[A-Z]))")
_CODE_TITLE = re.compile(r"^\s*(?:[*_#]+\s*)?(?P<code>[A-Z][A-Z0-9]*(?:[-/.][A-Z0-9]+)+|[A-Z]{2,8}\d[\w-]*|\d[\dA-Z]*"
                         r"(?:[-/.][\dA-Z]+)+)\s*(?::|\s[-–—]\s)\s*(?P<title>\S.{4,})$")
_ORG_WORDS = ("funded|financed|supported|led|implemented|run|delivered|convened|signed|managed|backed|partners?|"
              "donors?|ministry|government|bank|agency|foundation|university|institute|authority|commission|council|"
              "union|organi[sz]ation|programme|fund|facility")
_KIND_WORDS = ("project|programme|program|initiative|pilot|fund|facility|partnership|alliance|network|compact|"
               "coalition|grant|investment|platform|scheme|hub|fellowship|summit|forum|conference|agreement")
_KIND = re.compile(rf"\b(?:{_KIND_WORDS})s?\b", re.I)
# initiative nouns and organisation words in one pass over the lower-cased text; the look-ahead on the first letters
# lets the engine skip most positions (2-3 times faster than a plain alternation, much faster than re.I)
_FIRSTS = "".join(sorted({w[0] for w in (_KIND_WORDS + "|" + _ORG_WORDS).split("|")}))
_WORDS_LOW = re.compile(rf"(?<![a-z])(?=[{_FIRSTS}])(?:(?P<kind>(?:{_KIND_WORDS})s?)|(?:{_ORG_WORDS}))(?![a-z])")
_SENTENCE_END = re.compile(r"[.;,!?…]$")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")  # any year: cheaper than every date form, and enough as a cue


@dataclass
class Block:
    first: int  # 0-based index of its first line
    last: int  # 0-based index of its last line
    sig: tuple[str, ...] = ()
    level: int = 0  # Markdown heading level of its first line, 0 if none


@dataclass
class Entry:
    """One entry: lines [first, last] (1-based), its title and where it is written, and a date line's span."""
    first: int
    last: int
    title: str | None = None
    title_span: tuple[int, int] | None = None
    code: str | None = None
    code_span: tuple[int, int] | None = None
    dated: tuple[int, int] | None = None
    place: tuple[int, int] | None = None  # a line naming only countries above the title ("KENYA")
    status: str | None = None  # a cell saying it: "held", "upcoming", "ongoing"
    cues: set[str] = field(default_factory=set)
    group: int = 0  # entries of one repeated shape share it


_PLACE_SPLIT = re.compile(r"\s*(?:,|/|&|\band\b|\s[-–—]\s)\s*", re.I)


def countries_in_line(s: str) -> list[tuple[str, int, int]]:
    """"KENYA", "Zambia and Zimbabwe", "Fiji / Tonga": (ISO3, start, end) of each country of a line that names
    only countries; empty when anything else is on it."""
    out: list[tuple[str, int, int]] = []
    pos = 0
    for part in _PLACE_SPLIT.split(s):
        start = s.find(part, pos)
        pos = start + len(part)
        bare = part.strip(" *_:#")
        if not bare:
            continue
        code = country_names.lookup(bare, fuzzy=False)
        if code is None:
            return []
        off = part.find(bare)
        out.append((code, start + off, start + off + len(bare)))
    return out if len(out) <= 6 else []


def _country_line(s: str) -> bool:
    return bool(countries_in_line(s))


def _field(s: str) -> bool:
    """Whether a line is one of an entry's fields ("Where: Nepal"), not a name ("**Name.** text" is a title)."""
    lab = label_of(s)
    return lab is not None and lab.family not in ("title", "description", "kind", "comment")


def line_shape(s: str) -> str:
    """What one line is, as far as the shape of an entry goes."""
    s = s.strip()
    if _DATE_LINE.match(s):
        return "date"
    runin = _RUNIN.match(s)
    if runin and _field(_BULLET.sub("", s, count=1)):
        return "label"  # "- **Where:** Nepal": a field, not a run-in title
    if runin and not _EMPH.match(s):  # "**15–16 May 2025** | Nairobi | Data Summit": a date in bold, then the rest
        return "datetitle" if _YEAR.search(runin.group("t")) and len(runin.group("t").split()) <= 5 else "runin"
    if _DATE_TITLE.match(s):
        return "datetitle"
    bare = _BULLET.sub("", s, count=1) if not s.startswith(("**", "__")) else s
    if "|" in bare and len(bare) <= 200:
        cells = _CELL_SEP.split(bare)
        if len(cells) >= 3 and any(_YEAR.search(c) for c in cells[1:]) and not _YEAR.search(cells[0]):
            return "datetitle"  # "Santiago Dialogue on Digital Identity | 8-9 April 2024 | Santiago, Chile": a name, its date
    if _CODE_TITLE.match(bare) and label_of(bare) is None:
        return "code"
    if len(bare) <= 60 and _country_line(bare):
        return "country"
    if _EMPH.match(bare):
        return "bold"
    words = bare.split()
    if label_of(bare) is not None:
        return "label"
    lead = _LEAD_PHRASE.match(bare)
    if lead and len(words) >= 8 and len(lead.group("t").split()) <= 8 and not lead.group(0).rstrip().endswith("."):
        return "lead"  # "Solar Schools: a project in Malawi that ...", "Clean Water Towns – ..."
    if len(words) <= 14 and not _SENTENCE_END.search(bare) and re.match(r"[\w“\"'‘(]", bare):
        letters = [c for c in bare if c.isalpha()]
        if letters and all(c.isupper() for c in letters) and len(letters) >= 3:
            return "caps"
        return "title"
    return "text"


def _marker(s: str) -> str:
    m = _MD.match(s)
    if m:
        return "#" * len(m.group(1))
    if re.match(r"^\s*\d{1,3}[.)]\s", s) or re.match(r"^\s*\((?:\d{1,3}|[a-z]|[ivx]{1,4})\)\s", s):
        return "num"  # "1.", "2)", "(3)", "(a)", "(iv)"
    if re.match(r"^\s*(?:[-*•]\s|>>|[»►▶▸‣▪◦→])", s) and not s.strip().startswith(("**", "__")):
        return "bullet"
    return ""


def blocks(lines: list[str]) -> list[Block]:
    """Paragraph blocks: runs of non-blank lines, split at rules and before Markdown headings and tables."""
    out: list[Block] = []
    ruled: set[int] = set()  # blocks that follow a rule
    setext = _setext_heads(lines)
    start: int | None = None
    rule = False
    for i, raw in enumerate(lines):
        s = raw.strip()
        brk = not s or bool(_RULE.match(s))
        head = bool(_MD.match(raw)) or i in setext
        if start is not None and (brk or head or (_TABLE.match(raw) and not _TABLE.match(lines[i - 1]))):
            out.append(Block(start, i - 1))
            start = None
        if s and _RULE.match(s) and i - 1 not in setext:  # (a setext heading's underline is not a rule)
            rule = True
        if not brk and start is None:
            start = i
            if rule:
                ruled.add(i)
            rule = False
        if start is not None and head:  # a heading is a block of its own
            out.append(Block(i, i))
            start = None
    if start is not None:
        out.append(Block(start, len(lines) - 1))
    out = [part for b in out for part in _items(lines, b)]
    for b in out:
        if b.sig:
            continue
        if b.first in setext:
            b.level = setext[b.first]
            b.sig = ("#" * b.level, line_shape(lines[b.first]), "")
            continue
        b.sig = ("rule",) if b.first in ruled else _signature(lines, b)
        m = _MD.match(lines[b.first])
        b.level = len(m.group(1)) if m else 0
    return out


def _setext_heads(lines: list[str]) -> dict[int, int]:
    """0-based index -> level of each Markdown setext heading: a line of text over `===` (1) or `---` (2)."""
    out = {}
    for i in range(1, len(lines)):
        if _SETEXT.match(lines[i]):
            s = lines[i - 1].strip()
            if s and len(s) <= 100 and not _RULE.match(s) and not re.match(r"[-*•|>#]", s):
                out[i - 1] = 1 if lines[i].strip()[0] == "=" else 2
    return out


_ITEM = re.compile(r"^\s*(?:[-*•]|\d{1,3}[.)]|\((?:\d{1,3}|[a-z]|[ivx]{1,4})\))\s+")


def _items(lines: list[str], b: Block) -> list[Block]:
    """A list written without blank lines between its items: one block per item (a line opened by a bullet or a
    number, with the indented lines under it), when two or more items are there; else the block itself."""
    rows = _separated_rows(lines, b)
    if rows:
        return rows
    heads = [i for i in range(b.first, b.last + 1) if _ITEM.match(lines[i])]
    if len(heads) < 2 or heads[0] != b.first or any(
            i not in heads and not lines[i][:1].isspace() for i in range(b.first, b.last + 1)):
        return [b]
    out = []
    for k, i in enumerate(heads):
        last = heads[k + 1] - 1 if k + 1 < len(heads) else b.last
        text = _ITEM.sub("", lines[i], count=1)
        if _field(text):  # "- **Where:** Nepal": a list of an entry's fields, not of entries
            return [b]
        shape = "runin" if _RUNIN.match(text) else "datetitle" if _DATE_TITLE.match(text) else \
            "code" if _CODE_TITLE.match(text) else "lead" if _LEAD_PHRASE.match(text) and len(text.split()) >= 8 else "x"
        out.append(Block(i, last, ("item", _marker(lines[i]), shape)))
    return out


_CELL_SEP = re.compile(r"\s+[—–|·]\s+|\s+-\s+|\t+")


def _separated_rows(lines: list[str], b: Block) -> list[Block]:
    """"Ghana — Cocoa Traceability — 1,200,000 — Ministry of X" on each line: a table written with separators,
    one entry per line (every line of the block has the same number of cells, three or more)."""
    if b.last == b.first or _TABLE.match(lines[b.first]) or not _CELL_SEP.search(lines[b.first]):
        return []
    counts = {len(_CELL_SEP.split(lines[i].strip())) for i in range(b.first, b.last + 1)}
    if len(counts) != 1 or counts.pop() < 3:
        return []
    first = b.first
    # a header row of column names ("Grant ref | Grant title | Country") over rows with figures names no entry
    head = _CELL_SEP.split(lines[first].strip())
    if not any(ch.isdigit() for ch in lines[first]) and all(0 < len(c) <= 40 for c in head) and \
            all(any(ch.isdigit() for ch in lines[i]) for i in range(first + 1, b.last + 1)):
        first += 1
    rows = [Block(i, i, ("item", "cells", "row")) for i in range(first, b.last + 1)]
    return ([Block(b.first, b.first, ("cells", "header"))] if first > b.first else []) + rows


# a long first line broken off mid-sentence ("(c) Mobile birth registration. Technical assistance from"): the next
# line is the rest of its sentence, whatever its first letter
_RUNS_ON = re.compile(r"^.{40,}[^\W\d][a-z]$")


def _signature(lines: list[str], b: Block) -> tuple[str, ...]:
    head = lines[b.first]
    if _TABLE.match(head):
        return ("table",)
    mark = _marker(head)
    text = _MD.sub(r"\2", head) if mark.startswith("#") else head
    shape = line_shape(text)
    second = ""
    if b.last > b.first and shape in ("date", "country", "caps", "code", "title", "bold", "datetitle"):
        second = line_shape(lines[b.first + 1])
        if second in ("title", "caps", "bold", "runin") and lines[b.first + 1][:1].isspace() == head[:1].isspace() \
                and not lines[b.first + 1].lstrip()[:1].islower() and not _RUNS_ON.search(head):
            second = "t"  # a short line under it: its title (not the rest of a sentence the first line breaks off)
        elif lines[b.first + 1][:1].isspace() and not head[:1].isspace():
            second = "indented"
        elif second == "label":
            second = "label"
        else:
            second = "body"
    return (mark, shape, second)


# a block that opens with one of these is never an entry's start: a sentence, a labelled field, a table
_NOT_HEAD = {("", "text"), ("", "label"), ("bullet", "text"), ("bullet", "label")}


def _candidate(sig: tuple[str, ...]) -> bool:
    if sig == ("rule",):
        return True
    if sig[0] == "item":  # a list's items open with a name: bold, before a dash or colon, a code, a date
        return sig[2] != "x"
    if sig == ("table",) or (sig[0], sig[1]) in _NOT_HEAD or sig[1] == "label":
        return False
    if sig[0] == "" and sig[1] in ("title", "caps", "bold") and sig[2] == "":
        return False  # a short line alone between blank lines: a heading, which the layout rules read
    return not (sig[0] == "bullet" and sig[1] == "text")


_MONEY = re.compile(r"(?:[$€£¥]|\b[A-Z]{3}\s?)\s?\d|\d\s?(?:million|billion|m|bn|k)\b", re.I)
# years, acronyms and thousands ("1,200,000" in a table whose currency is stated once) in one guided pass
_MARKS = re.compile(r"(?=[0-9A-Z])(?:(?P<date>(?<!\d)(?:19|20)\d\d(?!\d))|(?P<org>\b[A-Z]{2,}[a-z]?\b)|(?P<money>\d,\d{3}))")


def line_cues(lines: list[str], money: list[int] | None = None, countries: list[int] | None = None
              ) -> list[frozenset[str]]:
    """The kinds of field cue on each line: one pass of each pattern over the whole text, not one per block.
    `money` and `countries` are the offsets of hits already found (the pipeline's TextIndex), when known.
    The last answer is kept: the structural segmenter and the boundary model ask about the same document."""
    text = "\n".join(lines)
    global _LAST_CUES
    key = (text, tuple(money) if money is not None else None, tuple(countries) if countries is not None else None)
    last = _LAST_CUES  # one read: another thread may replace it, never half of it
    if last is not None and last[0] == key:
        return last[1]
    cues = _line_cues(text, lines, money, countries)
    _LAST_CUES = (key, cues)
    return cues


_LAST_CUES: tuple[tuple[Any, ...], list[frozenset[str]]] | None = None


def _line_cues(text: str, lines: list[str], money: list[int] | None, countries: list[int] | None
               ) -> list[frozenset[str]]:
    starts, pos = [], 0
    for ln in lines:
        starts.append(pos)
        pos += len(ln) + 1
    out: list[set[str]] = [set() for _ in lines]

    def mark(name: str, at: int) -> None:
        out[bisect_right(starts, at) - 1].add(name)

    for m in _MARKS.finditer(text):
        mark(m.lastgroup or "org", m.start())
    for m in _WORDS_LOW.finditer(text.lower()):
        mark("kind" if m.group("kind") else "org", m.start())
    for at in money if money is not None else [m.start() for m in _MONEY.finditer(text)]:
        mark("money", at)
    for at in countries if countries is not None else [a for _c, a, _b in country_names.find_in_text(text)]:
        mark("country", at)
    for i, ln in enumerate(lines):
        if ":" in ln or "\t" in ln or " - " in ln or "–" in ln or "—" in ln or ".." in ln or "**" in ln:
            if label_of(ln) is not None:
                out[i].add("label")
    return [frozenset(c) for c in out]


_STRONG = {"money", "date", "country", "label"}  # what an initiative's entry states; names and nouns alone do not
_END = re.compile(r"^\s*(?:#+\s*)?[*_]{0,2}(?:about\s|for (?:more|further)\b|contacts?\b|media\b|press contact|"
                  r"read more|related\b|share\b|subscribe\b|follow us|older\b|see also|back to|prepared by|"
                  r"source:|notes?:|©|\(c\)|"
                  # an email newsletter's footer
                  r"you (?:are )?receiv(?:e|ed|ing) this|unsubscribe\b|update (?:your )?preferences|"
                  r"view (?:this email|it) in (?:your|a) browser|all rights reserved|privacy policy)", re.I)


def _runs(lines: list[str], blks: list[Block], starts: list[int]) -> list[tuple[int, int]]:
    """(first block, last block) of each entry: up to the next start, a heading of its rank or higher, or the
    page's closing lines; the last entry is as long as the longest other one."""
    spans: list[tuple[int, int]] = []
    for k, bi in enumerate(starts):
        stop = starts[k + 1] if k + 1 < len(starts) else len(blks)
        level = blks[bi].level
        j = bi + 1
        while j < stop:
            b = blks[j]
            if b.level and (level == 0 or b.level <= level) or _END.match(lines[b.first]):
                break
            j += 1
        spans.append((bi, j - 1))
    if len(spans) >= 2:
        longest = max(last - first for first, last in spans[:-1])
        first, last = spans[-1]
        spans[-1] = (first, min(last, first + longest))
    return spans


def _line_span(lines: list[str], offsets: list[int], i: int, part: str) -> tuple[int, int]:
    pos = lines[i].find(part)
    pos = max(pos, 0)
    return offsets[i] + pos, offsets[i] + pos + len(part)


def row_of(second: str) -> int:
    """The line of a block that holds its title: the second when a short line sits under the first."""
    return 1 if second == "t" else 0


_PLACE_DASH = re.compile(r"^\s*[A-Z][A-Z.'’/-]+(?:[ ,]+[A-Z][A-Za-z.'’/-]+){0,3}\s+[—–-]\s+\S")  # "NAIROBI — The ..."
_MD_HEAD_LINE = re.compile(r"^\s{0,3}#{1,6}\s+(?P<t>\S.*?)\s*#*\s*$")


_CODE_ALONE = re.compile(r"^\s*(?:\d{1,3}[.)]\s+)?(?P<code>[A-Z][A-Z0-9]*(?:[-/.][A-Z0-9]+){2,}|[A-Z]{2,8}-?\d[\w-]*)\s*$")


def _title(lines: list[str], offsets: list[int], b: Block, e: Entry) -> None:
    head = lines[b.first]
    code = _CODE_ALONE.match(head)
    if code and b.last > b.first and lines[b.first + 1].strip() and label_of(lines[b.first + 1]) is None:
        # "1. SDN-24/HSD20/SA1/WASH/INGO/0101", then the project's title on the next line
        e.code, e.code_span = code.group("code"), _line_span(lines, offsets, b.first, code.group("code"))
        title = lines[b.first + 1].strip(" *_")
        if len(title.split()) <= 20:
            e.title, e.title_span = title, _line_span(lines, offsets, b.first + 1, title)
        return
    if _PLACE_DASH.match(head):
        # "### A new fund for women-led start-ups", then "NAIROBI — The ... Fund": a news item opened by its
        # dateline is titled by its headline above it (the place names no initiative)
        k = b.first - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        hm = _MD_HEAD_LINE.match(lines[k]) if k >= 0 else None
        if hm is not None:
            title = hm.group("t").strip(" *_")
            e.first = k + 1
            e.title, e.title_span = title, _line_span(lines, offsets, k, title)
        return
    if b.sig[0] == "item":
        _item_title(lines, offsets, b, e)
        return
    sig = b.sig if b.sig != ("rule",) else _signature(lines, b)
    if len(sig) != 3:
        return  # a table after a rule: its rows are read by the table rules
    mark, shape, second = sig
    if b.sig == ("rule",) and shape in ("text", "label"):
        return  # a card that opens with its text: untitled
    if shape == "date":
        m = _DATE_LINE.match(head)
        e.dated = (offsets[b.first] + m.start("d"), offsets[b.first] + m.end("d")) if m else None
    if shape == "datetitle" and row_of(second) == 0:
        m = _DATE_TITLE.match(head)
        if m:
            e.dated = (offsets[b.first] + m.start("d"), offsets[b.first] + m.end("d"))
        if len(_CELL_SEP.split(head.strip())) >= 3 and _cells_title(lines, offsets, b.first, e):
            return
        if m and len(m.group("t").split()) <= 16:
            title = m.group("t").strip()
            e.title, e.title_span = title, (offsets[b.first] + m.start("t"), offsets[b.first] + m.start("t") + len(title))
        return
    if shape == "country":
        e.place = (offsets[b.first], offsets[b.first] + len(head))
    row = b.first + 1 if second == "t" else b.first
    if row == b.first and shape in ("date", "country"):
        return  # a date or a country alone names no initiative: the record is keyed by its first line
    text = lines[row]
    if mark.startswith("#") and row == b.first:
        text = _MD.sub(r"\2", text)
    if row + 1 < e.last and e.dated is None:
        under = _DATE_LINE.match(lines[row + 1])  # "*12 March 2025*" under a headline
        if under:
            e.dated = (offsets[row + 1] + under.start("d"), offsets[row + 1] + under.end("d"))
    if len(_CELL_SEP.split(text.strip())) >= 3 and _cells_title(lines, offsets, row, e):
        return
    m = _RUNIN.match(text) or _EMPH.match(text)
    if m:
        title = m.group("t").strip().rstrip(".:–—-").strip()
    else:
        title = _BULLET.sub("", text.strip(), count=1).strip(" *_#")
        if (shape in ("text", "lead") or len(title.split()) > 16) and row == b.first:
            lead = _LEAD_PHRASE.match(title)  # a paragraph: its head phrase, when it has one
            if lead is None or len(lead.group("t").split()) > 10:
                return
            title = lead.group("t").strip()
    cm = _CODE_TITLE.match(title)
    if cm and re.search(r"\d|-|/", cm.group("code")):
        e.code = cm.group("code")
        e.code_span = _line_span(lines, offsets, row, e.code)
        title = cm.group("title").strip()
    title = re.sub(r"\s*\((?:19|20)\d{2}\s*[-–—]\s*(?:19|20)?\d{2}\)\s*$", "", title)  # "(2023-2026)"
    head = _TITLE_SENTENCE.match(title)  # "Peer learning on e-procurement. A two-year exchange between": the name
    if head and len(head.group(1).split()) <= 10:
        title = head.group(1)
    if len(title) < 3 or len(title.split()) > 16:
        return
    e.title = title
    e.title_span = _line_span(lines, offsets, row, title)


_TITLE_SENTENCE = re.compile(r"^([A-Z][^.!?]{2,100}?)\.\s+(?=[A-Z])")


_DATE_CELL = re.compile(rf"^(?:\d{{1,2}}\s*[-–]\s*)?\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}$|^{_MONTH}\s+\d{{1,2}}(?:\s*[-–]\s*\d{{1,2}})?,?\s+\d{{4}}$")


_STATUS_CELLS = {"held": "completed", "completed": "completed", "closed": "completed", "past": "completed",
                 "ongoing": "ongoing", "active": "ongoing", "running": "ongoing",
                 "upcoming": "planned", "planned": "planned", "forthcoming": "planned"}


def _cells_title(lines: list[str], offsets: list[int], row: int, e: Entry) -> bool:
    """A line of cells ("Ghana — Cocoa Traceability — 1,200,000", "**15 May 2025** | Nairobi, Kenya | Data
    Summit"): the title is the cell that names a kind, else the first longer cell that is not a date, an amount or a
    place; a cell of countries only is the entry's place."""
    cells = [c.strip(" *_") for c in _CELL_SEP.split(_BULLET.sub("", lines[row].strip(), count=1))]
    names = []
    for c in cells:
        if e.dated is None and _DATE_CELL.match(c):  # "8-9 April 2024": when it takes place
            e.dated = _line_span(lines, offsets, row, c)
            continue
        if c.lower() in _STATUS_CELLS:  # "| held", "| upcoming": where it stands
            e.status = _STATUS_CELLS[c.lower()]
            continue
        if countries_in_line(c):
            if e.place is None:
                e.place = _line_span(lines, offsets, row, c)
            continue
        if re.search(r"\d", c) or label_of(c) is not None or not c[:1].isupper() or len(c.split()) > 12:
            continue
        if len(c.split()) <= 4 and country_names.find_in_text(c):
            continue  # "Nairobi, Kenya": where it is
        names.append(c)
    pick = next((c for c in names if _KIND.search(c)), None) or next((c for c in names if len(c.split()) >= 2), None)
    if pick is None:
        return False
    e.title, e.title_span = pick, _line_span(lines, offsets, row, pick)
    return True


def _item_title(lines: list[str], offsets: list[int], b: Block, e: Entry) -> None:
    text = _ITEM.sub("", lines[b.first], count=1)
    shape = b.sig[2]
    if shape == "row":
        _cells_title(lines, offsets, b.first, e)
        return
    if shape == "datetitle":
        m = _DATE_TITLE.match(text)
        title = m.group("t").strip()
        e.dated = _line_span(lines, offsets, b.first, m.group("d"))
    elif shape == "code":
        m = _CODE_TITLE.match(text)
        e.code, e.code_span = m.group("code"), _line_span(lines, offsets, b.first, m.group("code"))
        title = m.group("title").strip()
    else:
        m = _RUNIN.match(text) if shape == "runin" else _LEAD_PHRASE.match(text)
        title = m.group("t").strip().rstrip(".:–—-").strip()
    if 2 <= len(title) and len(title.split()) <= 16:
        e.title, e.title_span = title, _line_span(lines, offsets, b.first, title)


def entries(lines: list[str], money: list[int] | None = None, countries: list[int] | None = None) -> list[Entry]:
    """The entries of the document's repeated block shapes (empty when no shape repeats with field cues).
    `money`, `countries`: offsets of those hits in the text when already found (see `line_cues`)."""
    blks = blocks(lines)
    by_sig: dict[tuple[str, ...], list[int]] = {}
    for i, b in enumerate(blks):
        if _candidate(b.sig):
            by_sig.setdefault(b.sig, []).append(i)
    offsets, pos = [], 0
    for ln in lines:
        offsets.append(pos)
        pos += len(ln) + 1
    chosen: list[tuple[float, list[Entry]]] = []
    if not any(len(starts) >= 2 for starts in by_sig.values()):
        return []
    cues_of = line_cues(lines, money, countries)
    for sig, starts in by_sig.items():
        if len(starts) < 2:
            continue
        found = _entries_of(lines, offsets, blks, starts, cues_of)
        if found:
            score = len(found) + sum(len(e.cues) for e in found) / (10 * len(found))
            chosen.append((score, found))
    out: list[Entry] = []
    for n, (_score, found) in enumerate(sorted(chosen, key=lambda c: -c[0])):
        lo, hi = found[0].first, found[-1].last
        if all(o.last < lo or o.first > hi for o in out):  # a region no better shape has claimed
            for e in found:
                e.group = n
            out.extend(found)
    return sorted(out, key=lambda e: e.first)


def each_states_terms(found: list[Entry]) -> bool:
    """Every entry states an amount and a date: a listing of initiatives even when their titles are written in
    sentence case ("Peer learning on e-procurement"), not the parts of one description."""
    return all({"money", "date"} <= e.cues for e in found)


def name_like(title: str | None) -> bool:
    """A name ("Farmers' Data Commons", "AGRI-NEXT", "Solar Kiosks Pilot") rather than a phrase ("Our approach",
    "What has changed so far"): most of its longer words after the first are capitalised, or it names a kind."""
    if not title:
        return False
    if _KIND.search(title) or re.search(r"[A-Z]{2,}|\d", title):
        return True
    words = [w for w in re.findall(r"[\w'’-]+", title)[1:] if len(w) >= 4]
    return bool(words) and sum(1 for w in words if w[0].isupper()) * 2 >= len(words)


def _entries_of(lines: list[str], offsets: list[int], blks: list[Block], starts: list[int],
                cues_of: list[frozenset[str]]) -> list[Entry]:
    spans = _runs(lines, blks, starts)
    found: list[Entry] = []
    sizes: list[int] = []
    for first, last in spans:
        a, b = blks[first].first, blks[last].last
        cues: set[str] = set()
        for k in range(a, b + 1):
            cues |= cues_of[k]
        e = Entry(a + 1, b + 1, cues=cues)
        _title(lines, offsets, blks[first], e)
        found.append(e)
        sizes.append(b - a + 1)
    while found and not found[-1].cues & _STRONG:  # the page's closing line after the last rule
        found.pop()
        sizes.pop()
    rich = [e for e in found if len(e.cues) >= 2 and e.cues & _STRONG]
    if len(rich) < 2 or len(rich) * 3 < len(found) * 2:
        return []
    if max(sizes) > 4 * median(sizes) + 3:  # not a regular repetition
        return []
    if sum(1 for e in found if e.title or e.dated) * 2 < len(found):
        return []
    sig = blks[starts[0]].sig
    if (sig == ("rule",) or sig[0].startswith("#") or sig[1] in ("title", "bold", "caps", "lead")) and \
            not each_states_terms(found) and \
            sum(1 for e in found if name_like(e.title)) * 2 < len(found):
        return []  # headings that name no initiative ("Our approach", "Results"): the parts of one description
    return found


def titled_entries(lines: list[str], spans: list[tuple[int, int]]) -> list[Entry]:
    """Entries found by other means (the boundary model, 1-based line spans), titled the way a repeated shape's
    entries are: the line under a date or country line, the run-in bold, a code's title, a paragraph's head."""
    offsets, pos = [], 0
    for ln in lines:
        offsets.append(pos)
        pos += len(ln) + 1
    out = []
    for first, last in spans:
        b = Block(first - 1, last - 1)
        b.sig = _signature(lines, b)
        m = _MD.match(lines[b.first])
        b.level = len(m.group(1)) if m else 0
        e = Entry(first, last)
        if b.sig == ("table",):
            _cells_title(lines, offsets, b.first, e)  # a table row: the cell that names a kind, or the first name
        else:
            _title(lines, offsets, b, e)
        out.append(e)
    return out
