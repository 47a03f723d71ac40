"""Text written anywhere -> each of its sentences checked against the stored papers, or claims against given sources.

In: the trained `ClaimChecker`, the paper store and its searcher. Out: `SentenceCheck` records (the verdict, and the
paper whose title and abstract it was checked against). `check_text` splits a text into sentences and checks each
against one named paper, or, when none is named, against the stored papers a search finds for that sentence (the
best-supported of the top three counts). `check_lines` checks JSONL lines of `{"claim", "source"}` objects whose
source text is given; a line that is not such an object gets an error of its own, and the others still get
verdicts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from agent.errors import QuestionError
from agent.judge.checker import ClaimChecker, Verdict, source_sentences
from agent.text import split_sentences
from vectorstore.records import Paper
from vectorstore.search import HybridSearcher, Query
from vectorstore.store import PaperStore

MAX_SENTENCES = 200
# A long review is a few thousand characters; each sentence costs a search and a few checker passes.
MAX_TEXT_CHARS = 20_000
MAX_CLAIM_CHARS = 2000
MAX_SOURCE_CHARS = 20_000
MAX_LINE_CHARS = 40_000
CANDIDATE_PAPERS = 3


@dataclass(frozen=True)
class SentenceCheck:
    verdict: Verdict
    paper_id: str = ""
    title: str = ""

    def to_dict(self) -> dict:
        v = self.verdict
        return {"sentence": v.claim, "supported": v.supported, "score": v.score, "evidence": v.evidence,
                "reason": v.reason, "verdict": v.label, "unsupported_span": v.span, "paper_id": self.paper_id,
                "title": self.title}  # fmt: skip


class TextChecker:
    def __init__(self, checker: ClaimChecker, store: PaperStore, searcher: HybridSearcher) -> None:
        self.checker = checker
        self.store = store
        self.searcher = searcher

    def check_text(self, text: str, paper_id: str = "") -> list[SentenceCheck]:
        sentences = split_sentences(checkable(text))[:MAX_SENTENCES]
        if paper_id:
            paper = self.store.get_paper(paper_id)  # NotFoundError says which id and what to do
            return self.against([paper] * len(sentences), sentences)
        found: list[SentenceCheck] = []
        for sentence in sentences:
            candidates = self.candidates(sentence)
            checks = self.against(candidates, [sentence] * len(candidates))
            found.append(max(checks, key=lambda c: (c.verdict.supported, c.verdict.score), default=unchecked(sentence)))
        return found

    def candidates(self, sentence: str) -> list[Paper]:
        passages = self.searcher.search(Query(sentence, k=CANDIDATE_PAPERS, per_paper=True))
        return [self.store.get_paper(p.chunk.paper_id) for p in passages[:CANDIDATE_PAPERS]]

    def against(self, papers: list[Paper], sentences: list[str]) -> list[SentenceCheck]:
        sources = [source_sentences(p.title, p.abstract) for p in papers]
        verdicts = self.checker.verdicts(sentences, sources)
        return [SentenceCheck(v, p.id, p.title) for v, p in zip(verdicts, papers)]


def checkable(text: str) -> str:
    """The text, or a `QuestionError` saying why it cannot be checked (empty, too long, not text)."""
    if not text or not text.strip():
        raise QuestionError(
            "There is no text to check.", 'Give a sentence, e.g. "SAILER improves legal case retrieval."'
        )
    if len(text) > MAX_TEXT_CHARS:
        raise QuestionError(
            f"That is {len(text):,} characters; at most {MAX_TEXT_CHARS:,} are checked at a time.",
            "Check the text in parts.",
        )
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\n\r\t")
    if "\x00" in text or controls > len(text) // 20:
        raise QuestionError("That looks like binary data, not text.", "Paste the text itself.")
    if not any(c.isalpha() for c in text):
        raise QuestionError("There are no words in that text to check.", "Give a sentence about a paper.")
    return text


def unchecked(sentence: str) -> SentenceCheck:
    return SentenceCheck(Verdict(sentence, False, 0.0, "", "no stored paper is about this", label="unsupported"))


def check_lines(checker: ClaimChecker, lines: list[str]) -> list[dict]:
    """One result per JSONL line, in order: a verdict, or an error saying what is wrong with that line."""
    items = [parse_line(line) for line in lines]
    problems = [item if isinstance(item, str) else item_problem(item) for item in items]
    good = [i for i, problem in enumerate(problems) if not problem]
    claims = [items[i]["claim"] for i in good]  # type: ignore[index]
    sources = [source_sentences("", items[i]["source"]) for i in good]  # type: ignore[index]
    results: list[dict] = [{"error": problem} for problem in problems]
    for index, verdict in zip(good, checker.verdicts(claims, sources)):
        results[index] = {"supported": verdict.supported, "score": verdict.score, "evidence": verdict.evidence,
                          "reason": verdict.reason, "verdict": verdict.label,
                          "unsupported_span": verdict.span}  # fmt: skip
    return results


def parse_line(line: str) -> dict | str:
    """The line's JSON object, or why there is none."""
    if len(line) > MAX_LINE_CHARS:
        return "line too long"
    try:
        item = json.loads(line)
    except (ValueError, RecursionError):
        return "not a JSON object on one line"
    return item if isinstance(item, dict) else 'expected a JSON object {"claim": ..., "source": ...}'


def item_problem(item: dict) -> str:
    for key, limit in (("claim", MAX_CLAIM_CHARS), ("source", MAX_SOURCE_CHARS)):
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            return f'"{key}" must be a non-empty string'
        if len(value) > limit:
            return f'"{key}" is longer than {limit:,} characters'
    return ""
