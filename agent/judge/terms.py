"""Text -> the checkable terms it states, and a check that each is in the sources.

In: a sentence someone (a model, usually) wrote, and the texts it may draw on (cited passages, the question, a
title and abstract). Out: the terms of the sentence, sorted by kind (numbers, names, content words), and which of
them occur in no source. A term counts as supported when it occurs in a source as written (numbers, names) or by
its Snowball stem (content words, so "improves" is supported by "improvement"). Stems come from `snowballstemmer`
and stop words from scikit-learn's English list (sentences are split by `agent/text.py`). Every pattern here is
linear and every input is capped, because paper text can be hostile.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from agent.text import MAX_TEXT


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """scikit-learn's English stop words, imported on first use: importing scikit-learn takes 1.6 s (scipy, pandas),
    which every process that loads the TL;DR writer would pay at start-up."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*|\d+(?:[.,]\d+)*")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
CITATION_MARK = re.compile(r"\[\d{1,3}\]")
# Words a faithful rephrasing may add without the sources saying them: frames, not facts.
FRAME_WORDS = frozenset(
    [
        "paper",
        "papers",
        "work",
        "study",
        "studies",
        "author",
        "authors",
        "propose",
        "proposes",
        "proposed",
        "introduce",
        "introduces",
        "introduced",
        "present",
        "presents",
        "presented",
        "show",
        "shows",
        "showed",
        "shown",
        "use",
        "uses",
        "used",
        "using",
        "method",
        "methods",
        "approach",
        "approaches",
        "model",
        "models",
        "result",
        "results",
        "new",
        "novel",
        "called",
        "named",
        "based",
        "also",
        "achieve",
        "achieves",
        "achieved",
        "yes",
        "able",
        "called",
        "main",
        "key",
        "specifically",
        "particular",
        "particularly",
        "which",
        "answer",
        "answers",
        "question",
        "questions",
        "say",
        "says",
        "according",
        "describe",
        "describes",
        "described",
        "report",
        "reports",
        "reported",
        "demonstrate",
        "demonstrates",
        "demonstrated",
        "does",
        "did",
        "doing",
        "done",
        "make",
        "makes",
    ]
)


@dataclass(frozen=True)
class Terms:
    numbers: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()  # stems of content words


@dataclass(frozen=True)
class Check:
    """What a sentence states that no source supports; empty means verified."""

    numbers: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    words: tuple[str, ...] = ()

    @property
    def verified(self) -> bool:
        return not (self.numbers or self.names or self.words)

    @property
    def unsupported(self) -> list[str]:
        return [*self.numbers, *self.names, *self.words]


