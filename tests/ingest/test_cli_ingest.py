"""`initiatives ingest` end to end: real files, a real SQLite file, the real CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from initiatives.cli import app
from initiatives.store import Store

runner = CliRunner()


def _run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


def _folder(tmp_path: Path, seeds: Path) -> Path:
    docs = tmp_path / "docs"
    (docs / "nested").mkdir(parents=True)
    for p in sorted(seeds.iterdir())[:3]:
        shutil.copy(p, docs / p.name)
    shutil.copy(seeds / "003_c4aa7e2cc117d534.txt", docs / "nested" / "003_c4aa7e2cc117d534.txt")
    return docs


def test_ingest_is_idempotent_and_reports_a_summary(tmp_path: Path, seeds: Path) -> None:
    docs = _folder(tmp_path, seeds)
    db = str(tmp_path / "reg.db")
    first = _run("ingest", str(docs), "--db", db, "--quiet")
    assert first.exit_code == 0, first.output
    assert "4 documents: 56 records created, 0 updated, 0 unchanged, 0 failed" in first.output
    again = _run("ingest", str(docs), "--db", db, "--quiet")
    assert "4 documents: 0 records created, 0 updated, 56 unchanged, 0 failed" in again.output
    store = Store.open(db)
    assert len(store.documents()) == 4 and store.count_initiatives() == 56


def test_bad_files_are_reported_and_the_run_goes_on(tmp_path: Path, seeds: Path) -> None:
    docs = _folder(tmp_path, seeds)
    (docs / "empty.txt").write_bytes(b"")
    (docs / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" * 50)
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    (docs / "data.csv").write_text("a,b\n1,2\n")  # not a document type: skipped, not failed
    db = str(tmp_path / "reg.db")
    result = _run("ingest", str(docs), "--db", db, "--quiet")
    assert result.exit_code == 1
    assert "7 documents: 56 records created, 0 updated, 0 unchanged, 3 failed, 1 files skipped" in result.output
    for name in ("empty.txt", "image.md", "broken.pdf"):
        assert any(name in line and line.startswith("error:") for line in result.output.splitlines())
    assert "Traceback" not in result.output
    # a later failing run loses nothing already stored
    (docs / "nested" / "003_c4aa7e2cc117d534.txt").write_bytes(b"")
    again = _run("ingest", str(docs), "--db", db, "--quiet")
    assert again.exit_code == 1 and "4 failed" in again.output
    assert Store.open(db).count_initiatives() == 56


def test_missing_path_is_a_one_line_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", str(tmp_path / "nope"), "--db", str(tmp_path / "r.db")])
    assert result.exit_code != 0
    assert isinstance(result.exception, Exception) and "no such file or folder" in str(result.exception)


def test_a_changed_document_updates_its_records_with_revisions(tmp_path: Path, seeds: Path) -> None:
    path = tmp_path / "listing.txt"
    text = (seeds / "003_c4aa7e2cc117d534.txt").read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    db = str(tmp_path / "reg.db")
    _run("ingest", str(path), "--db", db, "--quiet")
    changed = text.replace("Proposed Budget: US$1,580,644", "Proposed Budget: US$1,600,000")
    # drop the last entry: its record is kept and reported, not deleted
    changed = changed.replace("INT06X14: United Nations Project Office on Governance (UNPOG)", "")
    path.write_text(changed, encoding="utf-8")
    result = _run("ingest", str(path), "--db", db, "--quiet")
    assert "0 records created" in result.output and "0 failed" in result.output
    assert "1 stored record(s) are no longer in their re-ingested document" in result.output
    store = Store.open(db)
    rec = store.find_initiative("GLO14X01")
    assert int(rec.budget.amount) == 1600000
    assert any(r.field == "budget" for r in store.history(rec.id))
    assert store.find_initiative("INT06X14") is not None


def test_show_sources_and_json_export_carry_provenance(tmp_path: Path, seeds: Path) -> None:
    db = str(tmp_path / "reg.db")
    _run("ingest", str(seeds / "003_c4aa7e2cc117d534.txt"), "--db", db, "--quiet")
    shown = runner.invoke(app, ["show", "GLO15X01", "--sources", "--db", db], terminal_width=200)
    assert shown.exit_code == 0
    assert "003_c4aa7e2cc117d534.txt:" in shown.output and "US$3,518,594.00" in shown.output
    out = tmp_path / "export.json"
    _run("export", "--db", db, "-o", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    rec = next(r for r in data["records"] if r["code"] == "GLO15X01")
    assert rec["source_document"] == "003_c4aa7e2cc117d534.txt" and rec["source_lines"] == [144, 163]
    budget = rec["sources"]["budget"][0]
    doc_text = Store.open(db).get_document(budget["document"]).text
    assert doc_text[budget["start"]:budget["end"]] == budget["text"] == "US$3,518,594.00"
    assert rec["comments"] == ["project concluded"]


def test_thousands_of_files_and_a_file_that_vanishes(tmp_path: Path, seeds: Path) -> None:
    from initiatives.cli.ingest import ingest_paths

    docs = tmp_path / "many"
    docs.mkdir()
    for i in range(1500):  # empty files: each is one failure, read and reported without touching the store
        (docs / f"b{i:04d}.txt").write_bytes(b"")
    shutil.copy(seeds / "002_d5bd7149008d43e0.txt", docs / "a_release.txt")
    (docs / "a_first_bad.txt").write_bytes(b"")
    (docs / "a_gone.txt").write_text("Will be deleted before it is read.", encoding="utf-8")
    store = Store.open(f"sqlite:///{tmp_path / 'reg.db'}")
    messages: list[str] = []

    def on_error(message: str) -> None:
        messages.append(message)
        if len(messages) == 1:  # the file list is made; now a file disappears mid-run
            (docs / "a_gone.txt").unlink()

    summary = ingest_paths(store, [docs], author="test", on_error=on_error)
    assert summary.documents == 1503
    assert summary.failed == 1502 and summary.created == 4
    assert any("a_gone.txt" in m and "vanished" in m for m in messages)
    assert all("\n" not in m for m in messages)
    assert store.count_initiatives() == 4


def test_one_organisation_across_documents(tmp_path: Path, seeds: Path) -> None:
    db = str(tmp_path / "reg.db")
    _run("ingest", str(seeds), "--db", db, "--quiet")
    orgs = Store.open(db).organizations()
    undp = [o for o in orgs if o.acronym == "UNDP" or o.name == "UNDP"]
    assert len(undp) == 1  # "UNDP", "UN Development Programme (UNDP)", "United Nations Development Programme"
    assert "United Nations Development Programme" in [undp[0].name, *undp[0].aliases]
    assert len([o for o in orgs if o.name == "UNICEF"]) == 1
