"""The store, run against a SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from testdata import GOLD
from initiatives.errors import InputError, NotFound, StaleVersion
from initiatives.interop import registry_json
from initiatives.model import Batch, Document, Finding, Initiative, Organization, PartnerRef
from initiatives.store import InitiativeQuery, Store
from initiatives.store.tables import InitiativeRow

GOLD_003 = GOLD / "003_c4aa7e2cc117d534.json"


def test_migrations_build_exactly_the_declared_tables(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from initiatives.store.migrate import include_object
    from initiatives.store.tables import Base

    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_import_gold_and_filter(store: Store) -> None:
    summary = store.save_batch(registry_json.read(GOLD_003))
    gold = json.loads(GOLD_003.read_text())
    assert summary.created == len(gold["records"]) and summary.updated == 0
    bgd = {r.code for r in store.list_initiatives(InitiativeQuery(country="BGD"))}
    expected = {r["code"] for r in gold["records"] if "BGD" in r["countries"]}
    assert bgd == expected and len(bgd) >= 2
    assert store.count_initiatives(InitiativeQuery(status="ongoing")) == sum(
        r["status"] == "ongoing" for r in gold["records"])
    assert all(16 in r.sdgs for r in store.list_initiatives(InitiativeQuery(sdg=16)))
    hits = store.list_initiatives(InitiativeQuery(text="internet governance"))
    assert hits and all("internet governance" in (h.title or "").lower() + (h.summary or "").lower() for h in hits)


def test_reimport_is_unchanged_and_change_is_revised(store: Store) -> None:
    store.save_batch(registry_json.read(GOLD_003))
    again = store.save_batch(registry_json.read(GOLD_003))
    assert again.created == 0 and again.updated == 0 and again.unchanged == again.unchanged > 0

    data = json.loads(GOLD_003.read_text())
    target = next(r for r in data["records"] if r["code"])
    target["status"] = "ongoing" if target["status"] != "ongoing" else "completed"
    changed = store.save_batch(registry_json.from_data(data, origin="edited.json"), author="tester")
    assert changed.updated == 1
    rec = store.find_initiative(target["code"])
    assert rec.status == target["status"] and rec.version == 2
    revs = [r for r in store.history(rec.id) if r.field == "status"]
    assert revs and revs[-1].author == "tester" and revs[-1].new == target["status"]


def test_one_organisation_many_spellings(store: Store) -> None:
    batch = Batch(origin="t", organizations=[
        Organization(name="Economic and Social Commission for Asia and the Pacific", acronym="ESCAP", type="un")])
    batch.initiatives = [
        Initiative(code="A", partners=[PartnerRef(name="ESCAP", role="partner", type="un")], source_document="d"),
        Initiative(code="B", partners=[PartnerRef(name="The Economic and Social Commission for Asia and the "
                                                       "Pacific", role="funder")], source_document="d"),
    ]
    store.save_batch(batch)
    orgs = store.organizations()
    assert len(orgs) == 1 and orgs[0].acronym == "ESCAP"
    a, b = store.find_initiative("A"), store.find_initiative("B")
    assert a.partners[0].organization_id == b.partners[0].organization_id == orgs[0].id
    assert [p.name for p in a.partners] == ["ESCAP"]  # the record keeps the name as written


def test_same_name_in_two_countries_is_two_organisations(store: Store) -> None:
    store.save_batch(Batch(origin="t", organizations=[
        Organization(name="Ministry of Education", type="government", country="KAZ"),
        Organization(name="Ministry of Education", type="government", country="KGZ"),
    ]))
    assert sorted(o.country for o in store.organizations()) == ["KAZ", "KGZ"]


def test_edit_records_revision_and_refuses_stale_version(store: Store) -> None:
    rec = store.add_initiative(Initiative(code="X1", title="Old title"), author="ana")
    updated = store.update_initiative(rec.id, {"title": "New title", "countries": ["NPL"]}, author="ben",
                                      expected_version=1, reason="typo")
    assert updated.title == "New title" and updated.countries == ["NPL"] and updated.version == 2
    fields = {(r.field, r.author) for r in store.history(rec.id)}
    assert {("(created)", "ana"), ("title", "ben"), ("countries", "ben")} <= fields
    with pytest.raises(StaleVersion):
        store.update_initiative(rec.id, {"title": "Lost update"}, author="cy", expected_version=1)
    assert store.get_initiative(rec.id).title == "New title"


def test_invalid_edit_names_the_field_and_changes_nothing(store: Store) -> None:
    rec = store.add_initiative(Initiative(code="X2", countries=["ETH"]), author="ana")
    with pytest.raises(InputError) as exc:
        store.update_initiative(rec.id, {"countries": ["ETH", "Atlantis"]}, author="ben")
    assert exc.value.field == "countries.1"
    with pytest.raises(InputError, match="unknown field"):
        store.update_initiative(rec.id, {"colour": "red"}, author="ben")
    after = store.get_initiative(rec.id)
    assert after.countries == ["ETH"] and after.version == 1
    assert [r.field for r in store.history(rec.id)] == ["(created)"]


def test_a_failed_transaction_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError):
        with store.transaction() as s:
            s.add(InitiativeRow(kind="project", code="HALF"))
            s.flush()
            raise RuntimeError("disk full")
    with store.transaction() as s:
        assert s.scalar(select(InitiativeRow).where(InitiativeRow.code == "HALF")) is None


def test_documents_and_sources_round_trip(store: Store) -> None:
    text = "Projects\n\nX9: Water for all\nFocus Countries: Nepal\n"
    doc = Document(path="/tmp/listing.txt", sha256="b" * 64, text=text)
    start = text.index("Nepal")
    rec = Initiative(code="X9", countries=["NPL"], source_document="listing.txt", source_lines=(3, 4),
                     sources={"countries": [{"document": doc.sha256, "start": start, "end": start + 5,
                                             "text": "Nepal"}]})
    store.save_batch(Batch(origin="t", documents=[doc], initiatives=[rec]))
    back = store.find_initiative("X9")
    span = back.sources["countries"][0]
    stored = store.get_document(span.document)
    assert stored.text[span.start:span.end] == "Nepal" and stored.name == "listing.txt"
    assert back.source_lines == (3, 4)
    assert store.get_document("listing.txt").sha256 == doc.sha256


def test_review_decisions_survive_reaudit(store: Store) -> None:
    rec = store.add_initiative(Initiative(code="R1"), author="a")
    f1 = Finding(rule="missing-field", message="no budget", record="R1", initiative_ids=[rec.id],
                 evidence_text="Budget:")
    f2 = Finding(rule="missing-field", message="no countries", record="R1", initiative_ids=[rec.id],
                 evidence_text="Focus Countries:")
    first = store.save_audit([f1, f2], rules_run=["missing-field"])
    assert first.new == 2
    waived, fixed = store.findings()
    store.set_finding_status(waived.id, "waived", reviewer="rev", comment="budget is confidential")
    store.set_finding_status(fixed.id, "resolved", reviewer="rev", comment="added")
    again = store.save_audit([f1, f2], rules_run=["missing-field"])
    assert again.reopened == 1  # the resolved one came back
    by_id = {f.id: f for f in store.findings()}
    assert by_id[waived.id].status == "waived" and by_id[waived.id].comment == "budget is confidential"
    assert by_id[fixed.id].status == "open"
    gone = store.save_audit([f1], rules_run=["missing-field"])  # f2 no longer found
    assert gone.auto_resolved == 1 and store.findings(status="resolved")[0].id == fixed.id
    assert [f.id for f in store.findings(initiative_id=rec.id)] == sorted(by_id)
    assert [r.new for r in store.history(fixed.id, entity="finding")] == ["resolved", "open", "resolved"]


def test_a_large_audit_run_is_saved_as_the_finding_by_finding_path_would(store: Store) -> None:
    """1,203 findings (more than one chunk of the bulk save): counts, links (only to records that exist),
    a fingerprint found twice in one run, review decisions, reopening and resolving, each with its revision."""
    recs = [store.add_initiative(Initiative(code=f"L{i}", title=f"Record {i}"), author="a") for i in range(3)]
    ids = [r.id for r in recs]
    missing_id = max(ids) + 1000  # a record deleted since the audit looked at it
    run = [Finding(rule="missing-field", message=f"gap {i}", record=f"L{i % 3}", initiative_ids=[ids[i % 3]],
                   evidence_text=f"field {i}") for i in range(1200)]
    pair = Finding(rule="duplicate-record", message="same", record="L0", initiative_ids=[ids[0], ids[1], missing_id],
                   evidence_text="pair")
    first = store.save_audit([*run, pair, pair], rules_run=["missing-field", "duplicate-record"])
    assert (first.new, first.seen_again, first.reopened, first.auto_resolved) == (1201, 1, 0, 0)
    stored = store.findings()
    assert len(stored) == 1201
    assert len(store.findings(initiative_id=ids[1])) == 401  # 400 gaps and the pair
    dup = store.findings(rule="duplicate-record")[0]
    assert dup.initiative_ids == [ids[0], ids[1], missing_id] and dup.status == "open"
    store.set_finding_status(stored[0].id, "waived", reviewer="r", comment="known")
    store.set_finding_status(stored[1].id, "resolved", reviewer="r")
    changed = run[1].model_copy(update={"message": "gap 1, worded anew"})
    again = store.save_audit([run[0], changed, *run[3:], pair], rules_run=["missing-field", "duplicate-record"])
    assert (again.new, again.seen_again, again.reopened, again.auto_resolved) == (0, 1199, 1, 1)
    by_id = {f.id: f for f in store.findings()}
    assert by_id[stored[0].id].status == "waived" and by_id[stored[0].id].comment == "known"
    assert by_id[stored[1].id].status == "open" and by_id[stored[1].id].message == "gap 1, worded anew"
    assert by_id[stored[2].id].status == "resolved"  # run[2] was not found again
    assert [r.new for r in store.history(stored[1].id, entity="finding")] == ["resolved", "open"]
    assert [r.reason for r in store.history(stored[2].id, entity="finding")] == ["no longer found"]
    assert len(store.findings(initiative_id=ids[1])) == 401  # no link twice


def test_an_audit_does_not_resolve_findings_that_came_with_an_import(store: Store) -> None:
    from testdata import GOLD
    from initiatives.interop import registry_json

    batch = registry_json.read(GOLD / "003_c4aa7e2cc117d534.json")  # a reviewer's labels, findings included
    store.save_batch(batch)
    imported = store.findings()
    assert len(imported) == len(batch.findings) > 10
    rules = sorted({f.rule for f in imported})
    rec = store.list_initiatives()[0]
    ours = Finding(rule=rules[0], message="found by this run", record=rec.code or "", initiative_ids=[rec.id],
                   evidence_text="x")
    store.save_audit([ours], rules_run=rules)
    gone = store.save_audit([], rules_run=rules)  # the audit's own finding is gone; the imported ones stay open
    assert gone.auto_resolved == 1
    assert [f.message for f in store.findings(status="resolved")] == ["found by this run"]
    assert {f.id for f in store.findings(status="open")} == {f.id for f in imported}


def test_delete_keeps_a_revision(store: Store) -> None:
    rec = store.add_initiative(Initiative(code="D1", title="t"), author="a")
    store.delete_initiative(rec.id, author="b")
    with pytest.raises(NotFound):
        store.get_initiative(rec.id)
    assert store.history(rec.id)[-1].field == "(deleted)"


def test_iter_initiatives_reads_every_record_in_batches_and_can_leave_out_list_extras(store: Store) -> None:
    """What the audit reads: every record once, in id order, across batch boundaries; with `scalar_extras`
    the single-valued extras stay and the lists and objects an import keeps for its export are left out."""
    for i in range(7):
        store.add_initiative(Initiative(code=f"B{i}", title=f"Batch {i}", extras={
            "iati_version": "2.03", "identifier": f"XM-{i}", "transaction_list": ["<transaction/>"],
            "budgets": [{"value": "1"}], "reporting_org": {"ref": "XM"}}), author="t")
    whole = store.list_initiatives()
    read = list(store.iter_initiatives(batch=3))
    assert [r.model_dump() for r in read] == [r.model_dump() for r in whole] and len(read) == 7
    light = list(store.iter_initiatives(batch=3, scalar_extras=True))
    assert [r.id for r in light] == [r.id for r in whole]
    assert light[4].extras == {"iati_version": "2.03", "identifier": "XM-4"}
    assert light[4].model_dump(exclude={"extras"}) == whole[4].model_dump(exclude={"extras"})
