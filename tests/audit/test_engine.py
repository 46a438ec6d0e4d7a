"""The rule engine: configuration, failures isolated per record, the UN groups data, review through the CLI."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from audit_support import TODAY, audit, doc, shared_dir
from typer.testing import CliRunner

from initiatives.audit import config, runner
from initiatives.audit.base import AuditContext, Rule, per_record
from initiatives.cli import app
from initiatives.errors import InputError
from initiatives.interop import registry_json
from initiatives.model import Initiative
from initiatives.reference import groups
from initiatives.store import Store


def test_un_groups_know_graduations():
    assert groups.is_member("BTN", "LDC", dt.date(2023, 12, 12))
    assert not groups.is_member("BTN", "LDC", dt.date(2023, 12, 13))
    assert groups.is_member("STP", "LDC", dt.date(2024, 6, 1))
    assert not groups.is_member("STP", "LDC", dt.date(2025, 1, 1))
    assert "BTN" in groups.members("LLDC") and "JAM" in groups.members("SIDS")
    assert groups.canonical("Least Developed Countries") == "LDC" and groups.canonical("Global") is None


def test_every_rule_in_design_exists_and_is_documented():
    ids = runner.known_rule_ids()
    for rid in ("missing-field", "stale-status", "country-group-mismatch", "duplicate-record", "copied-text",
                "corrupted-word", "misspelling", "date-inconsistency", "funding-inconsistency", "title-mismatch",
                "text-duplicated-in-record", "stale-record"):
        assert rid in ids
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "audit-rules.md").read_text(encoding="utf-8")
    for rid in ids:
        assert f"`{rid}`" in text


@pytest.mark.parametrize(("toml", "key"), [
    ('[rules.misspelling]\nseverity = "urgent"\n', "rules.misspelling.severity"),
    ('[rules.no-such-rule]\nenabled = false\n', "rules.no-such-rule"),
    ('[rules.copied-text]\nmin_words = -3\n', "rules.copied-text.min_words"),
    ('[kinds.project]\nexpected = ["colour"]\n', "kinds.project.expected"),
    ('[rules\n', None),
])
def test_broken_configuration_names_key_and_problem(tmp_path, toml, key):
    path = tmp_path / "audit.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        config.load(path, known_rules=runner.known_rule_ids())
    assert str(path) in str(exc.value)
    if key:
        assert exc.value.field == key


def test_configuration_disables_rules_and_sets_severity(tmp_path):
    path = tmp_path / "audit.toml"
    path.write_text('[rules.funding-inconsistency]\nenabled = false\n[rules.stale-status]\nseverity = "high"\n',
                    encoding="utf-8")
    cfg = config.load(path, known_rules=runner.known_rule_ids())
    rec = Initiative(id=1, code="P-1", title="Seed bank", status="ongoing", start="2015-01", end="2018-12",
                     budget={"amount": -5, "currency": "USD"})
    res = runner.run([rec], [], cfg=cfg, today=TODAY)
    assert "funding-inconsistency" not in res.rules_run
    assert [(f.rule, f.severity) for f in res.findings] == [("stale-status", "high")]


def test_a_rule_failing_on_one_record_does_not_stop_the_others():
    def check(ctx: AuditContext, rec: Initiative):
        if rec.code == "BAD":
            raise ValueError("cannot read this one")
        yield from ()

    rule = Rule("probe", "low", "test rule", per_record(check))
    ctx = AuditContext(records=[Initiative(code="BAD"), Initiative(code="GOOD")], rule_id="probe")
    assert list(rule.check(ctx)) == []
    assert ctx.errors == [("probe", "BAD", "ValueError: cannot read this one")]
    # through the runner, a broken record is reported and the other records still get their findings
    good = Initiative(id=2, code="OK", title="Seed bank", status="ongoing", start="2015-01", end="2018-12")
    res = runner.run([good], [], today=TODAY, only={"stale-status"})
    assert [f.record for f in res.findings] == ["OK"]


# ------------------------------------------------------------------ CLI: audit and review on a real SQLite file


@pytest.fixture()
def db(tmp_path):
    shared = shared_dir()
    path = tmp_path / "reg.db"
    store = Store.open(str(path))
    gf = shared / "gold" / "003_c4aa7e2cc117d534.json"
    data = json.loads(gf.read_text(encoding="utf-8"))
    batch = registry_json.from_data({**data, "findings": []}, origin=str(gf))
    batch.documents.append(doc((shared / "seeds" / data["doc"]).read_text(encoding="utf-8"), data["doc"]))
    store.save_batch(batch, author="test")
    store.close()
    return str(path)


def _json_audit(cli: CliRunner, db: str, *extra: str) -> dict:
    res = cli.invoke(app, ["audit", "--db", db, "--format", "json", "--today", "2026-11-21", *extra])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_audit_json_has_gold_shape_and_review_decisions_survive_reruns(db):
    cli = CliRunner()
    first = _json_audit(cli, db)["findings"]
    assert first and {"record", "rule", "message", "evidence", "severity", "source_document",
                      "source_lines", "status", "completeness"} <= set(first[0])
    waived, resolved = first[0]["id"], first[1]["id"]
    assert cli.invoke(app, ["review", "waive", str(waived), "--db", db, "-m", "known, accepted"]).exit_code == 0
    assert cli.invoke(app, ["review", "resolve", str(resolved), "--db", db]).exit_code == 0
    again = {f["id"]: f for f in _json_audit(cli, db)["findings"]}
    assert {f["id"] for f in first} == set(again)  # stable fingerprints: the same findings, not new ones
    assert again[waived]["status"] == "waived" and again[waived]["comment"] == "known, accepted"
    assert again[resolved]["status"] == "open"  # resolved, but found again: reopened
    store = Store.open(db)
    history = [r.new for r in store.history(resolved, entity="finding")]
    assert history == ["resolved", "open"]
    listed = cli.invoke(app, ["review", "--db", db])
    assert listed.exit_code == 0 and "known, accepted" not in listed.stdout


def test_the_table_of_a_large_audit_shows_some_records_then_counts_per_rule(db):
    """`--limit N` prints the findings of N records, then the open findings per rule and how to see the rest;
    the totals line counts every record either way."""
    cli = CliRunner()
    every = cli.invoke(app, ["audit", "--db", db, "--today", "2026-11-21", "--limit", "0"], env={"COLUMNS": "200"})
    assert every.exit_code == 0, every.output
    records = int(every.stdout.rsplit(" open finding(s) in ", 1)[1].split()[0])
    assert records > 2 and "Open findings per rule" not in every.stdout
    two = cli.invoke(app, ["audit", "--db", db, "--today", "2026-11-21", "--limit", "2"], env={"COLUMNS": "200"})
    assert two.exit_code == 0, two.output
    assert "Open findings per rule" in two.stdout and "completeness" in two.stdout
    assert f"The findings of {records - 2} more record(s) are not shown" in " ".join(two.stdout.split())
    assert two.stdout.count("completeness") < every.stdout.count("completeness")
    assert every.stdout.strip().splitlines()[-1] == two.stdout.strip().splitlines()[-1]


def test_fail_on_and_bad_options(db):
    cli = CliRunner()
    assert cli.invoke(app, ["audit", "--db", db, "--fail-on", "high", "--today", "2026-11-21"]).exit_code == 1
    ok = cli.invoke(app, ["audit", "--db", db, "--rule", "stale-record", "--fail-on", "high"])
    assert ok.exit_code == 0, ok.output
    bad = cli.invoke(app, ["review", "waive", "1", "--db", db])
    assert bad.exit_code != 0
    first = _json_audit(cli, db)["findings"][0]
    shown = cli.invoke(app, ["review", "show", str(first["id"]), "--db", db])
    assert shown.exit_code == 0 and first["rule"] in shown.stdout
    none = cli.invoke(app, ["review", "show", "99999", "--db", db])
    assert none.exit_code != 0 and "no finding #99999" in str(none.exception or none.output)


def test_a_new_family_joins_with_one_line(tmp_path):
    path = tmp_path / "audit.toml"
    path.write_text('[audit]\nfamilies = ["initiatives.audit.status", "audit_extra_family"]\n', encoding="utf-8")
    cfg = config.load(path)
    recs = [Initiative(id=1, title="No code"), Initiative(id=2, code="X-1", title="Coded")]
    res = runner.run(recs, [], cfg=cfg, today=TODAY)
    assert res.rules_run == ["stale-status", "iati-identifier-missing"]
    assert [(f.rule, f.record, f.severity) for f in res.findings] == [("iati-identifier-missing", "No code", "high")]
