"""A world map, each country coloured by its number of initiatives and linked to Explore.

The country shapes are the SVG that the `pygal_maps_world` package ships as package data (keyed by ISO
alpha-2). The app serves them once as a cacheable file of <symbol>s (`shapes_svg`), and each page inlines only
a small SVG of links with `<use>` references and fills, so the map costs a few kB per page.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from markupsafe import Markup, escape

from initiatives.reference import countries

SHAPES_URL = "/map/world.svg"
# Light to dark purples (ColorBrewer BuPu), readable in greyscale too.
SCALE = ("#e0ecf4", "#bfd3e6", "#9ebcda", "#8c96c6", "#8856a7", "#810f7c")
EMPTY = "#f3f4f6"
_GROUP = re.compile(r'<g class="([a-z]{2}) country map-element">(.*?)</g>', re.S)
_VIEWBOX = re.compile(r'viewBox="([^"]+)"')


@lru_cache(maxsize=1)
def _shapes() -> tuple[str, list[tuple[str, str]]] | None:
    try:
        svg = resources.files("pygal_maps_world").joinpath("worldmap.svg").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return None
    m = _VIEWBOX.search(svg)
    return (m.group(1) if m else "0 0 2475 1388"), _GROUP.findall(svg)


@lru_cache(maxsize=1)
def shapes_svg() -> str | None:
    """Every country as a <symbol id="c-xx">, for <use> references."""
    shapes = _shapes()
    if shapes is None:
        return None
    viewbox, groups = shapes
    body = "".join(f'<symbol id="c-{a2}" viewBox="{viewbox}">{paths}</symbol>' for a2, paths in groups)
    return f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{viewbox}">{body}</svg>'


def _colour(n: int, top: int) -> str:
    if n <= 0:
        return EMPTY
    if top <= 1:
        return SCALE[-1]
    step = min(len(SCALE) - 1, int((n - 1) / max(1, top - 1) * (len(SCALE) - 1) + 0.5))
    return SCALE[step]


def render(counts: dict[str, int]) -> Markup | None:
    """Inline SVG of the world; None when the shapes package is not installed."""
    shapes = _shapes()
    if shapes is None:
        return None
    viewbox, groups = shapes
    top = max(counts.values(), default=0)
    parts = [f'<svg class="worldmap" viewBox="{viewbox}" role="group" '
             f'aria-label="World map of initiatives per country; choose a country to explore its initiatives">']
    for alpha2, _ in groups:
        iso3 = countries.alpha2_to_alpha3(alpha2)
        n = counts.get(iso3 or "", 0)
        label = f"{countries.name(iso3) if iso3 else alpha2.upper()}: {n} initiative{'s' if n != 1 else ''}"
        use = (f'<use href="{SHAPES_URL}#c-{alpha2}" fill="{_colour(n, top)}" width="100%" height="100%">'
               f'<title>{escape(label)}</title></use>')
        if n and iso3:
            parts.append(f'<a href="/explore?country={iso3}" aria-label="{escape(label)}" data-country="{iso3}">{use}</a>')
        else:
            parts.append(use)
    parts.append("</svg>")
    return Markup("".join(parts))


def off_map(counts: dict[str, int]) -> list[tuple[str, str, int, str]]:
    """(ISO3, name, count, colour) of the countries with initiatives that the map has no shape for: most small
    island developing States (Fiji, Samoa, Barbados, …) are too small for its shapes, and a UN registry cannot
    leave them out. The page lists them under the map with the same colours."""
    shapes = _shapes()
    if shapes is None:
        return []
    drawn = {countries.alpha2_to_alpha3(a2) for a2, _ in shapes[1]}
    top = max(counts.values(), default=0)
    rows = [(iso3, countries.name(iso3), n, _colour(n, top)) for iso3, n in counts.items()
            if n > 0 and iso3 not in drawn and countries.is_alpha3(iso3)]
    return sorted(rows, key=lambda r: r[1])


def legend(counts: dict[str, int]) -> list[tuple[str, str]]:
    """(colour, label) pairs explaining the map's fills."""
    top = max(counts.values(), default=0)
    out = [(EMPTY, "0")]
    if top <= 0:
        return out
    seen: dict[str, list[int]] = {}
    for n in range(1, top + 1):
        seen.setdefault(_colour(n, top), []).append(n)
    for colour, ns in seen.items():
        out.append((colour, str(ns[0]) if len(ns) == 1 else f"{ns[0]}–{ns[-1]}"))
    return out
