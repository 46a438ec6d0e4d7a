"""Generic layout and phrasing cues found by held-out sets 22 and 23, each on a small text written for the test."""

from __future__ import annotations

from pathlib import Path

from initiatives.ingest.pipeline import extract


def _records(tmp_path: Path, name: str, text: str) -> list:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return extract(path).initiatives


def test_a_pipe_list_without_outer_bars_is_a_table_of_records(tmp_path: Path) -> None:
    recs = _records(tmp_path, "export.txt", (
        "Grants approved in round 3\n\n"
        "Ref|Organisation|Project title|Country|Amount\n"
        "RW-3-01|Green Hills Trust|Biogas digesters for dairy farms|Rwanda|USD 40,000\n"
        "RW-3-02|Kivu Fishers Union|Solar fish dryers on the lake shore|Rwanda|USD 25,500\n"))
    by_code = {r.code: r for r in recs}
    assert set(by_code) == {"RW-3-01", "RW-3-02"}
    rec = by_code["RW-3-02"]
    assert rec.title == "Solar fish dryers on the lake shore"
    assert rec.countries == ["RWA"]
    assert rec.budget is not None and int(rec.budget.amount) == 25500
    # the "Organisation" column names who carries it out
    assert [p.name for p in rec.partners] == ["Kivu Fishers Union"]


def test_a_line_with_bars_in_prose_is_no_table(tmp_path: Path) -> None:
    recs = _records(tmp_path, "note.txt", (
        "Home | About | Contact\n\n"
        "The Lake Basin Water Programme, funded by Sweden, builds wells in Kenya.\n"))
    assert all("|" not in (r.title or "") for r in recs)
