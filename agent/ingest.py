"""Sources -> the store: the ingest use-case behind `papers ingest`, the app's Library tab, refresh and first start.

In: any `Source`s (sources/: files and folders, days of the API, arXiv ids, the bundled sample), a `PaperStore`,
and a callback for progress lines. Out: an `IngestSummary` (per-batch outcome, totals, errors). One batch (a file,
a day, a paper's full text) is one all-or-nothing write; a broken batch is reported and skipped, the rest go on,
and the caller turns any error into a non-zero exit.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from agent.text import plural
from sources.base import Batch, Source
from sources.files import FileSource
from sources.pdf import PdfPaper, arxiv_month
from vectorstore.errors import NotFoundError, PapersError, SourceError
from vectorstore.records import Paper, Section, page_paper_id
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
    skipped: list[str] = field(default_factory=list)  # records that are no paper (no abstract, say); the rest landed

    def count(self, report: WriteReport) -> None:
        self.sources += 1
        self.added += report.added
        self.updated += report.updated
        self.unchanged += report.unchanged
        self.chunks += report.chunks

    def line(self) -> str:
        text = (
            f"{plural(self.sources, 'source')}: {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged, {plural(self.chunks, 'chunk')} written"
        )
        text += f"; {plural(len(self.skipped), 'record')} skipped" if self.skipped else ""
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


def fulltext_key(paper_id: str) -> str:
    return f"fulltext::{paper_id}"


def sections_body(sections: list[Section]) -> str:
    return "\n\n".join(f"{s.name}\n{s.text}" for s in sections)


def stored_sections(store: PaperStore, papers: list[Paper]) -> dict[str, list[Section]]:
    """Full-text sections saved from earlier PDFs, so a later feed record does not wipe them."""
    found = store.get_notes([fulltext_key(p.id) for p in papers])
    return {key.split("::", 1)[1]: [Section(**s) for s in json.loads(text)] for key, (text, _) in found.items()}


def store_source(store: PaperStore, name: str, papers: list[Paper], summary: IngestSummary, say: Say) -> None:
    papers = drop_known_page_papers(store, papers)
    if not papers:
        say(f"{name}: no papers")
        summary.sources += 1
        return
    sections = stored_sections(store, papers)
    papers = [replace(p, fulltext=sections_body(sections[p.id])) if p.id in sections else p for p in papers]
    try:
        report = store.add_papers(papers, sections_of=lambda p: sections.get(p.id, []))
    except PapersError:
        raise
    except Exception:  # a paper no parser foresaw must not cost its day (nor, in a refresh, the days after it)
        report = add_one_at_a_time(store, name, papers, sections, summary, say)
    summary.count(report)
    counts = f"{report.added} new, {report.updated} updated, {plural(report.chunks, 'chunk')}"
    say(f"{name}: {plural(len(papers), 'paper')} ({counts})")


def add_one_at_a_time(store: PaperStore, name: str, papers: list[Paper], sections, summary, say: Say) -> WriteReport:
    """Each paper on its own: the ones that fail are skipped and named in the summary's errors."""
    total = WriteReport()
    for paper in papers:
        try:
            report = store.add_papers([paper], sections_of=lambda p: sections.get(p.id, []))
        except PapersError:
            raise
        except Exception as error:
            summary.errors.append(f"{name}: skipped paper {paper.id}: {type(error).__name__}: {str(error)[:200]}")
            say(f"error: {name}: skipped paper {paper.id} ({type(error).__name__})")
            continue
        total = WriteReport(
            total.added + report.added,
            total.updated + report.updated,
            total.unchanged + report.unchanged,
            total.chunks + report.chunks,
        )
    return total


def paper_for_pdf(store: PaperStore, pdf: PdfPaper, path: Path) -> Paper:
    """The stored paper this PDF belongs to (by arXiv id, then title), enriched; or a new paper."""
    known = None
    if pdf.arxiv_id:
        with contextlib.suppress(NotFoundError):
            known = store.get_paper(pdf.arxiv_id)
    known = known or store.find_by_title(pdf.title)
    if known:
        return replace(known, fulltext=sections_body(pdf.sections))
    paper_id = pdf.arxiv_id or page_paper_id(pdf.title)
    when = arxiv_month(pdf.arxiv_id) or date.today()
    return Paper(paper_id, pdf.title, pdf.abstract, when, source=str(path), fulltext=sections_body(pdf.sections))


def store_document(store: PaperStore, pdf: PdfPaper, path: Path, summary: IngestSummary, say: Say) -> None:
    """A PDF's or LaTeX folder's full text in sections, enriching the stored paper when there is one."""
    paper = paper_for_pdf(store, pdf, path)
    report = store.add_papers([paper], sections_of=lambda _: pdf.sections)
    notes = {fulltext_key(paper.id): (json.dumps([s.__dict__ for s in pdf.sections]), {"kind": "fulltext"})}
    if pdf.references:  # kept, but never chunked with the body
        notes[f"refs::{paper.id}"] = (pdf.references, {"kind": "references", "paper_id": paper.id})
    store.put_notes(notes)
    summary.count(report)
    names = ", ".join(s.name for s in pdf.sections[:4])
    pages = f"{plural(pdf.pages, 'page')}, " if pdf.pages else ""
    say(f"{path}: {paper.id} “{paper.title}”, {pages}{plural(len(pdf.sections), 'section')} ({names}…)")


def store_batch(store: PaperStore, batch: Batch, summary: IngestSummary, say: Say) -> None:
    """One batch written whole, or its error recorded (and said) under its label."""
    try:
        if batch.failure is not None:
            raise batch.failure
        for line in batch.skipped:
            summary.skipped.append(line)
            say(line)
        if batch.document is not None:
            store_document(store, batch.document, batch.origin or Path(batch.label), summary, say)
        else:
            store_source(store, batch.label, batch.papers, summary, say)
    except PapersError as error:
        line = batch.error_line(error)
        summary.errors.append(line)
        say(f"error: {line}")


def ingest_sources(store: PaperStore, sources: Iterable[Source], say: Say = print) -> IngestSummary:
    """Every batch of every source, one at a time; a re-run skips what is already stored."""
    summary = IngestSummary()
    for source in sources:
        try:
            for batch in source.batches():
                store_batch(store, batch, summary, say)
        except PapersError as error:  # the source as a whole (a named path that does not exist): nothing more of it
            summary.errors.append(str(error))
    return summary


def ingest_paths(
    store: PaperStore, paths: Iterable[Path], say: Say = print, window: tuple[date, date] | None = None
) -> IngestSummary:
    """Files and folders (only the dated files inside `window`, when given): the common case, kept short."""
    return ingest_sources(store, [FileSource(list(paths), window)], say)


def days_between(start: date, end: date) -> list[date]:
    if end < start:
        raise SourceError(f"--from {start} is after --to {end}.", "Swap the two dates.")
    days = (end - start).days + 1
    if days > MAX_DAYS:
        raise SourceError(f"{days} days is more than {MAX_DAYS} in one run.", "Split the range.")
    return [start + timedelta(days=n) for n in range(days)]


def ensure_sample(store: PaperStore, say: Say = print) -> IngestSummary | None:
    """First start on an empty store loads the bundled sample, so the app is useful offline."""
    if store.counts()[0]:
        return None
    say("The store is empty: loading the bundled sample (44 papers).")
    return ingest_paths(store, [sample_path()], say)
