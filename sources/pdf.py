"""A paper's PDF -> its title, abstract, body sections (with pages) and reference list, using pypdf (BSD).

In: a PDF file. Out: a `PdfPaper` (title, abstract, sections in reading order, references, arXiv id when the
file name or the first page gives one), or a `SourceError` for a corrupt, encrypted, empty or image-only file
("no text layer"). Hyphenated line breaks are joined, running headers/footers and page numbers dropped, figure
and table captions kept. The body stops at "References"; appendices after the reference list are body again.
Headings are recognised by numbering that follows on from the previous heading ("3", "3.1", "4"), by common
section names, and by appendix letters in order.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from vectorstore.errors import SourceError
from vectorstore.records import Section

NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,2})\.?\s+([A-Z][^.!?]{1,70})$")
APPENDIX = re.compile(r"^([A-H])(?:\.\d)?\s+([A-Z][^.!?]{1,70})$")
NAMED = re.compile(
    r"^(abstract|introduction|related work|background|method|methods|methodology|approach|experiments|"
    r"experimental setup|results|discussion|conclusions?|limitations|acknowledge?ments|references|bibliography|"
    r"appendix)$",
    re.IGNORECASE,
)
# Caps per file: a 200-page paper reads in about 0.3 s and holds well under a million characters.
MAX_PAGES = 500
MAX_CHARS = 5_000_000
MAX_SECONDS = 60.0
ARXIV_IN_NAME = re.compile(r"(\d{4}\.\d{4,5})(?:v\d+)?")
ARXIV_IN_TEXT = re.compile(r"arXiv:(\d{4}\.\d{4,5})")


def arxiv_month(arxiv_id: str) -> date | None:
    """The month an arXiv id was issued (YYMM.NNNNN), or None for an impossible one ("2599.00001")."""
    try:
        return date(2000 + int(arxiv_id[:2]), int(arxiv_id[2:4]), 1)
    except ValueError:
        return None


MIN_PAPER_CHARS = 500
PAGE_NUMBER = re.compile(r"^(?:page\s*)?\d{1,4}$", re.IGNORECASE)


@dataclass
class PdfPaper:
    title: str
    abstract: str
    sections: list[Section] = field(default_factory=list)
    references: str = ""
    arxiv_id: str = ""
    pages: int = 0


def open_pdf(path: Path):
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if path.stat().st_size == 0:
        raise SourceError(f"{path}: is empty (0 bytes).", "Download the PDF again.")
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise SourceError(f"{path}: is encrypted.", "Save an unprotected copy of the PDF and add that.")
        _ = len(reader.pages)
    except SourceError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise SourceError(f"{path}: is not a readable PDF ({error}).", "Download the PDF again.") from error
    return reader


def page_lines(reader, path: Path) -> list[list[str]]:
    """Each page's text lines, within the caps: a hostile PDF cannot hold the ingest for long or fill memory."""
    pages: list[list[str]] = []
    started, total = time.monotonic(), 0
    if len(reader.pages) > MAX_PAGES:
        raise SourceError(f"{path}: has {len(reader.pages)} pages; at most {MAX_PAGES} are read.", "Split it first.")
    for number, page in enumerate(reader.pages, 1):
        try:
            text = page.extract_text() or ""
        except Exception as error:  # one broken page should not hide the rest of the paper
            raise SourceError(f"{path}: page {number} could not be read ({type(error).__name__}).") from error
        total += len(text)
        if total > MAX_CHARS or time.monotonic() - started > MAX_SECONDS:
            raise SourceError(
                f"{path}: too large to read (over {MAX_CHARS:,} characters or {MAX_SECONDS:.0f} s by page {number}).",
                "Add a smaller PDF; a paper is far below these limits.",
            )
        pages.append([line.strip() for line in text.splitlines() if line.strip()])
    if sum(len(lines) for lines in pages) < 3:
        raise SourceError(
            f"{path}: has no text layer (a scanned or image-only PDF).", "Run OCR on it first, then add the result."
        )
    if sum(len(line) for lines in pages for line in lines) < MIN_PAPER_CHARS:
        raise SourceError(f"{path}: holds too little text to be a paper (a figure?).", "Add the paper's own PDF.")
    return pages


