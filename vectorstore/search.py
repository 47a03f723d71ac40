"""Questions -> ranked `Passage`s from the store: dense, lexical, or both fused.

In: a `Query` (text, k, optional date range and paper ids, one-per-paper or not) and a mode. Out: passages best
first. Dense ranking comes from Chroma, lexical from BM25 (`lexical.py`); hybrid fuses the two rankings by
reciprocal rank fusion. Every passage also carries `relevance`, its cosine similarity to the question, which is
calibrated enough to decide whether the store covers a question at all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from vectorstore.chunking import embedding_text
from vectorstore.errors import StoreError
from vectorstore.lexical import LexicalIndex
from vectorstore.records import Chunk, Passage
from vectorstore.store import PaperStore, date_int

LOG = logging.getLogger(__name__)
# Fetch more than asked before fusing and de-duplicating by paper, so k distinct papers usually survive.
OVERFETCH = 4
MIN_DEPTH = 30
# The usual RRF constant (Cormack et al. 2009): damps the weight of the very first ranks.
RRF_K = 60
# Plain RRF unless the caller passes weights calibrated for its embedder (agent/settings.py keeps them).
EQUAL_WEIGHTS = {"dense": 1.0, "lexical": 1.0}
MODES = ("hybrid", "dense", "lexical")


@dataclass(frozen=True)
class Query:
    text: str
    k: int = 5
    start: date | None = None
    end: date | None = None
    paper_ids: tuple[str, ...] = ()
    per_paper: bool = False


def best_per_paper(passages: list[Passage]) -> list[Passage]:
    seen: set[str] = set()
    kept = []
    for passage in passages:
        if passage.chunk.paper_id not in seen:
            seen.add(passage.chunk.paper_id)
            kept.append(passage)
    return kept


def fuse(rankings: dict[str, list[Passage]], weights: dict[str, float] = EQUAL_WEIGHTS) -> list[Passage]:
    """Weighted reciprocal rank fusion: each list adds weight / (RRF_K + rank) to every chunk it ranks."""
    fused: dict[str, float] = {}
    first_seen: dict[str, Passage] = {}
    ranks: dict[str, dict[str, int]] = {}
    for name, passages in rankings.items():
        for rank, passage in enumerate(passages, 1):
            key = passage.chunk.id
            fused[key] = fused.get(key, 0.0) + weights.get(name, 1.0) / (RRF_K + rank)
            first_seen.setdefault(key, passage)
            ranks.setdefault(key, {})[name] = rank
    order = sorted(fused, key=lambda key: -fused[key])
    return [replace(first_seen[key], score=fused[key], rank_sources=ranks[key]) for key in order]


class HybridSearcher:
    """Dense + BM25 with reciprocal rank fusion; also serves either ranking alone (for evaluation)."""

    def __init__(self, store: PaperStore, weights: dict[str, float] | None = None) -> None:
        self.store = store
        self.weights = weights or EQUAL_WEIGHTS
        self.lexical = LexicalIndex(store)

    def dense(self, query: Query, vector: np.ndarray, depth: int, required: bool = True) -> list[Passage]:
        """Chroma's ranking. An embedded Chroma whose files another process is writing can fail to read its own
        index ("Error finding id"); in hybrid mode the search then goes on with BM25 alone and says so in the log."""
        try:
            hits = self.store.dense_search(vector, depth, query.start, query.end, list(query.paper_ids) or None)
        except Exception as error:  # chromadb raises InternalError and others, by version
            if required:
                hint = "Try again; use a Chroma server for stores that several processes write."
                raise StoreError(f"Dense search failed: {error}", hint) from error
            LOG.warning("dense search failed, BM25 alone this time: %s", str(error)[:200])
            return []
        return [replace(p, relevance=p.score) for p in hits]

    def lexical_chunks(self, query: Query, depth: int | None = None) -> list[tuple[Chunk, float]]:
        """BM25 alone: (chunk, score), best first."""
        start = date_int(query.start) if query.start else None
        end = date_int(query.end) if query.end else None
        return self.lexical.search(query.text, depth or query.k, start, end, query.paper_ids)

    def lexical_hits(self, query: Query, depth: int) -> list[Passage]:
        return [Passage(chunk, score) for chunk, score in self.lexical_chunks(query, depth)]

    def with_relevance(self, passages: list[Passage], vector: np.ndarray) -> list[Passage]:
        """Cosine similarity to the question for passages that only the lexical ranking found: their stored
        vectors, or, when Chroma cannot be read, their texts embedded again (the same vectors)."""
        missing = [p.chunk for p in passages if p.relevance is None]
        try:
            vectors = self.store.chunk_vectors([c.id for c in missing]) if missing else {}
        except Exception as error:  # as in `dense`
            LOG.warning("stored vectors unreadable, embedding %d passages again: %s", len(missing), str(error)[:200])
            vectors = dict(
                zip((c.id for c in missing), self.store.embedder.embed([embedding_text(c) for c in missing]))
            )
        return [
            p if p.relevance is not None else replace(p, relevance=float(vectors[p.chunk.id] @ vector))
            for p in passages
            if p.relevance is not None or p.chunk.id in vectors
        ]

    def search(self, query: Query, mode: str = "hybrid") -> list[Passage]:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        depth = max(MIN_DEPTH, query.k * OVERFETCH)
        vector = self.store.embedder.embed([query.text])[0]
        rankings: dict[str, list[Passage]] = {}
        if mode in ("hybrid", "dense"):
            rankings["dense"] = self.dense(query, vector, depth, required=mode == "dense")
        if mode in ("hybrid", "lexical"):
            rankings["lexical"] = self.lexical_hits(query, depth)
        passages = fuse(rankings, self.weights) if mode == "hybrid" else next(iter(rankings.values()))
        passages = best_per_paper(passages) if query.per_paper else passages
        return self.with_relevance(passages[: query.k], vector)
