"""Readers: turn a file (txt, md, html, docx, pdf) into a Document whose text every span points into.

Each reader returns plain text with one paragraph or heading per line, so line numbers (source_lines) and
character offsets (spans) mean the same thing whatever the format was.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from initiatives.errors import InputError
from initiatives.model import Document

MAX_BYTES = 50 * 1024 * 1024

# Lines a web page carries that are not content: cookie and JavaScript banners, skip links, share buttons.
_BOILERPLATE = re.compile(
    r"^\s*(?:sorry,? )?(?:you need to |please )?enable javascript\b.*$"
    r"|^\s*(?:skip to (?:main )?content|accept (?:all )?cookies|this (?:web)?site uses cookies\b.*"
    r"|share (?:this|on)\b.*|print this page|back to top)\s*$",
    re.IGNORECASE | re.MULTILINE,
)


def _decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:8192]:
        raise InputError("binary file, not text", file=name)
    for enc in ("utf-8-sig",):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            pass
    # Windows-1252 is the usual suspect for saved pages; accept it only if the bytes really are text.
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 or Windows-1252 text (byte {exc.start})", file=name) from None
    if sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t\f") > len(text) // 100:
        raise InputError("binary file, not text", file=name)
    return text


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    return text


# "intro-\nducing tools": a word hyphenated at a line end (text copied from a PDF or a printout)
_HYPHENATED = re.compile(r"(?<=[A-Za-z]{2})-\n([a-z]{2,}[,.;:!?)'’]*)[ \t]+(?=\S)")


def _dehyphenate(text: str) -> str:
    """Join words hyphenated at a line end, keeping every line where it is: the rest of the word moves up to the
    line it started on ("intro-\nducing tools" -> "introducing\ntools"), so line numbers still match the file.
    Only a lower-case continuation is joined ("South-\nSouth" stays)."""
    if "-\n" not in text:
        return text
    return _HYPHENATED.sub(lambda m: m.group(1) + "\n", text)


def _tab_rows(text: str) -> str:
    """A tab-separated export (a spreadsheet or a CMS's "Export as TSV" saved as text): three or more lines in a
    row that each hold the same number (two or more) of tabs between cells become pipe lists ("a | b | c"), which
    the segmenter reads as a table. Tabs that indent a line, or lines whose tab counts differ, stay as written.
    Only characters on each line change, so line numbers still match the file."""
    if "\t" not in text:
        return text
    lines = text.split("\n")
    counts = [ln.count("\t") if ln.strip() and not ln.startswith("\t") and "|" not in ln else 0 for ln in lines]
    i = 0
    while i < len(lines):
        n = counts[i]
        j = i
        while j < len(lines) and n >= 2 and counts[j] == n:
            j += 1
        if j - i >= 3:
            for k in range(i, j):
                lines[k] = " | ".join(c.strip() for c in lines[k].split("\t"))
            i = j
        else:
            i += 1
    return "\n".join(lines)


def read_text(data: bytes, name: str) -> str:
    return _tab_rows(_dehyphenate(_tidy(_decode(data, name))))


_BLOCK_TAGS = {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "br",
               "table", "ul", "ol", "dt", "dd", "blockquote", "pre", "header", "main", "figcaption"}
_DROP_TAGS = ["script", "style", "noscript", "nav", "footer", "header", "aside", "form", "iframe", "svg",
              "button", "template"]


def read_html(data: bytes, name: str) -> str:
    """Visible text of a page, one block per line; navigation, scripts and banners dropped.

    Headings become Markdown headings and table rows Markdown rows, so the segmenter reads HTML and
    Markdown the same way.
    """
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    tree = HTMLParser(_decode(data, name))
    for sel in _DROP_TAGS:
        for node in tree.css(sel):
            node.decompose()
    for node in tree.css('[role="navigation"], [role="banner"], [role="contentinfo"], [aria-hidden="true"], '
                         '.cookie, .breadcrumb, .menu, [class*="cookie"], [class*="related"], [id*="related"], '
                         '[class*="share"], [class*="social"], [class*="newsletter"], [class*="breadcrumb"], '
                         '[class*="sidebar"], [class*="subscribe"]'):
        node.decompose()
    root = tree.body or tree.root
    lines: list[str] = []
    fact_sheets: dict[int, bool] = {}
    if root is None:
        return ""
    repeated: dict[int, bool] = {}
    paired: set[int] = set()
    grids: dict[int, dict[int, list[str] | None]] = {}
    pair_runs: dict[int, bool] = {}
    for node in root.traverse(include_text=False):
        tag = node.tag
        if node.mem_id in paired:
            continue  # the value of a "label | value" pair already written
        pair = _label_value_pair(node, pair_runs) if tag in ("div", "li", "p") else None
        if pair is not None:  # <div><div>Country</div><div>Mali</div></div>: one labelled field
            lines.append(f"{pair[0]}: {pair[1]}")
            paired.update(c.mem_id for c in node.traverse(include_text=False))
            continue
        if tag in _CARD_TAGS and _repeated_container(node, repeated) and not _in_card(node, repeated):
            lines.append(_CARD_BREAK)  # one of a run of like cards: a rule before it, so each is read as one block
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            lines.append("#" * int(tag[1]) + " " + _squash(node.text(separator=" ")))
        elif tag == "tr":
            cells = _grid_row(node, grids)
            if cells is None:
                continue  # a header row merged into the one above it
            if cells and _fact_sheet(node, fact_sheets):
                lines.append(f"{cells[0]}: {cells[1]}")  # a fact-sheet table: "Duration | 2020 - 2023"
            elif cells:
                lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
        elif tag == "dt":  # a definition list is a list of labelled fields: "Countries: Lesotho, Namibia"
            dd = node.next
            while dd is not None and dd.tag not in ("dd", "dt"):
                dd = dd.next
            term = _squash(node.text(separator=" "))
            value = _squash(dd.text(separator=" ")) if dd is not None and dd.tag == "dd" else ""
            if term:
                lines.append(f"{term}: {value}" if value else term)
        elif tag == "dd":
            continue
        elif tag in {"p", "li", "blockquote", "pre", "figcaption", "summary"}:  # (<summary>: an FAQ's question)
            if node.parent is not None and _inside(node, {"p", "li", "td", "th", "blockquote"}):
                continue
            text = _squash(node.text(separator=" "))
            if text:
                lines.append(("- " if tag == "li" else "") + text)
        elif tag == "div" and not any(c.tag in _BLOCK_TAGS for c in node.iter()):
            text = _squash(node.text(separator=" "))
            if text and not _inside(node, {"p", "li", "td", "th"}):
                lines.append(text)
    text = _join_blocks([line if line != _CARD_BREAK else "---" for line in lines if line.strip("#| -")])
    return _BOILERPLATE.sub("", text).strip() + "\n"


_CARD_TAGS = {"div", "article", "section", "li"}
_CARD_BREAK = "\x00card"


def _repeated_container(node, cache: dict[int, bool]) -> bool:  # type: ignore[no-untyped-def]
    """True for an element that holds several blocks (a title and a text) and whose parent holds two or more
    elements of the same tag and class: a card of a grid, an item of a listing."""
    parent = node.parent
    if parent is None or not any(c.tag in _BLOCK_TAGS for c in node.iter()):
        return False
    key = node.mem_id
    if key not in cache:
        shape = (node.tag, (node.attributes.get("class") or "").strip())
        like = [c for c in parent.iter() if c.tag == shape[0] and (c.attributes.get("class") or "").strip() == shape[1]
                and any(g.tag in _BLOCK_TAGS for g in c.iter())]
        for c in like:
            cache[c.mem_id] = len(like) >= 2
        cache.setdefault(key, False)
    return cache[key]


def _in_card(node, repeated: dict[int, bool]) -> bool:  # type: ignore[no-untyped-def]
    """True inside a card already broken out (the fields of a card repeat too, but they are not cards)."""
    parent = node.parent
    while parent is not None:
        if repeated.get(parent.mem_id):
            return True
        parent = parent.parent
    return False


def _two_leaves(node) -> tuple[str, str] | None:  # type: ignore[no-untyped-def]
    """The texts of an element holding exactly two leaf elements ("Country" / "Mali, Niger")."""
    kids = [c for c in node.iter() if c.tag != "-text"]
    if len(kids) != 2 or any(any(g.tag in _BLOCK_TAGS for g in c.iter()) for c in kids):
        return None
    label, value = (_squash(c.text(separator=" ")) for c in kids)
    label = label.rstrip(":：").strip()
    if not label or not value or len(label.split()) > 5:
        return None
    return label, value


def _label_value_pair(node, runs: dict[int, bool]) -> tuple[str, str] | None:  # type: ignore[no-untyped-def]
    """An element holding exactly two leaf elements, a field label and its value ("Country" / "Mali, Niger"): a
    known label, or any label in a run of such pairs of which others are known (a project's "key facts" grid:
    "Accredited entity" / "CABEI" beside "Countries" / "El Salvador, Honduras")."""
    from initiatives.ingest.labels import label_of

    pair = _two_leaves(node)
    if pair is None:
        return None
    if label_of(f"{pair[0]}: {pair[1]}") is not None or _field_grid(node, runs):
        return pair
    return None


def _field_grid(node, runs: dict[int, bool]) -> bool:  # type: ignore[no-untyped-def]
    """True for one of three or more like siblings (same tag and class) that each hold a label and a value, two
    or a third of whose labels are known field labels."""
    from initiatives.ingest.labels import label_of

    parent = node.parent
    if parent is None:
        return False
    shape = (node.tag, (node.attributes.get("class") or "").strip())
    key = hash((parent.mem_id, shape))
    if key not in runs:
        pairs = [_two_leaves(c) for c in parent.iter()
                 if c.tag == shape[0] and (c.attributes.get("class") or "").strip() == shape[1]]
        known = sum(1 for p in pairs if p is not None and label_of(f"{p[0]}: {p[1]}") is not None)
        runs[key] = len(pairs) >= 3 and all(p is not None for p in pairs) and (known >= 2 or known * 3 >= len(pairs))
    return runs[key]


def _join_blocks(lines: list[str]) -> str:
    """Blocks separated by a blank line; the rows of one table stay together, the first row as its header."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        if lines[i].startswith("| "):
            j = i
            while j < len(lines) and lines[j].startswith("| "):
                j += 1
            rows = lines[i:j]
            ncols = rows[0].count(" | ") + 1
            out.append("\n".join([rows[0], "| " + " | ".join(["---"] * ncols) + " |", *rows[1:]]))
            i = j
        else:
            out.append(lines[i])
            i += 1
    return "\n\n".join(out)


def _grid_row(tr, grids: dict[int, dict[int, list[str] | None]]) -> list[str] | None:  # type: ignore[no-untyped-def]
    """The cells of a table row with merged cells spread out: a cell spanning rows (`rowspan`) repeats its text
    in the rows below, one spanning columns (`colspan`) in the columns beside it; header rows on top of each other
    (a "Grant period" cell over "From" and "To") become one header row ("Grant period From", "Grant period To").
    None for a header row merged into the one above."""
    table = tr.parent
    while table is not None and table.tag != "table":
        table = table.parent
    if table is None:
        return [_squash(c.text(separator=" ")) for c in tr.iter() if c.tag in ("td", "th")]
    key = table.mem_id
    if key not in grids:
        grids[key] = _table_grid(table)
    return grids[key].get(tr.mem_id, [])


def _span(cell, name: str) -> int:  # type: ignore[no-untyped-def]
    try:
        return max(1, min(int(cell.attributes.get(name) or 1), 50))
    except ValueError:
        return 1


def _table_grid(table) -> dict[int, list[str] | None]:  # type: ignore[no-untyped-def]
    rows = [r for r in table.css("tr")]
    pending: dict[int, tuple[str, int]] = {}  # column -> (text, rows still to fill)
    grid: list[list[str]] = []
    heads: list[bool] = []
    for r in rows:
        out: list[str] = []
        cells = [c for c in r.iter() if c.tag in ("td", "th")]
        col = 0
        it = iter(cells)
        cell = next(it, None)
        while cell is not None or col in pending:
            if col in pending:
                text, left = pending[col]
                out.append(text)
                if left <= 1:
                    del pending[col]
                else:
                    pending[col] = (text, left - 1)
                col += 1
                continue
            text = _squash(cell.text(separator=" "))
            for _ in range(_span(cell, "colspan")):
                if _span(cell, "rowspan") > 1:
                    pending[col] = (text, _span(cell, "rowspan") - 1)
                out.append(text)
                col += 1
            cell = next(it, None)
        grid.append(out)
        heads.append(bool(cells) and all(c.tag == "th" for c in cells))
    result: dict[int, list[str] | None] = {r.mem_id: g for r, g in zip(rows, grid)}
    spanned = any(_span(c, "colspan") > 1 or _span(c, "rowspan") > 1 for r in rows[:2] for c in r.iter()
                  if c.tag in ("td", "th"))
    n_head = 0
    while n_head < len(rows) and heads[n_head]:
        n_head += 1
    if spanned and n_head >= 2:
        merged: list[str] = []
        for k in range(max(len(g) for g in grid[:n_head])):
            parts: list[str] = []
            for g in grid[:n_head]:
                if k < len(g) and g[k] and g[k] not in parts:
                    parts.append(g[k])
            merged.append(" ".join(parts))
        result[rows[0].mem_id] = merged
        for r in rows[1:n_head]:
            result[r.mem_id] = None
    return result


def _fact_sheet(tr, cache: dict[int, bool]) -> bool:  # type: ignore[no-untyped-def]
    """True when the row's table is a fact sheet: every row two cells, "label | value", no header cells."""
    table = tr.parent
    while table is not None and table.tag != "table":
        table = table.parent
    if table is None:
        return False
    key = table.mem_id
    if key not in cache:
        rows = [[c for c in r.iter() if c.tag in ("td", "th")] for r in table.css("tr")]
        cache[key] = bool(rows) and all(
            not any(c.tag == "th" for c in r) and _key_value_row([_squash(c.text(separator=" ")) for c in r])
            for r in rows)
    return cache[key]


def _key_value_row(cells: list[str]) -> bool:
    """A two-cell row whose first cell is a field label ("Duration", "Countries", "Budget (USD)")."""
    from initiatives.ingest.labels import label_of

    return len(cells) == 2 and bool(cells[1]) and label_of(f"{cells[0]}: {cells[1]}") is not None


def _inside(node, tags: set[str]) -> bool:  # type: ignore[no-untyped-def]
    parent = node.parent
    while parent is not None:
        if parent.tag in tags:
            return True
        parent = parent.parent
    return False


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def read_docx(data: bytes, name: str) -> str:
    import io
    import zipfile

    import docx  # python-docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        d = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, OSError, zipfile.BadZipFile) as exc:
        raise InputError(f"not a readable .docx file ({exc.__class__.__name__})", file=name) from None
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    blocks: list[str] = []
    for child in d.element.body.iterchildren():  # paragraphs and tables in document order
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(child, d)
            text = _squash(para.text)
            if not text:
                continue
            style = (para.style.name or "").lower() if para.style is not None else ""
            level = re.search(r"heading (\d)", style)
            if level:
                text = "#" * int(level.group(1)) + " " + text
            elif style == "title":
                text = "# " + text
            blocks.append(text)
        elif tag == "tbl":
            rows = []
            table_rows = [[_squash(c.text).replace("|", "/") for c in row.cells] for row in Table(child, d).rows]
            if table_rows and all(_key_value_row(r) for r in table_rows):  # a fact sheet: "label | value"
                blocks.append("\n".join(f"{r[0]}: {r[1]}" for r in table_rows))
                continue
            for i, cells in enumerate(table_rows):
                rows.append("| " + " | ".join(cells) + " |")
                if i == 0:
                    rows.append("| " + " | ".join("---" for _ in cells) + " |")
            blocks.append("\n".join(rows))  # a table's rows stay on consecutive lines
    return "\n\n".join(blocks) + "\n"


def read_pdf(data: bytes, name: str) -> str:
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        pdf = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in pdf.pages]
    except (PdfReadError, ValueError, KeyError, OSError, TypeError) as exc:
        raise InputError(f"not a readable PDF ({exc})", file=name) from None
    text = "\n\n".join(pages)
    if not text.strip():
        raise InputError("PDF has no text layer (scanned?)", file=name)
    # Undo hyphenation at line ends, keep lines otherwise: listings rely on them.
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
    return _tidy(text)


