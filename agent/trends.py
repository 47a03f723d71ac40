"""A topic -> how many stored papers matched it each week (or month), with the top papers of the peak bins.

In: a `Shelf` (all papers and their vectors, vectorstore/catalog.py), the embedder, a topic, an optional date
range and the calibrated thresholds. Out: a `Trend` (its unit, "week" or "month"; the bins, weeks from Monday or
months from the 1st; counts, peaks, the matched papers) and a Markdown summary. The bins run over the stored days
of the range; on a sparse store (fewer than half its weeks hold a paper: the bundled sample spans 2015 to 2026)
they run from the first to the last matching paper, by month once that is over half a year (`axis`). A paper
matches when its hybrid relevance, the cosine of its title+abstract vector to the topic (its meaning) plus a bonus
for the share of the topic's words (Snowball stems) found in its title, keywords or abstract, is above the
embedder's calibrated threshold (`benchmarks/trends_eval.py` measures it against Hugging Face's own keywords); a
word also counts as found when the paper writes its abbreviation ("diffusion LLMs" for "diffusion language
models") or spells out the topic's, and the topic is embedded with its abbreviations spelt out. Over the whole
archive that is one matrix product and a few text scans: well under a second.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from agent.judge.terms import terms_of
from agent.present import md_escape, paper_bullet
from agent.text import plural
from vectorstore.catalog import Catalog, Shelf
from vectorstore.errors import PapersError
from vectorstore.records import Paper

MAX_TOPIC_CHARS = 200
MAX_TOPICS = 4
PEAK_WEEKS = 3
TOP_PER_WEEK = 3
MONTHLY_AFTER_WEEKS = 26  # a sparse axis longer than half a year is counted by month


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
    weeks: tuple[Week, ...]  # the bins, each a week from Monday or (unit "month") a month from its first day
    matched: int
    seconds: float
    unit: str = "week"

    @property
    def peaks(self) -> list[Week]:
        busiest = sorted((w for w in self.weeks if w.count), key=lambda w: (-w.count, w.start))
        return sorted(busiest[:PEAK_WEEKS], key=lambda w: w.start)

    def to_dict(self) -> dict:
        return {
            "topic": self.topic,
            "matched": self.matched,
            "seconds": round(self.seconds, 4),
            "unit": self.unit,
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


# Abbreviations papers write for a phrase, and back: a topic's "language models" is found in "diffusion LLMs"
# (ParallelBench), its "LLM" in "large language models". Each: the abbreviation as a regex over the lower-cased
# text, and the phrase it stands for.
ABBREVIATIONS = (
    (r"\b(?:d|m)?llms?\b", "language model"),
    (r"\bvlms?\b", "vision-language model"),
    (r"\blms?\b", "language model"),
    (r"\brl(?:hf)?\b", "reinforcement learning"),
    (r"\bmoe\b", "mixture of experts"),
)


SPELT_OUT = {
    "llm": "large language model",
    "mllm": "multimodal large language model",
    "dllm": "diffusion large language model",
    "vlm": "vision-language model",
    "lm": "language model",
    "rl": "reinforcement learning",
    "moe": "mixture of experts",
}


def spelt_out(topic: str) -> str:
    """The topic as embedded: its abbreviations spelt out ("diffusion LLMs" -> "diffusion large language models"),
    which the small embedder knows far better."""

    def spell(found: re.Match) -> str:
        return SPELT_OUT[found.group(1).lower()] + ("s" if found.group(2) else "")

    pattern = r"\b(" + "|".join(SPELT_OUT) + r")(s?)\b"
    return re.sub(pattern, spell, topic, flags=re.IGNORECASE)


def stem_hits(shelf: Shelf, topic: str, stems: list[str]) -> np.ndarray:
    """Papers x stems: whether each of the topic's stems is in each paper's text, either way an abbreviation is
    written."""
    hits = np.array([[s in text for s in stems] for text in shelf.texts], dtype=bool).reshape(len(shelf.texts), -1)
    lower = topic.lower()
    for abbreviation, phrase in ABBREVIATIONS:
        phrase_stems = set(topic_stems(phrase))
        if phrase_stems and phrase_stems <= set(stems) and phrase.replace("-", " ") in lower.replace("-", " "):
            written = np.array([bool(re.search(abbreviation, text)) for text in shelf.texts], dtype=bool)
            for i, stem in enumerate(stems):
                if stem in phrase_stems:
                    hits[:, i] |= written
        short = [i for i, stem in enumerate(stems) if re.fullmatch(abbreviation, stem)]
        if short:
            written = np.array([phrase in text.replace("-", " ") or phrase in text for text in shelf.texts])
            hits[:, short] |= written[:, None]
    return hits


def relevance(shelf: Shelf, topic_vector: np.ndarray, topic: str, bonus: float) -> np.ndarray:
    """Cosine to the topic plus `bonus` times the share of the topic's words found in each paper's text (a word
    also counts when the paper abbreviates it: "LLMs" for "language models")."""
    scores = shelf.vectors @ topic_vector if len(shelf.papers) else np.zeros(0, dtype=np.float32)
    stems = topic_stems(topic)
    if stems and bonus and len(shelf.papers):
        found = stem_hits(shelf, topic, stems).sum(axis=1).astype(np.float32)
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
    """Papers per week (Mondays), or per month on a long sparse axis, matching the topic, over the shelf's days
    or [start, end] within them (see `axis`)."""
    began = time.perf_counter()
    topic = clean_topic(topic)
    rows = shelf.rows_between(start, end)
    if not len(rows):
        return Trend(topic, (), 0, time.perf_counter() - began)
    scores = relevance(shelf, embed([spelt_out(topic)])[0], topic, thresholds.lexical_bonus)
    matched = rows[scores[rows] >= thresholds.relevance]
    dates = [shelf.papers[int(r)].date for r in matched]
    unit, first, last = axis([shelf.papers[int(r)].date for r in rows], dates)
    start_of = bin_start(unit)
    by_bin: dict[date, list[Paper]] = {}
    for r in matched:
        by_bin.setdefault(start_of(shelf.papers[r].date), []).append(shelf.papers[r])
    bins = []
    for begin in bin_starts(unit, first, last):
        papers = sorted(by_bin.get(begin, []), key=lambda p: (-p.upvotes, p.title))
        bins.append(Week(begin, len(papers), tuple(papers[:TOP_PER_WEEK])))
    return Trend(topic, tuple(bins), len(matched), time.perf_counter() - began, unit)


def month_start(day: date) -> date:
    return day.replace(day=1)


def bin_start(unit: str):
    return month_start if unit == "month" else monday


def bin_starts(unit: str, first: date, last: date) -> list[date]:
    starts, begin = [], first
    while begin <= last:
        starts.append(begin)
        begin = begin + timedelta(days=7) if unit == "week" else (begin + timedelta(days=31)).replace(day=1)
    return starts


def axis(stored: list[date], matched: list[date]) -> tuple[str, date, date]:
    """The unit ("week" or "month") and the first and last bins' starts for a trend over these stored days.

    The axis runs over the stored days of the range (so "0001-01-01 .. 9999-12-31" is the archive's span, not
    520,000 empty weeks). Where the store is sparse, fewer than half its weeks holding a paper (the bundled sample's
    44 papers over 2015 to 2026, a saved page), an empty week says nothing about the topic: the axis is cut to the
    first and last week with a matching paper, and counted by month once that is over `MONTHLY_AFTER_WEEKS`. A dense
    archive is counted by week, by month only past three years (`MONTHLY_AFTER_WEEKS` * 6 weeks).
    """
    lo, hi = monday(min(stored)), monday(max(stored))
    weeks = (hi - lo).days // 7 + 1
    sparse = len({monday(d) for d in stored}) * 2 < weeks
    if sparse and matched:
        lo, hi = monday(min(matched)), monday(max(matched))
        weeks = (hi - lo).days // 7 + 1
    if weeks > MONTHLY_AFTER_WEEKS * (1 if sparse else 6):
        days = matched if sparse and matched else stored
        return "month", month_start(min(days)), month_start(max(days))
    return "week", lo, hi


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
        scores = relevance(
            shelf, self.catalog.store.embedder.embed([spelt_out(topic)])[0], topic, self.thresholds.lexical_bonus
        )
        matched = rows[scores[rows] >= self.thresholds.relevance]
        return [shelf.papers[int(r)] for r in matched[np.argsort(-scores[matched])][:limit]]


def trend_markdown(trend: Trend) -> str:
    """A few lines a chat reply or the CLI can show beside the chart."""
    if not trend.matched:
        return f"No stored papers match **{md_escape(trend.topic)}**."
    weeks = list(trend.weeks)
    half = len(weeks) // 2
    early, late = sum(w.count for w in weeks[:half]), sum(w.count for w in weeks[half:])
    unit = trend.unit
    label = (lambda d: d.isoformat()) if unit == "week" else (lambda d: f"{d:%B %Y}")
    span = f"{label(weeks[0].start)} to {label(weeks[-1].start)}"
    lines = [
        f"**{md_escape(trend.topic)}**: {plural(trend.matched, 'paper')} in {plural(len(weeks), unit)} ({span}); "
        f"{early} in the first half, {late} in the second.",
        "",
        f"Busiest {unit}s:",
    ]
    for week in trend.peaks:
        lines.append(f"- {unit} of {label(week.start)}: {plural(week.count, 'paper')}")
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
