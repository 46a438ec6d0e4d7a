"""DPG nominee JSON: import (validated), store, export that validates against the same schema."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from initiatives.errors import InputError
from initiatives.interop import dpg, formats
from initiatives.store import InitiativeQuery, Store
from interop_paths import DPG

NOMINEES = sorted((DPG / "nominees").glob("*.json"))


def test_every_nominee_imports_as_a_product() -> None:
    for path in NOMINEES:
        batch = formats.read(path)
        rec = batch.initiatives[0]
        assert rec.kind == "product" and rec.title and rec.sdgs and rec.extras["licenses"], path.name
        assert not batch.findings, path.name  # all 60 are valid upstream


def test_fields_map_with_evidence_licences_repositories_and_deployment_countries() -> None:
    batch = formats.read(DPG / "nominees" / "coral.json")
    rec = batch.initiatives[0]
    assert rec.extras["identifier"] == "dpg:coral"
    assert {e["sdg"] for e in rec.extras["sdg_evidence"]} == set(rec.sdgs) == {5, 9, 10, 16}
    assert rec.extras["licenses"][0]["spdx"] == "Apache-2.0"
    assert "USA" in rec.countries and "ARG" in rec.countries  # from screening/coral.json
    assert len(batch.documents) == 2
    doc = batch.documents[0]
    span = rec.sources["title"][0]
    assert doc.text[span.start:span.end] == "Coral"


def test_registry_json_is_not_taken_for_a_nominee(tmp_path) -> None:
    p = tmp_path / "reg.json"
    p.write_text(json.dumps({"records": []}))
    assert not dpg.looks_like_nominee(p)
    assert dpg.looks_like_nominee(DPG / "nominees" / "rahat.json")


def test_schema_problems_become_findings(tmp_path) -> None:
    data = json.loads((DPG / "nominees" / "rahat.json").read_text())
    data["license"][0]["spdx"] = "Not-A-Licence"
    data["stage"] = "maybe"
    p = tmp_path / "n.json"
    p.write_text(json.dumps(data, indent=2))
    batch = formats.read(p)
    fields = {f.field for f in batch.findings if f.rule == "dpg-schema"}
    assert fields == {"license/0/spdx", "stage"}
    assert batch.initiatives[0].title == "Rahat"


def test_json_that_is_neither_registry_json_nor_a_nominee_is_refused(tmp_path) -> None:
    """A nominee cut short (no SDGs nor licence) is no DPG record and has no 'records' list either: a clear
    error naming the file and the keys it has, not an import of nothing."""
    data = json.loads((DPG / "nominees" / "rahat.json").read_text())
    p = tmp_path / "short.json"
    p.write_text(json.dumps({k: data[k] for k in ("name", "description")}))
    with pytest.raises(InputError, match=r"'records' list .* or a DPG nominee record .*its keys: description, name"
                       ) as exc:
        formats.read(p)
    assert exc.value.file == str(p)


def test_malformed_json_names_the_line(tmp_path) -> None:
    p = tmp_path / "broken.json"
    p.write_text('{\n "name": "X",\n "SDGs": [\n}')
    with pytest.raises(InputError) as exc:
        formats.read(p)
    assert "broken.json" in str(exc.value)


@pytest.mark.parametrize("path", NOMINEES, ids=[p.name for p in NOMINEES])
def test_export_validates_and_keeps_the_record(path: Path) -> None:
    rec = formats.read(path).initiatives[0]
    out = dpg.to_nominee(rec)
    assert out is not None and dpg.validate(out) == []
    orig = json.loads(path.read_text(encoding="utf-8"))
    for key in ("name", "SDGs", "license", "type", "stage", "website"):
        if key in orig:
            assert out[key] == orig[key], key
    assert [o["name"] for o in out["organizations"]] == [o["name"].strip() for o in orig["organizations"]]


def test_store_and_export_through_the_registry_writer(tmp_path) -> None:
    store = Store.open(str(tmp_path / "r.db"))
    for path in NOMINEES[:10]:
        store.save_batch(formats.read(path))
    again = store.save_batch(formats.read(NOMINEES[0]))
    assert again.created == 0 and store.count_initiatives() == 10
    buf = io.StringIO()
    formats.writer_for("dpg")(formats.select(store, InitiativeQuery(), filtered=False), buf)
    items = json.loads(buf.getvalue())
    assert len(items) == 10 and all(dpg.validate(i) == [] for i in items)