TextReader = Callable[[bytes, str], str]

READERS: dict[str, tuple[TextReader, str]] = {
    ".txt": (read_text, "text/plain"),
    ".text": (read_text, "text/plain"),
    ".md": (read_text, "text/markdown"),
    ".markdown": (read_text, "text/markdown"),
    ".html": (read_html, "text/html"),
    ".htm": (read_html, "text/html"),
    ".docx": (read_docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".pdf": (read_pdf, "application/pdf"),
}


def supported(path: Path) -> bool:
    return path.suffix.lower() in READERS


def read_document(path: Path) -> Document:
    """Read one file into a Document. Raises InputError (naming the file) for anything it cannot read."""
    name = str(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise InputError(f"unsupported file type {path.suffix or '(none)'!r} (ingest reads "
                         f"{', '.join(sorted(READERS))})", file=name)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"file is {size / 1e6:.0f} MB, over the 50 MB limit", file=name)
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file vanished before it could be read", file=name) from None
    except IsADirectoryError:
        raise InputError("is a directory", file=name) from None
    except PermissionError:
        raise InputError("permission denied", file=name) from None
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", file=name) from None
    if not data.strip():
        raise InputError("empty file", file=name)
    fn, media = reader
    try:
        text = fn(data, name)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - a parser library's error on a malformed file is bad input
        kind = path.suffix.lower().lstrip(".").upper() or "file"
        raise InputError(f"not a readable {kind} file ({exc.__class__.__name__}: {str(exc)[:120]})",
                         file=name) from None
    if not text.strip():
        raise InputError("no text in file", file=name)
    return Document(path=name, sha256=hashlib.sha256(data).hexdigest(), media_type=media, text=text,
                    title=_title(text))


def _title(text: str) -> str | None:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if len(line) > 3 and not line.startswith("---") and ":" not in line[:20]:
            return line[:200]
    return None
