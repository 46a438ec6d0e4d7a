"""IATI activity XML: import (1.0x and 2.0x), bad input, export against the 2.03 schema, round trip."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from lxml import etree

from initiatives.errors import InputError
from initiatives.interop import formats
from initiatives.interop.iati import reader, writer
from initiatives.model import Initiative, PartnerRef
from initiatives.store import Store
from interop_paths import ACTIVITIES, IATI

FILES = sorted(ACTIVITIES.glob("*.xml"))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(str(tmp_path / "reg.db"))


def _by_code(batch, code):
    return next(r for r in batch.initiatives if r.code == code)


def test_every_real_file_imports_all_its_activities() -> None:
    counts = {p.name: len(reader.read(p).initiatives) for p in FILES}
    assert counts["iom-xm-dac-47066-v2.03.xml"] == 577
    assert counts["covid19-multi-publisher-v2.03-dportal-extract.xml"] == 401
    assert counts["tearfund-gb-chc-265464-drc-v1.0x.xml"] == 1
    assert sum(counts.values()) == 1545


def test_v2_fields_map_with_languages_codelists_and_spans() -> None:
    batch = reader.read(ACTIVITIES / "who-xm-dac-928-v2.03-dportal-extract.xml")
    rec = batch.initiatives[0]
    doc = batch.documents[0]
    assert rec.extras["identifier"] == rec.code == "XM-DAC-928-DJ-2020-21-13.003.EM01.DJI03"
    assert rec.countries == ["DJI"] and rec.status == "ongoing"
    assert str(rec.start) == "2020-01-01" and str(rec.end) == "2021-12-31"
    assert rec.extras["title_narratives"][0]["lang"] == "en"
    assert {p.role for p in rec.partners} == {"funder", "lead", "partner", "implementer"}
    assert rec.extras["reporting_org"]["ref"] == "XM-DAC-928"
    assert rec.budget is not None and rec.budget.currency == "USD"
    assert {t["type"] for t in rec.extras["transactions"]} == {"2", "4"}
    # provenance: the title span quotes the title element, at the line the file has it
    span = rec.sources["title"][0]
    assert doc.text[span.start:span.end].startswith("<title>")
    first_line = doc.text.splitlines()[rec.source_lines[0] - 1]
    assert "<iati-activity" in first_line


def test_sdg_vocabularies_and_regions() -> None:
    batch = reader.read(ACTIVITIES / "covid19-multi-publisher-v2.03-dportal-extract.xml")
    with_sdgs = [r for r in batch.initiatives if r.sdgs]
    assert with_sdgs, "vocabulary 8 (SDG targets) maps to goals"
    rec = with_sdgs[0]
    targets = [s["code"] for s in rec.extras["sectors"] if s["vocabulary"] == "8"]
    assert {int(t.split(".")[0]) for t in targets} <= set(rec.sdgs)
    # transactions without a type are findings, the activity still imports
    assert any("transaction-type" in f.message for f in batch.findings)
    assert all(f.source_document == "covid19-multi-publisher-v2.03-dportal-extract.xml" for f in batch.findings)


def test_v1_text_codes_are_read() -> None:
    batch = reader.read(ACTIVITIES / "cafod-gb-chc-285776-v1.00.xml")
    rec = batch.initiatives[0]
    assert rec.extras["iati_version"] == "1.00"
    assert any(p.role == "funder" for p in rec.partners)
    assert rec.extras["transactions"] and all(t["type"].isdigit() for t in rec.extras["transactions"])
    assert {s["vocabulary"] for r in batch.initiatives for s in r.extras.get("sectors", [])} <= {"1", "99", "98", "2"}
    tear = reader.read(ACTIVITIES / "tearfund-gb-chc-265464-drc-v1.0x.xml").initiatives[0]
    assert tear.extras["iati_version"] == "1.0x" and str(tear.start) == "2012-01-01"
    assert tear.title and tear.summary


def _xml(tmp_path: Path, body: str, name: str = "bad.xml") -> Path:
    p = tmp_path / name
    p.write_text(body, encoding="utf-8")
    return p


ACT = ('<iati-activity><iati-identifier>XM-1-{n}</iati-identifier><reporting-org ref="XM-1" type="10">'
       '<narrative>Org</narrative></reporting-org><title><narrative>T{n}</narrative></title>{extra}'
       '</iati-activity>')


@pytest.mark.parametrize("body, needle", [
    ('<iati-activities version="2.03"><iati-activity>', "malformed XML"),
    ('<iati-organisations version="2.03"/>', "wrong root element"),
    ('<iati-activities version="9.9"/>', "unknown IATI version"),
    ('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n<iati-activities version="2.03"/>', "DTD"),
    ("", "empty"),
])
def test_critical_problems_reject_the_file_and_store_nothing(tmp_path, store, body, needle) -> None:
    path = _xml(tmp_path, body)
    with pytest.raises(InputError) as exc:
        store.save_batch(formats.read(path))
    assert needle in str(exc.value) and "bad.xml" in str(exc.value)
    assert store.count_initiatives() == 0 and store.documents() == []


def test_malformed_xml_late_in_the_file_names_the_line(tmp_path) -> None:
    acts = "\n".join(ACT.format(n=i, extra="") for i in range(3))
    path = _xml(tmp_path, f'<iati-activities version="2.03">\n{acts}\n<iati-activity><title>\n</iati-activities>')
    with pytest.raises(InputError) as exc:
        formats.read(path)
    assert exc.value.line and exc.value.line >= 5


def test_entity_expansion_is_refused(tmp_path) -> None:
    bomb = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>\n'
            '<iati-activities version="2.03"><iati-activity><title>&lol2;</title></iati-activity></iati-activities>')
    with pytest.raises(InputError, match="DTD"):
        formats.read(_xml(tmp_path, bomb))


def test_record_problems_become_findings_and_the_record_keeps_what_is_sound(tmp_path, store) -> None:
    extra = ('<activity-status code="9"/><activity-date type="1" iso-date="2020-13-45"/>'
             '<activity-date type="2" iso-date="2020-02-01"/><recipient-country code="QQ"/>'
             '<recipient-country code="KE"/><sector vocabulary="7" code="3"/><sector code="99999"/>'
             '<budget><period-start iso-date="2020-01-01"/><period-end iso-date="2020-12-31"/>'
             '<value currency="USD" value-date="2020-01-01">12x</value></budget>')
    path = _xml(tmp_path, f'<iati-activities version="2.03">\n{ACT.format(n=1, extra=extra)}\n</iati-activities>')
    batch = formats.read(path)
    rec = batch.initiatives[0]
    assert rec.countries == ["KEN"] and rec.sdgs == [3] and str(rec.start) == "2020-02-01"
    assert rec.status is None and rec.budget is None
    rules = sorted((f.rule, f.evidence_text) for f in batch.findings)
    assert ("iati-codelist", "9") in rules and ("iati-codelist", "QQ") in rules
    assert ("iati-codelist", "99999") in rules and ("iati-date", "2020-13-45") in rules
    assert ("iati-value", "12x") in rules
    assert all("bad.xml:2" in f.message for f in batch.findings)
    summary = store.save_batch(batch)
    assert summary.created == 1
    stored = store.findings()
    assert len(stored) == len(batch.findings) and all(f.initiative_ids == summary.initiative_ids for f in stored)


def test_reimport_updates_instead_of_duplicating(tmp_path, store) -> None:
    path = ACTIVITIES / "iom-xm-dac-47066-v2.03.xml"
    first = store.save_batch(formats.read(path))
    assert first.created == 577
    again = store.save_batch(formats.read(path))
    assert again.created == 0 and again.unchanged == 577
    assert store.count_initiatives() == 577


def test_one_batch_or_many_parts_store_the_same_records(tmp_path) -> None:
    batch = formats.read(ACTIVITIES / "iom-xm-dac-47066-v2.03.xml")
    bulk_store = Store.open(str(tmp_path / "bulk.db"))
    bulk_store.save_batch(batch)  # 577 records at once
    orm_store = Store.open(str(tmp_path / "orm.db"))
    for i in range(0, len(batch.initiatives), 100):  # in parts: later parts find the organisations stored
        part = batch.model_copy(update={"initiatives": batch.initiatives[i:i + 100], "findings": []})
        orm_store.save_batch(part)
    strip = lambda r: r.model_dump(exclude={"id", "created_at", "updated_at", "partners"})  # noqa: E731
    a, b = bulk_store.list_initiatives(), orm_store.list_initiatives()
    assert [strip(r) for r in a] == [strip(r) for r in b]
    assert [[(p.name, p.role) for p in r.partners] for r in a] == [[(p.name, p.role) for p in r.partners] for r in b]
    assert len(bulk_store.history(a[0].id)) == 1


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_export_validates_and_round_trip_keeps_every_mapped_field(tmp_path, path) -> None:
    batch = reader.read(path)
    buf = io.StringIO()
    writer.write(batch.initiatives, buf)
    assert writer.validate(buf.getvalue()) == []
    again = reader.read(_xml(tmp_path, buf.getvalue(), "again.xml"))
    assert len(again.initiatives) == len(batch.initiatives)
    for a, b in zip(batch.initiatives, again.initiatives, strict=True):
        da, db = (r.model_dump(exclude={"sources", "source_document", "source_lines"}) for r in (a, b))
        ea, eb = da.pop("extras"), db.pop("extras")
        assert da == db
        # elements kept whole come back as they were, unless the publisher's XML of them is not valid 2.03
        # (then the export leaves them out: transactions are written as their sums)
        written = writer.activity_and_kept(a)[1]
        for key in writer.KEPT_KEYS:
            if key in written:
                assert ea.pop(key) == eb.pop(key)
            else:
                ea.pop(key, None), eb.pop(key, None)
        for key in ("iati_version", "last_updated_datetime"):
            ea.pop(key, None), eb.pop(key, None)
        for e in (ea, eb):  # transactions come back as one per type and currency: their sums
            e["transactions"] = [(t["type"], t["currency"], t["value"]) for t in e.get("transactions", [])]
        if "descriptions" not in ea:
            eb.pop("descriptions", None)
        assert ea == eb


def test_document_derived_records_export_valid_iati(tmp_path, store) -> None:
    recs = [
        Initiative(kind="pilot", code="P-1", title="Solar kiosks", summary="Kiosks in two districts",
                   status="ongoing", start="2021-06", end="2023", countries=["BGD", "NPL"], sdgs=[7, 13],
                   budget={"amount": 250000, "currency": "USD"}, location="Sylhet division",
                   partners=[PartnerRef(name="UNDP", role="lead", type="un"),
                             PartnerRef(name="Village councils", role="beneficiary")]),
        Initiative(title="An event with nothing else"),
    ]
    buf = io.StringIO()
    writer.write(recs, buf)
    assert writer.validate(buf.getvalue()) == []
    back = reader.read(_xml(tmp_path, buf.getvalue(), "derived.xml")).initiatives
    assert back[0].countries == ["BGD", "NPL"] and back[0].sdgs == [7, 13]
    assert back[0].budget.amount == 250000 and str(back[0].start) == "2021-06-01"
    assert back[0].title == "Solar kiosks" and back[0].summary == "Kiosks in two districts"
    assert back[0].location == "Sylhet division"
    assert back[1].title == "An event with nothing else" and back[1].summary is None


def test_official_example_imports_and_exports_valid(tmp_path) -> None:
    batch = reader.read(IATI / "examples" / "activity-standard-example-annotated-v2.03.xml")
    rec = batch.initiatives[0]
    assert rec.extras["related_activities"] and rec.extras["recipient_regions"]
    buf = io.StringIO()
    writer.write(batch.initiatives, buf)
    assert writer.validate(buf.getvalue()) == []


def test_export_through_the_registry_writer(tmp_path, store) -> None:
    store.save_batch(formats.read(ACTIVITIES / "dfid-gb-gov-1-albania-v2.01.xml"))
    from initiatives.store import InitiativeQuery

    buf = io.StringIO()
    formats.writer_for("iati")(formats.select(store, InitiativeQuery(), filtered=False), buf)
    assert writer.validate(buf.getvalue()) == [] and buf.getvalue().count("<iati-activity ") == 8


def test_date_spans_point_at_the_date_element_they_came_from() -> None:
    batch = reader.read(ACTIVITIES / "iom-xm-dac-47066-v2.03.xml")
    text = batch.documents[0].text
    for rec in batch.initiatives[:50]:
        for field, value in (("start", rec.start), ("end", rec.end)):
            if value is None:
                continue
            span = rec.sources[field][0]
            quoted = text[span.start:span.end]
            assert quoted.startswith("<activity-date") and str(value) in quoted


def test_location_names_map_and_come_back() -> None:
    batch = reader.read(ACTIVITIES / "covid19-multi-publisher-v2.03-dportal-extract.xml")
    located = [r for r in batch.initiatives if r.location]
    assert located and all(r.extras["locations"] for r in located)
    rec = located[0]
    span = rec.sources["location"][0]
    assert batch.documents[0].text[span.start:span.end].startswith("<location")


def test_v105_example_imports_and_every_kind_of_record_exports_valid_iati(tmp_path) -> None:
    v1 = reader.read(IATI / "examples" / "activity-standard-example-annotated-v1.05.xml").initiatives[0]
    assert v1.extras["iati_version"] == "1.05" and v1.title and v1.countries
    from interop_paths import DPG

    product = formats.read(DPG / "nominees" / "openimis.json").initiatives[0]
    csv = tmp_path / "s.csv"
    csv.write_text('code,title,start,partners\nS-1,From a sheet,2020,"Ministry of Health (lead, government)"\n',
                   encoding="utf-8")
    sheet = formats.read(csv).initiatives[0]
    assert [(p.name, p.role, p.type) for p in sheet.partners] == [("Ministry of Health", "lead", "government")]
    buf = io.StringIO()
    writer.write([v1, product, sheet], buf)
    assert writer.validate(buf.getvalue()) == []


def test_results_policy_markers_document_links_and_each_transaction_round_trip(tmp_path) -> None:
    batch = reader.read(IATI / "examples" / "activity-standard-example-annotated-v2.03.xml")
    rec = batch.initiatives[0]
    ex = rec.extras
    parsed = {key: [etree.fromstring(x) for x in ex[key]] for key in writer.KEPT_KEYS}
    assert [e.tag for e in parsed["results"]] == ["result"] and len(parsed["policy_markers"]) == 3
    assert parsed["document_links"][0].get("url").startswith("http")
    assert {c.tag for c in parsed["transaction_list"][0]} >= {"transaction-type", "value", "provider-org",
                                                              "receiver-org"}
    assert parsed["results"][0].find("indicator/period/target") is not None
    buf = io.StringIO()
    writer.write([rec], buf)
    assert writer.validate(buf.getvalue()) == []
    assert writer.activity_and_kept(rec)[1] == frozenset(writer.KEPT_KEYS)
    back = reader.read(_xml(tmp_path, buf.getvalue(), "rt.xml")).initiatives[0]
    for key in writer.KEPT_KEYS:
        assert back.extras[key] == ex[key]
    # an edited record whose kept XML is no longer valid still exports valid XML (that kind is left out)
    broken = rec.model_copy(update={"extras": {**ex, "results": ['<result type="1"/>']}})
    buf = io.StringIO()
    writer.write([broken], buf)
    assert writer.validate(buf.getvalue()) == []
    assert "<result" not in buf.getvalue() and "<policy-marker" in buf.getvalue()


def test_export_names_the_publisher_given_for_records_not_from_iati(tmp_path) -> None:
    from typer.testing import CliRunner

    from initiatives.cli import app

    db = str(tmp_path / "p.db")
    store = Store.open(db)
    store.add_initiative(Initiative(code="P 1", title="Solar kiosks", countries=["KEN"]), author="t")
    store.save_batch(formats.read(ACTIVITIES / "dfid-gb-gov-1-albania-v2.01.xml"))
    out = tmp_path / "out.xml"
    cli = CliRunner()
    res = cli.invoke(app, ["export", "--db", db, "--format", "iati", "--reporting-org",
                           "GB-CHC-1234567:Kiosk Trust:21", "-o", str(out)])
    assert res.exit_code == 0, res.output
    xml = out.read_text(encoding="utf-8")
    assert writer.validate(xml) == []
    assert "<iati-identifier>GB-CHC-1234567-P-1</iati-identifier>" in xml
    assert '<reporting-org ref="GB-CHC-1234567" type="21">' in xml and "Kiosk Trust" in xml
    assert xml.count('<reporting-org ref="GB-GOV-1"') == 8  # IATI records keep their own publisher
    res = cli.invoke(app, ["export", "--db", db, "--format", "iati", "--reporting-org", "no spaces please"])
    assert isinstance(res.exception, InputError) and "--reporting-org" in str(res.exception)  # one-line error
