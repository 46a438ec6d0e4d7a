"""Shared helpers for the audit tests: real seeds and gold from ../shared, small documents built in place."""

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

TODAY = dt.date(2026, 11, 21)


def shared_dir() -> Path:
    repo = Path(__file__).resolve().parents[2]
    for cand in (repo / ".." / "shared", repo / ".." / ".." / "shared"):
        if cand.is_dir():
            return cand.resolve()
    pytest.skip("../shared (seeds, gold, data) is not beside the checkout")


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


@pytest.fixture(scope="session")
def gold_run(tmp_path_factory):
    """The seeds audited against their gold records, in a real SQLite store (as bench/audit.py does)."""
    shared = shared_dir()
    db = tmp_path_factory.mktemp("gold") / "gold.db"
    store = Store.open(str(db))
    gold = []
    for gf in sorted((shared / "gold").glob("*.json")):
        data = json.loads(gf.read_text(encoding="utf-8"))
        gold += [{**f, "doc": data["doc"]} for f in data["findings"]]
        batch = registry_json.from_data({**data, "findings": []}, origin=str(gf))
        text = (shared / "seeds" / data["doc"]).read_text(encoding="utf-8")
        batch.documents.append(doc(text, data["doc"]))
        store.save_batch(batch, author="test")
    records = store.list_initiatives()
    docs = [store.get_document(d.sha256) for d in store.documents()]
    result = runner.run(records, docs, today=TODAY)
    yield store, gold, result, docs
    store.close()
