"""A reader's library file -> the papers in it, and the library kept in the data folder as the profile's anchor.

In: a Zotero export (BibTeX `.bib`, CSL-JSON, Zotero RDF) or a plain list of arXiv ids / DOIs, one per line.
BibTeX is read by `bibtexparser` (a maintained parser: braces, comments; `@string` macros are left unexpanded),
CSL-JSON by `json`, RDF by expat through `defusedxml`, which refuses any DTD (so no entity expansion and no external
entity). Out: `LibraryImport` (the papers, and the broken entries with the line or item where each is, and why), and
`LibraryStore`: the imported papers and their title+abstract vectors in one `library.npz`, written atomically under
the profile's file lock, so a re-import replaces the library whole (never duplicates it) and a failed import leaves
the old one as it was. A file over 10 MB, or one that is not text, is refused before it is parsed; only its first
20,000 entries are read (one line reports the rest as skipped), and every paper's fields are held to the caps below.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from itertools import islice
from pathlib import Path
from typing import TypeVar

import numpy as np
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree
from filelock import FileLock

from vectorstore.errors import PapersError

MAX_LIBRARY_BYTES = 10_000_000
# Entries read from one file (papers and broken ones alike, in the file's order); the rest are skipped and reported
# in one line. Far above a reader's library, and it bounds the parse and the embedding of a hostile file.
MAX_PAPERS = 20_000
# Field caps, applied after parsing to every format in one place (`capped`). Text over its cap is cut, not refused:
# a reader expects the paper imported, and the ranking only reads the title and the first 1,000 characters of the
# abstract anyway. An id over its cap is no real id, so its entry is skipped and reported among the broken ones.
# (Authors are not kept: nothing of theirs reaches the library.)
MAX_TITLE_CHARS = 1_000  # real titles run to ~300 characters
MAX_ABSTRACT_CHARS = 20_000  # arXiv allows 1,920 characters, journals a few thousand
MAX_ID_CHARS = 200  # arXiv ids are under 25 characters; real DOIs are well under 200
LIBRARY_FILE = "library.npz"
EMBEDDED_ABSTRACT = 1000  # the store embeds a paper as its title and first 1,000-character chunk
# Linear-time on hostile fields (the unbounded `[a-z-]+` of old took a minute on 20 KB of "arxiv"): an old-style
# archive name ("hep-th", "math.AG": 8 letters at most) is read as 16 letters at most, taken whole (`{1,16}+`, no
# backtracking), and after "arxiv" it starts a word, so a run of letters is never retried at each of its positions.
ARXIV_ID = re.compile(r"(?<![\w.])(\d{4}\.\d{4,5}|[a-z-]{1,16}+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?(?![\w])")
ARXIV_IN_TEXT = re.compile(
    r"arxiv[:./\sa-z]{0,30}?(\d{4}\.\d{4,5}|(?<![a-z-])[a-z-]{1,16}+(?:\.[A-Z]{2})?/\d{7})", re.IGNORECASE
)
DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]{1,200})")
DATE = re.compile(r"(\d{4}(?:-\d{2}(?:-\d{2})?)?)")
BIBTEX_BLOCK = re.compile(r"@[ \t]*[a-z]\w*[ \t]*[{(]", re.IGNORECASE)  # where an entry, @string or @comment starts
NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "z": "http://www.zotero.org/namespaces/export#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
}
ITEM_TYPE = f"{{{NS['z']}}}itemType"  # in full, so that ElementTree looks it up in C, not through ElementPath


Entry = TypeVar("Entry")
NOTHING = object()  # `first_entries`' end of the entries (a CSL item may be None)


class LibraryError(PapersError):
    """The library file cannot be imported at all."""


@dataclass(frozen=True)
class LibraryPaper:
    title: str
    abstract: str = ""
    arxiv_id: str = ""
    doi: str = ""
    # When the reader added it, as far as the file says (BibTeX dateadded/timestamp, RDF dateSubmitted, CSL
    # accessed), else when it was published; an ISO date or its year; "" when the file gives neither.
    added: str = ""
    where: str = ""  # "line 12" or "item 3": where the entry is in the file

    @property
    def key(self) -> str:
        return self.arxiv_id or self.doi.lower() or " ".join(self.title.lower().split())


@dataclass(frozen=True)
class LibraryImport:
    papers: list[LibraryPaper]
    broken: list[str]  # "line 12: why"


def read_library(path: Path) -> LibraryImport:
    """Every paper the file holds (deduplicated, in the file's order) and every entry that could not be read."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise LibraryError(f"Cannot read {path}: {error.strerror}.") from error
    if size > MAX_LIBRARY_BYTES:
        raise LibraryError(
            f"{path.name} is {size / 1e6:.0f} MB; a library file may be at most {MAX_LIBRARY_BYTES // 1_000_000} MB.",
            "Export only the collection you want ranked by.",
        )
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise LibraryError(f"{path.name} is not a text file.", "Export BibTeX, CSL-JSON or Zotero RDF from Zotero.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise LibraryError(f"{path.name} is not UTF-8 text.", "Export it from Zotero as UTF-8.") from error
    return parse_library(text, path.suffix.lower())


def parse_library(text: str, suffix: str = "") -> LibraryImport:
    start = text.lstrip()[:1]
    if suffix == ".bib" or start == "@":
        papers, broken = from_bibtex(text)
    elif suffix == ".json" or start in "[{":
        papers, broken = from_csl_json(text)
    elif suffix in (".rdf", ".xml") or start == "<":
        papers, broken = from_rdf(text)
    else:
        papers, broken = from_id_list(text)
    seen: set[str] = set()
    unique = [p for p in capped(papers, broken) if not (p.key in seen or seen.add(p.key))]
    return LibraryImport(unique[:MAX_PAPERS], broken)


def first_entries(
    entries: Iterable[Entry], where_of: Callable[[Entry], str]
) -> tuple[list[Entry], Entry | None, list[str]]:
    """The first MAX_PAPERS entries, the first one left out (None when none is), and the line reporting the ones
    left out (none when none is). Those are only counted, never parsed. The parsers put that line first among the
    broken entries, where a short list of them (the app shows 20) still shows it."""
    rest = iter(entries)
    kept = list(islice(rest, MAX_PAPERS))
    first_left_out = next(rest, NOTHING)
    if first_left_out is NOTHING:
        return kept, None, []
    return kept, first_left_out, [left_out_line(where_of(first_left_out), 1 + sum(1 for _ in rest))]


def left_out_line(where: str, left_out: int) -> str:
    return (
        f"{where} on: the {left_out:,} entries from here to the end of the file, as a library holds at most "
        f"{MAX_PAPERS:,} papers; export a smaller collection to choose which"
    )


def capped(papers: list[LibraryPaper], broken: list[str]) -> list[LibraryPaper]:
    """The papers with their title and abstract cut to the caps; one with an id over its cap goes to `broken`."""
    kept = []
    for paper in papers:
        if overlong := overlong_id(paper):
            broken.append(f"{paper.where}: its {overlong} is longer than {MAX_ID_CHARS} characters")
            continue
        title, abstract = cut(paper.title, MAX_TITLE_CHARS), cut(paper.abstract, MAX_ABSTRACT_CHARS)
        kept.append(replace(paper, title=title, abstract=abstract))
    return kept


def overlong_id(paper: LibraryPaper) -> str:
    """Which id of the paper ("arXiv id", "DOI") is over MAX_ID_CHARS, else ""."""
    ids = (("arXiv id", paper.arxiv_id), ("DOI", paper.doi))
    return next((name for name, value in ids if len(value) > MAX_ID_CHARS), "")


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def plain(value: str) -> str:
    """BibTeX's protective braces and escapes gone, whitespace collapsed."""
    return " ".join(re.sub(r"\\([&%$#_{}])", r"\1", str(value)).replace("{", "").replace("}", "").split())


def first_found(pattern: re.Pattern, texts: tuple[str, ...]) -> str:
    found = next((m for m in (pattern.search(t or "") for t in texts) if m), None)
    return found.group(1) if found else ""


def arxiv_of(*texts: str) -> str:
    return first_found(ARXIV_IN_TEXT, texts)


def doi_of(*texts: str) -> str:
    return first_found(DOI, texts).rstrip(".,;")


def iso_date(*texts: str) -> str:
    return first_found(DATE, texts)


def checked(paper: LibraryPaper, broken: list[str]) -> list[LibraryPaper]:
    if paper.title or paper.arxiv_id or paper.doi:
        return [paper]
    broken.append(f"{paper.where}: no title, arXiv id or DOI")
    return []


def from_bibtex(text: str) -> tuple[list[LibraryPaper], list[str]]:
    import bibtexparser
    from bibtexparser.middlewares import RemoveEnclosingMiddleware

    _, first_left_out, broken = first_entries(
        (block.start() for block in BIBTEX_BLOCK.finditer(text)), lambda at: f"line {line_at(text, at)}"
    )
    text = text if first_left_out is None else text[:first_left_out]  # bibtexparser parses only what is kept
    quiet = logging.getLogger("bibtexparser")
    level, quiet.level = quiet.level, logging.CRITICAL  # each broken entry is reported once, below
    try:
        # Without the default ResolveStringReferencesMiddleware: expanding `@string` macros is BibTeX's entity
        # expansion (one 9 MB macro named by 20,000 entries is 180 GB of fields), and Zotero never writes them.
        library = bibtexparser.parse_string(text, parse_stack=[RemoveEnclosingMiddleware()])
    finally:
        quiet.setLevel(level)
    broken += [f"line {b.start_line + 1}: {unreadable(b.error)}" for b in library.failed_blocks]
    papers = []
    for entry in library.entries:
        papers += checked(bibtex_paper(entry), broken)
    return papers, broken


def bibtex_paper(entry) -> LibraryPaper:
    raw = {k.lower(): f.value for k, f in entry.fields_dict.items()}

    def field(name: str) -> str:
        return plain(raw.get(name, ""))

    eprint = field("eprint")
    arxiv = eprint if ARXIV_ID.fullmatch(eprint) else ""
    added = field("dateadded") or field("date-added") or field("added-at")
    return LibraryPaper(
        title=field("title"),
        abstract=field("abstract"),
        arxiv_id=arxiv or arxiv_of(field("url"), field("journal"), field("note")),
        doi=doi_of(field("doi"), field("url")),
        added=iso_date(added, field("timestamp")),
        where=f"line {entry.start_line + 1}",
    )


def line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def unreadable(error: object) -> str:
    return first_words(error) if str(error).strip() else "an entry that is never closed (a brace or a quote is missing)"


def first_words(error: object) -> str:
    return " ".join(str(error).split())[:120] or "not a BibTeX entry"


def from_csl_json(text: str) -> tuple[list[LibraryPaper], list[str]]:
    try:
        data = json.loads(text)
    except ValueError as error:
        raise LibraryError(f"The file is not JSON: {first_words(error)}.", "Export CSL JSON from Zotero.") from error
    items = data.get("items", []) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise LibraryError("The JSON holds no list of items.", "Export CSL JSON from Zotero.")
    items, _, broken = first_entries(items, lambda _: f"item {MAX_PAPERS + 1}")
    papers = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            broken.append(f"item {number}: not an object")
            continue
        text_of = {k: str(v) for k, v in item.items() if isinstance(v, (str, int, float))}
        paper = LibraryPaper(
            title=plain(text_of.get("title", "")),
            abstract=plain(text_of.get("abstract", "")),
            arxiv_id=arxiv_of(text_of.get("URL", ""), text_of.get("number", ""), text_of.get("note", "")),
            doi=doi_of(text_of.get("DOI", ""), text_of.get("URL", "")),
            added=csl_date(item),
            where=f"item {number}",
        )
        papers += checked(paper, broken)
    return papers, broken


def csl_date(item: dict) -> str:
    """CSL-JSON has no date added: the date it was accessed, else issued."""
    for name in ("accessed", "issued"):
        value = item.get(name)
        parts = value.get("date-parts") if isinstance(value, dict) else None
        if isinstance(parts, list) and parts and isinstance(parts[0], list):
            return "-".join(f"{int(p):02d}" for p in parts[0][:3] if str(p).isdigit())
    return ""


def from_rdf(text: str) -> tuple[list[LibraryPaper], list[str]]:
    """Zotero RDF: every described item with a dc:title that is not an attachment or a note."""
    described = (
        (number, item)
        for number, item in enumerate(xml_root(text), 1)
        if item.findtext(ITEM_TYPE, "") not in ("attachment", "note")
    )
    items, _, broken = first_entries(described, lambda left_out: f"item {left_out[0]}")
    papers = []
    for number, item in items:
        identifiers = " ".join(e.text or "" for e in item.iter() if e.tag.endswith(("}identifier", "}value")))
        paper = LibraryPaper(
            title=plain(item.findtext("dc:title", "", NS)),
            abstract=plain(item.findtext("dcterms:abstract", "", NS)),
            arxiv_id=arxiv_of(identifiers, item.findtext("dc:description", "", NS)),
            doi=doi_of(identifiers),
            added=iso_date(item.findtext("dcterms:dateSubmitted", "", NS), item.findtext("dc:date", "", NS)),
            where=f"item {number}",
        )
        papers += checked(paper, broken)
    return papers, broken


def xml_root(text: str):
    """The parsed XML, refused whole when it has a DTD: Zotero never writes one, and a DTD is what declares the
    entities of an expansion bomb (megabytes from a few kilobytes, even under expat's own limits) or of an external
    file read (XXE)."""
    try:
        return SafeElementTree.fromstring(text, forbid_dtd=True)
    except DefusedXmlException as error:
        raise LibraryError(
            "The RDF file has a DTD (<!DOCTYPE ...>), where XML entities are declared; it is refused, as entities can "
            "expand to gigabytes or read other files.",
            "Export the library again from Zotero without a DTD or entities added to it, or export BibTeX.",
        ) from error
    except SafeElementTree.ParseError as error:
        raise LibraryError(f"The RDF file is not valid XML: {error}.", "Export Zotero RDF again.") from error


def from_id_list(text: str) -> tuple[list[LibraryPaper], list[str]]:
    numbered = ((number, line.strip()) for number, line in enumerate(io.StringIO(text, newline=None), 1))
    lines, _, broken = first_entries(
        ((number, line) for number, line in numbered if line and not line.startswith("#")),
        lambda left_out: f"line {left_out[0]}",
    )
    papers = []
    for number, line in lines:
        arxiv = arxiv_of(line) or next(iter(ARXIV_ID.findall(line)), "")
        doi = "" if arxiv else doi_of(line)
        if not (arxiv or doi):
            broken.append(f"line {number}: not an arXiv id or a DOI: {line[:60]}")
            continue
        papers.append(LibraryPaper("", arxiv_id=arxiv, doi=doi, where=f"line {number}"))
    return papers, broken


class LibraryStore:
    """The imported library of a data folder: papers and vectors in one file, replaced whole under `lock`."""

    def __init__(self, data_dir: Path, lock: FileLock) -> None:
        self.path = data_dir / LIBRARY_FILE
        self.lock = lock

    def load(self) -> tuple[list[LibraryPaper], np.ndarray]:
        if not self.path.exists():
            return [], np.zeros((0, 0), dtype=np.float32)
        try:
            with np.load(self.path, allow_pickle=False) as saved:
                papers = [LibraryPaper(**row) for row in json.loads(str(saved["papers"]))]
                return papers, saved["vectors"].astype(np.float32)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise LibraryError(
                f"The imported library {self.path} cannot be read: {first_words(error)}.",
                "Import it again with `papers profile --import-library FILE`.",
            ) from error

    def replace(self, papers: list[LibraryPaper], vectors: np.ndarray) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{LIBRARY_FILE}.{os.getpid()}.tmp.npz")
        with self.lock:
            try:
                np.savez(tmp, papers=np.array(json.dumps([asdict(p) for p in papers])), vectors=vectors)
                os.replace(tmp, self.path)
            finally:
                tmp.unlink(missing_ok=True)

    def clear(self) -> None:
        with self.lock:
            self.path.unlink(missing_ok=True)


def stored_paper(store):
    """`import_library`'s lookup: the stored paper with this id, or None when the store has none."""
    from vectorstore.errors import NotFoundError

    def lookup(paper_id: str):
        try:
            return store.get_paper(paper_id)
        except NotFoundError:
            return None

    return lookup


def import_library(path: Path, library: LibraryStore, stored_paper, embed) -> LibraryImport:
    """Read the file, give id-only entries the title and abstract of the stored paper (`stored_paper(arxiv_id)`
    -> Paper or None), embed every paper as the store embeds its own (title, then abstract), and replace the
    library. Nothing is written when no paper could be read."""
    found = read_library(path)
    papers, broken = [], list(found.broken)
    for paper in found.papers:
        if not paper.title:
            stored = stored_paper(paper.arxiv_id) if paper.arxiv_id else None
            if stored is None:
                name = paper.arxiv_id or paper.doi
                broken.append(f"{paper.where}: {name} is not in the store and the file gives no title")
                continue
            paper = replace(paper, title=stored.title, abstract=stored.abstract)
        papers.append(paper)
    if not papers:
        raise LibraryError(
            f"No paper in {path.name} could be imported" + (f" ({broken[0]})." if broken else "."),
            "Export BibTeX, CSL-JSON or Zotero RDF with titles, or list arXiv ids of papers in the store.",
        )
    vectors = embed([f"{p.title}\n{p.abstract[:EMBEDDED_ABSTRACT]}" for p in papers])
    library.replace(papers, np.asarray(vectors, dtype=np.float32))
    return LibraryImport(papers, broken)
