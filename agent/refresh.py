"""Keep the store fresh while the app runs: fetch the days the store lacks, up to today, on a schedule.

In: the `Services`, an interval (`PAPERS_REFRESH`: "6h", "30m", "90s" or "off"; unset means every 6 hours on a
Hugging Face Space and off elsewhere) and a line printer. Out: a daemon thread that, every interval, fetches from
the day after the newest stored day (at most `MAX_DAYS` back) to today (UTC) through `Services.fetch_days`, the
same fetch-then-refresh as `papers ingest --date` and the app's fetch button. Writes take the store's writer lock,
so a cron job running `papers ingest --date today` at the same time is safe (one waits for the other). A failed
round is printed and retried at the next tick; nothing else stops the app.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

from agent.ingest import days_between
from agent.settings import SettingsError

SPACE_DEFAULT = "6h"
MAX_DAYS = 7
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DURATION = re.compile(r"^(\d{1,6})([smhd])$")


def refresh_interval(value: str, in_space: bool) -> float:
    """Seconds between refreshes; 0 when off."""
    text = (value or (SPACE_DEFAULT if in_space else "off")).strip().lower()
    if text in ("off", "0", "no", "false"):
        return 0.0
    found = DURATION.match(text)
    if not found or int(found.group(1)) == 0:
        raise SettingsError(f"PAPERS_REFRESH={value!r} is not a duration.", 'Use e.g. "6h", "30m", "90s" or "off".')
    return float(int(found.group(1)) * UNITS[found.group(2)])


class Refresher:
    def __init__(self, services, interval: float, say=print) -> None:
        self.services = services
        self.interval = interval
        self.say = say
        self.stopped = threading.Event()
        self.rounds = 0

    def days_missing(self) -> list:
        """From the newest stored day (it may have gained papers since) to today, at most MAX_DAYS back."""
        today = datetime.now(UTC).date()
        stored = self.services.store.dates()
        first = max(stored[-1], today - timedelta(days=MAX_DAYS)) if stored else today
        return days_between(min(first, today), today)

    def run_once(self) -> None:
        warn = lambda message: self.say(f"refresh: {message}")  # noqa: E731
        summary = self.services.fetch_days(self.days_missing(), say=lambda line: None, warn=warn)
        self.rounds += 1
        self.say(f"refresh: {summary.line()}")
        for error in summary.errors:
            self.say(f"refresh failed: {error}")

    def loop(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.run_once()
            except Exception as error:  # a failed round must not end the schedule; the next tick tries again
                self.say(f"refresh failed: {type(error).__name__}: {str(error)[:200]}")

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.loop, name="refresh", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.stopped.set()
