"""Files with the same name in different folders are different documents; the same file stays one document
however it is named on the command line. On SQLite and PostgreSQL (the `store` fixture runs both)."""

from __future__ import annotations

import shutil
from pathlib import Path

from initiatives.cli.ingest import ingest_paths
from initiatives.store import InitiativeQuery, Store

LISTING = "003_c4aa7e2cc117d534.txt"  # a project listing with many coded entries
RELEASE = "002_d5bd7149008d43e0.txt"  # a press release


def _two_same_named(tmp_path: Path, seeds: Path) -> Path:
    root = tmp_path / "docs"
    for folder, seed in (("east", LISTING), ("west", RELEASE)):
        (root / folder).mkdir(parents=True)
        shutil.copy(seeds / seed, root / folder / "report.txt")
    return root


def test_same_name_in_two_folders_are_two_documents(store: Store, tmp_path: Path, seeds: Path) -> None:
    root = _two_same_named(tmp_path, seeds)
    alone = Store.open(f"sqlite:///{tmp_path / 'alone.db'}")
    expected = sum(ingest_paths(alone, [root / f], author="t").created for f in ("east", "west"))
    first = ingest_paths(store, [root], author="t")
    assert first.failed == 0 and first.created == expected
    assert store.count_initiatives() == expected
    # the export keeps the plain file name; the key under the root tells them apart
    recs = store.list_initiatives(InitiativeQuery(source_document="report.txt"))
    assert len(recs) == expected
    assert {r.extras["document_key"] for r in recs} == {"east/report.txt", "west/report.txt"}
    again = ingest_paths(store, [root], author="t")
    assert (again.created, again.updated, again.unchanged) == (0, 0, expected)


def test_a_changed_file_updates_only_its_own_records(store: Store, tmp_path: Path, seeds: Path) -> None:
    root = _two_same_named(tmp_path, seeds)
    ingest_paths(store, [root], author="t")
    west_before = {r.id: r for r in store.list_initiatives()
                   if r.extras.get("document_key") == "west/report.txt"}
    east = root / "east" / "report.txt"
    east.write_text(east.read_text(encoding="utf-8").replace("US$3,518,594.00", "US$3,600,000.00"),
                    encoding="utf-8")
    summary = ingest_paths(store, [root], author="t")
    assert summary.created == 0 and summary.updated >= 1
    rec = store.find_initiative("GLO15X01")
    assert int(rec.budget.amount) == 3600000 and any(r.field == "budget" for r in store.history(rec.id))
    for rid, before in west_before.items():  # the other report.txt is untouched
        assert store.get_initiative(rid).version == before.version


def test_the_same_file_named_alone_later_updates_instead_of_duplicating(store: Store, tmp_path: Path,
                                                                          seeds: Path) -> None:
    root = _two_same_named(tmp_path, seeds)
    first = ingest_paths(store, [root], author="t")
    east = root / "east" / "report.txt"
    east.write_text(east.read_text(encoding="utf-8").replace("US$3,518,594.00", "US$3,600,000.00"),
                    encoding="utf-8")
    alone = ingest_paths(store, [east], author="t")  # named explicitly: no root, yet the same file
    assert alone.created == 0 and alone.updated >= 1
    assert store.count_initiatives() == first.created
    assert int(store.find_initiative("GLO15X01").budget.amount) == 3600000


def test_another_file_of_the_same_name_elsewhere_is_not_taken_for_it(store: Store, tmp_path: Path,
                                                                       seeds: Path) -> None:
    root = _two_same_named(tmp_path, seeds)
    first = ingest_paths(store, [root], author="t")
    other = tmp_path / "elsewhere" / "report.txt"
    other.parent.mkdir()
    shutil.copy(seeds / "001_d1f3821d9db898b6.txt", other)
    summary = ingest_paths(store, [other], author="t")
    assert summary.created > 0 and summary.updated == 0
    assert store.count_initiatives() == first.created + summary.created


def test_same_name_at_the_top_of_two_folders_of_one_run(store: Store, tmp_path: Path, seeds: Path) -> None:
    """`initiatives ingest east west`: east/report.txt and west/report.txt are two documents, not one changed
    twice; a later run of one folder alone keeps matching its records."""
    root = _two_same_named(tmp_path, seeds)
    east, west = root / "east", root / "west"
    first = ingest_paths(store, [east, west], author="t")
    assert first.failed == 0 and first.missing == 0
    recs = store.list_initiatives(InitiativeQuery(source_document="report.txt"))
    assert len(recs) == first.created
    assert {r.extras.get("document_key") for r in recs} == {"east/report.txt", "west/report.txt"}
    again = ingest_paths(store, [east, west], author="t")
    assert (again.created, again.updated, again.unchanged, again.missing) == (0, 0, first.created, 0)
    alone = ingest_paths(store, [east], author="t")
    assert alone.created == 0 and alone.missing == 0 and alone.unchanged > 0
