"""Papers + the reader's profile -> the papers ranked "for you", each with the reason it ranks where it does.

In: a `Profile` (agent/profile.py), the imported library (agent/library.py), the history of what was recommended
(agent/history.py), papers to rank (a day, a range), the store's `Shelf` (their title+abstract vectors) and the
embedder (for free-text interests); `ForYou` wires the files of the data folder and the store's catalog.
Out: `Ranked` items, best first. The keyword filters run first (excluded terms drop a paper; with include terms,
only papers matching one stay: "matches keyword: RLHF"). Papers by a followed author or organisation come first
("follows: Qwen"); the rest by their closeness to the best of three groups of anchors: interests ("matches:
speculative decoding"), liked papers ("like: <its title>") and library papers ("library: <its title>"), newer
likes and library additions weighing more, by embedding and by the words they share (agent/profile_words.py).
Liked papers themselves are kept, marked "liked"; papers recommended or sent on an earlier day go last ("already
recommended 2026-06-01"). `benchmarks/foryou_eval.py` measures precision@10 of this ranking against the upvote
ranking and the best possible one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from agent.history import RECOMMENDED, History, Seen
from agent.library import LibraryPaper, LibraryStore
from agent.profile import Profile, ProfileError, ProfileStore
from agent.profile_words import word_index, word_scores
from vectorstore.catalog import Catalog, Shelf, names_of, person_key
from vectorstore.records import Paper

TITLE_IN_REASON = 60
# A group's score: NEAREST_SHARE x its nearest anchor's cosine + the rest x the weighted mean cosine, + LEARNED_SHARE
# x a per-profile logistic regression's probability, + WORD_SHARE x the TF-IDF cosine. Chosen on tune-day pools
# (benchmarks/foryou_eval.py --tune, foryou_tune.json): the words lifted a month's pool from 59% to 77% of the best
# possible ranking; beside them the regression (which had lifted it from 44% to 59%) took points away, so it is off.
NEAREST_SHARE = 0.0
LEARNED_SHARE = 0.0
WORD_SHARE = 8.0
MIN_LEARNED = 5  # anchors a group needs before a classifier is fitted to it
NEGATIVES = 1000  # stored papers sampled as the classifier's counter-examples
TIER = 100.0  # above any similarity score (at most 1 + LEARNED_SHARE + WORD_SHARE)
ALREADY_SEEN = "already"  # the reason's first word for a paper recommended or sent on an earlier day
RECORDED = 10  # how many of a ranking's first papers count as recommended


@dataclass(frozen=True)
class Ranked:
    paper: Paper
    score: float
    reason: str

    def to_dict(self) -> dict:
        return {**self.paper.to_dict(), "score": round(self.score, 4), "reason": self.reason}


def short(title: str) -> str:
    return title if len(title) <= TITLE_IN_REASON else title[: TITLE_IN_REASON - 1].rstrip() + "…"


def followed_name(profile: Profile, paper: Paper) -> str:
    followed = {person_key(a): a for a in profile.authors}
    return next((followed[person_key(n)] for n in names_of(paper) if person_key(n) in followed), "")


@dataclass(frozen=True)
class Library:
    """The imported library (agent/library.py): its papers and their unit title+abstract vectors."""

    papers: list[LibraryPaper]
    vectors: np.ndarray


@dataclass(frozen=True)
class Anchors:
    """One kind of evidence of interest (interests, liked papers, the library): unit vectors, the reason each
    gives, and weights summing to one (newer first weigh more)."""

    vectors: np.ndarray
    reasons: list[str]
    weights: np.ndarray
    texts: list[str]  # each anchor's words: an interest, or a paper's title and abstract


def recency_weights(count: int) -> np.ndarray:
    """zotero-arxiv-daily's decay over a library sorted newest first: 1 / (1 + log10(rank)), normalised."""
    weights = 1.0 / (1.0 + np.log10(np.arange(count) + 1.0))
    return (weights / weights.sum()).astype(np.float32) if count else weights.astype(np.float32)


