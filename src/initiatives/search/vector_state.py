"""Which records wait for a vector: questions answered from the database alone, without numpy or the model
(`initiatives ingest` asks them after every run to say how many wait, and should not load either)."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from initiatives.store import Store
from initiatives.store.tables import InitiativeRow, VectorRow

# A request embeds at most this many waiting records itself (about ten seconds); more, left by a bulk import,
# are for `initiatives embed`, which shows progress, rather than for a web request that would hang.
INTERACTIVE_LIMIT = 2_000

def _all_current(store: Store, model_name: str) -> bool:
    """True when every record has a vector of `model_name` made from its current version, answered from two
    aggregates instead of a join. Exact: vectors are deleted with their record (ON DELETE CASCADE), so equal
    counts mean one vector per record, and a vector's version never exceeds its record's, so equal sums mean
    every version matches."""
    key = f"{store.url}|{model_name}"
    with store.transaction() as s:
        # every insert or edit of a record moves one of these two indexed maxima
        # (two statements: SQLite answers a lone max() from the index, two in one SELECT by a scan)
        marks = (s.scalar(select(func.max(InitiativeRow.updated_at))), s.scalar(select(func.max(InitiativeRow.id))))
        if _current_at.get(key) == marks:
            return True
        records = s.execute(select(func.count(), func.coalesce(func.sum(InitiativeRow.version), 0))).one()
        vectors = s.execute(select(func.count(), func.coalesce(func.sum(VectorRow.record_version), 0))
                            .where(VectorRow.model == model_name)).one()
    current = tuple(records) == tuple(vectors)
    if current:
        _current_at[key] = marks
    return current


# store url|model -> the (latest update, highest id) at which every record was seen to have its vector
_current_at: dict[str, tuple[object, object]] = {}


def stale_ids(store: Store, model_name: str) -> list[int]:
    """Records whose vector of `model_name` is missing or older than the record, in id order."""
    if _all_current(store, model_name):
        return []
    with store.transaction() as s:
        stmt = (select(InitiativeRow.id).outerjoin(VectorRow, VectorRow.initiative_id == InitiativeRow.id)
                .where(or_(VectorRow.initiative_id.is_(None), VectorRow.record_version != InitiativeRow.version,
                           VectorRow.model != model_name))
                .order_by(InitiativeRow.id))
        return list(s.scalars(stmt))
