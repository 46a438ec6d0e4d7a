"""The command line, run as a person runs it: a real process on a real SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from testdata import GOLD, REPO
from initiatives.model import Batch, Document, Initiative
from initiatives.store import Store

GOLD_003 = GOLD / "003_c4aa7e2cc117d534.json"


@pytest.fixture
def cli(tmp_path: Path):  # type: ignore[no-untyped-def]
    db = tmp_path / "cli.db"
    env = {**os.environ, "INITIATIVES_DB": str(db), "PYTHONPATH": str(REPO / "src"), "COLUMNS": "200",
           "INITIATIVES_AUTHOR": "tester"}

    def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([sys.executable, "-m", "initiatives", *args], capture_output=True, text=True,
                              env=env, cwd=tmp_path, timeout=120)
        if ok:
            assert proc.returncode == 0, proc.stderr
        return proc

    run.db = db  # type: ignore[attr-defined]
    return run


def test_import_list_export_round_trip(cli) -> None:  # type: ignore[no-untyped-def]
    cli("init")
    out = cli("import", str(GOLD_003)).stdout
    assert "22 created" in out and "40 findings" in out
    listed = cli("list", "--country", "BGD").stdout
    gold = json.loads(GOLD_003.read_text())
    for code in (r["code"] for r in gold["records"] if "BGD" in r["countries"]):
        assert code in listed
    assert "GLO15X01" not in listed
    exported = json.loads(cli("export", "--format", "json").stdout)
    for want, got in zip(gold["records"], exported["records"], strict=True):
        assert {k: got[k] for k in want} == want
    again = cli("import", str(GOLD_003)).stdout
    assert "0 created, 0 updated, 22 unchanged" in again


def test_csv_export_with_filters(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("import", str(GOLD_003))
    target = tmp_path / "npl.csv"
    cli("export", "--format", "csv", "--country", "NPL", "--output", str(target))
    lines = target.read_text().splitlines()
    assert lines[0].startswith("id,kind,code,title")
    assert len(lines) == 3 and all("NPL" in line for line in lines[1:])
    assert "592000,USD" in target.read_text()


def test_edit_and_history(cli) -> None:  # type: ignore[no-untyped-def]
    cli("import", str(GOLD_003))
    out = cli("edit", "1819G", "countries=BTN,LAO,FJI,VUT", "budget=250000 USD", "--reason", "fix Buthan").stdout
    assert "countries, budget changed (version 2)" in out
    shown = cli("show", "1819G").stdout
    assert "BTN, LAO, FJI, VUT" in shown and "250,000 USD" in shown
    hist = cli("history", "1819G").stdout
    assert "tester" in hist and "fix Buthan" in hist and "budget" in hist
    bad = cli("edit", "1819G", "sdgs=18", ok=False)
    assert bad.returncode == 2
    assert "record 1819G: field 'sdgs.0': SDG 18 does not exist (1-17)" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_show_sources_quotes_the_document(cli) -> None:  # type: ignore[no-untyped-def]
    text = "Past Projects\n\nQ1: Clean water pilot\nFocus Countries: Nepal, Bhutan\nBudget: USD 1.2 million\n"
    doc = Document(path="listing.txt", sha256="c" * 64, text=text)
    s = text.index("Nepal, Bhutan")
    rec = Initiative(code="Q1", title="Clean water pilot", countries=["NPL", "BTN"], source_document="listing.txt",
                     source_lines=(3, 5), budget={"amount": 1200000, "currency": "USD"},
                     sources={"countries": [{"document": doc.sha256, "start": s, "end": s + 13}]})
    store = Store.open(f"sqlite:///{cli.db}")
    store.save_batch(Batch(origin="t", documents=[doc], initiatives=[rec]))
    store.close()
    out = cli("show", "Q1", "--sources").stdout
    assert "listing.txt:4" in out and "“Nepal, Bhutan”" in out
    assert "(no source)" in out  # budget has no span
    as_json = json.loads(cli("show", "Q1", "--json").stdout)
    assert as_json["sources"]["countries"][0]["start"] == s


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"records": [{"code": "A"}, {"code": "B", "countries": ["XYZ"]}]}',
         "record 2 (B): field 'countries.0': 'XYZ' is not an ISO 3166-1 alpha-3 country code"),
        ('{"records": [{"code": "A", "start": "June 2014"}]}',
         "record 1 (A): field 'start': 'June 2014' is not a date as YYYY, YYYY-MM or YYYY-MM-DD"),
        ('{"records": [{"code": "A", "budget": {"amount": "lots", "currency": "USD"}}]}',
         "record 1 (A): field 'budget.amount': 'lots' is not a number"),
        ("this is not json", "not valid JSON"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_stores_nothing(cli, tmp_path: Path, content: str,
                                                         message: str) -> None:  # type: ignore[no-untyped-def]
    cli("import", str(GOLD_003))
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    proc = cli("import", str(bad), ok=False)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and message in lines[0], proc.stderr
    total = cli("list", "--limit", "1").stdout
    assert "22 initiatives" in total  # nothing from the bad file, nothing lost


def test_other_files_go_on_after_a_bad_one(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.json"
    bad.write_text("[]]")
    proc = cli("import", str(bad), str(GOLD_003), ok=False)
    assert proc.returncode == 2 and "22 created" in proc.stdout


def test_unknown_filter_values_are_clear(cli) -> None:  # type: ignore[no-untyped-def]
    proc = cli("list", "--country", "Narnia", ok=False)
    assert proc.returncode == 2 and "'Narnia' is not an ISO 3166-1 alpha-3 country code" in proc.stderr
    proc = cli("export", "--format", "pdf", ok=False)
    assert proc.returncode == 2 and "unknown format 'pdf'" in proc.stderr
    proc = cli("show", "NOPE", ok=False)
    assert proc.returncode == 2 and "no initiative with id or code 'NOPE'" in proc.stderr


def test_formats_through_the_command_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from testdata import DATA

    iati = DATA / "iati" / "activities" / "netherlands-mfa-xm-dac-7-v2.03.xml"
    out = cli("import", str(iati)).stdout
    assert "13 created" in out
    proc = cli("export", "--format", "xlsx", ok=False)
    assert proc.returncode == 2 and "binary format" in proc.stderr
    target = tmp_path / "all.xlsx"
    cli("export", "--format", "xlsx", "--output", str(target))
    assert target.read_bytes()[:2] == b"PK"  # a zip container
    xml = tmp_path / "all.xml"
    cli("export", "--format", "iati", "--output", str(xml))
    assert xml.read_text().count("<iati-activity") == 13
