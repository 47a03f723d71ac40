"""A paper -> the stored papers most related to it: nearest by embedding, and those sharing its authors.

In: a `Shelf` (vectorstore/catalog.py) and a paper id. Out: `Related` items, best first, each with the reason it
is listed ("shares authors: A. Name", "similar: 0.81"): nearest neighbours by cosine of their title+abstract
vectors, lifted when they share an author or organisation. The paper itself and copies of its title are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vectorstore.catalog import Shelf, names_of, people_of, person_key
from vectorstore.errors import NotFoundError
from vectorstore.records import Paper, title_key

# Below this cosine two MiniLM title+abstract vectors rarely share more than a field ("language models").
MIN_SIMILARITY = 0.45
# A shared author or organisation lifts a paper by this much, and lets one as low as MIN_SHARED_SIMILARITY in:
# a reader following a group wants its next paper, but not one on an unrelated subject.
SHARED_BONUS = 0.15
MIN_SHARED_SIMILARITY = 0.25
MAX_SHARED_SHOWN = 3


@dataclass(frozen=True)
class Related:
    paper: Paper
    similarity: float
    shared: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        if self.shared:
            return "shares authors: " + ", ".join(self.shared[:MAX_SHARED_SHOWN])
        return f"similar: {self.similarity:.2f}"

    def to_dict(self) -> dict:
        return {
            "id": self.paper.id,
            "title": self.paper.title,
            "date": self.paper.date.isoformat(),
            "url": self.paper.url,
            "similarity": round(self.similarity, 4),
            "shared_authors": list(self.shared),
            "reason": self.reason,
        }


def shared_names(paper: Paper, other: Paper) -> tuple[str, ...]:
    mine = people_of(paper)
    return tuple(n for n in names_of(other) if person_key(n) in mine)


def related_papers(shelf: Shelf, paper_id: str, k: int = 5) -> list[Related]:
    """Ranked by cosine plus a bonus for a shared author or organisation; a shared name also lowers the floor."""
    row = shelf.row_of.get(paper_id)
    if row is None:
        raise NotFoundError(f"No paper {paper_id!r} in the store.", "`papers list` shows the ids you have.")
    paper = shelf.papers[row]
    similarity = shelf.vectors @ shelf.vectors[row]
    sharing = np.zeros(len(shelf.papers), dtype=bool)
    for name in people_of(paper):
        sharing[list(shelf.rows_by_person.get(name, ()))] = True
    score = similarity + SHARED_BONUS * sharing
    keep = (similarity >= MIN_SIMILARITY) | (sharing & (similarity >= MIN_SHARED_SIMILARITY))
    keep[row] = False
    same_title = title_key(paper.title)
    items: list[Related] = []
    for r in np.argsort(-np.where(keep, score, -np.inf))[: k + 8]:
        other = shelf.papers[int(r)]
        if not keep[r] or title_key(other.title) == same_title:
            continue
        items.append(Related(other, float(similarity[r]), shared_names(paper, other)))
        if len(items) == k:
            break
    return items


def related_for_many(shelf: Shelf, paper_ids: list[str], k: int = 3) -> dict[str, list[Related]]:
    """Related papers of each id the shelf holds (a day's cards); ids it does not hold get none."""
    return {i: related_papers(shelf, i, k) for i in paper_ids if i in shelf.row_of}