STEMMERS = threading.local()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball stem. A stemmer object keeps state while it works, so each thread has its own (a shared one
    raised IndexError under concurrent requests); results are cached, which is safe across threads."""
    stemmer = getattr(STEMMERS, "english", None)
    if stemmer is None:
        stemmer = STEMMERS.english = snowballstemmer.stemmer("english")
    return stemmer.stemWord(word.lower())


@lru_cache(maxsize=65_536)  # words repeat; scanning each one's letters was about a quarter of terms_of's time
def is_name(word: str) -> bool:
    """An acronym, a CamelCase or mixed word, a model id ("GPT-4o", "Llama3"): what small models invent most."""
    if len(word) < 2 or not any(c.isupper() for c in word[1:]) and not any(c.isdigit() for c in word):
        return False
    return any(c.isalpha() for c in word)


def normal_number(text: str) -> str:
    return text.replace(",", "")


@lru_cache(maxsize=4096)
def terms_of(text: str) -> Terms:
    """The numbers, names and content-word stems a text states. Cached: evidence selection reads each source
    sentence once for a claim and again for each of its parts (with both caches, the judge's Python side went from
    4.4 to 1.6 ms a sentence: benchmarks/judge_speed.py); `Terms` is frozen, so sharing one across threads is safe."""
    text = CITATION_MARK.sub(" ", text[:MAX_TEXT])
    tokens = WORD.findall(text)
    numbers = {normal_number(t) for t in tokens if NUMBER.fullmatch(t)}
    names = {t for t in tokens if is_name(t)}
    names |= capitalised_phrases(text)
    words = {
        stem(t)
        for t in tokens
        if t[0].isalpha()
        and not is_name(t)
        and t.lower() not in stop_words()
        and t.lower() not in FRAME_WORDS
        and len(t) > 2
    }
    return Terms(frozenset(numbers), frozenset(names), frozenset(words))


CAPITALISED_RUN = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z]+(?:[ -][A-Z][A-Za-z0-9]+)+)")


def capitalised_phrases(text: str) -> set[str]:
    """Multi-word capitalised names not at a sentence start ("Structure Aware Retriever")."""
    return {m.group(1) for m in CAPITALISED_RUN.finditer(text[:MAX_TEXT])}


@dataclass(frozen=True)
class Source:
    """The texts a statement may rest on, indexed once for many checks."""

    text: str
    numbers: frozenset[str]
    words: frozenset[str]
    lowered: str
    # Letters and digits only: a name the source spells otherwise ("Mamba-Attention" / "Mamba attention") is found.
    squashed: str = ""

    @classmethod
    def of(cls, *texts: str) -> Source:
        text = "\n".join(t[:MAX_TEXT] for t in texts)
        tokens = WORD.findall(text)
        numbers = frozenset(normal_number(t) for t in tokens if NUMBER.fullmatch(t))
        # A hyphenated word supports its parts too: "statistics-weight" holds "weight".
        words = {stem(part) for t in tokens if t[0].isalpha() for part in {t, *t.split("-")} if part}
        if "%" in text:  # "12.5%" supports "12.5 percent"
            words.add(stem("percent"))
        return cls(text, numbers, frozenset(words), text.lower(), squash(text))

    def has_name(self, name: str) -> bool:
        """As written, as a plural's singular ("LLMs"), or as the initials of a phrase ("RL": reinforcement
        learning)."""
        key = name.lower()
        if self.mentions(key) or (key.endswith("s") and len(key) > 3 and self.mentions(key[:-1])):
            return True
        squashed = squash(key)
        if len(squashed) > 4 and (squashed in self.squashed or squashed.removesuffix("s") in self.squashed):
            return True
        parts = name.split("-")
        if len(parts) > 1 and all(parts):  # "AI-powered": its name part is in the source, the rest is a word
            return all(part.islower() or (len(part) > 1 and self.has_name(part)) for part in parts)
        letters = name.rstrip("s") if name[:-1].isupper() else name
        if letters.isalpha() and letters.isupper() and 2 <= len(letters) <= 5:
            return self.spells(letters.lower())
        return False

    def mentions(self, key: str) -> bool:
        """A short name must stand as a word ("AI" is not in "trained"); a longer one may sit inside a longer token
        ("Llama3" in "Llama3-8B")."""
        if len(key) > 3:
            return key in self.lowered
        return re.search(rf"(?<![a-z0-9]){re.escape(key)}(?![a-z0-9])", self.lowered) is not None

    def spells(self, initials: str) -> bool:
        """A phrase of content words with these initials ("RL": "reinforcement learning"). Stop words do not count:
        "AI" is not spelled by "and in" or "an image"."""
        spelled = r"[\s-]+".join(f"{c}[a-z]*" for c in initials)
        for found in re.finditer(rf"\b{spelled}\b", self.lowered):
            words = re.split(r"[\s-]+", found.group(0))
            if all(len(w) > 2 and w not in stop_words() for w in words):
                return True
        return False


def squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def check(sentence: str, source: Source) -> Check:
    """Each number, name and content word of `sentence` that `source` does not contain."""
    stated = terms_of(sentence)
    return Check(
        numbers=tuple(sorted(n for n in stated.numbers if n not in source.numbers)),
        names=tuple(sorted(n for n in stated.names if not source.has_name(n))),
        words=tuple(sorted(w for w in stated.words if w not in source.words)),
    )


def invented(text: str, source: Source) -> list[str]:
    """The measure of benchmarks/qa_eval.py: numbers and names (not plain words) that no source contains."""
    result = check(text, source)
    return [*result.numbers, *result.names]
