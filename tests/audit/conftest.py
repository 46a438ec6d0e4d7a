"""Fixtures for the audit tests."""

from __future__ import annotations

import json

import pytest

from audit_support import TODAY, doc, shared_dir
from initiatives.audit import runner
from initiatives.interop import registry_json
from initiatives.store import Store


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
