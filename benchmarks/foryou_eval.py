"""Precision@10 of the "for you" ranking against the upvote ranking, on held-out days.

In: a store holding the archive (`--data-dir`). For each topic of benchmarks/topics.py, a profile of 10 liked
papers about it, taken from tune days only; then, on every held-out day (and the held-out days of each week and
each month: a weekly or monthly digest's pool) with at least 10 labelled papers and at least one about the topic,
the share of the topic's papers among the first 10 of each ranking (labelled papers only, so a paper without
keywords is never counted wrong). The ceiling ("oracle": every topic paper first) is reported beside them: a day
holds ~1.3 papers of a topic, so no ranking's precision@10 on a day can exceed ~0.13. Out:
`benchmarks/results/foryou_eval.json` with the mean precision@10 of both rankings, their ratio, the ceiling, and
the ranking time per pool. Run: `python -m benchmarks.foryou_eval --data-dir DIR`.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from agent.foryou import rank_for_you
from agent.profile import Profile
from agent.settings import Settings, open_store
from benchmarks.common import write_result
from benchmarks.topics import TOPICS, about, day_split, labelled
from vectorstore.catalog import Catalog

LIKED = 10
AT = 10


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args()
    store = open_store(Settings(data_dir=args.data_dir))
    shelf = Catalog(store).current()
    embed = store.embedder.embed
    result = {"liked_per_profile": LIKED}
    pools = {
        "day": lambda p: p.date,
        "week": lambda p: p.date.isocalendar()[:2],  # a weekly digest
        "month": lambda p: (p.date.year, p.date.month),  # a monthly digest (public mode allows 31 days)
    }
    for pool, key in pools.items():
        result[pool] = evaluate(shelf, embed, key)
    write_result("foryou_eval", result)


def evaluate(shelf, embed, pool_key) -> dict:
    by_pool: dict = {}
    for paper in shelf.papers:
        if labelled(paper) and day_split(paper) == "held_out":
            by_pool.setdefault(pool_key(paper), []).append(paper)
    days = {d: sorted(ps, key=lambda p: (-p.upvotes, p.title)) for d, ps in by_pool.items() if len(ps) >= AT}
    rows, seconds = [], []
    for topic in TOPICS:
        liked = sorted((p for p in shelf.papers if day_split(p) == "tune" and about(p, topic)), key=lambda p: p.date)
        if len(liked) < LIKED:
            continue
        profile = Profile(liked=[p.id for p in liked[:LIKED]])
        for _, papers in sorted(days.items()):
            if not any(about(p, topic) for p in papers):
                continue
            began = time.perf_counter()
            ranked = [r.paper for r in rank_for_you(profile, papers, shelf, embed)]
            seconds.append(time.perf_counter() - began)
            rows.append(
                {
                    "topic": topic,
                    "for_you": sum(about(p, topic) for p in ranked[:AT]) / AT,
                    "upvotes": sum(about(p, topic) for p in papers[:AT]) / AT,
                    "oracle": min(AT, sum(about(p, topic) for p in papers)) / AT,
                }
            )
    for_you = statistics.mean(r["for_you"] for r in rows)
    upvotes = statistics.mean(r["upvotes"] for r in rows)
    per_topic = {
        t: {
            "pairs": sum(r["topic"] == t for r in rows),
            "for_you": round(statistics.mean([r["for_you"] for r in rows if r["topic"] == t] or [0]), 4),
            "upvotes": round(statistics.mean([r["upvotes"] for r in rows if r["topic"] == t] or [0]), 4),
        }
        for t in TOPICS
    }
    oracle = statistics.mean(r["oracle"] for r in rows)
    return {
        "held_out_pools": len(days),
        "pairs": len(rows),
        "precision_at_10": {"for_you": round(for_you, 4), "upvotes": round(upvotes, 4), "oracle": round(oracle, 4)},
        "ratio": round(for_you / upvotes, 2) if upvotes else None,
        "oracle_ratio": round(oracle / upvotes, 2) if upvotes else None,
        "rank_seconds": {"median": round(statistics.median(seconds), 4), "max": round(max(seconds), 4)},
        "per_topic": per_topic,
    }


if __name__ == "__main__":
    main()
