"""A record's spans kept compactly in `initiatives.source_spans` (revision 0006) instead of `sources` rows.

A bulk-inserted record whose spans all point into its own document without a quoted text (an IATI activity:
about eleven spans each) keeps them as one small JSON value on its row: `{"document": sha256, "spans":
[[field, start, end], ...]}`, in the record's order. That is one value instead of eleven rows with two index
entries each (a 1 GB IATI file: 2.2 million rows less). Readers get both kinds back through `decode` (the
record mapping, the document view); an edit through the ORM writes `sources` rows and clears the column.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

_ENCODE = msgspec.json.Encoder().encode
_DECODE = msgspec.json.Decoder().decode


def encode(sha256: str, spans: Sequence[tuple[str, int, int]]) -> str:
    """The column's value for spans (field, start, end) into the document `sha256`."""
    return _ENCODE({"document": sha256, "spans": spans}).decode()


def prefix(sha256: str) -> str:
    """How the column's value of spans into the document `sha256` begins."""
    return '{"document":"' + sha256 + '"'


def decode(value: str | None) -> list[tuple[str, str, int, int]]:
    """(field, document sha256, start, end) of each span kept in the column, in order ([] for None)."""
    if not value:
        return []
    data: Any = _DECODE(value)
    sha = data["document"]
    return [(field, sha, start, end) for field, start, end in data["spans"]]
