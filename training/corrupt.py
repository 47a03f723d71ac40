"""A true sentence -> false ones of known kinds, the negatives a claim checker learns from (after FactCC).

In: a sentence (a paper's `ai_summary` or an abstract sentence), a random generator, and other papers' text to
borrow from. Out: the corrupted sentence, or None when the kind does not apply (no number to swap, say). Each kind
changes what the sentence claims while keeping most of its words, so a word-overlap rule cannot tell them apart:
`negate` ("improves" -> "does not improve"), `antonym` ("higher" -> "lower"), `swap_number`, `swap_name` (another
paper's method name), `add_clause` (a clause from another paper's summary). Whole other-paper sentences and
evidence with the supporting sentence removed are built in `checker_pairs.py`.
"""

from __future__ import annotations

import random
import re

ANTONYMS = {
    "improves": "degrades",
    "improve": "degrade",
    "improved": "degraded",
    "improving": "degrading",
    "increases": "decreases",
    "increase": "decrease",
    "increasing": "decreasing",
    "decreases": "increases",
    "reduces": "increases",
    "reduce": "increase",
    "reducing": "increasing",
    "reduced": "increased",
    "outperforms": "underperforms",
    "outperform": "underperform",
    "outperforming": "underperforming",
    "higher": "lower",
    "lower": "higher",
    "better": "worse",
    "faster": "slower",
    "larger": "smaller",
    "smaller": "larger",
    "more": "fewer",
    "fewer": "more",
    "less": "more",
    "superior": "inferior",
    "efficient": "inefficient",
    "accurate": "inaccurate",
    "robust": "fragile",
    "enhances": "weakens",
    "enhance": "weaken",
    "enhancing": "weakening",
    "enables": "prevents",
    "enable": "prevent",
    "enabling": "preventing",
    "without": "with",
    "open-source": "closed-source",
    "lightweight": "heavyweight",
    "scalable": "unscalable",
    "strong": "weak",
    "stronger": "weaker",
    "significantly": "marginally",
    "best": "worst",
    "first": "last",
    "boosts": "hurts",
    "achieves": "misses",
}
AUXILIARY = re.compile(r"\b(is|are|was|were|can|could|will|does|do|has|have|should|may)\b(?! not\b)")
NEGATED = re.compile(r"\b(?:does|do|is|are|can|could|will|was|were|has|have) not \b|\bcannot\b|\bno longer\b")
VERB_S = re.compile(r"\b([a-z]{3,}(?:es|s))\b")
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.]*\d)")
NAME = re.compile(r"\b[A-Za-z]*[A-Z][A-Za-z0-9]*[A-Z0-9][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*\b")
NOT_VERBS = frozenset(["this", "its", "has", "was", "does", "is", "as", "thus", "focus", "across", "process"])
CLAUSE_START = re.compile(r"\b(by|through|using|via|with)\b ")


def negate(sentence: str, rng: random.Random) -> str | None:
    """Insert or remove a negation: the claim turns into its opposite."""
    if NEGATED.search(sentence):
        return NEGATED.sub(lambda m: m.group(0).replace(" not", "").replace("cannot", "can"), sentence, count=1)
    auxiliary = AUXILIARY.search(sentence)
    verb = next((m for m in VERB_S.finditer(sentence) if m.group(1) not in NOT_VERBS and m.start() > 0), None)
    if auxiliary and (verb is None or auxiliary.start() < verb.start()):
        return sentence[: auxiliary.end()] + " not" + sentence[auxiliary.end() :]
    if verb is None:
        return None
    word = verb.group(1)
    base = word[:-2] if word.endswith(("ches", "shes", "sses", "xes")) else word[:-1]
    return f"{sentence[: verb.start()]}does not {base}{sentence[verb.end() :]}"


def antonym(sentence: str, rng: random.Random) -> str | None:
    words = [m for m in re.finditer(r"\b[a-z][a-z-]*\b", sentence) if m.group(0) in ANTONYMS]
    if not words:
        return None
    m = rng.choice(words)
    return sentence[: m.start()] + ANTONYMS[m.group(0)] + sentence[m.end() :]


def other_number(value: str, rng: random.Random) -> str:
    if "." in value:
        whole, frac = value.split(".", 1)
        number = float(value) * rng.choice([0.5, 0.7, 1.4, 2.0]) + rng.choice([0.1, 1.0])
        return f"{number:.{len(frac)}f}"
    number = int(value)
    changed = number * rng.choice([2, 3, 10]) if number < 10 else int(number * rng.choice([0.5, 0.6, 1.5, 2.0])) + 1
    return str(changed if changed != number else number + 1)


def swap_number(sentence: str, rng: random.Random) -> str | None:
    found = list(NUMBER.finditer(sentence))
    if not found:
        return None
    m = rng.choice(found)
    return sentence[: m.start()] + other_number(m.group(0), rng) + sentence[m.end() :]


def swap_name(sentence: str, rng: random.Random, names: list[str]) -> str | None:
    """Another paper's name in place of one this sentence states."""
    found = [m for m in NAME.finditer(sentence) if len(m.group(0)) > 2]
    choices = [n for n in names if n.lower() not in sentence.lower()]
    if not found or not choices:
        return None
    m = rng.choice(found)
    return sentence[: m.start()] + rng.choice(choices) + sentence[m.end() :]


def add_clause(sentence: str, rng: random.Random, others: list[str]) -> str | None:
    """The sentence, extended by the means or purpose clause of another paper's summary."""
    clauses = [c for c in (clause_of(o) for o in others) if c]
    if not clauses or not sentence.endswith("."):
        return None
    return f"{sentence[:-1]}, {rng.choice(clauses)}"


def clause_of(summary: str) -> str:
    m = CLAUSE_START.search(summary)
    tail = summary[m.start() :].strip() if m else ""
    return tail if 3 <= len(tail.split()) <= 25 and tail.endswith(".") else ""


KINDS = ("negate", "antonym", "swap_number", "swap_name", "add_clause")


def corrupt(kind: str, sentence: str, rng: random.Random, names: list[str], others: list[str]) -> str | None:
    if kind == "negate":
        return negate(sentence, rng)
    if kind == "antonym":
        return antonym(sentence, rng)
    if kind == "swap_number":
        return swap_number(sentence, rng)
    if kind == "swap_name":
        return swap_name(sentence, rng, names)
    if kind == "add_clause":
        return add_clause(sentence, rng, others)
    raise ValueError(f"unknown corruption {kind!r}")
