"""TL;DRs day after day in one long-lived process, as the app writes them: does a day ever take far longer than its
peers (a 50-paper request once took 70-233 s where generation takes ~17 s), and does memory creep?

In: --days archive days (validation and held-out, in date order, at most --cap papers each, as a Today page holds),
the app's own wiring (`Services` with `PAPERS_TLDR=model`: the bundled model, the trained judge, a fresh store that
caches each TL;DR). Out: benchmarks/results/tldr_soak.json: per day its papers, seconds, seconds per paper, the
process's RSS and thread count after it; the median, the slowest day over the median, and RSS first and last.
Run: .venv/bin/python -m benchmarks.tldr_soak [--days 20] [--cap 50]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from agent.services import Services
from agent.settings import Settings
from benchmarks.common import SHARED, write_result
from benchmarks.memory import mb, process_rss
from training.archive import read_archive


def rss_mb() -> float:
    return mb(process_rss(os.getpid()))


def archive_days(count: int, cap: int) -> list[list]:
    split = read_archive(SHARED / "data" / "hf_daily_papers")
    by_day: dict = {}
    for paper in split.papers["val"] + split.papers["test"]:
        by_day.setdefault(paper.date, []).append(paper)
    days = [by_day[d][:cap] for d in sorted(by_day) if len(by_day[d]) >= 5]
    step = max(1, len(days) // count)
    return days[::step][:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--cap", type=int, default=50)
    args = parser.parse_args()
    import torch

    services = Services(Settings(data_dir=Path(tempfile.mkdtemp(prefix="papers-soak-")), tldr="model"))
    began = time.perf_counter()
    services.preload().join()
    ready_s = time.perf_counter() - began
    baseline = rss_mb()
    rows = []
    for day in archive_days(args.days, args.cap):
        began = time.perf_counter()
        notes = services.writer.tldrs(day)
        seconds = time.perf_counter() - began
        rows.append(
            {
                "day": day[0].date.isoformat(),
                "papers": len(day),
                "seconds": round(seconds, 2),
                "seconds_per_paper": round(seconds / len(day), 3),
                "model_shown": sum(not n.fallback for n in notes.values()),
                "rss_mb": rss_mb(),
                "threads": threading.active_count(),
            }
        )
        print(rows[-1], flush=True)
    per_paper = [r["seconds_per_paper"] for r in rows]
    write_result(
        "tldr_soak",
        {
            "device": str(services.model.device),
            "torch_threads": torch.get_num_threads(),
            "preload_s": round(ready_s, 2),
            "rss_after_preload_mb": baseline,
            "days": rows,
            "median_seconds_per_paper": round(statistics.median(per_paper), 3),
            "slowest_over_median": round(max(per_paper) / statistics.median(per_paper), 2),
            "rss_last_mb": rows[-1]["rss_mb"] if rows else None,
        },
    )


if __name__ == "__main__":
    main()
