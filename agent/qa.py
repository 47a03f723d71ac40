"""A question (and the conversation so far) -> a grounded `Answer` with citations.

In: the question, the chat history, a scope (all papers, a date, one paper), a `HybridSearcher` and a chat model.
Out: an `Answer`: the text, its citations (paper id, title, link, the quoted passage), and the retrieved passages
with their scores. The answer is streamed token by token when asked. Small models hallucinate, so the evidence
always travels with the text; citation numbers that point nowhere are dropped; and when no passage is relevant
enough (a calibrated cosine threshold) the answer says the loaded papers do not cover the question, without
calling the model at all. Follow-ups ("what dataset did it use?") are scoped to the paper being discussed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from agent.errors import QuestionError
from agent.llm import ChatModel
from prompts import load_prompt
from vectorstore.records import Passage
from vectorstore.search import HybridSearcher, Query

# Cosine similarity (all-MiniLM-L6-v2) of the best passage below which the store does not cover a question.
# Calibrated with the whole archive loaded: the 37 dev questions' best passages scored 0.42 to 0.80, the 20
# off-topic questions of benchmarks/unanswerable.json 0.18 to 0.31; benchmarks/qa_eval.py reports both again.
RELEVANCE_THRESHOLD = 0.36
MAX_QUESTION_CHARS = 2000
PASSAGE_CHARS = 700
CITATION = re.compile(r"\[(\d{1,2})\]")
PAPER_ID = re.compile(r"\b(\d{4}\.\d{4,5}|page-[0-9a-f]{12})\b")
FOLLOW_UP = re.compile(
    r"\b(it|its|they|their|them|this|that|these|those|the paper|the authors|the model|the method)\b", re.IGNORECASE
)
NOT_COVERED = "The loaded papers do not cover this question."


@dataclass(frozen=True)
class Scope:
    start: date | None = None
    end: date | None = None
    paper_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Citation:
    number: int
    paper_id: str
    title: str
    url: str
    quote: str
    section: str = ""
    pages: str = ""

    @property
    def arxiv_url(self) -> str:
        return self.url.replace("https://huggingface.co/papers/", "https://arxiv.org/abs/") if self.url else ""

    def to_dict(self) -> dict:
        return {
            "number": self.number,
            "paper_id": self.paper_id,
            "title": self.title,
            "url": self.url,
            "arxiv_url": self.arxiv_url,
            "quote": self.quote,
            "section": self.section,
            "pages": self.pages,
        }


@dataclass
class Answer:
    question: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    covered: bool = True
    query: str = ""

    def to_dict(self) -> dict:
        return {
            "answer": self.text,
            "citations": [c.to_dict() for c in self.citations],
            "passages": [p.to_dict() for p in self.passages],
            "covered": self.covered,
            "query": self.query,
        }


def message_text(message: dict) -> str:
    """Chat content as plain text: Gradio 6 sends a string or a list of content blocks."""
    content = message.get("content", "")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(b.get("text", "")) if isinstance(b, dict) else str(b) for b in content)
    return str(content)


def papers_in_history(history: list[dict]) -> list[str]:
    """Paper ids the assistant cited, most recent answer first."""
    for message in reversed(history):
        if message.get("role") == "assistant":
            found = PAPER_ID.findall(message_text(message))
            if found:
                return list(dict.fromkeys(found))
    return []


def is_follow_up(question: str) -> bool:
    return bool(FOLLOW_UP.search(question)) and len(question.split()) <= 14


def url_for(paper_id: str) -> str:
    return f"https://huggingface.co/papers/{paper_id}" if not paper_id.startswith("page-") else ""


def number_passages(passages: list[Passage]) -> str:
    blocks = []
    for number, passage in enumerate(passages, 1):
        chunk = passage.chunk
        where = f", {chunk.section}" if chunk.section and chunk.section != "abstract" else ""
        blocks.append(f"[{number}] {chunk.title}{where}: {chunk.text[:PASSAGE_CHARS]}")
    return "\n\n".join(blocks)


def citations_for(text: str, passages: list[Passage]) -> tuple[str, list[Citation]]:
    """Keep the citation numbers that point at a passage, drop the rest from the text; cite [1] if none."""
    numbers: list[int] = []

    def keep(match: re.Match) -> str:
        number = int(match.group(1))
        if 1 <= number <= len(passages):
            numbers.append(number)
            return match.group(0)
        return ""

    cleaned = re.sub(r"\s+([.,;])", r"\1", CITATION.sub(keep, text)).strip()
    if not numbers and passages:
        numbers = [1]  # the answer was written from these passages; the best one is its main source
    citations = []
    for number in dict.fromkeys(numbers):
        chunk = passages[number - 1].chunk
        citations.append(
            Citation(
                number, chunk.paper_id, chunk.title, url_for(chunk.paper_id), chunk.text, chunk.section, chunk.pages
            )
        )
    return cleaned, citations


class QA:
    def __init__(self, searcher: HybridSearcher, model: ChatModel, k: int = 5, max_new_tokens: int = 120) -> None:
        self.searcher = searcher
        self.model = model
        self.k = k
        self.max_new_tokens = max_new_tokens
        self.prompt = load_prompt("answer")

    def retrieve(self, question: str, history: list[dict], scope: Scope) -> tuple[str, list[Passage]]:
        """The query actually searched and what it found; follow-ups search the paper under discussion first."""
        query, paper_ids = question, scope.paper_ids
        discussed = papers_in_history(history) if history and is_follow_up(question) else []
        if discussed and not paper_ids:
            paper = self.searcher.store.get_paper(discussed[0])
            query, paper_ids = f"{paper.title}: {question}", (paper.id,)
        passages = self.searcher.search(Query(query, self.k, scope.start, scope.end, paper_ids))
        return query, passages

    def start(self, question: str, history: list[dict] | None = None, scope: Scope | None = None) -> Answer:
        """Validate, retrieve and decide coverage; the text is filled in by `stream` or `answer`."""
        question = " ".join((question or "").split())
        if not question:
            raise QuestionError("The question is empty.", "Type a question about the papers.")
        question = question[:MAX_QUESTION_CHARS]
        query, passages = self.retrieve(question, history or [], scope or Scope())
        best = max((p.relevance or 0.0 for p in passages), default=0.0)
        covered = best >= RELEVANCE_THRESHOLD
        return Answer(question, "" if covered else NOT_COVERED, [], passages, covered, query)

    def stream(self, answer: Answer) -> Iterator[str]:
        """Yields the answer text as it grows; afterwards `answer` holds the final text and citations."""
        if not answer.covered:
            yield answer.text
            return
        messages = self.prompt.render(question=answer.question, passages=number_passages(answer.passages))
        pieces: list[str] = []
        try:
            for piece in self.model.stream(messages, max_new_tokens=self.max_new_tokens):
                pieces.append(piece)
                yield "".join(pieces)
        except Exception as error:  # the evidence is still worth showing
            pieces = [f"(The model failed: {type(error).__name__}.) The most relevant passage is [1]."]
        answer.text, answer.citations = citations_for("".join(pieces) or "See [1].", answer.passages)
        yield answer.text

    def answer(self, question: str, history: list[dict] | None = None, scope: Scope | None = None) -> Answer:
        result = self.start(question, history, scope or Scope())
        for _ in self.stream(result):
            pass
        return result
