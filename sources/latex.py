"""A paper's LaTeX source folder -> title, abstract and sections as plain text (pylatexenc, MIT).

In: a folder with `main.tex` (or the one .tex file holding \\documentclass) and the files it `\\input`s. Out: a
`PdfPaper` (the same record a PDF gives: title, abstract, sections, arXiv id from the folder name), or a
`SourceError`. Sections come from `\\section`; `\\subsection`s stay inside them. Comments are dropped, math is kept
as pylatexenc renders it, and the bibliography is left out.
"""

from __future__ import annotations

import re
from pathlib import Path

from sources.pdf import ARXIV_IN_NAME, PdfPaper
from vectorstore.errors import SourceError
from vectorstore.records import Section

INPUT = re.compile(r"\\(?:input|include|subfile)\{([^}]+)\}")
COMMENT = re.compile(r"(?<!\\)%.*")
SECTION = re.compile(r"\\section\*?\{([^}]*)\}")
MAX_INPUT_DEPTH = 8
# A paper's sources are well under a megabyte; more is a folder of something else, or an \input loop.
MAX_SOURCE_CHARS = 4_000_000


def is_latex_folder(path: Path) -> bool:
    return path.is_dir() and main_file(path) is not None


def main_file(folder: Path) -> Path | None:
    if (folder / "main.tex").is_file():
        return folder / "main.tex"
    for candidate in sorted(folder.glob("*.tex")):
        if "\\documentclass" in candidate.read_text(encoding="utf-8", errors="replace"):
            return candidate
    return None


def inside(folder: Path, name: str) -> Path | None:
    """The file an \\input names, if it lies inside the folder: no absolute paths, no "..", no symlink out."""
    target = folder / (name if name.endswith(".tex") else f"{name}.tex")
    if Path(name).is_absolute() or ".." in Path(name).parts:
        return None
    try:
        resolved = target.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    return resolved if resolved.is_relative_to(folder.resolve()) and resolved.is_file() else None


def expand_inputs(path: Path, folder: Path, depth: int = 0, seen: set[Path] | None = None) -> str:
    """The file's text with every \\input{...} inside the folder replaced by that file's (expanded) text, each
    file at most once, comments removed; the whole is capped at MAX_SOURCE_CHARS."""
    if depth > MAX_INPUT_DEPTH:
        raise SourceError(f"{path}: \\input nests deeper than {MAX_INPUT_DEPTH} levels.")
    seen = set() if seen is None else seen
    seen.add(path.resolve())
    raw = path.read_text(encoding="utf-8", errors="replace")
    if len(raw) > MAX_SOURCE_CHARS:
        raise SourceError(f"{path}: over {MAX_SOURCE_CHARS:,} characters of LaTeX.", "Is this a paper's source?")
    text = "\n".join(COMMENT.sub("", line) for line in raw.splitlines())

    def include(match: re.Match) -> str:
        target = inside(folder, match.group(1).strip())
        if target is None or target in seen:
            return ""
        return expand_inputs(target, folder, depth + 1, seen)

    expanded = INPUT.sub(include, text)
    if len(expanded) > MAX_SOURCE_CHARS:
        raise SourceError(f"{folder}: its \\input files add up to over {MAX_SOURCE_CHARS:,} characters.")
    return expanded


def to_text(latex: str) -> str:
    from pylatexenc.latex2text import LatexNodes2Text

    text = LatexNodes2Text(math_mode="verbatim").latex_to_text(latex)
    text = text.replace("< g r a p h i c s >", "").replace("<cit.>", "[cit.]").replace("§.§.§ ", "").replace("§.§ ", "")
    return re.sub(r"[ \t]+", " ", re.sub(r"\n{3,}", "\n\n", text)).strip()


def braced(source: str, command: str) -> str:
    match = re.search(rf"\\{command}\{{((?:[^{{}}]|\{{[^{{}}]*\}})*)\}}", source)
    return match.group(1) if match else ""


def read_latex(folder: Path) -> PdfPaper:
    main = main_file(folder)
    if main is None:
        raise SourceError(f"{folder}: holds no main .tex file.", "Point at the folder with main.tex.")
    source = expand_inputs(main, folder)
    body = source.split("\\begin{document}", 1)[-1].split("\\end{document}", 1)[0]
    body = re.split(r"\\bibliography\{|\\begin\{thebibliography\}", body)[0]
    abstract_match = re.search(r"\\begin\{abstract\}(.*?)\\end\{abstract\}", body, re.DOTALL)
    parts = SECTION.split(body)
    sections = [Section(to_text(name), to_text(text)) for name, text in zip(parts[1::2], parts[2::2]) if to_text(text)]
    if not sections:
        raise SourceError(f"{main}: has no \\section to read.")
    name_id = ARXIV_IN_NAME.search(folder.name)
    return PdfPaper(
        title=to_text(braced(source, "title")) or folder.name,
        abstract=to_text(abstract_match.group(1)) if abstract_match else sections[0].text[:1500],
        sections=sections,
        arxiv_id=name_id.group(1) if name_id else "",
        pages=0,
    )
