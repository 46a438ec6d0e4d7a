"""CSV and XLSX: the template read back, bad cells as findings per row and column, round trips."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from initiatives.errors import InputError
from initiatives.interop import formats, tabular
from initiatives.model import Initiative, PartnerRef
from initiatives.store import InitiativeQuery, Store
from interop_paths import ACTIVITIES

RECORDS = [
    Initiative(kind="pilot", code="P-1", title="Solar kiosks", summary="Kiosks, in two districts; solar",
               status="ongoing", start="2021-06", end="2023", countries=["BGD", "NPL"], sdgs=[7, 13],
               country_groups=["LDC"], themes=["energy", "health"], budget={"amount": "250000.50", "currency": "USD"},
               partners=[PartnerRef(name="UNDP", role="lead", type="un"),
                         PartnerRef(name="Village councils", role="beneficiary", type="government")],
               funding_source="Japan", date_announced="2021-05-12", location="Sylhet", lead_unit="DPIDG",
               region="South Asia"),
    Initiative(kind="event", title="Forum on open data"),
]
FIELDS = ("kind", "code", "title", "summary", "status", "start", "end", "countries", "sdgs", "country_groups",
          "themes", "budget", "partners", "funding_source", "date_announced", "location", "lead_unit", "region")


def _same(a: Initiative, b: Initiative) -> None:
    da, db = a.model_dump(include=set(FIELDS)), b.model_dump(include=set(FIELDS))
    for d in (da, db):
        d["partners"] = [(p["name"], p["role"], p["type"]) for p in d["partners"]]
    assert da == db


def test_csv_round_trip_keeps_every_column(tmp_path: Path) -> None:
    p = tmp_path / "out.csv"
    with p.open("w", encoding="utf-8", newline="") as fh:
        tabular.write_csv(RECORDS, fh)
    batch = formats.read(p)
    assert not batch.findings
    for a, b in zip(RECORDS, batch.initiatives, strict=True):
        _same(a, b)
    assert str(batch.initiatives[0].start) == "2021-06"  # precision kept


def test_xlsx_round_trip_and_template_sheet(tmp_path: Path) -> None:
    p = tmp_path / "out.xlsx"
    with p.open("w", encoding="utf-8") as fh:  # as the CLI opens --output
        formats.writer_for("xlsx")(formats.Selection(RECORDS), fh)
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames == ["initiatives", "template"]
    assert [c.value for c in wb["template"]["A"]][1:4] == ["id", "kind", "code"]
    batch = formats.read(p)
    assert not batch.findings
    for a, b in zip(RECORDS, batch.initiatives, strict=True):
        _same(a, b)


def test_bad_cells_become_findings_naming_row_and_column(tmp_path: Path) -> None:
    p = tmp_path / "office.csv"
    p.write_text(
        "Title,Kind,Start,End,Countries,SDGs,Budget amount,Budget currency,Status,Notes\n"
        "Good row,project,2020-01,2021,Kenya; UG,3,1000,USD,ongoing,x\n"
        "Bad row,spaceship,2020-13-01,2019,Atlantis; KEN,19; 4,lots,USD,maybe,y\n"
        ",,,,,,,,,\n"
        ",pilot,2020,,,,,,,\n", encoding="utf-8")
    batch = formats.read(p)
    assert [r.title for r in batch.initiatives] == ["Good row", "Bad row"]
    good, bad = batch.initiatives
    assert good.countries == ["KEN", "UGA"] and good.budget.amount == 1000
    assert bad.countries == ["KEN"] and bad.sdgs == [4] and bad.kind == "project" and bad.start is None
    cells = {(f.field, f.evidence_text) for f in batch.findings}
    assert {("kind", "spaceship"), ("start", "2020-13-01"), ("countries", "Atlantis"), ("sdgs", "19"),
            ("budget_amount", "lots"), ("status", "maybe"), ("notes", "notes")} <= cells
    assert any("row 5" in f.message and f.severity == "high" for f in batch.findings)  # neither code nor title
    assert all(f.message.startswith("office.csv row ") for f in batch.findings)
    span = bad.sources["title"][0]
    assert batch.documents[0].text[span.start:span.end].startswith("Bad row,spaceship")


def test_xlsx_cell_of_the_wrong_type(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["code", "title", "start", "budget_amount", "budget_currency"])
    ws.append(["A-1", "Numbers", 43831.5, 12.5, "EUR"])
    p = tmp_path / "typed.xlsx"
    wb.save(p)
    batch = formats.read(p)
    rec = batch.initiatives[0]
    assert rec.start is None and rec.budget.amount == 12.5
    assert [(f.field, f.source_lines) for f in batch.findings] == [("start", (2, 2))]


def test_a_file_without_title_or_code_column_is_refused(tmp_path: Path, ) -> None:
    p = tmp_path / "x.csv"
    p.write_text("name,budget\nA,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="no 'title' or 'code' column"):
        formats.read(p)


def test_reimport_updates_by_code(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "r.db"))
    p = tmp_path / "list.csv"
    p.write_text("code,title,status\nA-1,First,planned\nA-2,Second,planned\n", encoding="utf-8")
    assert store.save_batch(formats.read(p)).created == 2
    p.write_text("code,title,status\nA-1,First,ongoing\nA-2,Second,planned\n", encoding="utf-8")
    again = store.save_batch(formats.read(p))
    assert again.created == 0 and store.count_initiatives() == 2
    assert store.find_initiative("A-1").status == "ongoing"
    assert [r.field for r in store.history(store.find_initiative("A-1").id)][1:] == ["status", "sources"]


def test_iati_records_export_to_csv_and_xlsx(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "r.db"))
    store.save_batch(formats.read(ACTIVITIES / "dfid-gb-gov-1-albania-v2.01.xml"))
    sel = formats.select(store, InitiativeQuery(), filtered=False)
    buf = io.StringIO()
    formats.writer_for("csv")(sel, buf)
    assert buf.getvalue().count("\n") == 9
    p = tmp_path / "a.xlsx"
    with p.open("w") as fh:
        formats.writer_for("xlsx")(sel, fh)
    assert len(formats.read(p).initiatives) == 8


def test_cells_beyond_the_header_are_reported(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_text("code,title,partners\nA-1,One,UNDP (lead, un)\n", encoding="utf-8")
    batch = formats.read(p)
    assert [(f.field, f.evidence_text) for f in batch.findings] == [("(row)", "un)")]
    assert batch.initiatives[0].partners[0].name == "UNDP (lead"


def test_a_quoted_cell_never_closed_refuses_the_file_naming_its_line(tmp_path: Path) -> None:
    """An unclosed quote would make the rest of the file one cell (one record titled with every later row):
    the file is refused, naming the line where the quote opened. A stray character after a closing quote is
    read as the csv module reads it, and the other rows are kept."""
    p = tmp_path / "open.csv"
    p.write_text('code,title\nA-1,Water points\nA-2,"Seed banks, phase 2\nA-3,Clinics\nA-4,Roads\n', encoding="utf-8")
    with pytest.raises(InputError, match="opened on line 3 is never closed") as err:
        formats.read(p)
    assert err.value.line == 3 and err.value.file == str(p)
    quoted = tmp_path / "ok.csv"  # a cell may hold a newline when quoted and closed
    quoted.write_text('code,title\nA-1,"Water points,\nnorth"\nA-2,"Seed ""banks"""x\n', encoding="utf-8")
    batch = formats.read(quoted)
    assert [r.title for r in batch.initiatives] == ["Water points,\nnorth", 'Seed "banks"x']
