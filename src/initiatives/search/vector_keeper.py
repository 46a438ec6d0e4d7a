"""Keep the vectors of a served registry up to date in the background.

Vectors are an index for meaning search, not part of a record: ingest and import store records without
waiting for them (embedding costs more than extracting), and a server makes them afterwards, a slice at a
time, between requests. One thread per process; with several workers on one database, only the worker holding
the keeper lock embeds, so records are not embedded twice: on SQLite a file lock beside the database, on
PostgreSQL an advisory lock (so several servers on one database agree too). A query that finds a few records waiting still embeds them itself (`semantic.ensure_ready`).
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import IO, Any

from sqlalchemy import text

from initiatives.store import Store

log = logging.getLogger(__name__)

SLICE = 128  # records per turn: about half a second on one core, the longest a query waits for the model
IDLE_SECONDS = 5.0  # how often an idle keeper looks for new or changed records
ADVISORY_KEY = 0x1A17_0007  # PostgreSQL advisory lock id of the keeper ("initiatives, vectors")


_active: dict[str, VectorKeeper] = {}  # store url -> the keeper running in this process


def active(store: Store) -> VectorKeeper | None:
    """The keeper making this store's vectors in this process, if one runs."""
    keeper = _active.get(store.url)
    return keeper if keeper is not None and keeper.running else None


class VectorKeeper:
    """A daemon thread that embeds waiting records a slice at a time. `nudge()` after a write wakes it."""

    def __init__(self, store: Store, *, idle_seconds: float = IDLE_SECONDS, slice_size: int = SLICE) -> None:
        self.store = store
        self.idle_seconds = idle_seconds
        self.slice_size = slice_size
        self.embedded = 0
        self.error: str | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_file: IO[bytes] | None = None
        self._lock_conn: Any = None  # PostgreSQL: the connection holding the advisory lock
        self._queue: list[int] = []  # records found waiting, not yet embedded

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> bool:
        """Start the thread; False (and nothing started) when the model is not installed or another process
        on this database keeps its vectors already."""
        from initiatives.search.embeddings import available

        if self.running or not available() or not self._take_lock():
            return False
        self._thread = threading.Thread(target=self._run, name="vector-keeper", daemon=True)
        self._thread.start()
        _active[self.store.url] = self
        return True

    def nudge(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if _active.get(self.store.url) is self:
            del _active[self.store.url]
        if self._lock_file is not None:
            self._lock_file.close()  # releases the lock
            self._lock_file = None
        if self._lock_conn is not None:
            self._lock_conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
            self._lock_conn.close()
            self._lock_conn = None

    def _take_lock(self) -> bool:
        if self.store.engine.dialect.name == "postgresql":
            conn = self.store.engine.connect()
            if conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar():
                conn.commit()
                self._lock_conn = conn
                return True
            conn.close()
            return False
        path = _lock_path(self.store.url)
        handle = path.open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._lock_file = handle
        return True

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                done = self.step()
            except Exception as exc:  # noqa: BLE001 - a failed turn is logged and retried, the server stays up
                self.error = f"{type(exc).__name__}: {exc}"
                log.warning("background embedding failed: %s", self.error)
                done = 0
            if done == 0:
                self._wake.wait(self.idle_seconds)
                self._wake.clear()

    def step(self) -> int:
        """One turn: embed up to one slice of waiting records; 0 when every record has its vector. The list of
        waiting records is asked for once and worked through a slice at a time (after a bulk import, asking
        again for every slice would cost a join over the whole registry each time); a record edited meanwhile
        is embedded from its current version, and one added meanwhile is found when the list runs out."""
        from initiatives.search import semantic
        from initiatives.search.embeddings import MiniLM

        if not self._queue:
            self._queue = semantic.stale_ids(self.store, MiniLM.name)
            if not self._queue:
                return 0
        ids, self._queue = self._queue[:self.slice_size], self._queue[self.slice_size:]
        with semantic._refresh_lock:  # a query's own refresh waits at most one slice
            done = semantic.embed_ids(self.store, ids, batch=self.slice_size)
        self.embedded += done
        return done


def _lock_path(url: str) -> Path:
    """A lock file beside a SQLite database (so every process on that file agrees), else in the temp folder."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        db = Path(url.removeprefix("sqlite:///"))
        if db.parent.is_dir() and os.access(db.parent, os.W_OK):
            return db.with_name(db.name + ".vectors.lock")
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"initiatives-vectors-{digest}.lock"
