"""The words a reader's papers use: TF-IDF over the stored titles and abstracts, for the "for you" ranking.

In: the store's `Shelf` and the texts of a group of anchor papers (liked, library, interests). Out: each stored
paper's cosine to the group's word profile (the mean of its anchors' TF-IDF rows). Why beside the embedding: the
embedder blurs exact terminology ("speculative decoding", "KV cache"), which is what the reader's papers share;
on tune-day pools adding it lifted the share of the best possible ranking by 2-4 points (benchmarks/foryou_eval.py).
Only titles and abstracts are used, never `ai_keywords` (the benchmark's labels come from those). The index is
fitted once per shelf version (~3 s for 9,000 papers here) and kept.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from vectorstore.catalog import Shelf


@dataclass(frozen=True)
class WordIndex:
    key: tuple  # the shelf it was fitted on: its version, size and first paper (two stores may share a version)
    vectorizer: object
    rows: object  # scipy sparse, one L2-normalised row per shelf paper


CACHE: dict[str, WordIndex] = {}
LOCK = threading.Lock()


def word_index(shelf: Shelf) -> WordIndex | None:
    """The shelf's index, or None when its texts leave no words (a tiny store: every word in one paper or all)."""
    with LOCK:
        key = (shelf.version, len(shelf.papers), shelf.papers[0].id if shelf.papers else "")
        found = CACHE.get("current")
        if found is None or found.key != key:
            from sklearn.feature_extraction.text import TfidfVectorizer

            vectorizer = TfidfVectorizer(
                ngram_range=(1, 2), min_df=2, max_df=0.5, sublinear_tf=True, stop_words="english"
            )
            try:
                rows = vectorizer.fit_transform([f"{p.title} {p.abstract}" for p in shelf.papers])
            except ValueError:  # "no terms remain" after the document-frequency bounds
                return None
            found = CACHE["current"] = WordIndex(key, vectorizer, rows)
        return found


def word_scores(shelf: Shelf, anchor_texts: list[str], rows: list[int]) -> np.ndarray:
    """Cosine of each given shelf row to the anchors' mean TF-IDF profile (zeros on a shelf too small to fit)."""
    index = word_index(shelf) if anchor_texts else None
    if index is None:
        return np.zeros(len(rows), dtype=np.float32)
    profile = np.asarray(index.vectorizer.transform(anchor_texts).mean(axis=0)).ravel()
    norm = np.linalg.norm(profile)
    if not norm:
        return np.zeros(len(rows), dtype=np.float32)
    return np.asarray(index.rows[rows] @ (profile / norm), dtype=np.float32).ravel()
