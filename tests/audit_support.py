"""Helpers for the audit tests: real seeds and gold from ../shared, small documents built in place."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest

from initiatives.audit import runner
from initiatives.model import Document, Initiative
from initiatives.interop import registry_json
from initiatives.store import Store
from testdata import SHARED

TODAY = dt.date(2026, 11, 21)


def shared_dir() -> Path:
    return SHARED


def doc(text: str, name: str = "listing.txt") -> Document:
    return Document(path=name, sha256=hashlib.sha256(text.encode()).hexdigest(), text=text)


def lines_of(text: str, first_words: str) -> int:
    """1-based number of the first line that starts with `first_words`."""
    for n, line in enumerate(text.split("\n"), start=1):
        if line.startswith(first_words):
            return n
    raise AssertionError(first_words)


def audit(records: list[Initiative], docs: list[Document] = (), only: set[str] | None = None,
          today: dt.date = TODAY):
    for i, r in enumerate(records, start=1):
        if r.id is None:
            r.id = i
    return runner.run(records, list(docs), today=today, only=only)
