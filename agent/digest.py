"""Stored papers -> a `Digest`: the day's (or range's) top papers with TL;DRs, grouped into named topics.

In: the store, a `TldrWriter`, a date range and how many papers. Out: a `Digest` (title, opening paragraph,
topics of items, each a paper and its TL;DR; the title and opening name the days the shown papers cover within the
range, by month when that is over two months). Ranking is by upvotes, or "for you" when a ranking function is
passed (agent/foryou.py: each item then carries its reason); topics come from clustering the papers'
title+abstract embeddings (k-means), each named by one key phrase of its papers (`ai_keywords` where the feed has
them, else the phrases of the titles), the one most shared inside the cluster and rarest outside it, never a lone
generic word; two phrases joined by "and" when one covers too few of its papers, the lead paper's own phrase when
none is shared. An empty range gives an empty digest that says so.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from agent.foryou import Ranked, by_upvotes
from agent.tex import untex
from agent.text import plural
from agent.tldr import Tldr, TldrWriter
from vectorstore.records import Paper
from vectorstore.store import PaperStore

MAX_TOPICS = 5


@dataclass(frozen=True)
class DigestItem:
    paper: Paper
    tldr: Tldr
    reason: str = ""


@dataclass(frozen=True)
class Topic:
    name: str
    items: list[DigestItem]


@dataclass(frozen=True)
class Digest:
    title: str
    start: date
    end: date
    intro: str
    topics: list[Topic] = field(default_factory=list)

    @property
    def items(self) -> list[DigestItem]:
        return [item for topic in self.topics for item in topic.items]

    @property
    def empty(self) -> bool:
        return not self.topics


LONG_SPAN_DAYS = 62  # past two months a range is named by its months: days would read like a typo


def span_label(start: date, end: date) -> str:
    """ "2025-06-02", "2025-06-02 to 2025-06-08"; a long span by months: "May 2023 to April 2026"."""
    if start == end:
        return start.isoformat()
    if (end - start).days > LONG_SPAN_DAYS:
        return f"{start:%B %Y} to {end:%B %Y}"
    return f"{start.isoformat()} to {end.isoformat()}"


def shown_span(papers: list[Paper], start: date, end: date) -> tuple[date, date]:
    """The days the shown papers cover, within [start, end]: "all stored days" from 2015 to 2026 is named by the
    papers it shows, not by one old paper's date."""
    days = [p.date for p in papers if start <= p.date <= end]
    return (min(days), max(days)) if days else (start, end)


def topic_count(n: int) -> int:
    return 1 if n < 4 else min(MAX_TOPICS, max(2, round(math.sqrt(n / 2))))


def cluster(papers: list[Paper], vectors: dict[str, np.ndarray]) -> list[list[Paper]]:
    """Groups of similar papers; each group keeps the input's order (upvotes, or "for you")."""
    k = topic_count(len(papers))
    if k == 1 or any(p.id not in vectors for p in papers):
        return [papers]
    from sklearn.cluster import KMeans

    labels = KMeans(n_clusters=k, n_init=4, random_state=0).fit_predict(np.stack([vectors[p.id] for p in papers]))
    groups = [[p for p, label in zip(papers, labels) if label == cluster_id] for cluster_id in range(k)]
    return [g for g in groups if g]


# Words with no topic of their own: a theme made only of them ("Deep", "Argue", "Learning", "Large model",
# "Towards") names no field a researcher would recognise, so a theme needs a word outside this list. They may still
# sit inside a phrase ("Deep reinforcement learning", "Large language models").
GENERIC_WORDS = frozenset(
    "learning learned learn deep model models modeling modelling network networks neural method methods approach "  # noqa: SIM905
    "approaches framework frameworks system systems towards toward argue large scale data task tasks efficient "
    "effective efficiency new novel simple better improved improving understanding study studies analysis via "
    "using based paper work results performance training inference evaluation benchmark benchmarks generation "
    "architecture architectures representation representations general unified foundation foundational modern "
    "open good fast accurate robust lessons trade-off trade-offs quality potential principle suite".split()
)
# Verbs and fillers that open a title's clause ("Understanding the ...", "Towards ...", "Learning to ..."): a
# phrase never starts with them, nor ends with the adjectives among them.
LEAD_WORDS = frozenset(
    "understanding rethinking revisiting harnessing maximizing maximising improving accelerating interpreting "  # noqa: SIM905
    "unveiling connecting building enhancing boosting exploring leveraging enabling bridging unlocking towards "
    "toward beyond making teaching learning effectively".split()
)
TAIL_WORDS = frozenset("good open simple new novel modern efficient effective large".split())  # noqa: SIM905
# Abbreviations titles write either way: "Diffusion LLMs" and "Diffusion Large Language Models" are one phrase.
EXPANSIONS = {
    "llm": "large language model",
    "llms": "large language models",
    "mllm": "multimodal large language model",
    "mllms": "multimodal large language models",
    "vlm": "vision-language model",
    "vlms": "vision-language models",
    "lm": "language model",
    "lms": "language models",
    "rl": "reinforcement learning",
}
PHRASE_WORDS = (2, 4)  # a theme is a phrase of two to four words
TITLE_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9+'\u2019]*(?:-[A-Za-z0-9+]+)*")
# Punctuation that ends a phrase: a title's parts ("ParallelBench: Understanding ...") are not one phrase.
BREAK = re.compile(r"[:;,.?!()\[\]{}\"\u201c\u201d/|]|\s[-\u2013\u2014]\s")


