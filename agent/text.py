"""Plain text -> its sentences, its first sentence, and a title's lead name: the one home of these helpers.

In: any text (an abstract, a passage, a model's answer, a pasted claim) or a paper's title. Out: the text's
sentences, split with `sentencex` (Wikimedia's rule-based segmenter, which keeps "Fig. 3" and "vs." inside a
sentence), the first of them, and the method's name a title leads with ("Rex-Thinker: ..."). The judge, the answer
path and the chat use these. The TL;DR writer keeps its own regex splitter (`agent/tldr.py`, `sentences`): it
builds the trained adapter's input, so it must split exactly as it did when the adapter was trained. Input is
capped, because paper text can be hostile.
"""

from __future__ import annotations

from sentencex import segment

MAX_TEXT = 20_000
# When a text has no sentence at all (whitespace, say), its opening characters stand in for the first sentence.
MAX_FIRST_CHARS = 300


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in segment("en", text[:MAX_TEXT]) if s.strip()]


def first_sentence(text: str) -> str:
    sentences = split_sentences(text)
    return sentences[0] if sentences else text[:MAX_FIRST_CHARS]


def lead_name(title: str) -> str:
    """The method's name when the title starts with one ("Rex-Thinker: ..."), else nothing."""
    head, colon, _ = title.partition(":")
    return head.strip() if colon and 0 < len(head.split()) <= 3 else ""


def plural(count: int, noun: str, many: str = "") -> str:
    """ "1 paper", "2 papers", "0 papers"; `many` for a plural that is not the noun plus "s"."""
    return f"{count:,} {noun if count == 1 else many or noun + 's'}"
