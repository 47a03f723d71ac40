"""Chunks -> a BM25 index (bm25s) kept on disk beside the store and in step with it.

In: the store's chunks and its version token (a new one after every write). Out: `LexicalIndex.search(query,
depth, start, end, paper_ids)`: (chunk, BM25 score) pairs, best first, among the chunks the filters allow. The
index is rebuilt only when the store's version differs from the one it was built for, and saved, so a restart
loads it instead of rebuilding. Each build is one immutable `Snapshot` (index, chunks, dates and ids together),
swapped in by a single assignment: a search holds the snapshot it started with. After a write the rebuild runs in
a background thread while searches go on with the previous snapshot; only the very first one is built in line.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from vectorstore.chunking import embedding_text
from vectorstore.records import Chunk
from vectorstore.store import PaperStore, chunk_from_result, chunk_metadata, date_int

STOPWORDS = "en"


def tokenize(texts: list[str]) -> list[list[str]]:
    import bm25s

    return bm25s.tokenize(texts, stopwords=STOPWORDS, return_ids=False, show_progress=False)


@dataclass(frozen=True)
class Snapshot:
    version: str
    retriever: Any
    chunks: tuple[Chunk, ...]
    dates: np.ndarray
    paper_ids: np.ndarray

    @classmethod
    def of(cls, version: str, retriever: Any, chunks: list[Chunk]) -> Snapshot:
        dates = np.array([date_int(c.date) for c in chunks], dtype=np.int64)
        return cls(version, retriever, tuple(chunks), dates, np.array([c.paper_id for c in chunks], dtype=object))

    def mask(self, start: int | None, end: int | None, paper_ids: tuple[str, ...]) -> np.ndarray | None:
        if not (start or end or paper_ids):
            return None
        keep = np.ones(len(self.chunks), dtype=bool)
        if start:
            keep &= self.dates >= start
        if end:
            keep &= self.dates <= end
        if paper_ids:
            keep &= np.isin(self.paper_ids, list(paper_ids))
        return keep


class LexicalIndex:
    def __init__(self, store: PaperStore) -> None:
        self.store = store
        self.folder = store.data_dir / "bm25"
        self.snapshot: Snapshot | None = None
        self.building = threading.Lock()  # one build at a time; searches never wait for it once one exists

    def current(self) -> Snapshot:
        """The snapshot to search: the store's latest, or while that is being built, the previous one."""
        version = self.store.version()
        snapshot = self.snapshot
        if snapshot is not None and snapshot.version == version:
            return snapshot
        if snapshot is None:  # nothing to search yet: the first build happens in line
            with self.building:
                if self.snapshot is None:
                    self.snapshot = self.load(version) or self.build(version)
            return self.snapshot
        if self.building.acquire(blocking=False):
            threading.Thread(target=self.rebuild, args=(version,), daemon=True).start()
        return snapshot

    def rebuild(self, version: str) -> None:
        """Build the given version and swap it in (runs with `building` held; releases it)."""
        try:
            self.snapshot = self.load(version) or self.build(version)
        finally:
            self.building.release()

    def refresh(self) -> None:
        """Bring the index up to the store now, in the caller's thread (after an ingest the caller waits for)."""
        version = self.store.version()
        with self.building:
            if self.snapshot is None or self.snapshot.version != version:
                self.snapshot = self.load(version) or self.build(version)

    def load(self, version: str) -> Snapshot | None:
        import bm25s

        meta_path = self.folder / "chunks.json"
        if not meta_path.exists():
            return None
        meta = json.loads(meta_path.read_text())
        if meta.get("version") != version:
            return None
        retriever = bm25s.BM25.load(str(self.folder), show_progress=False) if meta["chunks"] else None
        return Snapshot.of(version, retriever, [chunk_from_result(doc, m) for doc, m in meta["chunks"]])

    def build(self, version: str) -> Snapshot:
        import bm25s

        chunks = self.store.all_chunks()
        retriever = None
        if chunks:
            retriever = bm25s.BM25()
            retriever.index(tokenize([embedding_text(c) for c in chunks]), show_progress=False)
        snapshot = Snapshot.of(version, retriever, chunks)
        self.save(snapshot)
        return snapshot

    def save(self, snapshot: Snapshot) -> None:
        """Write a fresh folder, then swap it in, so a crash never leaves a half-saved index."""
        staging = self.folder.with_name(f"bm25.partial-{os.getpid()}-{threading.get_ident()}")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        if snapshot.retriever is not None:
            snapshot.retriever.save(str(staging), show_progress=False)
        records = [[c.text, chunk_metadata(c)] for c in snapshot.chunks]
        (staging / "chunks.json").write_text(json.dumps({"version": snapshot.version, "chunks": records}))
        shutil.rmtree(self.folder, ignore_errors=True)
        try:
            staging.rename(self.folder)
        except OSError:  # another process saved the same index first: its copy serves as well
            shutil.rmtree(staging, ignore_errors=True)

    def search(
        self, query: str, depth: int, start: int | None = None, end: int | None = None, paper_ids: tuple[str, ...] = ()
    ) -> list[tuple[Chunk, float]]:
        """Best chunks for the query among those dated start..end (YYYYMMDD ints) and of the given papers."""
        snapshot = self.current()
        mask = snapshot.mask(start, end, paper_ids)
        tokens = tokenize([query])
        if snapshot.retriever is None or not tokens[0] or (mask is not None and not mask.any()):
            return []
        depth = min(depth, len(snapshot.chunks) if mask is None else int(mask.sum()))
        weights = None if mask is None else mask.astype(np.float32)
        indices, scores = snapshot.retriever.retrieve(tokens, k=depth, show_progress=False, weight_mask=weights)
        return [
            (snapshot.chunks[int(i)], float(s))
            for i, s in zip(indices[0], scores[0])
            if s > 0 and (mask is None or mask[i])
        ]
