"""A question and its retrieved passages -> the sentences that answer it, and what kind of answer it wants.

In: the question, the numbered passages (best first) and the embedder the store uses. Out: `Evidence`: the kind
of question ("which", "quantity", "how", "compare", "other"), the sentences that answer it, each with the number
of its passage and a score (cosine to the question plus the share of the question's content words it holds),
the paper the answer is about, and whether the papers say what was asked at all. A question about a real paper
whose figures or names are not in its text is `said=False` here; whether the text answers the rest of the question
is judged by the trained answerability model (`agent/judge/answerable.py`, called from `agent/answer/qa.py`).
Nothing here calls the language model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from agent.judge.terms import NUMBER, WORD, Source, is_name, terms_of
from agent.text import lead_name, split_sentences
from vectorstore.records import Passage

KINDS = ("which", "quantity", "how", "compare", "other")
QUANTITY = re.compile(
    r"\bhow (?:many|much|large|big|fast|long|often|far|small)\b|\bby how much\b|"
    r"\bwhat (?:percentage|fraction|proportion|share|number|speed-?up|accuracy|score)\b|\bhow well\b",
    re.IGNORECASE,
)
# What a paper introduces: "which framework ...", "what model ..." ask for one of these.
WORKS = (
    "paper|work|model|method|framework|approach|system|technique|architecture|benchmark|study|algorithm|agent|tool|"
    "network|library|toolkit|recipe|pipeline|strategy|llm|language model"
)
WHO_PROPOSED = r"^\s*who (?:propose|introduce|present)"
# A "which" question: also "what dataset ..." (which a follow-up may ask about the paper under discussion).
WHICH = re.compile(
    rf"^\s*which\b|^\s*(?:what|name)\s+(?:\S+\s+){{0,2}}?(?:{WORKS}|dataset)s?\b|{WHO_PROPOSED}", re.IGNORECASE
)
# A question whose answer is a paper ("Which vision encoder ...?"), not something a paper's text states.
ASKS_FOR_PAPER = re.compile(
    rf"^\s*(?:which|what|name)\s+(?:\S+\s+){{0,2}}?(?:{WORKS}|encoder)s?\b|{WHO_PROPOSED}", re.IGNORECASE
)
COMPARE = re.compile(r"\b(?:differ|difference|differences|compare|comparison|versus|vs\.?)\b", re.IGNORECASE)
HOW = re.compile(r"^\s*(?:how|why|in what way)\b", re.IGNORECASE)
# Weights of a sentence's score; chosen on the tuning split of benchmarks/qa_sets.py, never on the held-out one.
COSINE_WEIGHT = 0.6
OVERLAP_WEIGHT = 0.4
FIRST_PASSAGE_BONUS = 0.05
NUMBER_BONUS = 0.15
# "Which ..." and "how ..." questions are answered by what the paper does: its "we propose ..." sentence.
CONTRIBUTION_BONUS = 0.1
CONTRIBUTION = re.compile(
    r"\b(?:we|our|this (?:paper|work))\b.{0,80}?\b(?:propose|introduce|present|develop|design|leverag|use)", re.I
)
MAX_SENTENCE_CHARS = 600


@dataclass(frozen=True)
class Sentence:
    number: int  # the passage's [n]
    text: str
    score: float
    paper_id: str


@dataclass
class Evidence:
    kind: str
    sentences: list[Sentence] = field(default_factory=list)
    paper_id: str = ""
    said: bool = True
    missing: tuple[str, ...] = ()  # the question's terms the paper's text never mentions
    name: str = ""  # what the paper calls its method: the title's lead name, or the name its text gives


def asks_for_paper(question: str) -> bool:
    """ "Which framework ...?", "What paper ...?": the answer is a paper, not something a paper's text states."""
    return bool(ASKS_FOR_PAPER.search(question))


def question_kind(question: str) -> str:
    if COMPARE.search(question) and re.search(r"\band\b", question):
        return "compare"
    if QUANTITY.search(question):
        return "quantity"
    if WHICH.search(question):
        return "which"
    if HOW.search(question):
        return "how"
    return "other"


def candidate_sentences(passages: list[Passage]) -> list[tuple[int, str, str]]:
    """(passage number, sentence, paper id) for every sentence, once: overlapping chunks repeat sentences."""
    seen: set[str] = set()
    found = []
    for number, passage in enumerate(passages, 1):
        for sentence in split_sentences(passage.chunk.text):
            key = " ".join(sentence.lower().split())
            if len(sentence) < 20 or key in seen:
                continue
            seen.add(key)
            found.append((number, sentence[:MAX_SENTENCE_CHARS], passage.chunk.paper_id))
    return found


def overlap(asked: set[str], sentence: str) -> float:
    """The share of the question's terms (content-word stems and numbers) that the sentence holds."""
    if not asked:
        return 0.0
    source = Source.of(sentence)
    return len(asked & (source.words | source.numbers)) / len(asked)


