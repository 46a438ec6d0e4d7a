"""Jinja2 set-up: filters and globals the templates share."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from initiatives.reference import countries

# One colour per field, for highlighted spans (colour-blind-safe palette, text stays dark on it).
FIELD_COLOURS = {
    "title": "#fde68a", "code": "#fed7aa", "kind": "#e9d5ff", "status": "#bbf7d0", "start": "#bfdbfe",
    "end": "#bfdbfe", "countries": "#a7f3d0", "country_groups": "#99f6e4", "partners": "#fbcfe8",
    "budget": "#fecaca", "funding_source": "#fca5a5", "sdgs": "#c7d2fe", "themes": "#ddd6fe",
    "date_announced": "#bae6fd", "location": "#d9f99d", "summary": "#e5e7eb", "lead_unit": "#fef08a",
    "region": "#a5f3fc", "comments": "#f5d0fe",
}


def marked(snippet: str) -> Markup:
    """A search-engine snippet as HTML: the text escaped, its marked matches wrapped in <mark>."""
    from initiatives.search.engine import MARK_END, MARK_START

    html = str(escape(snippet)).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return Markup(html)


def highlight(text: str | None, query: str | None, width: int = 220) -> Markup:
    """A snippet of `text` around the first query word, with every query word wrapped in <mark>."""
    if not text:
        return Markup("")
    words = [re.escape(w) for w in (query or "").split() if w]
    if not words:
        return escape(text if len(text) <= width else text[:width].rsplit(" ", 1)[0] + " …")
    pattern = re.compile("|".join(words), re.IGNORECASE)
    m = pattern.search(text)
    start = max(0, (m.start() if m else 0) - width // 3)
    snippet = text[start:start + width]
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + width < len(text) else ""
    parts: list[str] = []
    last = 0
    for hit in pattern.finditer(snippet):
        parts.append(str(escape(snippet[last:hit.start()])))
        parts.append(f"<mark>{escape(hit.group(0))}</mark>")
        last = hit.end()
    parts.append(str(escape(snippet[last:])))
    return Markup(prefix + "".join(parts) + suffix)


def mark_quote(sentence: str | None, quote: str | None) -> Markup:
    """The sentence with the exact quoted text in <mark>."""
    sentence = sentence or ""
    at = sentence.find(quote or "\0") if quote else -1
    if at < 0:
        return escape(sentence)
    end = at + len(quote or "")
    return Markup(f"{escape(sentence[:at])}<mark>{escape(sentence[at:end])}</mark>{escape(sentence[end:])}")


def money(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if abs(number) >= 1e9:
        return f"{number / 1e9:,.2f} bn"
    if abs(number) >= 1e6:
        return f"{number / 1e6:,.2f} m"
    return f"{number:,.0f}"


def make(folder: Path) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(folder))
    env = templates.env
    env.filters["highlight"] = highlight
    env.filters["marked"] = marked
    env.filters["money"] = money
    env.filters["mark_quote"] = mark_quote
    env.filters["country_name"] = countries.name
    env.globals["FIELD_COLOURS"] = FIELD_COLOURS
    env.trim_blocks = True
    env.lstrip_blocks = True
    return templates
