"""Organisations resolved per batch: a large registry is searched for the batch's names instead of loaded whole,
with the same result. On SQLite and PostgreSQL (the `store` fixture runs both)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from initiatives.cli.ingest import ingest_paths
from initiatives.store import Store
from initiatives.store import repository


def _orgs(store: Store) -> list[tuple[str, str | None, str]]:
    return sorted((o.name, o.acronym, o.type) for o in store.organizations())


def test_searching_the_registry_resolves_like_loading_it(store: Store, tmp_path: Path, seeds: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(seeds, docs / "first")
    shutil.copytree(seeds, docs / "second")  # the same organisations again, from other files
    whole = Store.open(f"sqlite:///{tmp_path / 'whole.db'}")
    ingest_paths(whole, [docs], author="t")  # a small registry: loaded whole

    monkeypatch.setattr(repository, "FULL_LOAD_LIMIT", 0)  # every batch searches the registry instead
    summary = ingest_paths(store, [docs], author="t")
    assert summary.failed == 0
    assert _orgs(store) == _orgs(whole)
    again = ingest_paths(store, [docs], author="t")
    assert again.failed == 0 and again.created == 0 and _orgs(store) == _orgs(whole)


def test_an_acronym_or_a_name_already_stored_is_found(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repository, "FULL_LOAD_LIMIT", 0)
    first = tmp_path / "a" / "release.txt"
    first.parent.mkdir()
    first.write_text("Solar Schools Programme\n\nThe Solar Schools Programme is funded by the Nordic Climate "
                     "Facility (NCF) and implemented by the Ministry of Energy of Ghana.\n", encoding="utf-8")
    ingest_paths(store, [first], author="t")
    n = len(store.organizations())
    second = tmp_path / "b" / "update.txt"
    second.parent.mkdir()
    second.write_text("Clean Cooking Pilot\n\nThe Clean Cooking Pilot is funded by the NCF and implemented by the "
                      "Ministry of Energy of Ghana.\n", encoding="utf-8")
    ingest_paths(store, [second], author="t")
    assert len(store.organizations()) == n  # "NCF" and the ministry are the organisations already stored
