"""The public app over many rounds of bursts and pauses: does its memory come back, or creep up round by round?

In: the app as benchmarks/load.py --public runs it (`python app.py`, PAPERS_PUBLIC=1 and a random admin token, a
fresh data folder with the bundled sample and two archive days), warmed up with one request of each kind. Out:
benchmarks/results/soak.json with the RSS (MB, the app process and its children, sampled every second) after
warm-up, then per round: a burst of --clients anonymous visitors for --burst seconds (Today, ask, claim checks of
one sentence, a short paste and a 100 KB paste that must be refused, /feed.xml; as in benchmarks/load.py), its
requests, ok, refused-as-expected, throttled and errors (the first few texts) and peak RSS, then --pause seconds
idle and the RSS at the end of that pause; and the slope of those after-pause figures over the rounds (MB per
round, least squares), whole and over the second half (the first rounds fill caches), and the last round's figure
over the warm-up baseline.
Run: .venv/bin/python -m benchmarks.soak [--rounds 10] [--clients 16] [--burst 20] [--pause 30]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks.common import write_result
from benchmarks.load import PublicApp, archive_days, run_clients, summarize
from benchmarks.memory import RssSampler, settle


def slope(values: list[float]) -> float | None:
    """Least-squares MB per round; None for fewer than two rounds."""
    if len(values) < 2:
        return None
    return round(float(np.polyfit(np.arange(len(values)), values, 1)[0]), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--burst", type=float, default=20, help="seconds of traffic per round")
    parser.add_argument("--pause", type=float, default=30, help="idle seconds after each burst")
    parser.add_argument("--name", default="soak")
    args = parser.parse_args()
    app = PublicApp(archive_days()[:2], "papers-soak-", visitors=args.clients)
    sampler = RssSampler(app.process.pid).start()
    rounds = []
    try:
        app.warm_up()
        baseline = settle(sampler, 10)
        for number in range(1, args.rounds + 1):
            start = time.monotonic()
            tally, wall, still_running = run_clients(app.url, args.clients, args.burst, seed=1000 * number)
            end = time.monotonic()
            summary = summarize(tally)
            rounds.append(
                {
                    "round": number,
                    "seconds": round(wall, 1),
                    "requests": sum(k["sent"] for k in summary.values()),
                    "ok": sum(k["ok"] for k in summary.values()),
                    "refused_as_expected": sum(k["refused_as_expected"] for k in summary.values()),
                    "throttled": sum(k["throttled"] for k in summary.values()),
                    "errors": sum(k["errors"] for k in summary.values()),
                    "first_errors": [e for k in summary.values() for e in k["first_errors"]][:3],
                    "clients_still_running": still_running,
                    "today_p95_s": summary["today"]["p95_s"],
                    "peak_rss_mb": sampler.peak_mb(start, end),
                    "rss_after_pause_mb": settle(sampler, args.pause),
                }
            )
            print(rounds[-1], flush=True)
        sampler.stop()
    finally:
        app.stop()
    after = [r["rss_after_pause_mb"] for r in rounds if r["rss_after_pause_mb"] is not None]
    write_result(
        args.name,
        {
            "mode": "public (PAPERS_PUBLIC=1, admin token)",
            "clients": args.clients,
            "check_chars_per_minute_all_clients": app.check_budget,
            "burst_s": args.burst,
            "pause_s": args.pause,
            "baseline_rss_mb": baseline,
            "rss_after_pause_mb": after,
            "slope_mb_per_round": slope(after),
            "slope_second_half_mb_per_round": slope(after[len(after) // 2 :]),
            "last_over_baseline": round(after[-1] / baseline, 3) if after and baseline else None,
            "peak_rss_mb": max((r["peak_rss_mb"] or 0 for r in rounds), default=None),
            "rounds": rounds,
        },
    )


if __name__ == "__main__":
    main()
