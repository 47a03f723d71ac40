"""Builds small real PDFs for tests with pypdf: text pages (Helvetica), blank (image-only) pages, encryption."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def text_page(writer: PdfWriter, lines: list[str]) -> None:
    page = writer.add_blank_page(width=612, height=792)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    body = "".join(f"({escape(line)}) Tj 0 -14 Td " for line in lines)
    stream = DecodedStreamObject()
    stream.set_data(f"BT /F1 11 Tf 72 740 Td {body}ET".encode("latin-1"))
    page[NameObject("/Contents")] = ArrayObject([writer._add_object(stream)])


def write_pdf(path: Path, pages: list[list[str]], password: str = "") -> Path:
    writer = PdfWriter()
    for lines in pages:
        if lines:
            text_page(writer, lines)
        else:
            writer.add_blank_page(width=612, height=792)
    if password:
        writer.encrypt(password)
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def long_paper(pages: int) -> list[list[str]]:
    """A paper of `pages` pages: title, abstract, numbered sections, references, a footer with page numbers."""
    content = [["A Long Synthetic Study of Everything", "Abstract", "We study everything at great length."]]
    for number in range(1, pages - 1):
        lines = [f"{number} Section Number {number}"] if number <= 40 else []
        lines += [f"Body text of page {number + 1} about topic {number} and its many details."] * 30
        content.append(lines + [str(number + 1)])
    content.append(["References", "A. Author. 2020. A cited work. Journal of Things."])
    return content
