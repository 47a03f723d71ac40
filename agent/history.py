"""What was recommended or sent to the reader, on which day: so a paper is not recommended twice.

In: the papers a "for you" ranking put first (the app's For you view, `papers list --for-me`, a ranked digest) and
the papers of every e-mailed digest. Out: `History`, kept as `history.json` in the data folder (written atomically
under its own file lock), answering "when was this paper first recommended or sent" and listing the record for
`papers history`. The file keeps the newest 20,000 records.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from filelock import FileLock

from agent.files import write_text_atomically
from vectorstore.errors import PapersError

HISTORY_FILE = "history.json"
MAX_RECORDS = 20_000
RECOMMENDED, SENT = "recommended", "sent"


class HistoryError(PapersError):
    """The history file cannot be read."""


@dataclass(frozen=True)
class Seen:
    day: str  # ISO date the paper was recommended or sent on
    paper_id: str
    how: str  # RECOMMENDED or SENT
    title: str = ""


class History:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / HISTORY_FILE
        self.lock = FileLock(str(data_dir / (HISTORY_FILE + ".lock")), timeout=30)

    def records(self) -> list[Seen]:
        if not self.path.exists():
            return []
        try:
            return [Seen(**row) for row in json.loads(self.path.read_text(encoding="utf-8"))]
        except (OSError, ValueError, TypeError) as error:
            raise HistoryError(
                f"The history file {self.path} cannot be read: {str(error)[:120]}.",
                "Move it away to start a new history; nothing else depends on it.",
            ) from error

    def first_seen(self) -> dict[str, Seen]:
        """Each paper's earliest record."""
        earliest: dict[str, Seen] = {}
        for record in self.records():
            if record.paper_id not in earliest or record.day < earliest[record.paper_id].day:
                earliest[record.paper_id] = record
        return earliest

    def add(self, day: date, papers, how: str) -> None:
        """Record papers (anything with `.id` and `.title`) as recommended or sent on `day`; a paper already
        recorded the same way on the same day is not recorded again."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.lock:
            records = self.records()
            known = {(r.day, r.paper_id, r.how) for r in records}
            fresh = [Seen(day.isoformat(), p.id, how, p.title[:200]) for p in papers]
            records += [r for r in fresh if (r.day, r.paper_id, r.how) not in known]
            write_text_atomically(self.path, json.dumps([asdict(r) for r in records[-MAX_RECORDS:]], indent=1))