def rank(question: str, passages: list[Passage], embed, kind: str) -> list[Sentence]:
    candidates = candidate_sentences(passages)
    if not candidates:
        return []
    vectors = embed([question] + [text for _, text, _ in candidates])
    cosines = vectors[1:] @ vectors[0]
    asked_terms = terms_of(question)
    asked = set(asked_terms.words) | set(asked_terms.numbers)
    scored = []
    for (number, text, paper_id), cosine in zip(candidates, np.asarray(cosines, dtype=float)):
        score = COSINE_WEIGHT * cosine + OVERLAP_WEIGHT * overlap(asked, text)
        score += FIRST_PASSAGE_BONUS if number == 1 else 0.0
        if kind == "quantity" and NUMBER.search(text):
            score += NUMBER_BONUS
        if kind in ("which", "how", "compare") and CONTRIBUTION.search(text):
            score += CONTRIBUTION_BONUS
        scored.append(Sentence(number, text, round(float(score), 4), paper_id))
    return sorted(scored, key=lambda s: -s.score)


def paper_text(passages: list[Passage], paper_id: str) -> str:
    return "\n".join(p.chunk.text for p in passages if p.chunk.paper_id == paper_id)


def unmentioned(question: str, passages: list[Passage], paper_id: str, title: str) -> tuple[str, ...]:
    """The question's numbers and names that the paper's retrieved text never states: exact terms a paraphrase
    cannot stand in for. Whether the text answers the rest of the question is judged by meaning, not here
    (`agent/judge/answerable.py`)."""
    source = Source.of(paper_text(passages, paper_id), title)
    asked = terms_of(question)
    missing = [n for n in asked.numbers if n not in source.numbers]
    return tuple(missing + [n for n in asked.names if not source.has_name(n)])


NAMING = re.compile(
    r"\b(?:propose|introduce|present|create|build|develop|release|call|name|dub|term)(?:s|d|ed)?\b",
    re.IGNORECASE,
)


def method_name(sentences: list[Sentence], title: str, question: str) -> tuple[str, Sentence | None]:
    """The name the paper gives what it introduces ("We apply it to create SambaY, ..."), with the sentence that
    says so: of the names shortly after a naming verb that the question does not already use (by name or
    spelled out), one the title uses, else the one the text repeats most."""
    text = " ".join(s.text for s in sentences)
    asked = Source.of(question)
    found: dict[str, Sentence] = {}
    for sentence in sentences:
        for verb in NAMING.finditer(sentence.text):
            for word in WORD.findall(sentence.text[verb.end() : verb.end() + 120])[:8]:
                if is_name(word) and not asked.has_name(word):
                    found.setdefault(word, sentence)
    if not found:
        return "", None
    order = list(found)
    name = max(order, key=lambda n: (n in title, text.count(n), -order.index(n)))
    return name, found[name]


def select(question: str, passages: list[Passage], embed, names_paper: bool = False) -> Evidence:
    """The sentences that answer the question, chosen by kind; `said=False` when the paper does not say.

    `names_paper`: the question names its paper ("Which optimizer trained HDR-GS?"), so a "which" asks for
    something about that paper, not for a paper, and is held to the stricter test of other questions."""
    kind = question_kind(question)
    if names_paper and kind == "which":
        kind = "other"
    ranked = rank(question, passages, embed, kind)
    if not ranked:
        return Evidence(kind, said=False)
    if kind == "compare":
        per_paper: dict[str, Sentence] = {}
        for sentence in ranked:
            per_paper.setdefault(sentence.paper_id, sentence)
        chosen = list(per_paper.values())[:3]
        return Evidence(kind, sorted(chosen, key=lambda s: s.number), chosen[0].paper_id)
    # "Which paper ..." names the best passage's paper; other questions follow the best sentence.
    paper_id = passages[0].chunk.paper_id if kind == "which" else ranked[0].paper_id
    title = next(p.chunk.title for p in passages if p.chunk.paper_id == paper_id)
    own = [s for s in ranked if s.paper_id == paper_id]
    if kind == "quantity":
        own = [s for s in own if NUMBER.search(s.text)] or own
    missing = unmentioned(question, passages, paper_id, title)
    if kind == "quantity" and not any(NUMBER.search(s.text) for s in own):
        missing = missing or ("a figure",)
    chosen = own[:1] + [s for s in own[1:2] if s.score >= own[0].score - 0.08]
    name = lead_name(title)
    if kind == "which" and not name:
        name, naming = method_name(own, title, question)
        if naming is not None and naming not in chosen:
            chosen = own[:1] + [naming]  # the sentence that gives the name supports the answer's lead
    numbers = set(terms_of(question).numbers)
    premise = next((s for s in own if numbers and numbers <= Source.of(s.text).numbers), None)
    if premise is not None and premise not in chosen:
        chosen = [premise, *chosen[:1]]  # the sentence with the question's own figures confirms its premise
    return Evidence(kind, sorted(chosen, key=lambda s: s.number), paper_id, not missing, missing, name)