def anchor_groups(profile: Profile, shelf: Shelf, embed, library: Library) -> list[Anchors]:
    groups = []
    if profile.interests:
        count = len(profile.interests)
        reasons = [f"matches: {i}" for i in profile.interests]
        groups.append(Anchors(embed(profile.interests), reasons, np.full(count, 1 / count), list(profile.interests)))
    liked_rows = [shelf.row_of[i] for i in reversed(profile.liked) if i in shelf.row_of]  # newest like first
    if liked_rows:
        reasons = [f"like: {short(shelf.papers[r].title)}" for r in liked_rows]
        texts = [f"{shelf.papers[r].title} {shelf.papers[r].abstract}" for r in liked_rows]
        groups.append(Anchors(shelf.vectors[liked_rows], reasons, recency_weights(len(liked_rows)), texts))
    if library.papers:
        order = sorted(range(len(library.papers)), key=lambda i: library.papers[i].added, reverse=True)
        reasons = [f"library: {short(library.papers[i].title)}" for i in order]
        texts = [f"{library.papers[i].title} {library.papers[i].abstract}" for i in order]
        groups.append(Anchors(library.vectors[order], reasons, recency_weights(len(order)), texts))
    return groups


def learned_scores(group: Anchors, shelf: Shelf, vectors: np.ndarray) -> np.ndarray:
    """P(of interest) from a logistic regression fitted on the group's anchors against a fixed random sample of
    the store: it learns which directions of the embedding the reader's papers share, where a cosine weighs every
    direction alike. Zero for groups too small to learn from."""
    if not LEARNED_SHARE or len(group.vectors) < MIN_LEARNED or len(shelf.papers) < 2 * NEGATIVES:
        return np.zeros(len(vectors), dtype=np.float32)
    from sklearn.linear_model import LogisticRegression

    rows = np.random.default_rng(0).choice(len(shelf.papers), NEGATIVES, replace=False)
    features = np.concatenate([group.vectors, shelf.vectors[rows]])
    labels = np.r_[np.ones(len(group.vectors)), np.zeros(NEGATIVES)]
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=500).fit(features, labels)
    return model.predict_proba(vectors)[:, 1].astype(np.float32)


def best_matches(groups: list[Anchors], shelf: Shelf, papers: list[Paper]) -> dict[str, tuple[float, str]]:
    """Each stored paper's best group score: its nearest anchor's cosine blended with the weighted mean cosine
    (NEAREST_SHARE), plus LEARNED_SHARE x the group's learned probability and WORD_SHARE x its TF-IDF cosine
    (agent/profile_words.py); the nearest anchor is the reason."""
    stored = [p for p in papers if p.id in shelf.row_of]
    if not groups or not stored:
        return {}
    rows = [shelf.row_of[p.id] for p in stored]
    vectors = shelf.vectors[rows]
    best = np.full(len(stored), -np.inf, dtype=np.float32)
    reasons = [""] * len(stored)
    for group in groups:
        similarities = vectors @ group.vectors.T
        nearest = similarities.argmax(axis=1)
        scores = NEAREST_SHARE * similarities.max(axis=1) + (1 - NEAREST_SHARE) * (similarities @ group.weights)
        scores = scores + LEARNED_SHARE * learned_scores(group, shelf, vectors)
        scores = scores + WORD_SHARE * word_scores(shelf, group.texts, rows)
        for i in np.flatnonzero(scores > best):
            best[i], reasons[i] = scores[i], group.reasons[nearest[i]]
    return {p.id: (float(best[i]), reasons[i]) for i, p in enumerate(stored)}


def by_upvotes(papers: list[Paper]) -> list[Ranked]:
    """The papers in the order given (the store lists them most upvoted first), with no reason."""
    return [Ranked(p, 0.0, "") for p in papers]


