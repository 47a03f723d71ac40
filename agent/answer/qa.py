"""A question (and the conversation so far) -> an evidence-first, checked `Answer` with citations.

In: the question, the chat history, a scope (all papers, a date, one paper), a `HybridSearcher`, a chat model and
the calibrated thresholds. Out: an `Answer` made of `Statement`s, each with the passages that support it:
1. retrieve passages; below the calibrated relevance the store does not cover the question (no model call);
2. pick the sentences of the passages that answer it (`agent/answer/evidence.py`) and lead with what was asked: the
   method and paper for "which", the sentence with the figure for "how much", one line per paper for "compare";
   when the paper's text does not mention what was asked, say so and cite the paper, stating no figure;
   whether the chosen paper's text answers the question at all is judged by the trained answerability model
   (`agent/judge/answerable.py`), so "the papers do not say" rests on meaning, not on a missing word;
3. the model may rephrase or join the evidence; every sentence it writes passes the trained claim checker
   (`agent/judge/checker.py`: exact numbers and names, then the cross-encoder) against the passages it cites, and is
   shown only when supported, with the passage sentence it rests on.
The evidence is ready before the model starts, so it streams first; a model that fails leaves the evidence.
Follow-ups ("what dataset did it use?") are scoped to the paper being discussed, whatever their similarity to it.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from agent.answer.evidence import Evidence, asks_for_paper, question_kind, select
from agent.errors import QuestionError, first_line
from agent.judge.answerable import AnswerJudge
from agent.judge.checker import ClaimChecker, source_sentences
from agent.judge.terms import Source, squash, stop_words, terms_of
from agent.models.chat_model import ChatModel
from agent.text import lead_name, split_sentences
from prompts import load_prompt
from vectorstore.records import Passage
from vectorstore.search import HybridSearcher, Query

MAX_QUESTION_CHARS = 2000
PASSAGE_CHARS = 700
CITATION = re.compile(r"\[(\d{1,2})\]")
REPEATED_CITATION = re.compile(r"(\[\d{1,2}\])(?:\s*\1)+")
PAPER_ID = re.compile(r"\b(\d{4}\.\d{4,5}|page-[0-9a-f]{12})\b")
# Words that point back at something already discussed. A bare "that" or "this" is left out: "shows that ..."
# is a conjunction, not a reference.
ANAPHORA = re.compile(
    r"\b(?:it|its|they|their|them|these|those|(?:this|that|the) (?:paper|work|model|method|approach|one|study|"
    r"authors|framework|system))\b",
    re.IGNORECASE,
)
NOT_COVERED = "The loaded papers do not cover this question."
# At most this many papers of the last answer are "under discussion" (a survey lists up to eight).
SURVEY_LIMIT = 8
# The model rephrases in one or two sentences; what it writes after that, or after a sentence the passages do not
# support (what follows builds on it), is not read: generation stops there.
MAX_MODEL_SENTENCES = 2
# A model sentence that shares this much of its wording with the evidence adds nothing to it.
REPEAT_OVERLAP = 0.7


@dataclass(frozen=True)
class Scope:
    start: date | None = None
    end: date | None = None
    paper_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Statement:
    """One sentence of an answer, where it came from, and whether the passages support it."""

    text: str
    passages: tuple[int, ...]
    origin: str  # "lead", "evidence", "model" or "refusal"
    verified: bool = True
    unsupported: tuple[str, ...] = ()
    shown: bool = True
    quote: str = ""  # for evidence: the passage's sentence as written; for the model: the sentence it rests on
    score: float | None = None  # for the model: the claim checker's P(supported)

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "quote": self.quote,
            "passages": list(self.passages),
            "origin": self.origin,
            "verified": self.verified,
            "unsupported": list(self.unsupported),
            "shown": self.shown,
            "score": self.score,
        }


@dataclass(frozen=True)
class Citation:
    number: int
    paper_id: str
    title: str
    url: str
    quote: str
    section: str = ""
    pages: str = ""
    highlights: tuple[str, ...] = ()  # the quote's sentences the answer rests on

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
            "highlights": list(self.highlights),
        }


@dataclass
class Answer:
    question: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    covered: bool = True
    query: str = ""
    kind: str = "other"
    said: bool = True
    statements: list[Statement] = field(default_factory=list)
    model_error: str = ""
    model_skipped: bool = False  # the model was loading or busy with other answers: this is the evidence alone
    answerability: float | None = None  # the trained model's P(the chosen paper's text answers the question)

    def to_dict(self) -> dict:
        return {
            "answer": self.text,
            "kind": self.kind,
            "covered": self.covered,
            "said": self.said,
            "statements": [s.to_dict() for s in self.statements],
            "citations": [c.to_dict() for c in self.citations],
            "passages": [p.to_dict() for p in self.passages],
            "query": self.query,
            "model_error": self.model_error,
            "model_skipped": self.model_skipped,
            "answerability": self.answerability,
        }

    @property
    def shown(self) -> list[Statement]:
        return [s for s in self.statements if s.shown]

    def cited_source(self) -> Source:
        """What the answer may rest on: the question, and the cited passages with their titles and ids (the
        measure of invented terms in benchmarks/qa_eval.py and the tests)."""
        cited = [self.passages[c.number - 1].chunk for c in self.citations]
        return Source.of(self.question, *(f"{c.title} {c.paper_id} {c.text}" for c in cited))


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


# "Which paper ...": a new subject, even when it says "their" ("which paper improves their recall?").
NEW_PAPER = re.compile(r"^\s*(?:which|what)\s+(?:\S+\s+){0,2}?(?:paper|work|study|article)s?\b", re.IGNORECASE)
AMONG = re.compile(r"\b(?:of|among|between) (?:them|these|those|the two|both)\b", re.IGNORECASE)


def is_follow_up(question: str) -> bool:
    """Points back ("it", "the authors", "which of them") and does not ask for a new paper or a comparison."""
    if not ANAPHORA.search(question):
        return False
    # A question naming a stored paper is scoped to that paper before this is asked (`QA.retrieve`); other names
    # ("GPUs", "ImageNet") are what is asked about the paper under discussion.
    return bool(AMONG.search(question)) or not (NEW_PAPER.search(question) or question_kind(question) == "compare")


def name_of(title: str) -> str:
    """The one-word name a title leads with ("SAILER" of "SAILER: Structure-aware ..."), else nothing: a longer
    lead ("MLLM as Retriever") is a phrase, and its first word a common term."""
    lead = lead_name(title)
    return lead if lead and " " not in lead else ""


CAPITALISED = re.compile(r"(?<=\s)[A-Z][A-Za-z0-9-]{2,}")


LOWER_NAME = re.compile(r"\b[a-z][a-z0-9]*(?:-[a-z0-9]+)*\b")
MAX_LOWER_NAMES = 8


def names_in(question: str) -> set[str]:
    """Names a question may call a paper by: acronyms, CamelCase, capitalised words inside the sentence, and, since
    people type names in lower case ("how big is internvl-u"), its other uncommon words of four letters or more."""
    question = question[:MAX_QUESTION_CHARS]
    found = set(terms_of(question).names) | set(CAPITALISED.findall(question))
    lower = [w for w in LOWER_NAME.findall(question) if len(w) >= 4 and w not in stop_words()]
    return found | set(lower[:MAX_LOWER_NAMES])


def same_name(a: str, b: str) -> bool:
    """One name however it is spelled: case, hyphens and spaces aside ("mm-zero" is "MM-Zero")."""
    return bool(a) and squash(a) == squash(b)


def names_a_paper(question: str, passages: list[Passage]) -> bool:
    """The question names a retrieved paper ("How many GPUs trained SAILER?"): in the store's domain however
    unlike the paper's text the rest of the question is."""
    names = {squash(name_of(p.chunk.title)) for p in passages} - {""}
    return any(squash(name) in names for name in names_in(question))


