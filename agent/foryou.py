"""Papers + the reader's profile -> the papers ranked "for you", each with the reason it ranks where it does.

In: a `Profile` (agent/profile.py), papers to rank (a day, a range), the store's `Shelf` (their title+abstract
vectors) and the embedder (for free-text interests); `ForYou` wires the profile file and the store's catalog.
Out: `Ranked` items, best first. Papers by a followed author
or organisation come first ("follows: Qwen"); the rest by their best cosine to an interest ("matches:
speculative decoding") or to a liked paper ("like: <its title>"). Liked papers themselves are kept, marked
"liked". `benchmarks/foryou_eval.py` measures precision@10 of this ranking against the upvote ranking.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agent.profile import Profile, ProfileError, ProfileStore
from vectorstore.catalog import Catalog, Shelf, names_of, person_key
from vectorstore.records import Paper

TITLE_IN_REASON = 60


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


def anchors(profile: Profile, shelf: Shelf, embed) -> tuple[np.ndarray, list[str]]:
    """One unit vector per interest and per liked paper the store holds, with the reason each gives."""
    vectors, reasons = [], []
    if profile.interests:
        vectors.append(embed(profile.interests))
        reasons += [f"matches: {i}" for i in profile.interests]
    liked_rows = [shelf.row_of[i] for i in profile.liked if i in shelf.row_of]
    if liked_rows:
        vectors.append(shelf.vectors[liked_rows])
        reasons += [f"like: {short(shelf.papers[r].title)}" for r in liked_rows]
    dimension = shelf.vectors.shape[1] if shelf.vectors.ndim == 2 and shelf.vectors.size else 0
    return (np.concatenate(vectors) if vectors else np.zeros((0, dimension), dtype=np.float32)), reasons


def by_upvotes(papers: list[Paper]) -> list[Ranked]:
    """The papers in the order given (the store lists them most upvoted first), with no reason."""
    return [Ranked(p, 0.0, "") for p in papers]


class ForYou:
    """The "for you" ranking of the profile in the data folder, read at each ranking (it may have been edited
    since); wired once by `Services` for the app, the CLI and the digest."""

    def __init__(self, profiles: ProfileStore, catalog: Catalog) -> None:
        self.profiles = profiles
        self.catalog = catalog

    def rank(self, papers: list[Paper]) -> list[Ranked]:
        shelf = self.catalog.current()
        return rank_for_you(self.profiles.load(), papers, shelf, self.catalog.store.embedder.embed)


def rank_for_you(profile: Profile, papers: list[Paper], shelf: Shelf, embed) -> list[Ranked]:
    if profile.empty:
        raise ProfileError(
            "There is no profile to rank by yet.",
            "Add interests, like papers or follow authors: the For you tab, `papers profile` or `papers like ID`.",
        )
    matrix, reasons = anchors(profile, shelf, embed)
    liked = set(profile.liked)
    ranked = []
    for paper in papers:
        row = shelf.row_of.get(paper.id)
        followed = followed_name(profile, paper)
        score, reason = 0.0, ""
        if row is not None and len(matrix):
            similarities = matrix @ shelf.vectors[row]
            best = int(np.argmax(similarities))
            score, reason = float(similarities[best]), reasons[best]
        if paper.id in liked:
            score, reason = 1.0, "liked"
        if followed:
            score, reason = 2.0 + score, f"follows: {followed}"
        ranked.append(Ranked(paper, score, reason))
    return sorted(ranked, key=lambda r: (-r.score, -r.paper.upvotes, r.paper.title))