class ForYou:
    """The "for you" ranking of the profile, imported library and history in the data folder, read at each ranking
    (they may have been edited since); wired once by `Services` for the app, the CLI and the digest."""

    def __init__(self, profiles: ProfileStore, catalog: Catalog, library: LibraryStore, history: History) -> None:
        self.profiles = profiles
        self.catalog = catalog
        self.library = library
        self.history = history

    def warm_up(self) -> None:
        """Fit the store's word index (4.6 s for the 9,164-paper archive here) before a ranking needs it, when
        there is a profile or a library to rank by; otherwise the first For you request would wait for it."""
        if not self.profiles.load().empty or self.library.path.exists():
            word_index(self.catalog.current())

    def rank(self, papers: list[Paper], record: bool = False) -> list[Ranked]:
        """Ranked papers; with `record`, the first ten not seen before are recorded as recommended today."""
        shelf = self.catalog.current()
        library = Library(*self.library.load())
        seen = self.history.first_seen()
        ranked = rank_for_you(self.profiles.load(), papers, shelf, self.catalog.store.embedder.embed, library, seen)
        if record and ranked:
            fresh = [r.paper for r in ranked if not r.reason.startswith(ALREADY_SEEN)][:RECORDED]
            self.history.add(max(p.date for p in papers), fresh, RECOMMENDED)
        return ranked


def keyword_of(terms: list[str], paper: Paper) -> str:
    """The first term found as a whole word (or phrase) in the paper's title, abstract or ai_keywords."""
    if not terms:
        return ""
    text = " ".join([paper.title, paper.abstract, *paper.ai_keywords]).lower()
    return next((t for t in terms if re.search(rf"(?<!\w){re.escape(t.lower())}(?!\w)", text)), "")


def filtered(profile: Profile, papers: list[Paper]) -> list[tuple[Paper, str]]:
    """The papers the keyword filters let through, each with the include term it matched ("" if none)."""
    kept = []
    for paper in papers:
        if keyword_of(profile.exclude, paper):
            continue
        matched = keyword_of(profile.include, paper)
        if profile.include and not matched:
            continue
        kept.append((paper, matched))
    return kept


def joined(first: str, rest: str) -> str:
    return f"{first}; {rest}" if rest else first


def scored(profile: Profile, paper: Paper, matched: dict[str, tuple[float, str]]) -> tuple[float, str]:
    """Followed authors first (two tiers up, by similarity), then liked papers (a tier up), then the best anchor
    group's score (below one tier whatever the shares)."""
    score, reason = matched.get(paper.id, (0.0, ""))
    if paper.id in profile.liked:
        score, reason = TIER, "liked"
    followed = followed_name(profile, paper)
    if followed:
        score, reason = 2 * TIER + score, f"follows: {followed}"
    return score, reason


def rank_for_you(
    profile: Profile,
    papers: list[Paper],
    shelf: Shelf,
    embed,
    library: Library | None = None,
    seen: dict[str, Seen] | None = None,
) -> list[Ranked]:
    library = library or Library([], np.zeros((0, 0), dtype=np.float32))
    if profile.empty and not library.papers:
        raise ProfileError(
            "There is no profile to rank by yet.",
            "Add interests, like papers, follow authors or import your library: the For you tab, `papers profile` "
            "or `papers like ID`.",
        )
    kept = filtered(profile, papers)
    matched = best_matches(anchor_groups(profile, shelf, embed, library), shelf, [p for p, _ in kept])
    pool_day = max((p.date for p in papers), default=None)
    ranked = []
    for paper, keyword in kept:
        score, reason = scored(profile, paper, matched)
        if keyword:
            reason = joined(f"matches keyword: {keyword}", reason)
        earlier = (seen or {}).get(paper.id)
        if earlier and pool_day and earlier.day < pool_day.isoformat():  # after every paper not seen before
            score, reason = score - 10 * TIER, joined(f"{ALREADY_SEEN} {earlier.how} {earlier.day}", reason)
        ranked.append(Ranked(paper, score, reason))
    return sorted(ranked, key=lambda r: (-r.score, -r.paper.upvotes, r.paper.title))
