"""A chat message (and history) -> the right action: find papers, TL;DR one, the digest, a topic's trend, or a
grounded answer.

In: the user's message, the conversation so far, a scope, and the services (store, searcher, TL;DR writer, QA).
"Summarise what the papers say about X" is a survey: every stored paper about X, one line each, filled in as the
TL;DRs are written.
Out: a stream of `Reply` snapshots (Markdown text that grows, plus the structured result), which the CLI prints
and the app renders. Routing does not depend on the model emitting tool calls (a 135M model cannot do that
reliably): explicit rules first, then the nearest intent by embedding similarity to example requests, else Q&A.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from agent.answer.qa import QA, Answer, Scope, papers_in_history
from agent.digest import Digest, build_digest
from agent.errors import QuestionError
from agent.present import answer_markdown, marked_markdown, md_escape, paper_bullet, safe_url
from agent.render import to_markdown
from agent.tex import untex
from agent.text import first_sentence
from agent.tldr import ABSTRACT, TldrWriter, model_failure
from agent.trends import Trend, TrendFinder, trend_markdown, trend_topic
from vectorstore.errors import NotFoundError
from vectorstore.records import Paper
from vectorstore.search import HybridSearcher, Query

# "Summarise what these papers say about X", "sum up the work on X": every stored paper about X, one line each.
SURVEY = re.compile(
    r"\b(?:summari[sz]e|sum up|overview of)\b[^.?!]{0,60}?\b(?:papers|work|research|studies)\b[^.?!]{0,30}?"
    r"\b(?:about|on|regarding)\s+(?P<topic>[^.?!]{3,200})",
    re.IGNORECASE,
)
SURVEY_PAPERS = 8
RULES = [
    ("survey", SURVEY),
    ("digest", re.compile(r"\b(digest|newsletter|round-?up|inbox)\b", re.IGNORECASE)),
    ("tldr", re.compile(r"\b(tl;?dr|summari[sz]e|summary of|sum up|gist of)\b", re.IGNORECASE)),
    (
        "find",
        re.compile(
            r"^(list|show|find|search)\b|\b(what'?s new|which papers|any papers|papers (on|about)|"
            r"list (the )?papers|show me (the )?papers|find (me )?papers)\b",
            re.IGNORECASE,
        ),
    ),
]
EXAMPLES = {
    "digest": ["give me today's digest", "send me the daily overview of papers", "compose the daily email"],
    "tldr": ["summarise the SambaY paper", "one-line summary of this paper", "what is the gist of that paper"],
    "find": ["what's new on diffusion language models today?", "papers about retrieval", "recent work on agents"],
}
QUESTION = re.compile(
    r"\?\s*$|^(which|what|who|whom|whose|when|where|why|how|does|do|did|is|are|was|were|can|could|should)\b",
    re.IGNORECASE,
)
TODAY = re.compile(r"\b(today|today's|this day)\b", re.IGNORECASE)
# "the SambaY paper", "the “Rex-Thinker” paper": up to five capitalised words before "paper". Each word has a
# bounded length and words need a separator between them, so a word can be split only one way and the match is
# linear in the message's length (an optional separator made it exponential).
NAMED_PAPER = re.compile(r"(?:the\s+)?[\"“']?([A-Z][\w.+]{0,40}(?:[\s-][A-Z0-9][\w.+]{0,40}){0,4})[\"”']?\s+paper\b")
MAX_MESSAGE_CHARS = 2000


@dataclass
class Reply:
    kind: str
    text: str
    answer: Answer | None = None
    papers: list[Paper] = field(default_factory=list)
    digest: Digest | None = None
    trend: Trend | None = None


class Agent:
    def __init__(
        self,
        searcher: HybridSearcher,
        writer: TldrWriter,
        qa: QA,
        intent_similarity: float,
        trends: TrendFinder,
    ) -> None:
        self.searcher = searcher
        self.trends = trends
        self.intent_similarity = intent_similarity
        self.store = searcher.store
        self.writer = writer
        self.qa = qa
        self._examples: dict[str, np.ndarray] | None = None

    # --- routing -------------------------------------------------------------------------------------------

    def example_vectors(self) -> dict[str, np.ndarray]:
        if self._examples is None:
            embed = self.store.embedder.embed
            self._examples = {intent: embed(texts) for intent, texts in EXAMPLES.items()}
        return self._examples

    def route(self, message: str) -> str:
        if trend_topic(message):
            return "trend"
        for intent, pattern in RULES:
            if pattern.search(message):
                return intent
        if QUESTION.search(message):  # "Which paper ...?" asks for an answer with evidence, not a list
            return "ask"
        vector = self.store.embedder.embed([message])[0]
        scores = {intent: float((vectors @ vector).max()) for intent, vectors in self.example_vectors().items()}
        intent, score = max(scores.items(), key=lambda item: item[1])
        return intent if score >= self.intent_similarity else "ask"

    def respond(self, message: str, history: list[dict] | None = None, scope: Scope | None = None) -> Iterator[Reply]:
        message = " ".join((message or "")[: MAX_MESSAGE_CHARS * 2].split())[:MAX_MESSAGE_CHARS]
        if not message:
            raise QuestionError("The message is empty.", "Ask about the papers, or ask for today's digest.")
        scope = scope or Scope()
        intent = self.route(message)
        handler = {"digest": self.digest, "tldr": self.tldr, "find": self.find, "trend": self.trend}.get(intent)
        if intent == "survey":
            yield from self.survey(message, history or [], scope)
        elif handler is None:
            yield from self.ask(message, history or [], scope)
        else:
            yield handler(message, history or [], scope)

    # --- actions -------------------------------------------------------------------------------------------

    def day_scope(self, message: str, scope: Scope) -> Scope:
        """ "today" means the newest day in the store, unless the caller already scoped the request."""
        if scope.start or scope.end or scope.paper_ids or not TODAY.search(message):
            return scope
        days = self.store.dates()
        return Scope(days[-1], days[-1]) if days else scope

    def find(self, message: str, history: list[dict], scope: Scope) -> Reply:
        scope = self.day_scope(message, scope)
        topic = re.sub(
            r"^(list|show|find|search)\b|what'?s new( on| in| about)?|today'?s?|papers?( on| about)?",
            " ",
            message,
            flags=re.IGNORECASE,
        )
        topic = " ".join(topic.replace("?", " ").split()) or message
        hits = self.searcher.search(Query(topic, 8, scope.start, scope.end, scope.paper_ids, per_paper=True))
        papers = [self.store.get_paper(p.chunk.paper_id) for p in hits if (p.relevance or 0) >= 0.2]
        if not papers:
            return Reply("find", f"No papers match “{topic}” in this scope.")
        lines = [f"Papers on **{topic}**:"] + [paper_bullet(p) for p in papers]
        return Reply("find", "\n".join(lines), papers=papers)

    def named_paper(self, message: str, history: list[dict], scope: Scope) -> Paper:
        """The paper a request names: an id, a name ("the SambaY paper"), the one being discussed, or the best match."""
        ids = re.findall(r"\b\d{4}\.\d{4,5}\b", message)
        if ids:
            return self.store.get_paper(ids[0])
        name = NAMED_PAPER.search(message)
        query = (
            name.group(1).strip(" -")
            if name
            else re.sub(r"(?i)tl;?dr|summari[sz]e|summary of|sum up|gist of", "", message)
        )
        discussed = papers_in_history(history)
        if not name and discussed:
            return self.store.get_paper(discussed[0])
        hits = self.searcher.search(Query(query, 5, scope.start, scope.end, scope.paper_ids, per_paper=True))
        if not hits:
            raise NotFoundError(f"No paper matches {query.strip()!r}.", "Name it by its title or arXiv id.")
        key = query.strip().lower()
        for hit in hits:  # a title that contains the name beats a merely similar one
            if key and key in hit.chunk.title.lower():
                return self.store.get_paper(hit.chunk.paper_id)
        return self.store.get_paper(hits[0].chunk.paper_id)

    def tldr(self, message: str, history: list[dict], scope: Scope) -> Reply:
        paper = self.named_paper(message, history, scope)
        note = self.writer.tldrs([paper])[paper.id]
        text = f"{paper_bullet(paper)}\n\n{marked_markdown(note.origin, note.text)}"
        if note.model_error:
            text += f"\n\n_{md_escape(model_failure([note]))}_"
        return Reply("tldr", text, papers=[paper])

    def digest(self, message: str, history: list[dict], scope: Scope) -> Reply:
        days = self.store.dates()
        if not days:
            return Reply("digest", "The store is empty: add papers first.")
        start, end = (scope.start or days[-1]), (scope.end or scope.start or days[-1])
        result = build_digest(self.store, self.writer, start, end, top_n=10)
        return Reply("digest", to_markdown(result), digest=result)

    def trend(self, message: str, history: list[dict], scope: Scope) -> Reply:
        """ "How has X grown?": papers per week on X over the scope's days (all days when open), with a chart."""
        topic = trend_topic(message) or message
        found = self.trends.find(topic, scope.start, scope.end)
        return Reply("trend", trend_markdown(found), trend=found)

    def survey(self, message: str, history: list[dict], scope: Scope) -> Iterator[Reply]:
        """Every stored paper about the topic (up to SURVEY_PAPERS, best first), one cited line each: the abstract's
        opening at once, then each paper's TL;DR when the writer has them (one batch), so the chat never waits
        on the model to show what was found."""
        found = SURVEY.search(message)
        topic = " ".join(found.group("topic").split()) if found else message
        papers = self.trends.about(topic, scope.start, scope.end, SURVEY_PAPERS)
        if scope.paper_ids:
            papers = [p for p in papers if p.id in scope.paper_ids]
        if not papers:
            yield Reply("survey", f"None of the stored papers is about “{md_escape(topic)}”.")
            return
        lines = {p.id: (ABSTRACT, first_sentence(p.abstract)) for p in papers}
        yield Reply("survey", survey_markdown(topic, papers, lines), papers=papers)
        notes = self.writer.tldrs(papers)
        lines.update({p.id: (notes[p.id].origin, notes[p.id].text) for p in papers if p.id in notes})
        yield Reply("survey", survey_markdown(topic, papers, lines), papers=papers)

    def ask(self, message: str, history: list[dict], scope: Scope) -> Iterator[Reply]:
        """The evidence at once, then each checked model sentence; every snapshot carries its sources (which also
        lets a follow-up find the paper under discussion)."""
        answer = self.qa.start(message, history, scope)
        for _ in self.qa.stream(answer):
            yield Reply("ask", answer_markdown(answer), answer=answer)


def survey_markdown(topic: str, papers: list[Paper], lines: dict[str, tuple[str, str]]) -> str:
    """One line per paper: its title, the line after the mark of its origin, and the paper's id as its link (which
    also lets a follow-up find the papers under discussion)."""
    rows = [f"What the stored papers say about **{md_escape(topic)}**:"]
    for paper in papers:
        url = safe_url(paper.url)
        link = f"[{paper.id}]({url})" if url else paper.id
        rows.append(f"- **{md_escape(untex(paper.title))}** ({link}) — {marked_markdown(*lines[paper.id])}")
    return "\n".join(rows)
