"""The store's small state beside its vectors: notes, the ingest journal, the version token and the writer lock.

In: a data folder (and a collection prefix, so stores sharing a Chroma server keep apart). Out: `StoreState`:
- notes: small texts by key (cached TL;DRs, a PDF's sections, its reference list) with JSON metadata;
- the journal: one row per write batch in flight (its id, the writer's pid, the paper ids), so a crash can be
  undone, and two writers never overwrite each other's entry;
- the version token: a new one after every change to the chunks, so derived indexes (BM25) know to refresh;
- the writer lock: `filelock`, one writer at a time across processes; recovery runs only while holding it.
One SQLite file (stdlib `sqlite3`, WAL, a busy timeout), so every job has one home and its own transactions.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from vectorstore.errors import StoreError

SCHEMA = """
CREATE TABLE IF NOT EXISTS notes (key TEXT PRIMARY KEY, text TEXT NOT NULL, meta TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (batch TEXT PRIMARY KEY, pid INTEGER, started REAL, paper_ids TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# SQLite caps the host parameters of one statement; lookups go in slices below it.
SLICE = 500
# A writer waits this long for another process's batch before saying the store is busy.
WRITER_WAIT_S = 600.0


class StoreState:
    def __init__(self, data_dir: Path, prefix: str = "") -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        suffix = f"-{prefix}" if prefix else ""
        self.path = data_dir / f"state{suffix}.sqlite3"
        self.lock = FileLock(str(data_dir / f"writer{suffix}.lock"))
        self.local = threading.local()
        with self.connect() as db:
            db.executescript(SCHEMA)

    def connect(self) -> sqlite3.Connection:
        """One connection per thread (sqlite3 objects must stay in their thread)."""
        db = getattr(self.local, "db", None)
        if db is None:
            try:
                db = sqlite3.connect(self.path, timeout=30.0)
                db.execute("PRAGMA journal_mode=WAL")
            except sqlite3.Error as error:
                raise StoreError(f"The store's state file {self.path} could not be opened: {error}") from error
            self.local.db = db
        return db

    # --- the writer lock ---------------------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the store for one writer (across processes and threads)."""
        try:
            self.lock.acquire(timeout=WRITER_WAIT_S)
        except Timeout as error:
            raise StoreError(
                f"Another process has been writing to the store for over {WRITER_WAIT_S:.0f} s.",
                "Wait for that ingest to finish, then try again.",
            ) from error
        try:
            yield
        finally:
            self.lock.release()

    def try_writing(self) -> bool:
        """Take the writer lock only if no one holds it; the caller releases it with `done_writing`."""
        try:
            self.lock.acquire(timeout=0)
        except Timeout:
            return False
        return True

    def done_writing(self) -> None:
        self.lock.release()

    # --- the journal -------------------------------------------------------------------------------------

    def begin(self, paper_ids: list[str]) -> str:
        batch = uuid.uuid4().hex
        with self.connect() as db:
            db.execute(
                "INSERT INTO journal VALUES (?, ?, ?, ?)", (batch, os.getpid(), time.time(), json.dumps(paper_ids))
            )
        return batch

    def end(self, batch: str) -> None:
        with self.connect() as db:
            db.execute("DELETE FROM journal WHERE batch = ?", (batch,))

    def unfinished(self) -> list[tuple[str, list[str]]]:
        """Batches in the journal; only meaningful to a caller holding the writer lock (their writers are gone)."""
        rows = self.connect().execute("SELECT batch, paper_ids FROM journal").fetchall()
        return [(batch, json.loads(ids)) for batch, ids in rows]

    # --- the version token -------------------------------------------------------------------------------

    def bump_version(self) -> None:
        with self.connect() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (uuid.uuid4().hex,))

    def version(self) -> str:
        row = self.connect().execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        return row[0] if row else "empty"

    # --- notes -------------------------------------------------------------------------------------------

    def put_notes(self, notes: dict[str, tuple[str, dict]]) -> None:
        rows = [(key, text, json.dumps(meta or {"kind": "note"})) for key, (text, meta) in notes.items()]
        with self.connect() as db:
            db.executemany("INSERT OR REPLACE INTO notes VALUES (?, ?, ?)", rows)

    def notes_mark(self) -> str:
        """Changes whenever a note is written (a replaced note gets a new rowid), in this process or another."""
        count, last = self.connect().execute("SELECT count(*), max(rowid) FROM notes").fetchone()
        return f"{count}:{last}"

    def get_notes(self, keys: list[str]) -> dict[str, tuple[str, dict]]:
        found: dict[str, tuple[str, dict]] = {}
        db = self.connect()
        for start in range(0, len(keys), SLICE):
            part = keys[start : start + SLICE]
            marks = ",".join("?" * len(part))
            for key, text, meta in db.execute(f"SELECT key, text, meta FROM notes WHERE key IN ({marks})", part):
                found[key] = (text, json.loads(meta))
        return found
