"""Precision@10 of the "for you" ranking against the upvote ranking and the best possible one, on held-out days.

In: a store holding the archive (`--data-dir`). For each topic of benchmarks/topics.py, two profiles made from tune
days only: 10 liked papers about it, and a library of 30 papers about it written as a Zotero BibTeX export and
imported as a user imports one (`agent.library.import_library`); then, on every held-out day (and the held-out
days of each week and each month: a weekly or monthly digest's pool) with at least 10 labelled papers and at least
one about the topic,
the share of the topic's papers among the first 10 of each ranking (labelled papers only, so a paper without
keywords is never counted wrong). The ceiling ("oracle": every topic paper first) is reported beside them: a day
holds ~1.3 papers of a topic, so no ranking's precision@10 on a day can exceed ~0.13. Out:
`benchmarks/results/foryou_eval.json` with the mean precision@10 of both rankings, the ceiling, the share of it
reached, and the ranking time per pool. `--tune` sweeps the ranking's blend on tune-day pools instead
(`foryou_tune.json`); the shipped values were chosen there. Run: `python -m benchmarks.foryou_eval --data-dir DIR`.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from filelock import FileLock

from agent import foryou
from agent.foryou import Library, rank_for_you
from agent.library import LibraryStore, import_library
from agent.profile import Profile
from agent.settings import Settings, open_store
from benchmarks.common import write_result
from benchmarks.topics import TOPICS, about, day_split, labelled
from vectorstore.catalog import Catalog

LIKED = 10
AT = 10


LIBRARY = 30  # papers in the imported-library profile: a reader's collection on the topic


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--tune", action="store_true", help="sweep the blend on tune-day pools and stop")
    args = parser.parse_args()
    store = open_store(Settings(data_dir=args.data_dir))
    shelf = Catalog(store).current()
    embed = store.embedder.embed
    profiles = {kind: {t: make(shelf, embed, t) for t in TOPICS} for kind, make in PROFILES.items()}
    if args.tune:
        sweep = {}
        for nearest, learned, words in SWEEP:
            foryou.NEAREST_SHARE, foryou.LEARNED_SHARE, foryou.WORD_SHARE = nearest, learned, words
            pools = {pool: evaluate(shelf, embed, key, profiles["liked"], "tune") for pool, key in POOLS.items()}
            sweep[f"nearest {nearest}, learned {learned}, words {words}"] = pools
        write_result("foryou_tune", {"sweep": sweep})
        return
    result = {
        "liked_per_profile": LIKED,
        "library_papers": LIBRARY,
        "nearest_share": foryou.NEAREST_SHARE,
        "learned_share": foryou.LEARNED_SHARE,
        "word_share": foryou.WORD_SHARE,
    }
    for kind in PROFILES:
        result[kind] = {pool: evaluate(shelf, embed, key, profiles[kind], "held_out") for pool, key in POOLS.items()}
    write_result("foryou_eval", result)


# (nearest share, learned share, word share) tried on tune-day pools.
SWEEP = ((1.0, 0, 0), (0.5, 0, 0), (0.5, 0.5, 0), (0.5, 0.5, 2.0), (0.0, 0.5, 2.0), (0.0, 0, 1.0), (0.0, 0, 2.0))
SWEEP += ((0.0, 0, 4.0), (0.0, 0, 8.0), (0.0, 0.5, 8.0), (0.0, 0, 16.0))

POOLS = {
    "day": lambda p: p.date,
    "week": lambda p: p.date.isocalendar()[:2],  # a weekly digest
    "month": lambda p: (p.date.year, p.date.month),  # a monthly digest (public mode allows 31 days)
}


def topic_papers(shelf, topic: str, count: int) -> list:
    found = sorted((p for p in shelf.papers if day_split(p) == "tune" and about(p, topic)), key=lambda p: p.date)
    return found[:count] if len(found) >= count else []


def liked_profile(shelf, embed, topic: str):
    liked = topic_papers(shelf, topic, LIKED)
    return (Profile(liked=[p.id for p in liked]), None) if liked else None


def library_profile(shelf, embed, topic: str):
    """The topic's tune-day papers written as a Zotero BibTeX export and imported as a user would import it."""
    papers = topic_papers(shelf, topic, LIBRARY)
    if not papers:
        return None
    entries = [
        f"@article{{k{n},\n  title = {{{p.title}}},\n  abstract = {{{p.abstract}}},\n"
        f"  eprint = {{{p.id}}},\n  archivePrefix = {{arXiv}},\n  timestamp = {{{p.date.isoformat()}}}\n}}"
        for n, p in enumerate(papers)
    ]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "library.bib"
        path.write_text("\n\n".join(entries) + "\n", encoding="utf-8")
        store = LibraryStore(Path(folder), FileLock(str(Path(folder) / "lock")))
        import_library(path, store, lambda _: None, embed)
        return Profile(), Library(*store.load())


PROFILES = {"liked": liked_profile, "library": library_profile}


def evaluate(shelf, embed, pool_key, profiles: dict, split: str) -> dict:
    by_pool: dict = {}
    for paper in shelf.papers:
        if labelled(paper) and day_split(paper) == split:
            by_pool.setdefault(pool_key(paper), []).append(paper)
    days = {d: sorted(ps, key=lambda p: (-p.upvotes, p.title)) for d, ps in by_pool.items() if len(ps) >= AT}
    rows, seconds = [], []
    for topic, made in profiles.items():
        if made is None:
            continue
        profile, library = made
        for _, pool in sorted(days.items()):
            papers = [p for p in pool if p.id not in profile.liked]  # tune pools hold the liked papers themselves
            if not any(about(p, topic) for p in papers):
                continue
            began = time.perf_counter()
            ranked = [r.paper for r in rank_for_you(profile, papers, shelf, embed, library)]
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
    oracle = statistics.mean(r["oracle"] for r in rows)
    return {
        "pools": len(days),
        "pairs": len(rows),
        "precision_at_10": {"for_you": round(for_you, 4), "upvotes": round(upvotes, 4), "oracle": round(oracle, 4)},
        "share_of_oracle": round(for_you / oracle, 3) if oracle else None,
        "ratio_to_upvotes": round(for_you / upvotes, 2) if upvotes else None,
        "rank_seconds": {"median": round(statistics.median(seconds), 4), "max": round(max(seconds), 4)},
    }


if __name__ == "__main__":
    main()
