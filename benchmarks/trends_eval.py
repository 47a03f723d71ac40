"""Calibrate and measure the trend threshold, and time a trend over the whole archive.

In: a store holding the archive (`--data-dir`). Out: `benchmarks/results/trends_eval.json`: for each (relevance,
lexical bonus) on a grid, micro F1 of "matches the topic" against Hugging Face's `ai_keywords` (benchmarks/topics.py)
on the tune papers; the chosen pair's precision, recall and F1 on the held-out papers; and the time of one trend
over every paper (cold: the catalog read from Chroma first; warm: the catalog in memory). Run:
`python -m benchmarks.trends_eval --data-dir DIR`.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from agent.settings import Settings, open_store
from agent.trends import TrendThresholds, relevance, trend
from benchmarks.common import write_result
from benchmarks.topics import TOPICS, about, labelled, paper_split
from vectorstore.catalog import Catalog

RELEVANCES = [round(0.30 + 0.025 * i, 3) for i in range(21)]
BONUSES = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]


def counts(scores: dict, truth: dict, rows: list[int], cut: float) -> tuple[int, int, int]:
    tp = fp = fn = 0
    for topic in TOPICS:
        said = scores[topic][rows] >= cut
        real = truth[topic][rows]
        tp += int((said & real).sum())
        fp += int((said & ~real).sum())
        fn += int((~said & real).sum())
    return tp, fp, fn


def figures(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args()
    store = open_store(Settings(data_dir=args.data_dir))
    embed = store.embedder.embed
    began = time.perf_counter()
    shelf = Catalog(store).current()
    catalog_seconds = time.perf_counter() - began
    rows = {
        s: [r for r, p in enumerate(shelf.papers) if labelled(p) and paper_split(p) == s] for s in ("tune", "held_out")
    }
    truth = {t: np.array([about(p, t) for p in shelf.papers]) for t in TOPICS}
    vectors = dict(zip(TOPICS, embed(TOPICS)))
    grid = []
    for bonus in BONUSES:
        scores = {t: relevance(shelf, vectors[t], t, bonus) for t in TOPICS}
        for cut in RELEVANCES:
            grid.append(
                {"relevance": cut, "lexical_bonus": bonus, **figures(*counts(scores, truth, rows["tune"], cut))}
            )
    best = max(grid, key=lambda g: g["f1"])
    scores = {t: relevance(shelf, vectors[t], t, best["lexical_bonus"]) for t in TOPICS}
    held_out = figures(*counts(scores, truth, rows["held_out"], best["relevance"]))
    thresholds = TrendThresholds(best["relevance"], best["lexical_bonus"])
    warm = []
    for topic in TOPICS:
        began = time.perf_counter()
        trend(shelf, embed, topic, thresholds)
        warm.append(time.perf_counter() - began)
    write_result(
        "trends_eval",
        {
            "papers": len(shelf.papers),
            "labelled": {s: len(r) for s, r in rows.items()},
            "topics": TOPICS,
            "chosen_on_tune": best,
            "held_out": held_out,
            "catalog_build_seconds": round(catalog_seconds, 3),
            "trend_seconds_warm": {
                "median": round(statistics.median(warm), 4),
                "max": round(max(warm), 4),
            },
            "trend_seconds_cold": round(catalog_seconds + warm[0], 3),
            "grid": grid,
        },
    )


if __name__ == "__main__":
    main()
