"""A claim, its source and the checker's lowest part score -> the probability that every part is supported.

In: the cross-encoder's lowest score over the claim and its parts (`agent/judge/checker.py`), the claim's parts
(`agent/judge/parts.py`) and the source sentences. Out: one probability from a logistic regression over five
features: the checker's score (as a logit), the share of the claim's content words, numbers and names that the
source states, the same share for its worst part, how many of its terms the source never states, and how many parts
it has. Why: on sentences our own writer wrote, labelled by hand (benchmarks/data/natural), the cross-encoder alone
separated faithful from unsupported ones no better than word overlap did (validation AUC 0.74 against 0.78): the
writer's additions are plausible words the abstract never uses ("efficiency", "a scalable pipeline"), which a
model trained on made-up corruptions misses and a count of unstated terms sees. The weights are fitted on the
training days' hand labels (`training/fit_combiner.py`) and stored in the checker's `checker.json`; without
them the checker's score is used as it is.
"""

from __future__ import annotations

import math
import re

from agent.judge.parts import Part
from agent.judge.terms import Terms, terms_of

WORD_TOKEN = re.compile(r"[a-z0-9]+(?:[.-][a-z0-9]+)*")
# How the extractive TL;DR opens ("We propose X" is shown as "Proposes X"): not words of the source sentence.
LEAD_WORDS = frozenset(["proposes", "introduces", "presents", "develops", "designs", "releases", "builds"])
# Words a copy may add to make a sentence of a title or a fragment ("SAILER: A Model for X" -> "SAILER is a model
# for X"): they state nothing of their own.
GLUE_WORDS = frozenset(["is", "are", "a", "an", "the", "it", "its", "this", "that", "which"])
MEANING_WORDS = frozenset(
    [
        "not",
        "no",
        "never",
        "without",
        "cannot",
        "neither",
        "nor",
        "fail",
        "fails",
        "failed",
        "only",
        "nearly",
        "almost",
        "up",
        "hardly",
        "rarely",
        "less",
        "fewer",
        "lower",
        "worse",
        "unlike",
        "despite",
        "although",
        "but",
        "however",
        "except",
        "than",
    ]
)
FEATURES = ("checker_logit", "term_share", "worst_part_term_share", "unstated_terms", "parts")
MAX_UNSTATED = 10


def all_terms(terms: Terms) -> frozenset[str]:
    return terms.words | terms.numbers | terms.names


def term_share(claim: str, source: frozenset[str]) -> float:
    """Share of the claim's content-word stems, numbers and names that the source states."""
    mine = all_terms(terms_of(claim))
    return len(mine & source) / max(1, len(mine))


def source_terms(sources: list[str]) -> frozenset[str]:
    """Every content-word stem, number and name the source sentences state."""
    return all_terms(terms_of(" ".join(sources)))


def features(claim: str, pieces: list[Part], source: frozenset[str], score: float) -> list[float]:
    """The combiner's inputs for a claim, its parts, its source's terms (`source_terms`) and the lowest score."""
    clipped = min(max(score, 1e-4), 1 - 1e-4)
    unstated = len(all_terms(terms_of(claim)) - source)
    return [
        math.log(clipped / (1 - clipped)),
        term_share(claim, source),
        min(term_share(p.claim, source) for p in pieces),
        float(min(unstated, MAX_UNSTATED)),
        float(len(pieces)),
    ]


def copied(claim: str, sources: list[str]) -> bool:
    """The claim is one source sentence with words left out, in its order, and nothing left out that could turn its
    meaning (a negation, a hedge, a contrast): what the extractive TL;DR and the answer's extracts are. A negation,
    a swapped word, a reversed comparison or a clause from elsewhere is not a copy."""
    wanted = [w for w in WORD_TOKEN.findall(claim.lower()) if w not in LEAD_WORDS and w not in GLUE_WORDS]
    if len(wanted) < 4:
        return False
    for sentence in sources:
        words, at = WORD_TOKEN.findall(sentence.lower()), 0
        skipped = []
        for word in wanted:
            while at < len(words) and words[at] != word:
                skipped.append(words[at])
                at += 1
            if at == len(words):
                break
            at += 1
        else:
            if not MEANING_WORDS.intersection(skipped):
                return True
    return False


def combined(weights: dict, values: list[float]) -> float:
    """P(supported) from the stored logistic regression (`{"weights": [...], "bias": b}`)."""
    z = weights["bias"] + sum(w * v for w, v in zip(weights["weights"], values))
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))
