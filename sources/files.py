"""Files and folders -> `Paper` records, one file at a time.

In: paths the user named (files or folders of saved pages, API responses, PDFs, LaTeX source folders).
Out: for each file, its path and the whole list of its papers, or a `SourceError` that names the file and the
problem. A file is read and validated completely before its papers are handed on, so a broken file never reaches
the store half-read. `FileSource` yields one `Batch` per file: its papers, or a PDF's or LaTeX folder's full text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from sources.base import Batch
from sources.latex import is_latex_folder, read_latex
from sources.parse_api import papers_from_payload
from sources.parse_page import looks_like_page, papers_from_page
from sources.pdf import read_pdf
from vectorstore.errors import PapersError, SourceError
from vectorstore.records import Paper

PAPER_SUFFIXES = {".json", ".txt", ".pdf"}
DATED_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files named directly, plus the paper files inside named folders (sorted, hidden files skipped)."""
    files: list[Path] = []
    for path in paths:
        if is_latex_folder(path):
            files.append(path)
        elif path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in PAPER_SUFFIXES)
            found = [p for p in found if not any(part.startswith(".") for part in p.relative_to(path).parts)]
            files.extend(latex_folders_first(path, found))
        elif path.is_file():
            files.append(path)
        else:
            raise SourceError(f"{path}: no such file or folder.", "Check the path and try again.")
    return files


def latex_folders_first(root: Path, found: list[Path]) -> list[Path]:
    """A LaTeX source folder is one source; the figures and .tex files inside it are not papers of their own."""
    folders = sorted({p.parent for p in root.rglob("*.tex") if is_latex_folder(p.parent)})
    inside = [p for p in found if any(folder in p.parents for folder in folders)]
    return folders + [p for p in found if p not in inside]


def date_from_name(path: Path) -> date | None:
    match = DATED_NAME.search(path.name)
    if not match:
        return None
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        return None


def read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SourceError(f"cannot be read ({error.strerror}).") from error
    if not data.strip():
        raise SourceError("is empty.", "Pass a saved Daily Papers page or an API response.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SourceError(
            f"is not UTF-8 text (bad byte at offset {error.start}).", "Save it as UTF-8 and try again."
        ) from error


def parse_json(text: str, path: Path, skipped: list[str] | None = None) -> list[Paper]:
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as error:
        raise SourceError(
            f"is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}); it may be truncated.",
            "Download the response again.",
        ) from error
    except RecursionError as error:  # json nests by recursion: thousands of "[" exhaust the stack
        raise SourceError("is nested too deeply to be a Daily Papers response.") from error
    except ValueError as error:  # a number of over 4,300 digits: Python refuses to convert it
        raise SourceError(f"holds a value that cannot be read ({str(error)[:80]}).") from error
    return papers_from_payload(payload, day=date_from_name(path), source=str(path), skipped=skipped)


def papers_from_text(text: str, path: Path, skipped: list[str] | None = None) -> list[Paper]:
    """Choose the parser by content as well as by suffix: users rename files. `skipped`: as `papers_from_payload`."""
    stripped = text.lstrip()
    if path.suffix.lower() == ".json" or stripped[:1] in "[{":
        return parse_json(text, path, skipped)
    if looks_like_page(text):
        return papers_from_page(text, source=str(path))
    raise SourceError(
        "is in an unknown format (neither a Daily Papers API response nor a saved Daily Papers page).",
        "Supported: .json from /api/daily_papers, or the text of a saved Daily Papers page.",
    )


def load_file(path: Path, skipped: list[str] | None = None) -> list[Paper]:
    """Every paper in one file (an empty day gives an empty list), or a SourceError naming the file. With
    `skipped`, a record that is no paper is named there and the file's other papers are kept."""
    try:
        papers = papers_from_text(read_text(path), path, skipped)
    except PapersError as error:
        raise SourceError(f"{path}: {error.problem}", error.hint) from error
    return papers


def in_window(path: Path, window: tuple[date, date] | None) -> bool:
    """Files named by date (YYYY-MM-DD.json) outside the window are skipped; undated files are always read."""
    day = date_from_name(path)
    return window is None or day is None or window[0] <= day <= window[1]


class FileSource:
    """The named files and folders, one batch per file (memory stays bounded by the largest file). A path that does
    not exist stops the whole source before anything is read; a broken file is a failed batch."""

    def __init__(self, paths: list[Path], window: tuple[date, date] | None = None) -> None:
        self.paths = paths
        self.window = window

    def batches(self) -> Iterator[Batch]:
        for path in expand_paths(self.paths):
            if in_window(path, self.window):
                yield read_batch(path)


def read_batch(path: Path) -> Batch:
    """A PDF or LaTeX folder as one paper's full text, any other file as its papers. Every error of these readers
    names the file already."""
    try:
        if path.suffix.lower() == ".pdf" or path.is_dir():
            document = read_latex(path) if path.is_dir() else read_pdf(path)
            return Batch(str(path), document=document, origin=path, names_errors=False)
        skipped: list[str] = []
        papers = load_file(path, skipped)
        return Batch(str(path), papers, names_errors=False, skipped=[f"{path}: {line}" for line in skipped])
    except PapersError as error:
        return Batch(str(path), failure=error, names_errors=False)
