"""Questions -> ranked `Passage`s from the store.

In: a query, how many results, optional date range and paper ids. Out: passages best first, optionally one per
paper. Dense search runs in Chroma; `HybridSearcher` (see `hybrid.py`) adds a lexical ranking on top.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from vectorstore.records import Passage
from vectorstore.store import PaperStore

# Fetch more than asked before de-duplicating by paper, so k distinct papers usually survive.
OVERFETCH = 4


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


class DenseSearcher:
    def __init__(self, store: PaperStore) -> None:
        self.store = store

    def ranked(self, query: Query, depth: int) -> list[Passage]:
        vector = self.store.embedder.embed([query.text])[0]
        return self.store.dense_search(vector, depth, query.start, query.end, list(query.paper_ids) or None)

    def search(self, query: Query) -> list[Passage]:
        depth = query.k * OVERFETCH if query.per_paper else query.k
        passages = self.ranked(query, depth)
        return (best_per_paper(passages) if query.per_paper else passages)[: query.k]
