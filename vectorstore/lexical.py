"""Chunks -> a BM25 index (bm25s) kept on disk beside the store and in step with it.

In: the store's chunks and its version token (a new one after every write). Out: `LexicalIndex.search(query,
depth, start, end, paper_ids)`: (chunk, BM25 score) pairs, best first, among the chunks the filters allow. The
index is rebuilt only when the store's version differs from the one it was built for, and saved, so a restart
loads it instead of rebuilding.
"""

from __future__ import annotations

import json
import shutil
import threading

import numpy as np

from vectorstore.chunking import embedding_text
from vectorstore.records import Chunk
from vectorstore.store import PaperStore, chunk_from_result, chunk_metadata, date_int

STOPWORDS = "en"


def tokenize(texts: list[str]) -> list[list[str]]:
    import bm25s

    return bm25s.tokenize(texts, stopwords=STOPWORDS, return_ids=False, show_progress=False)


class LexicalIndex:
    def __init__(self, store: PaperStore) -> None:
        self.store = store
        self.folder = store.data_dir / "bm25"
        self.lock = threading.Lock()
        self.version = ""
        self.retriever = None
        self.chunks: list[Chunk] = []
        self.dates = np.zeros(0, dtype=np.int64)
        self.paper_ids = np.zeros(0, dtype=object)

    def ensure_current(self) -> None:
        """Load or rebuild when the store has changed since; cheap when it has not."""
        current = self.store.version()
        if current == self.version:
            return
        with self.lock:
            if current == self.version:
                return
            if not self.load(current):
                self.build(current)

    def load(self, version: str) -> bool:
        import bm25s

        meta_path = self.folder / "chunks.json"
        if not meta_path.exists():
            return False
        meta = json.loads(meta_path.read_text())
        if meta.get("version") != version:
            return False
        self.retriever = bm25s.BM25.load(str(self.folder), show_progress=False) if meta["chunks"] else None
        self.set_chunks([chunk_from_result(doc, m) for doc, m in meta["chunks"]], version)
        return True

    def build(self, version: str) -> None:
        import bm25s

        chunks = self.store.all_chunks()
        retriever = None
        if chunks:
            retriever = bm25s.BM25()
            retriever.index(tokenize([embedding_text(c) for c in chunks]), show_progress=False)
        self.retriever = retriever
        self.set_chunks(chunks, version)
        self.save(version)

    def save(self, version: str) -> None:
        """Write a fresh folder, then swap it in, so a crash never leaves a half-saved index."""
        staging = self.folder.with_name("bm25.partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        if self.retriever is not None:
            self.retriever.save(str(staging), show_progress=False)
        records = [[c.text, chunk_metadata(c)] for c in self.chunks]
        (staging / "chunks.json").write_text(json.dumps({"version": version, "chunks": records}))
        shutil.rmtree(self.folder, ignore_errors=True)
        staging.rename(self.folder)

    def set_chunks(self, chunks: list[Chunk], version: str) -> None:
        self.chunks = chunks
        self.dates = np.array([date_int(c.date) for c in chunks], dtype=np.int64)
        self.paper_ids = np.array([c.paper_id for c in chunks], dtype=object)
        self.version = version

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

    def search(
        self, query: str, depth: int, start: int | None = None, end: int | None = None, paper_ids: tuple[str, ...] = ()
    ) -> list[tuple[Chunk, float]]:
        """Best chunks for the query among those dated start..end (YYYYMMDD ints) and of the given papers."""
        self.ensure_current()
        mask = self.mask(start, end, paper_ids)
        tokens = tokenize([query])
        if self.retriever is None or not tokens[0] or (mask is not None and not mask.any()):
            return []
        depth = min(depth, len(self.chunks) if mask is None else int(mask.sum()))
        weights = None if mask is None else mask.astype(np.float32)
        indices, scores = self.retriever.retrieve(tokens, k=depth, show_progress=False, weight_mask=weights)
        return [
            (self.chunks[int(i)], float(s))
            for i, s in zip(indices[0], scores[0])
            if s > 0 and (mask is None or mask[i])
        ]
