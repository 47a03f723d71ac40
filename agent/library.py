"""Sources -> the store: the ingest use-case behind `papers ingest`, the app's Library tab and first start.

In: paths, dates or the bundled sample, a `PaperStore`, and a callback for progress lines. Out: an
`IngestSummary` (per-source outcome, totals, errors). One source is one all-or-nothing write; a broken source is
reported and skipped, the rest go on, and the caller turns any error into a non-zero exit.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from vectorstore.errors import PapersError, SourceError
from vectorstore.fetch import DailyPapersClient
from vectorstore.parse_api import papers_from_payload
from vectorstore.records import Paper
from vectorstore.sources import expand_paths, load_file
from vectorstore.store import PaperStore, WriteReport

Say = Callable[[str], None]
MAX_DAYS = 1000


@dataclass
class IngestSummary:
    sources: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    chunks: int = 0
    errors: list[str] = field(default_factory=list)

    def count(self, report: WriteReport) -> None:
        self.sources += 1
        self.added += report.added
        self.updated += report.updated
        self.unchanged += report.unchanged
        self.chunks += report.chunks

    def line(self) -> str:
        text = (
            f"{self.sources} source(s): {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.chunks} chunks written"
        )
        return text + (f"; {len(self.errors)} failed" if self.errors else "")


def sample_path() -> Path:
    return Path(str(importlib.resources.files("agent") / "sample" / "sample_daily_papers.json"))


def drop_known_page_papers(store: PaperStore, papers: list[Paper]) -> list[Paper]:
    """A saved page has no arXiv ids: skip its papers that the store already holds from the API, by title."""
    kept = []
    for paper in papers:
        known = store.find_by_title(paper.title) if paper.id.startswith("page-") else None
        if known is None or known.id == paper.id:
            kept.append(paper)
    return kept


def store_source(store: PaperStore, name: str, papers: list[Paper], summary: IngestSummary, say: Say) -> None:
    papers = drop_known_page_papers(store, papers)
    if not papers:
        say(f"{name}: no papers")
        summary.sources += 1
        return
    report = store.add_papers(papers)
    summary.count(report)
    say(f"{name}: {len(papers)} papers ({report.added} new, {report.updated} updated, {report.chunks} chunks)")


def ingest_paths(store: PaperStore, paths: Iterable[Path], say: Say = print) -> IngestSummary:
    summary = IngestSummary()
    try:
        files = expand_paths(list(paths))
    except SourceError as error:
        summary.errors.append(str(error))
        return summary
    for path in files:
        try:
            store_source(store, str(path), load_file(path), summary, say)
        except PapersError as error:
            summary.errors.append(str(error))
            say(f"error: {error}")
    return summary


def days_between(start: date, end: date) -> list[date]:
    if end < start:
        raise SourceError(f"--from {start} is after --to {end}.", "Swap the two dates.")
    days = (end - start).days + 1
    if days > MAX_DAYS:
        raise SourceError(f"{days} days is more than {MAX_DAYS} in one run.", "Split the range.")
    return [start + timedelta(days=n) for n in range(days)]


def ingest_days(store: PaperStore, client: DailyPapersClient, days: list[date], say: Say = print) -> IngestSummary:
    summary = IngestSummary()
    for day in days:
        try:
            payload = client.fetch_day(day)
            papers = papers_from_payload(payload, day=day, source=f"{client.api_url}/daily_papers?date={day}")
            store_source(store, day.isoformat(), papers, summary, say)
        except PapersError as error:
            summary.errors.append(f"{day}: {error}")
            say(f"error: {day}: {error}")
    return summary


def ensure_sample(store: PaperStore, say: Say = print) -> IngestSummary | None:
    """First start on an empty store loads the bundled sample, so the app is useful offline."""
    if store.counts()[0]:
        return None
    say("The store is empty: loading the bundled sample (44 papers).")
    return ingest_paths(store, [sample_path()], say)