def word_key(word: str) -> str:
    """A word as phrases are matched: lower case, a plural's "s" dropped ("models" = "model")."""
    word = word.lower().replace("\u2019", "'")
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return word


def runs_of(text: str) -> list[list[tuple[str, str]]]:
    """The text's runs of content words (key, as written), split at punctuation and stop words; abbreviations
    are expanded (each expanded word then has no written form of its own: "")."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    runs: list[list[tuple[str, str]]] = []
    for part in BREAK.split(text):
        run: list[tuple[str, str]] = []
        for word in TITLE_WORD.findall(part):
            lower = word.lower()
            if lower in ENGLISH_STOP_WORDS or lower in {"vs", "via", "using"}:
                if run:
                    runs.append(run)
                run = []
            elif lower in EXPANSIONS:
                expanded = EXPANSIONS[lower].split()
                run += [(word_key(w), "") for w in expanded[:-1]] + [(word_key(expanded[-1]), word)]
            else:
                run.append((word_key(word), word))
        if run:
            runs.append(run)
    return runs


def good_phrase(keys: tuple[str, ...]) -> bool:
    return (
        keys[0] not in LEAD_WORDS
        and keys[-1] not in LEAD_WORDS | TAIL_WORDS
        and any(k not in GENERIC_WORDS and not k.isdigit() for k in keys)
    )


def phrases_of(text: str) -> dict[tuple[str, ...], str]:
    """Every phrase of two to four content words in the text: its key -> its written form ("" where it starts
    inside an abbreviation's expansion, "language models" out of "LLMs")."""
    found: dict[tuple[str, ...], str] = {}
    for run in runs_of(text):
        for i in range(len(run)):
            for n in range(PHRASE_WORDS[0], PHRASE_WORDS[1] + 1):
                span = run[i : i + n]
                keys = tuple(k for k, _ in span)
                if len(span) < n or not good_phrase(keys):
                    continue
                # Written only when it starts and ends on whole words: not "Diffusion" for "diffusion large".
                whole = (span[0][1] or i == 0 or run[i - 1][1]) and span[-1][1]
                written = " ".join(w for _, w in span if w) if whole else ""
                if not found.get(keys):
                    found[keys] = written
    return found


def paper_terms(paper: Paper) -> dict[tuple[str, ...], str]:
    """The paper's candidate themes: its feed keywords (`ai_keywords`) when it has them, else the phrases of its
    title; each key -> its written form."""
    if paper.ai_keywords:
        found: dict[tuple[str, ...], str] = {}
        for keyword in paper.ai_keywords:
            for keys, written in phrases_of(keyword).items():
                found.setdefault(keys, written)
        if found:
            return found
    return phrases_of(paper.title)


def sentence_case(phrase: str) -> str:
    """ "Legal Case Retrieval" -> "Legal case retrieval"; names and acronyms ("LLMs", "CodeT5+") kept as written."""

    def case(part: str) -> str:
        return part if any(c.isupper() for c in part[1:]) else part.lower()

    text = " ".join("-".join(case(part) for part in word.split("-")) for word in phrase.split())
    return text[:1].upper() + text[1:]


def short_title(paper: Paper) -> str:
    """The paper's own name for its topic when no phrase is shared: its title's first phrase, or its start."""
    for keys, written in phrases_of(paper.title).items():
        if written and len(keys) >= 2:
            return sentence_case(written)
    return sentence_case(" ".join(paper.title.split(":")[0].split()[:6]))


def name_topics(groups: list[list[Paper]]) -> list[str]:
    """One key phrase per group (two joined by "and" when one covers too few of its papers): a phrase of its papers'
    titles or keywords, common in the group and rare in the others; each group's name differs from the others'."""
    strong = [[set(paper_terms(p)) | set(phrases_of(p.title)) for p in group] for group in groups]
    weak = [[set(phrases_of(p.abstract)) for p in group] for group in groups]
    written: dict[tuple[str, ...], Counter] = {}
    for group in groups:
        for paper in group:
            for keys, form in paper_terms(paper).items():
                if form:
                    written.setdefault(keys, Counter())[form] += 1

    def support(g: int, keys: tuple[str, ...]) -> float:
        return sum(1.0 if keys in s else 0.5 if keys in w else 0.0 for s, w in zip(strong[g], weak[g]))

    used: list[tuple[str, ...]] = []
    names = []
    for g, group in enumerate(groups):
        own = [k for k in written if any(k in s for s in strong[g])]
        score = {k: support(g, k) / (1 + sum(support(o, k) for o in range(len(groups)) if o != g)) for k in own}
        order = {k: min(i for i, s in enumerate(strong[g]) if k in s) for k in own}
        # Longest first among equals: "diffusion large language models" over its pieces "diffusion large", ...
        ranked = sorted(own, key=lambda k: (-score[k], order[k], -len(k), k))
        fresh = [k for k in ranked if not any(set(k) <= set(u) or set(u) <= set(k) for u in used)]
        if not fresh:
            names.append(short_title(group[0]))
            continue
        best = fresh[0]
        covered = {i for i, s in enumerate(strong[g]) if best in s}
        picked = [best]
        if len(covered) * 2 < len(group) and len(group) >= 3:
            for k in fresh[1:]:
                adds = {i for i, s in enumerate(strong[g]) if k in s} - covered
                if len(adds) >= 2 and not set(k) & set(best):
                    picked.append(k)
                    break
        if max(len({i for i, s in enumerate(strong[g]) if k in s}) for k in picked) < 2 and len(group) > 1:
            # No phrase shared by two of its papers: the lead paper's own phrase says more than a stray one.
            lead = [k for k in fresh if k in strong[g][0]]
            picked = lead[:1] or picked
        used += picked
        names.append(sentence_case(" and ".join(written[k].most_common(1)[0][0] for k in picked)))
    return names


def compose_intro(
    papers: list[Paper], topics: list[Topic], start: date, end: date, for_you: bool = False, stored: int = 0
) -> str:
    """What the digest holds; `start`/`end` are the days its papers cover, `stored` how many the range has."""
    top = papers[0]
    themes = [t.name for t in topics]
    theme_text = themes[0] if len(themes) == 1 else ", ".join(themes[:-1]) + " and " + themes[-1]
    title = untex(top.title)
    lead = f"Ranked for you; first: “{title}”." if for_you else f"Most upvoted: “{title}” (▲{top.upvotes})."
    count = plural(len(papers), "paper")
    if stored > len(papers):
        count += f" (the top of {stored})"
    return f"{count} {'for' if start == end else 'from'} {span_label(start, end)}. The themes: {theme_text}. {lead}"


def build_digest(
    store: PaperStore,
    writer: TldrWriter,
    start: date,
    end: date,
    top_n: int = 20,
    progress: Callable[[int], None] = lambda n: None,
    rank: Callable[[list[Paper]], list[Ranked]] | None = None,
) -> Digest:
    """The top papers by upvotes, or by `rank` (the "for you" ranking) when given."""
    listed = store.list_papers(start, end)
    ranked = rank(listed)[:top_n] if rank and listed else by_upvotes(listed[:top_n])
    papers = [r.paper for r in ranked]
    reasons = {r.paper.id: r.reason for r in ranked}
    order = {p.id: i for i, p in enumerate(papers)}
    if not papers:
        intro = (
            f"No papers in the store for {span_label(start, end)}. "
            f"Fetch them with `papers ingest --date {start.isoformat()}`, or pick another day."
        )
        return Digest(digest_title(start, end, rank is not None), start, end, intro)
    first, last = shown_span(papers, start, end)
    tldrs = writer.tldrs(papers, progress)
    groups = cluster(papers, store.paper_vectors([p.id for p in papers]))
    groups.sort(key=lambda g: order[g[0].id])
    topics = [
        Topic(name, [DigestItem(p, tldrs[p.id], reasons[p.id]) for p in group])
        for name, group in zip(name_topics(groups), groups)
    ]
    intro = compose_intro(papers, topics, first, last, for_you=rank is not None, stored=len(listed))
    return Digest(digest_title(first, last, rank is not None), start, end, intro, topics)


def digest_title(start: date, end: date, for_you: bool = False) -> str:
    return f"Daily Papers — {span_label(start, end)}" + (" — for you" if for_you else "")
