"""Stored papers -> a `Digest`: the day's (or range's) top papers with TL;DRs, grouped into named topics.

In: the store, a `TldrWriter`, a date range and how many papers. Out: a `Digest` (title, opening paragraph,
topics of items, each a paper and its TL;DR). Ranking is by upvotes, or "for you" when a ranking function is
passed (agent/foryou.py: each item then carries its reason); topics come from clustering the papers'
title+abstract embeddings (k-means), named by the keywords most particular to each cluster (`ai_keywords` where
the feed has them, else words of the titles and abstracts). An empty range gives an empty digest that says so.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from agent.foryou import Ranked, by_upvotes
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


def span_label(start: date, end: date) -> str:
    return start.isoformat() if start == end else f"{start.isoformat()} to {end.isoformat()}"


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


def paper_terms(paper: Paper) -> list[str]:
    if paper.ai_keywords:
        return sorted({k.lower() for k in paper.ai_keywords})
    from sklearn.feature_extraction.text import CountVectorizer

    analyzer = CountVectorizer(stop_words="english", ngram_range=(1, 2), token_pattern=r"[A-Za-z][A-Za-z-]{2,}")
    return sorted(set(analyzer.build_analyzer()(f"{paper.title} {paper.title} {paper.abstract}")))


def name_topics(groups: list[list[Paper]]) -> list[str]:
    """Two keywords per group, chosen for being common inside it and rare in the other groups."""
    counts = [Counter(t for p in group for t in paper_terms(p)) for group in groups]
    overall = sum(counts, Counter())
    names = []
    for count in counts:
        scored = sorted(count, key=lambda t: (-(count[t] / (1 + overall[t] - count[t])) * math.log1p(count[t]), t))
        picked: list[str] = []
        for term in scored:
            if not any(term in other or other in term for other in picked):
                picked.append(term)
            if len(picked) == 2:
                break
        names.append(" · ".join(t.title() if t.islower() else t for t in picked) or "Other papers")
    return names


def compose_intro(papers: list[Paper], topics: list[Topic], start: date, end: date, for_you: bool = False) -> str:
    top = papers[0]
    themes = [t.name for t in topics]
    theme_text = themes[0] if len(themes) == 1 else ", ".join(themes[:-1]) + " and " + themes[-1]
    lead = f"Ranked for you; first: “{top.title}”." if for_you else f"Most upvoted: “{top.title}” (▲{top.upvotes})."
    count = f"{len(papers)} paper{'s' if len(papers) != 1 else ''}"
    return f"{count} for {span_label(start, end)}. The themes: {theme_text}. {lead}"


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
    title = f"Daily Papers — {span_label(start, end)}" + (" — for you" if rank else "")
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
        return Digest(title, start, end, intro)
    tldrs = writer.tldrs(papers, progress)
    groups = cluster(papers, store.paper_vectors([p.id for p in papers]))
    groups.sort(key=lambda g: order[g[0].id])
    topics = [
        Topic(name, [DigestItem(p, tldrs[p.id], reasons[p.id]) for p in group])
        for name, group in zip(name_topics(groups), groups)
    ]
    intro = compose_intro(papers, topics, start, end, for_you=rank is not None)
    return Digest(title, start, end, intro, topics)
