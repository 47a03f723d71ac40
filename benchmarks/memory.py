"""A process's resident memory, sampled while a benchmark runs (the load run, the soaks).

In: a process id. Out: its RSS with all its children's, in bytes or MB; a sampler that records it every second in
a daemon thread and answers the peak or median over a time window.
"""

from __future__ import annotations

import contextlib
import threading
import time

import numpy as np


def process_rss(pid: int) -> int:
    """Resident memory of a process and all its children, in bytes (0 once it is gone)."""
    import psutil

    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.Error):  # a child that ended between listing and reading
            total += process.memory_info().rss
    return total


class RssSampler:
    """Samples `process_rss(pid)` every `interval` seconds in a daemon thread, at most `max_samples` times."""

    def __init__(self, pid: int, interval: float = 1.0, max_samples: int = 6 * 3600) -> None:
        self.pid, self.interval, self.max_samples = pid, interval, max_samples
        self.samples: list[tuple[float, int]] = []  # (monotonic time, bytes)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, name="rss", daemon=True)

    def start(self) -> RssSampler:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=10)

    def run(self) -> None:
        for _ in range(self.max_samples):
            self.samples.append((time.monotonic(), process_rss(self.pid)))
            if self.stopped.wait(self.interval):
                return

    def between(self, start: float, end: float) -> list[int]:
        return [rss for t, rss in list(self.samples) if start <= t <= end]

    def peak_mb(self, start: float, end: float) -> float | None:
        found = self.between(start, end)
        return mb(max(found)) if found else None

    def median_mb(self, start: float, end: float) -> float | None:
        found = self.between(start, end)
        return mb(float(np.median(found))) if found else None


def mb(n: float) -> float:
    return round(n / 2**20, 1)


def settle(sampler: RssSampler, seconds: float) -> float | None:
    """Waits `seconds` with no traffic, then the median RSS (MB) of the last 5 seconds of that wait."""
    time.sleep(seconds)
    end = time.monotonic()
    return sampler.median_mb(end - min(5.0, seconds), end)
