"""Keep the TL;DRs of the papers a reader sees first written, in the background, while the app runs.

In: the `Services`, a function naming the papers a reader meets first (the app's: the newest day and the top of all
days), an interval and a line printer. Out: a daemon thread that, whenever the store has changed (start-up, the
bundled sample, an upload, a fetch, the scheduled refresh, a CLI ingest in another process), writes the missing
TL;DRs of those papers through the same `TldrWriter` (and so the same judge and cache) as the "Write missing
TL;DRs" button. Pages poll the store's mark (web/today.py) and show them without a click. With the extractive
default there is nothing to write (it needs no model), so the thread only starts when the model writes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from vectorstore.records import Paper

INTERVAL_S = 5.0


class TldrKeeper:
    def __init__(self, services, papers: Callable[[], list[Paper]], interval: float = INTERVAL_S, say=print) -> None:
        self.services = services
        self.papers = papers
        self.interval = interval
        self.say = say
        self.stopped = threading.Event()
        self.seen = ""  # the store's version when this keeper last wrote: a TL;DR written elsewhere is no change
        self.rounds = 0

    def run_once(self) -> int:
        """Writes what is missing when the store's papers changed; returns how many papers it looked at."""
        version = self.services.store.version()
        if version == self.seen:
            return 0
        _ = self.services.model  # waits for the preload (one load per process), not a fallback per paper
        papers = self.papers()
        self.services.writer.tldrs(papers)
        self.seen = version
        self.rounds += 1
        return len(papers)

    def loop(self) -> None:
        while not self.stopped.is_set():
            try:
                self.run_once()
            except Exception as error:  # a failed round must not end the loop: the next change tries again
                self.say(f"TL;DRs in the background failed: {type(error).__name__}: {str(error)[:200]}")
                self.seen = self.services.store.version()
            self.stopped.wait(self.interval)

    def start(self) -> threading.Thread | None:
        if self.services.settings.tldr != "model":
            return None
        thread = threading.Thread(target=self.loop, name="tldr-keeper", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.stopped.set()
