"""A topic -> how many stored papers matched it each week, with the top papers of the peak weeks.

In: a `Shelf` (all papers and their vectors, vectorstore/catalog.py), the embedder, a topic, an optional date
range and the calibrated thresholds. Out: a `Trend` (weeks from Monday, counts, peaks, the matched papers) and a
Markdown summary. A paper matches when its hybrid relevance, the cosine of its title+abstract vector to the topic
plus a bonus for the share of the topic's words (Snowball stems) found in its title, keywords or abstract, is
above the embedder's calibrated threshold (`benchmarks/trends_eval.py` measures it against Hugging Face's own
keywords). Over the whole archive that is one matrix product and a substring scan: well under a second.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from agent.answer.claims import terms_of
from agent.present import md_escape, paper_bullet
from vectorstore.catalog import Catalog, Shelf
from vectorstore.errors import PapersError
from vectorstore.records import Paper

MAX_TOPIC_CHARS = 200
MAX_TOPICS = 4
PEAK_WEEKS = 3
TOP_PER_WEEK = 3


class TopicError(PapersError):
    """A topic that cannot be measured."""


@dataclass(frozen=True)
class TrendThresholds:
    relevance: float
    lexical_bonus: float


@dataclass(frozen=True)
class Week:
    start: date
    count: int
    top: tuple[Paper, ...] = ()


@dataclass(frozen=True)
class Trend:
    topic: str
    weeks: tuple[Week, ...]
    matched: int
    seconds: float

    @property
    def peaks(self) -> list[Week]:
        busiest = sorted((w for w in self.weeks if w.count), key=lambda w: (-w.count, w.start))
        return sorted(busiest[:PEAK_WEEKS], key=lambda w: w.start)

    def to_dict(self) -> dict:
        return {
            "topic": self.topic,
            "matched": self.matched,
            "seconds": round(self.seconds, 4),
            "weeks": [{"week": w.start.isoformat(), "papers": w.count} for w in self.weeks],
            "peaks": [
                {"week": w.start.isoformat(), "papers": w.count, "top": [{"id": p.id, "title": p.title} for p in w.top]}
                for w in self.peaks
            ],
        }


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def clean_topic(topic: str) -> str:
    topic = " ".join((topic or "").split())[:MAX_TOPIC_CHARS]
    if not topic.strip(" ?.!\"'"):
        raise TopicError("The topic is empty.", 'Name a topic, e.g. "diffusion language models".')
    return topic


def topic_stems(topic: str) -> list[str]:
    terms = terms_of(topic)
    return sorted(terms.words | {n.lower() for n in terms.names})


def relevance(shelf: Shelf, topic_vector: np.ndarray, topic: str, bonus: float) -> np.ndarray:
    """Cosine to the topic plus `bonus` times the share of the topic's words found in each paper's text."""
    scores = shelf.vectors @ topic_vector if len(shelf.papers) else np.zeros(0, dtype=np.float32)
    stems = topic_stems(topic)
    if stems and bonus:
        found = np.array([sum(s in text for s in stems) for text in shelf.texts], dtype=np.float32)
        scores = scores + bonus * found / len(stems)
    return scores


def trend(
    shelf: Shelf,
    embed,
    topic: str,
    thresholds: TrendThresholds,
    start: date | None = None,
    end: date | None = None,
) -> Trend:
    """Papers per week (Mondays) matching the topic, over the shelf's days or [start, end] within them."""
    began = time.perf_counter()
    topic = clean_topic(topic)
    rows = shelf.rows_between(start, end)
    if not len(rows):
        return Trend(topic, (), 0, time.perf_counter() - began)
    scores = relevance(shelf, embed([topic])[0], topic, thresholds.lexical_bonus)
    matched = rows[scores[rows] >= thresholds.relevance]
    # Weeks run over the asked range cut to the stored days: "0001-01-01 .. 9999-12-31" is the archive's span,
    # not 520,000 empty weeks (nor an overflow past year 9999).
    stored_first = shelf.papers[int(np.argmin(shelf.day_numbers))].date
    stored_last = shelf.papers[int(np.argmax(shelf.day_numbers))].date
    first = monday(max(start or stored_first, stored_first))
    last = monday(min(end or stored_last, stored_last))
    by_week: dict[date, list[Paper]] = {}
    for r in matched:
        by_week.setdefault(monday(shelf.papers[r].date), []).append(shelf.papers[r])
    weeks = []
    week = first
    while week <= last:
        papers = sorted(by_week.get(week, []), key=lambda p: (-p.upvotes, p.title))
        weeks.append(Week(week, len(papers), tuple(papers[:TOP_PER_WEEK])))
        week += timedelta(days=7)
    return Trend(topic, tuple(weeks), len(matched), time.perf_counter() - began)


class TrendFinder:
    """A store's trends: its catalog (and through it the store's embedder) and the calibrated thresholds, wired
    once by `Services` for the chat, the app and the CLI."""

    def __init__(self, catalog: Catalog, thresholds: TrendThresholds) -> None:
        self.catalog = catalog
        self.thresholds = thresholds

    def find(self, topic: str, start: date | None = None, end: date | None = None) -> Trend:
        return trend(self.catalog.current(), self.catalog.store.embedder.embed, topic, self.thresholds, start, end)

    def about(self, topic: str, start: date | None = None, end: date | None = None, limit: int = 8) -> list[Paper]:
        """The papers about the topic (the trends' calibrated test), best first: what a survey of it draws on."""
        shelf, topic = self.catalog.current(), clean_topic(topic)
        rows = shelf.rows_between(start, end)
        if not len(rows):
            return []
        scores = relevance(shelf, self.catalog.store.embedder.embed([topic])[0], topic, self.thresholds.lexical_bonus)
        matched = rows[scores[rows] >= self.thresholds.relevance]
        return [shelf.papers[int(r)] for r in matched[np.argsort(-scores[matched])][:limit]]


def trend_markdown(trend: Trend) -> str:
    """A few lines a chat reply or the CLI can show beside the chart."""
    if not trend.matched:
        return f"No stored papers match **{md_escape(trend.topic)}**."
    weeks = list(trend.weeks)
    half = len(weeks) // 2
    early, late = sum(w.count for w in weeks[:half]), sum(w.count for w in weeks[half:])
    span = f"{weeks[0].start.isoformat()} to {weeks[-1].start.isoformat()}"
    lines = [
        f"**{md_escape(trend.topic)}**: {trend.matched} papers in {len(weeks)} weeks ({span}); "
        f"{early} in the first half, {late} in the second.",
        "",
        "Busiest weeks:",
    ]
    for week in trend.peaks:
        lines.append(f"- week of {week.start.isoformat()}: {week.count} paper{'s' if week.count != 1 else ''}")
        lines += ["  " + paper_bullet(p) for p in week.top]
    return "\n".join(lines)


TREND_QUESTION = re.compile(
    r"\bhow (?:has|have|did|is|are)\s+(?:the\s+)?(?:interest in\s+|research on\s+|work on\s+)?(.{2,120}?)\s+"
    r"(?:grown|grow|changed|evolved|developed|risen|trended|been trending|going)\b"
    r"|\btrends?\s+(?:in|of|for)\s+(.{2,120}?)\s*\??$",
    re.IGNORECASE,
)


def trend_topic(message: str) -> str | None:
    """The topic of "how has X grown?" / "trend of X", or None."""
    found = TREND_QUESTION.search(message[:1000])
    if not found:
        return None
    topic = next(g for g in found.groups() if g)
    return " ".join(re.sub(r"\b(papers?|research|work)\s+(on|about|in)\b", " ", topic, flags=re.I).split()) or None
