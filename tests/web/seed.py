"""Seed a registry for the web tests the way ingest will: the seed documents stored whole, the gold records
read through `registry_json.read`, and each record's title/code/location/funding_source pointed at the text
it came from (a span inside the record's own lines). Ingest is not on this branch; this stands in for it."""

from __future__ import annotations

import hashlib
from pathlib import Path

from initiatives.interop import registry_json
from initiatives.model import Document, Span
from initiatives.store import Store

def _shared() -> Path:
    """The `shared/` folder beside the checkout (a git worktree may sit one level deeper)."""
    repo = Path(__file__).resolve().parents[2]
    for base in (repo, *repo.parents):
        if (base / ".." / "shared" / "gold").is_dir():
            return base / ".." / "shared"
    return repo / ".." / "shared"


SHARED = _shared()
GOLD = SHARED / "gold"
SEEDS = SHARED / "seeds"
SPAN_FIELDS = ("title", "code", "location", "funding_source")


def _line_range(text: str, first: int, last: int) -> tuple[int, int]:
    lines = text.split("\n")
    start = sum(len(x) + 1 for x in lines[:first - 1])
    end = sum(len(x) + 1 for x in lines[:last])
    return start, end


def seed(store: Store) -> None:
    for gold in sorted(GOLD.glob("*.json")):
        batch = registry_json.read(gold)
        doc_path = SEEDS / (gold.stem + ".txt")
        text = doc_path.read_text(encoding="utf-8")
        sha = hashlib.sha256(text.encode()).hexdigest()
        batch.documents.append(Document(path=str(doc_path.name), sha256=sha, text=text, title=doc_path.name))
        for rec in batch.initiatives:
            if not rec.source_lines:
                continue
            lo, hi = _line_range(text, *rec.source_lines)
            sources: dict[str, list[Span]] = {}
            for field in SPAN_FIELDS:
                value = getattr(rec, field)
                if not value:
                    continue
                at = text.find(value, lo, hi)
                if at < 0:
                    at = text.find(value)
                if at >= 0:
                    sources[field] = [Span(document=sha, start=at, end=at + len(value), text=value)]
            rec.sources = sources
        store.save_batch(batch, author="seed")
