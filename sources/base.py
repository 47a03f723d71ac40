"""What every feed source shares: the `Source` protocol, the `Batch` it yields, and the User-Agent it sends.

In: nothing (definitions). Out: `Batch` (one all-or-nothing unit for the store: a file's or a day's papers, one
paper's full text, or the error that stopped it being read), `Source` (anything that yields batches; agent/ingest.py
stores them one at a time), and `USER_AGENT`, the one every request to a remote site names the tool with.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sources.pdf import PdfPaper
from vectorstore.errors import PapersError
from vectorstore.records import Paper

USER_AGENT = "daily-papers-agent/0.1 (+local assistant; polite)"


@dataclass(frozen=True)
class Batch:
    """One unit the store writes whole or not at all. `label` names it in progress lines (a file, a day, an arXiv
    id); `names_errors` is False where the reader's errors already name the file, so the label is not said twice."""

    label: str
    papers: list[Paper] = field(default_factory=list)
    document: PdfPaper | None = None  # one paper's full text (a PDF or LaTeX folder), matched to the stored paper
    origin: Path | None = None  # the file or folder the document was read from
    failure: PapersError | None = None  # why this batch could not be read; the source goes on with the next
    names_errors: bool = True
    skipped: list[str] = field(default_factory=list)  # records that are no paper (no abstract, say), named

    def error_line(self, error: PapersError) -> str:
        return f"{self.label}: {error}" if self.names_errors else str(error)


class Source(Protocol):
    """Something that yields batches of papers, each read completely before it is handed on. An error that stops the
    whole source (a named path that does not exist) is raised; one that stops a batch travels in `Batch.failure`."""

    def batches(self) -> Iterator[Batch]: ...
