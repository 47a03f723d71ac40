"""`Paper` -> `Chunk`s, the units that are embedded and searched.

In: a paper (title, abstract, optional full-text sections). Out: chunks with stable ids `<paper id>#<n>`, each
carrying paper id, title, date, section and pages. The first chunk starts with the title and the abstract;
longer texts are split with overlap by LangChain's recursive splitter, so a sentence cut at one edge is whole in
the neighbouring chunk.
"""

from __future__ import annotations

from langchain_text_splitters import RecursiveCharacterTextSplitter

from vectorstore.records import Chunk, Paper, Section


def make_splitter(chunk_size: int, chunk_overlap: int) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
        keep_separator="end",
    )


def chunk_paper(
    paper: Paper, splitter: RecursiveCharacterTextSplitter, sections: list[Section] | None = None
) -> list[Chunk]:
    """The abstract's chunks first, then each section's, numbered in reading order."""
    pieces = [("abstract", "", text) for text in splitter.split_text(paper.abstract)]
    for section in sections or []:
        pieces.extend((section.name, section.pages, text) for text in splitter.split_text(section.text))
    return [
        Chunk(
            id=f"{paper.id}#{index}",
            paper_id=paper.id,
            index=index,
            text=text.strip(),
            title=paper.title,
            date=paper.date,
            section=section,
            pages=pages,
        )
        for index, (section, pages, text) in enumerate(pieces)
        if text.strip()
    ]


def embedding_text(chunk: Chunk) -> str:
    """What the embedder and the lexical index see: the title gives every chunk its paper's context."""
    return f"{chunk.title}\n{chunk.text}"