def strip_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Drop page numbers and lines repeated at the top or bottom of many pages (running headers and footers)."""
    edges = Counter(line for lines in pages for line in set(lines[:2] + lines[-2:]))
    repeated = {line for line, count in edges.items() if count >= max(3, len(pages) // 2)}
    return [[ln for ln in lines if ln not in repeated and not PAGE_NUMBER.match(ln)] for lines in pages]


def join_lines(lines: list[str]) -> str:
    """One paragraph from wrapped lines: "pa-" + "pers" is "papers", "PaSa-" + "GPT" stays "PaSa-GPT"."""
    text = ""
    for line in lines:
        if text.endswith("-") and line[:1].islower():
            text = text[:-1] + line
        elif text.endswith("-"):
            text += line
        else:
            text = f"{text} {line}" if text else line
    return text


class HeadingTracker:
    """Accepts a numbered heading only when it follows on from the last one, which rules out numbered text."""

    def __init__(self) -> None:
        self.last: tuple[int, ...] = ()
        self.last_letter = ""

    def numbered(self, line: str) -> str | None:
        match = NUMBERED.match(line)
        if not match or len(match.group(2).split()) > 9:
            return None
        number = tuple(int(part) for part in match.group(1).split("."))
        if self.follows(number):
            self.last = number
            return f"{match.group(1)} {match.group(2)}"
        return None

    def follows(self, number: tuple[int, ...]) -> bool:
        if not self.last:  # an excerpt may start mid-paper, at "5.1"
            return True
        depth = len(self.last)
        for level in range(min(depth, len(number))):
            if number[: level + 1] == self.last[:level] + (self.last[level] + 1,) and len(number) == level + 1:
                return True
        return len(number) == depth + 1 and number[:depth] == self.last and number[-1] == 1

    def appendix(self, line: str) -> str | None:
        match = APPENDIX.match(line)
        if not match or len(match.group(2).split()) > 9:
            return None
        letter = match.group(1)
        expected = chr(ord(self.last_letter) + 1) if self.last_letter else "A"
        if letter in (expected, self.last_letter):
            self.last_letter = letter
            return f"{letter} {match.group(2)}"
        return None


def page_span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"


def split_sections(pages: list[list[str]]) -> tuple[list[tuple[str, int, int, list[str]]], list[str]]:
    """Sections as (name, first page, last page, lines) in order, and the reference list's lines."""
    tracker = HeadingTracker()
    sections: list[tuple[str, int, int, list[str]]] = [("front", 1, 1, [])]
    parent = ""
    references: list[str] = []
    in_references = False
    for page_number, lines in enumerate(pages, 1):
        for line in lines:
            name = None
            if in_references:
                name = tracker.appendix(line)
                if name is None:
                    references.append(line)
                    continue
                in_references = False
            elif NAMED.match(line):
                name = line.strip().title()
                if name.lower() in ("references", "bibliography"):
                    in_references = True
                    continue
            else:
                name = tracker.numbered(line) or (tracker.appendix(line) if tracker.last_letter else None)
                if name and "." not in name.split()[0]:
                    parent = name
                elif name and parent:  # "4.2 Crawler" is cited as "4 Methodology › 4.2 Crawler"
                    name = f"{parent} › {name}"
            if name:
                sections.append((name, page_number, page_number, []))
            else:
                title, first, _, body = sections[-1]
                body.append(line)
                sections[-1] = (title, first, page_number, body)
    return sections, references


def read_pdf(path: Path) -> PdfPaper:
    reader = open_pdf(path)
    pages = strip_running_lines(page_lines(reader, path))
    sections, references = split_sections(pages)
    front = sections[0][3]
    metadata_title = (reader.metadata.title if reader.metadata else "") or ""
    title = metadata_title.strip() or (front[0] if front else path.stem)
    abstract_parts = [s for s in sections if s[0].lower() == "abstract"]
    abstract = join_lines(abstract_parts[0][3]) if abstract_parts else join_lines(front[1:])[:1500]
    body = [
        Section(name, join_lines(lines), page_span(first, last))
        for name, first, last, lines in sections[1:]
        if name.lower() != "abstract" and lines
    ]
    if not body:  # a page or note without headings: its text is one section
        body = [Section("Text", join_lines(front[1:] or front), page_span(1, len(pages)))]
    name_id = ARXIV_IN_NAME.search(path.name)
    text_id = ARXIV_IN_TEXT.search(" ".join(pages[0]))
    arxiv_id = next((m.group(1) for m in (name_id, text_id) if m and arxiv_month(m.group(1))), "")
    return PdfPaper(title, abstract, body, "\n".join(references), arxiv_id, len(pages))