SHORT_TITLE_CHARS = 90


def short_title(title: str, limit: int = SHORT_TITLE_CHARS) -> str:
    """A title as an answer names its paper: whole when short; else cut at a word, keeping the name it leads with
    ("SAILER: Structure-aware …"), with an ellipsis."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    cut = cut.rsplit(" ", 1)[0] if " " in cut[limit // 2 :] else cut
    return cut.rstrip(" ,;:-–") + "…"


def url_for(paper_id: str) -> str:
    return f"https://huggingface.co/papers/{paper_id}" if not paper_id.startswith("page-") else ""


def cite(numbers: tuple[int, ...]) -> str:
    return "".join(f"[{n}]" for n in numbers)


def evidence_statements(evidence: Evidence, passages: list[Passage]) -> list[Statement]:
    """The answer before any model writes: a lead naming the paper, then the chosen sentences. Plain text: each
    face escapes it for its own format."""
    if evidence.kind == "compare":
        return [
            Statement(
                f"- “{short_title(passages[s.number - 1].chunk.title)}”: {s.text} [{s.number}]",
                (s.number,),
                "evidence",
                quote=s.text,
            )
            for s in evidence.sentences
        ]
    # The lead cites the passage of the first chosen sentence, so the first source shows what supports it.
    own = [s.number for s in evidence.sentences if s.paper_id == evidence.paper_id]
    number = own[0] if own else next(i for i, p in enumerate(passages, 1) if p.chunk.paper_id == evidence.paper_id)
    # Named by title; the id is only in the sources' links (agent/present.py answer_markdown).
    title = short_title(passages[number - 1].chunk.title)
    if not evidence.said:
        missing = ", ".join(f"“{m}”" for m in evidence.missing[:4])
        why = f", and its text does not mention {missing}" if missing else ", and its text does not answer it"
        text = f"The papers do not say. The closest is “{title}” [{number}]{why}."
        return [Statement(text, (number,), "refusal")]
    name = evidence.name
    if evidence.kind == "which":
        lead = f"{name} — “{title}” [{number}]." if name else f"“{title}” [{number}]."
    else:
        lead = f"From “{title}”:"
    statements = [Statement(lead, (number,), "lead")]
    statements += [
        Statement(f"{s.text} [{s.number}]", (s.number,), "evidence", quote=s.text) for s in evidence.sentences
    ]
    return statements


def compose(statements: list[Statement]) -> str:
    """Evidence as one paragraph (one line per paper when comparing), then the checked model sentences."""
    lines, model = [], []
    for statement in statements:
        if statement.shown:
            (model if statement.origin == "model" else lines).append(statement.text)
    joiner = "\n" if any(line.startswith("- ") for line in lines) else " "
    text = joiner.join(lines)
    return text + ("\n\n" + " ".join(model) if model else "")


def citations_of(statements: list[Statement], passages: list[Passage]) -> list[Citation]:
    """One citation per passage a shown statement rests on, in order of first use, with its supporting sentences."""
    numbers = [n for s in statements if s.shown for n in s.passages if 1 <= n <= len(passages)]
    citations = []
    for number in dict.fromkeys(numbers):
        chunk = passages[number - 1].chunk
        highlights = tuple(dict.fromkeys(s.quote for s in statements if s.shown and s.quote and number in s.passages))
        citations.append(
            Citation(
                number,
                chunk.paper_id,
                chunk.title,
                url_for(chunk.paper_id),
                chunk.text,
                chunk.section,
                chunk.pages,
                highlights,
            )
        )
    return citations


def model_sentences(answer: Answer) -> int:
    return sum(s.origin == "model" for s in answer.statements)


def rejected(answer: Answer) -> bool:
    return any(s.origin == "model" and not s.verified for s in answer.statements)


def word_set(text: str) -> set[str]:
    return set(terms_of(text).words)


def repeats(sentence: str, statements: list[Statement]) -> bool:
    words = word_set(sentence)
    for statement in statements:
        other = word_set(statement.text)
        if words and other and len(words & other) / len(words | other) >= REPEAT_OVERLAP:
            return True
    return False


class QA:
    def __init__(
        self,
        searcher: HybridSearcher,
        model: ChatModel | None,
        relevance_threshold: float,
        checker: ClaimChecker,
        judge: AnswerJudge,
        k: int = 5,
        max_new_tokens: int = 64,
    ) -> None:
        self.searcher = searcher
        self.model = model
        self.checker = checker
        self.judge = judge
        self.relevance_threshold = relevance_threshold
        self.k = k
        self.max_new_tokens = max_new_tokens
        self.prompt = load_prompt("answer")
        # As many rephrasings at once as the model serves; when it is busy an answer keeps its checked evidence
        # alone rather than queueing for a sentence (under load on a CPU, half a minute of waiting).
        self.rephrasing = threading.BoundedSemaphore(getattr(model, "concurrency", 1))

    def named_papers(self, question: str, scope: Scope) -> tuple[str, ...]:
        """Papers the question names by the name their title leads with ("SAILER", "UniXcoder"): a question about
        one paper must search that paper, however unlike its text the rest of the question is."""
        found = []
        for name in sorted(names_in(question)):
            query = Query(name, 3, scope.start, scope.end, scope.paper_ids)
            for chunk, _ in self.searcher.lexical_chunks(query):
                if same_name(name_of(chunk.title), name):
                    found.append(chunk.paper_id)
                    break
        return tuple(dict.fromkeys(found))

    def retrieve(self, question: str, history: list[dict], scope: Scope) -> tuple[str, list[Passage], bool]:
        """The query actually searched, what it found, and whether it follows up the paper under discussion: the
        papers the question names, else that paper for a follow-up, else everything in scope."""
        query, paper_ids = question, scope.paper_ids or self.named_papers(question, scope)
        discussed = papers_in_history(history) if history and not paper_ids else []
        follow_up = False
        if discussed:
            papers = [self.searcher.store.get_paper(paper_id) for paper_id in discussed[:SURVEY_LIMIT]]
            follow_up = is_follow_up(question)
            if follow_up and AMONG.search(question):  # "which of them ...": every paper just discussed
                paper_ids = tuple(p.id for p in papers)
            elif follow_up:
                query, paper_ids = f"{papers[0].title}: {question}", (papers[0].id,)
        passages = self.searcher.search(Query(query, self.k, scope.start, scope.end, paper_ids))
        return query, passages, follow_up

    def start(self, question: str, history: list[dict] | None = None, scope: Scope | None = None) -> Answer:
        """Validate, retrieve, decide coverage and pick the evidence: the answer as shown before the model writes."""
        question = " ".join((question or "").split())
        if not question:
            raise QuestionError("The question is empty.", "Type a question about the papers.")
        question = question[:MAX_QUESTION_CHARS]
        query, passages, follow_up = self.retrieve(question, history or [], scope or Scope())
        best = max((p.relevance or 0.0 for p in passages), default=0.0)
        # A follow-up is about the paper under discussion: "what dataset ...?" asks about it, not for a paper.
        named = follow_up or names_a_paper(question, passages)
        if not passages or (best < self.relevance_threshold and not named):
            return Answer(question, NOT_COVERED, [], passages, False, query, said=False)
        evidence = select(question, passages, self.searcher.store.embedder.embed, named)
        score = self.answerability(question, evidence, passages)
        if score is not None and score < self.judge.threshold:
            evidence.said = False
        statements = evidence_statements(evidence, passages)
        answer = Answer(question, compose(statements), [], passages, True, query, evidence.kind, evidence.said)
        answer.statements, answer.answerability = statements, score
        answer.citations = citations_of(statements, passages)
        return answer

    def answerability(self, question: str, evidence: Evidence, passages: list[Passage]) -> float | None:
        """P(the chosen paper's retrieved text answers the question); None when not judged: a comparison (several
        papers), a question asking for a paper (its answer is the best match; the relevance threshold declines what
        the store does not cover), or an answer already refused on an exact figure or name."""
        if evidence.kind == "compare" or not evidence.said or not evidence.paper_id or asks_for_paper(question):
            return None
        own = [p.chunk for p in passages if p.chunk.paper_id == evidence.paper_id]
        sentences = [own[0].title] + [s for chunk in own for s in split_sentences(chunk.text)]
        return round(self.judge.scores([question], [sentences])[0], 4)

    def stream(self, answer: Answer) -> Iterator[str]:
        """The evidence first, then each model sentence that passes the check; `answer` holds the final state."""
        yield answer.text
        if not (answer.covered and answer.said and self.model is not None):
            return
        if not getattr(self.model, "ready", True) or not self.rephrasing.acquire(blocking=False):
            answer.model_skipped = True  # still loading, or busy with other answers: the evidence alone
            return
        try:
            yield from self.rephrase(answer)
        finally:
            self.rephrasing.release()

    def rephrase(self, answer: Answer) -> Iterator[str]:
        evidence_numbers = [n for s in answer.statements if s.origin == "evidence" for n in s.passages]
        lines = "\n".join(s.text for s in answer.statements if s.origin != "lead")
        messages = self.prompt.render(question=answer.question, evidence=lines)
        buffer = ""
        try:
            # Closing the stream stops the model: after MAX_MODEL_SENTENCES nothing more would be shown.
            with contextlib.closing(self.model.stream(messages, max_new_tokens=self.max_new_tokens)) as pieces:
                for piece in pieces:
                    buffer += piece
                    sentences = split_sentences(buffer)
                    complete = sentences[:-1]  # the last may still grow
                    if complete:
                        buffer = buffer[buffer.rfind(sentences[-1]) :]
                    for sentence in complete:
                        if self.take(answer, sentence, evidence_numbers):
                            yield answer.text
                    if model_sentences(answer) >= MAX_MODEL_SENTENCES or rejected(answer):
                        buffer = ""
                        break
        except Exception as error:  # the evidence stands; say why nothing was added
            answer.model_error = first_line(error)
        if buffer.strip().endswith((".", "!", "?", "]")) and self.take(answer, buffer.strip(), evidence_numbers):
            yield answer.text
        yield answer.text

    def take(self, answer: Answer, sentence: str, evidence_numbers: list[int]) -> bool:
        """Adds a model sentence to the answer's record; True when it is shown (verified and new)."""
        if len(sentence.split()) < 4:
            return False
        statement = self.checked(sentence, answer, evidence_numbers)
        answer.statements.append(statement)
        if statement.shown:
            answer.text = compose(answer.statements)
            answer.citations = citations_of(answer.statements, answer.passages)
        return statement.shown

    def checked(self, sentence: str, answer: Answer, evidence_numbers: list[int]) -> Statement:
        """A model sentence judged by the claim checker against the passages it cites (else the evidence's); shown
        when supported and new, with the passage sentence it rests on as its quote."""
        cited = tuple(n for n in (int(m) for m in CITATION.findall(sentence)) if 1 <= n <= len(answer.passages))
        numbers = cited or tuple(evidence_numbers)
        chunks = [answer.passages[n - 1].chunk for n in numbers]
        sources = [s for chunk in chunks for s in source_sentences(chunk.title, chunk.text)]
        claim = " ".join(CITATION.sub("", sentence).split())
        verdict = self.checker.verdicts([claim], [sources])[0]
        clean = CITATION.sub(lambda m: m.group(0) if int(m.group(1)) in numbers else "", sentence).strip()
        clean = REPEATED_CITATION.sub(r"\1", clean)  # "[1][1]" -> "[1]"
        if not cited:
            clean = f"{clean} {cite(numbers)}"
        shown = verdict.supported and not repeats(clean, answer.statements)
        unsupported = (verdict.reason,) if verdict.reason else ()
        return Statement(
            clean, numbers, "model", verdict.supported, unsupported, shown, verdict.evidence, verdict.score
        )

    def answer(self, question: str, history: list[dict] | None = None, scope: Scope | None = None) -> Answer:
        result = self.start(question, history, scope or Scope())
        for _ in self.stream(result):
            pass
        return result
