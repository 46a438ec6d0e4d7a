"""The IATI ruleset engine against the upstream meta tests (IATI/IATI-Rulesets meta_tests.sh as CSV)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from initiatives.interop.rulesets import engine
from interop_paths import IATI

RULESETS = IATI / "rulesets"
CASES = list(csv.DictReader((RULESETS / "meta_tests_manifest.csv").open(encoding="utf-8")))


@pytest.mark.parametrize("row", CASES, ids=[f"{r['ruleset']}-{r['activity_file']}" for r in CASES])
def test_meta_case(row: dict[str, str]) -> None:
    ruleset = json.loads((RULESETS / row["ruleset"]).read_text(encoding="utf-8"))
    tree = engine.parse((RULESETS / row["activity_file"]).read_bytes())
    assert engine.passes(ruleset, tree) is (row["expected_valid"] == "True")


def test_manifest_has_every_upstream_case() -> None:
    assert len(CASES) == 83


def test_standard_ruleset_runs_on_the_official_example() -> None:
    example = RULESETS.parent / "examples" / "activity-standard-example-annotated-v2.03.xml"
    results = list(engine.run(engine.standard(), engine.parse(example.read_bytes()), today=dt.date(2026, 1, 1)))
    rules = {r.rule for r in results}
    assert {"atleast_one", "startswith", "date_order", "loop", "strict_sum", "if_then", "range"} <= rules
    failed = [r.info.get("id") for r in results if r.passed is False]
    assert "6.11.1" not in failed  # the example has a start date


def test_standard_ruleset_finds_a_missing_start_date() -> None:
    xml = b"""<iati-activities version="2.03"><iati-activity><iati-identifier>XM-1-a</iati-identifier>
    <reporting-org ref="XM-1" type="10"/><activity-status code="2"/></iati-activity></iati-activities>"""
    failed = {r.info.get("id") for r in engine.run(engine.standard(), engine.parse(xml)) if r.passed is False}
    assert "6.11.1" in failed


def test_camel_case_rule_names_are_read() -> None:
    assert engine.rule_name("atLeastOne") == "atleast_one"
    assert engine.rule_name("noMoreThanOne") == "no_more_than_one"
    assert engine.rule_name("strictSum") == "strict_sum"
