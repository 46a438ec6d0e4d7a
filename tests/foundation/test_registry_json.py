"""Importing a gold file and exporting it again gives the same records, field for field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testdata import GOLD
from initiatives.errors import InputError
from initiatives.interop import formats, registry_json
from initiatives.store import InitiativeQuery, Store

GOLD_FILES = sorted(GOLD.glob("*.json"))


@pytest.mark.parametrize("gold_file", GOLD_FILES, ids=lambda p: p.stem)
def test_gold_round_trip(sqlite_store: Store, gold_file: Path) -> None:
    gold = json.loads(gold_file.read_text())
    sqlite_store.save_batch(registry_json.read(gold_file))
    sel = formats.select(sqlite_store, InitiativeQuery(), filtered=False)
    exported = registry_json.export(sel.initiatives, sel.organizations, sel.findings)
    assert len(exported["records"]) == len(gold["records"])
    for want, got in zip(gold["records"], exported["records"], strict=True):
        for key, value in want.items():
            assert got[key] == value, (key, want.get("code") or want.get("title"))
        assert got["source_document"] == gold["doc"]
    assert {f["rule"] for f in exported["findings"]} == {f["rule"] for f in gold["findings"]}
    assert len(exported["findings"]) == len(gold["findings"])


def test_round_trip_on_postgres_too(pg_url: str) -> None:
    store = Store.open(pg_url)
    gold_file = GOLD / "003_c4aa7e2cc117d534.json"
    store.save_batch(registry_json.read(gold_file))
    got = registry_json.export(store.list_initiatives(), [], [])["records"]
    want = json.loads(gold_file.read_text())["records"]
    assert [{k: g[k] for k in w} for w, g in zip(want, got, strict=True)] == want
    store.close()


def test_errors_name_file_record_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"records": [{"code": "OK1"}, {"code": "B2", "countries": ["BGD", "Narnia"]}]}))
    with pytest.raises(InputError) as exc:
        registry_json.read(bad)
    assert str(exc.value) == f"{bad}: record 2 (B2): field 'countries.1': 'Narnia' is not an ISO 3166-1 " \
                              "alpha-3 country code"
    broken = tmp_path / "broken.json"
    broken.write_text('{"records": [\n{"code": "x",}\n]}')
    with pytest.raises(InputError, match=r"broken.json:2: not valid JSON"):
        registry_json.read(broken)
