"""Typed records that flow through the project.

In: values parsed from feeds, pages and the store. Out: `Paper` (one paper and its metadata), `Section` (a named
stretch of its full text), `Chunk` (a piece of a paper's text to embed), `Passage` (a chunk found by search, with
its score).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import date

ARXIV_ID = re.compile(r"^\d{4}\.\d{4,5}(v\d+)?$")


def title_key(title: str) -> str:
    """A normalised title, so the same paper from a page and from the API can be matched."""
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


def page_paper_id(title: str) -> str:
    """Stable id for a paper known only from a saved page (no arXiv id): a hash of its normalised title."""
    return "page-" + hashlib.sha256(title_key(title).encode()).hexdigest()[:12]


LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def without_lone_surrogates(paper: Paper) -> Paper:
    """The paper with every lone surrogate dropped from its text ("\\ud800" in a feed's JSON is no character:
    neither UTF-8 nor the vector store can hold it), so one such title never stops an ingest or a refresh."""
    texts = {k: v for k, v in vars(paper).items() if isinstance(v, str) and LONE_SURROGATE.search(v)}
    tuples = {k: tuple(LONE_SURROGATE.sub("", x) for x in v) for k, v in vars(paper).items()
              if isinstance(v, tuple) and any(LONE_SURROGATE.search(x) for x in v)}  # fmt: skip
    if not texts and not tuples:
        return paper
    return replace(paper, **{k: LONE_SURROGATE.sub("", v) for k, v in texts.items()}, **tuples)


@dataclass(frozen=True)
class Paper:
    id: str
    title: str
    abstract: str
    date: date
    authors: tuple[str, ...] = ()
    author_count: int = 0
    organization: str = ""
    upvotes: int = 0
    published: str = ""
    ai_summary: str = ""
    ai_keywords: tuple[str, ...] = ()
    github_url: str = ""
    project_url: str = ""
    source: str = ""
    fulltext: str = field(default="", repr=False)

    @property
    def is_arxiv(self) -> bool:
        return bool(ARXIV_ID.match(self.id))

    @property
    def arxiv_url(self) -> str:
        return f"https://arxiv.org/abs/{self.id}" if self.is_arxiv else ""

    @property
    def hf_url(self) -> str:
        return f"https://huggingface.co/papers/{self.id}" if self.is_arxiv else ""

    @property
    def url(self) -> str:
        """The best link for a reader: the Hugging Face page, else the arXiv one, else nothing."""
        return self.hf_url or self.arxiv_url

    @property
    def byline(self) -> str:
        """Who wrote it, in the fewest words: organisation, else authors, else a count."""
        if self.organization:
            return self.organization
        if self.authors:
            shown = ", ".join(self.authors[:3])
            return shown + (f" and {len(self.authors) - 3} more" if len(self.authors) > 3 else "")
        if self.author_count:
            return f"{self.author_count} author{'s' if self.author_count != 1 else ''}"
        return ""

    def to_dict(self) -> dict:
        data = asdict(self)
        data["date"] = self.date.isoformat()
        data["authors"] = list(self.authors)
        data["ai_keywords"] = list(self.ai_keywords)
        data.pop("fulltext")
        data.update(arxiv_url=self.arxiv_url, hf_url=self.hf_url, byline=self.byline)
        return data


@dataclass(frozen=True)
class Section:
    """A named stretch of a paper's body text, with the pages it covers (full text only)."""

    name: str
    text: str
    pages: str = ""


@dataclass(frozen=True)
class Chunk:
    id: str
    paper_id: str
    index: int
    text: str
    title: str
    date: date
    section: str = "abstract"
    pages: str = ""


@dataclass(frozen=True)
class Passage:
    chunk: Chunk
    score: float
    rank_sources: dict[str, int] = field(default_factory=dict)
    # Cosine similarity of the chunk to the question: comparable across queries, unlike fused scores.
    relevance: float | None = None

    def to_dict(self) -> dict:
        return {
            "paper_id": self.chunk.paper_id,
            "title": self.chunk.title,
            "date": self.chunk.date.isoformat(),
            "section": self.chunk.section,
            "pages": self.chunk.pages,
            "text": self.chunk.text,
            "score": round(self.score, 4),
            "relevance": None if self.relevance is None else round(self.relevance, 4),
        }
