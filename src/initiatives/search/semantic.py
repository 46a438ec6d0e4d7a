"""Semantic search: embeddings stored per record, a vector index, similar records and free-text needs.

Vectors live in `initiative_vectors` with the record version they were made from, so `update_vectors`
embeds only records that are new or changed. Queries go to a `VectorIndex`: an exact scan up to
`EXACT_LIMIT` vectors, an HNSW graph (usearch) beyond, cached in a file beside a SQLite database.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import delete, func, insert, or_, select

from initiatives.model import Initiative
from initiatives.reference import countries
from initiatives.search.embeddings import EmbeddingModel, default_model
from initiatives.store import Store, mapping
from initiatives.store.tables import InitiativeRow, VectorRow

EXACT_LIMIT = 10_000
# Below this cosine similarity a record is not about the query at all (MiniLM puts unrelated texts near 0.1).
MIN_SIMILARITY = 0.2


def record_text(rec: Initiative) -> str:
    """What a record is about, in words: the text its vector is made from."""
    parts = [rec.title or "", rec.summary or "", "; ".join(rec.themes),
             ", ".join(countries.name(c) for c in rec.countries), ", ".join(rec.country_groups),
             ", ".join(p.name for p in rec.partners)]
    return ". ".join(p for p in parts if p)[:2000] or (rec.code or "")


def _all_current(store: Store, model_name: str) -> bool:
    """True when every record has a vector of `model_name` made from its current version, answered from two
    aggregates instead of a join. Exact: vectors are deleted with their record (ON DELETE CASCADE), so equal
    counts mean one vector per record, and a vector's version never exceeds its record's, so equal sums mean
    every version matches."""
    with store.transaction() as s:
        records = s.execute(select(func.count(), func.coalesce(func.sum(InitiativeRow.version), 0))).one()
        vectors = s.execute(select(func.count(), func.coalesce(func.sum(VectorRow.record_version), 0))
                            .where(VectorRow.model == model_name)).one()
    return tuple(records) == tuple(vectors)


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


def update_vectors(store: Store, model: EmbeddingModel | None = None, *, batch: int = 256,
                   progress: Callable[[int, int], None] | None = None) -> int:
    """Embed every record whose vector is missing or older than the record; returns how many."""
    model = model or default_model()
    ids = stale_ids(store, model.name)
    done = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        with store.transaction() as s:
            rows = list(s.scalars(select(InitiativeRow).where(InitiativeRow.id.in_(chunk))))
            recs = [mapping.initiative_from_row(r) for r in rows]
            vectors = model.encode([record_text(r) for r in recs])
            s.execute(delete(VectorRow).where(VectorRow.initiative_id.in_([r.id for r in rows])))
            s.execute(insert(VectorRow), [
                {"initiative_id": row.id, "model": model.name, "record_version": row.version,
                 "vector": vec.astype(np.float32).tobytes()}
                for row, vec in zip(rows, vectors, strict=True)])
        done += len(chunk)
        if progress:
            progress(done, len(ids))
    return done


def ensure_ready(store: Store) -> int:
    """Before a semantic query: embed what is new or changed since the last one. Raises SemanticUnavailable
    (with the install command) when the model package is not installed."""
    from initiatives.search.embeddings import INSTALL_HINT, SemanticUnavailable, available

    if not available():
        raise SemanticUnavailable(f"semantic search is not installed: {INSTALL_HINT}")
    return update_vectors(store)


def refresh_if_available(store: Store, progress: Callable[[int, int], None] | None = None) -> int:
    """Bring the vectors up to date after a write (ingest, upload, edit); 0 when the model is not installed,
    so writes never depend on the optional extra. Errors are not swallowed."""
    from initiatives.search.embeddings import available

    if not available():
        return 0
    return update_vectors(store, progress=progress)


# ------------------------------------------------------------------------------------------------ index


@dataclass
class VectorIndex:
    ids: np.ndarray  # int64, one per row of `matrix`
    matrix: np.ndarray  # float32 (n, dim), unit rows
    hnsw: object | None = None  # usearch.index.Index when n > EXACT_LIMIT

    def __post_init__(self) -> None:
        self._pos = {int(i): n for n, i in enumerate(self.ids)}

    def __len__(self) -> int:
        return len(self.ids)

    def vector_of(self, initiative_id: int) -> np.ndarray | None:
        pos = self._pos.get(initiative_id)
        return None if pos is None else self.matrix[pos]

    def nearest(self, query: np.ndarray, k: int, *, allowed: Iterable[int] | None = None,
                exclude: set[int] | None = None) -> list[tuple[int, float]]:
        """The k records closest to `query` (cosine), optionally only among `allowed` ids."""
        exclude = exclude or set()
        if allowed is not None:
            rows = np.fromiter((self._pos[i] for i in allowed if i in self._pos and i not in exclude), dtype=np.int64)
            return self._exact(query, k, rows)
        if self.hnsw is None:
            return [(i, s) for i, s in self._exact(query, k + len(exclude), None) if i not in exclude][:k]
        matches = self.hnsw.search(query.astype(np.float32), k + len(exclude))  # type: ignore[attr-defined]
        out = [(int(key), float(1.0 - dist)) for key, dist in zip(matches.keys, matches.distances, strict=True)]
        return [(i, s) for i, s in out if i not in exclude][:k]

    def _exact(self, query: np.ndarray, k: int, rows: np.ndarray | None) -> list[tuple[int, float]]:
        matrix, ids = (self.matrix, self.ids) if rows is None else (self.matrix[rows], self.ids[rows])
        if len(ids) == 0:
            return []
        scores = matrix @ query.astype(np.float32)
        k = min(k, len(ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(ids[t]), float(scores[t])) for t in top]


_cache: dict[str, tuple[tuple[int, int, int], VectorIndex]] = {}
_cache_lock = threading.Lock()


def _stamp(store: Store, model_name: str) -> tuple[int, int, int]:
    with store.transaction() as s:
        n, versions, top = s.execute(select(func.count(), func.coalesce(func.sum(VectorRow.record_version), 0),
                                            func.coalesce(func.max(VectorRow.initiative_id), 0))
                                     .where(VectorRow.model == model_name)).one()
    return int(n), int(versions), int(top)


def _cache_file(store: Store, model_name: str) -> Path | None:
    db = store.engine.url.database if store.engine.dialect.name == "sqlite" else None
    if db and db != ":memory:":
        return Path(f"{db}.{model_name}.usearch")
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "initiatives"
    key = hashlib.sha256(store.engine.url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    return base / f"{key}.{model_name}.usearch"


def load_index(store: Store, model_name: str) -> VectorIndex:
    """The index over every stored vector of `model_name`, rebuilt only when the vectors changed."""
    stamp = _stamp(store, model_name)
    key = f"{store.url}|{model_name}"
    with _cache_lock:
        cached = _cache.get(key)
        if cached and cached[0] == stamp:
            return cached[1]
        with store.transaction() as s:
            rows = s.execute(select(VectorRow.initiative_id, VectorRow.vector).where(VectorRow.model == model_name)
                             .order_by(VectorRow.initiative_id)).all()
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        matrix = (np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)
                  if rows else np.zeros((0, 1), dtype=np.float32))
        index = VectorIndex(ids=ids, matrix=matrix, hnsw=_hnsw(store, model_name, stamp, ids, matrix))
        _cache[key] = (stamp, index)
        return index


def _hnsw(store: Store, model_name: str, stamp: tuple[int, int, int], ids: np.ndarray,
          matrix: np.ndarray) -> object | None:
    if len(ids) <= EXACT_LIMIT:
        return None
    from usearch.index import Index

    path = _cache_file(store, model_name)
    meta = path.with_suffix(".json") if path else None
    if path and meta and path.exists() and meta.exists() and json.loads(meta.read_text()) == list(stamp):
        return Index.restore(str(path), view=False)
    index = Index(ndim=matrix.shape[1], metric="cos", dtype="f32", connectivity=16, expansion_add=128,
                  expansion_search=64)
    index.add(ids, matrix, threads=0)  # 0: every core
    if path and meta:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            index.save(str(path))
            meta.write_text(json.dumps(list(stamp)))
        except OSError:
            pass  # a read-only place: the index still works, it is just not cached
    return index


# ------------------------------------------------------------------------------------------------ queries


def semantic_ids(store: Store, text: str, k: int = 20, *, allowed: Iterable[int] | None = None,
                 model: EmbeddingModel | None = None) -> list[tuple[int, float]]:
    """Records closest in meaning to a free-text need."""
    model = model or default_model()
    query = model.encode([text])[0]
    hits = load_index(store, model.name).nearest(query, k, allowed=allowed)
    return [(i, score) for i, score in hits if score >= MIN_SIMILARITY]


def similar_ids(store: Store, initiative_id: int, k: int = 10,
                model: EmbeddingModel | None = None) -> list[tuple[int, float]]:
    """Records most like one record (itself excluded)."""
    model = model or default_model()
    index = load_index(store, model.name)
    vector = index.vector_of(initiative_id)
    if vector is None:
        rec = store.get_initiative(initiative_id)
        vector = model.encode([record_text(rec)])[0]
    return index.nearest(vector, k, exclude={initiative_id})


def reciprocal_rank_fusion(*rankings: list[int], k: int = 60) -> list[tuple[int, float]]:
    """Combine rankings (best first) into one: score = sum of 1 / (k + rank). Cormack et al., SIGIR 2009."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
