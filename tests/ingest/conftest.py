"""Shared paths: the read-only `shared/` folder beside the checkout (or beside the worktrees folder)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _shared() -> Path:
    for cand in (REPO / ".." / "shared", REPO / ".." / ".." / "shared"):
        if (cand / "seeds").is_dir():
            return cand.resolve()
    return (REPO / ".." / "shared").resolve()


SHARED = _shared()
SEEDS = SHARED / "seeds"
GOLD = SHARED / "gold"
EXAMPLES = REPO / "examples" / "documents"
FIXTURE_GOLD = Path(__file__).parent / "fixtures" / "gold"


@pytest.fixture(scope="session")
def seeds() -> Path:
    return SEEDS  # tests/conftest.py refuses to run without the shared data


def records_in(tmp_path: Path, name: str, text: str) -> list:
    """The records `extract` finds in a small document written for a test (saved as `name` in tmp_path)."""
    from initiatives.ingest.pipeline import extract

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return extract(path).initiatives
