"""The store's papers in memory: records, a vector matrix and an author index, for whole-archive questions.

In: a `PaperStore`. Out: `Catalog.current()`, a `Shelf` (papers, their unit title+abstract vectors as one
float32 matrix, row lookups by id and by author or organisation). Trends, related papers and the "for you"
ranking score every paper with one matrix product instead of a Chroma query each. A shelf is immutable and is
rebuilt only when the store's version token changes (9,000 papers: ~14 MB of vectors).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from vectorstore.records import Paper
from vectorstore.store import PaperStore


def person_key(name: str) -> str:
    return " ".join(name.lower().split())


def names_of(paper: Paper) -> tuple[str, ...]:
    """Its authors and its organisation, as written."""
    return tuple(n for n in (*paper.authors, paper.organization) if n)


def people_of(paper: Paper) -> set[str]:
    return {person_key(n) for n in names_of(paper)}


@dataclass(frozen=True)
class Shelf:
    version: str
    papers: tuple[Paper, ...]
    vectors: np.ndarray
    row_of: dict[str, int] = field(repr=False)
    rows_by_person: dict[str, tuple[int, ...]] = field(repr=False)
    day_numbers: np.ndarray = field(repr=False)
    # Lower-cased title, keywords and abstract: what a topic's words are looked for in.
    texts: tuple[str, ...] = field(repr=False, default=())

    @classmethod
    def of(cls, version: str, papers: list[Paper], vectors: np.ndarray) -> Shelf:
        by_person: dict[str, list[int]] = {}
        for row, paper in enumerate(papers):
            for name in people_of(paper):
                by_person.setdefault(name, []).append(row)
        days = np.array([p.date.toordinal() for p in papers], dtype=np.int64)
        return cls(
            version,
            tuple(papers),
            vectors,
            {p.id: row for row, p in enumerate(papers)},
            {k: tuple(v) for k, v in by_person.items()},
            days,
            tuple(" ".join([p.title, " ".join(p.ai_keywords), p.abstract]).lower() for p in papers),
        )

    def rows_between(self, start: date | None, end: date | None) -> np.ndarray:
        keep = np.ones(len(self.papers), dtype=bool)
        if start:
            keep &= self.day_numbers >= start.toordinal()
        if end:
            keep &= self.day_numbers <= end.toordinal()
        return np.flatnonzero(keep)


class Catalog:
    """The latest shelf of a store; built in line on first use and again after the store changes."""

    def __init__(self, store: PaperStore) -> None:
        self.store = store
        self.shelf: Shelf | None = None
        self.lock = threading.Lock()

    def current(self) -> Shelf:
        version = self.store.version()
        shelf = self.shelf
        if shelf is not None and shelf.version == version:
            return shelf
        with self.lock:
            if self.shelf is None or self.shelf.version != version:
                papers, vectors = self.store.papers_with_vectors()
                self.shelf = Shelf.of(version, papers, vectors)
            return self.shelf
