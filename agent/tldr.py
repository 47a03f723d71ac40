"""Papers -> one-sentence TL;DRs, generated in batches and cached in the store.

In: papers, a chat model, the store (for the cache) and the `tldr` prompt. Out: a `Tldr` per paper: the text, and
whether it is a fallback (the abstract's first sentence) because generation failed or its output did not pass the
checks. Small models ramble, echo the prompt, write "This paper ..." and stop mid-sentence; `clean_tldr` repairs
what can be repaired and rejects the rest, including any name that is not in the title or abstract.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agent.llm import ChatModel
from prompts import load_prompt
from vectorstore.records import Paper, title_key

if TYPE_CHECKING:
    from vectorstore.store import PaperStore

MAX_WORDS = 30
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
BOILERPLATE = re.compile(
    r"^(?:(?:tl;?dr|summary|one[- ]sentence (?:tl;?dr|summary))\s*[:\-–]\s*|"
    r"(?:sure|certainly|here(?: is|'s) (?:a|the) [\w\s-]*?)[!.,:]\s*|"
    r"(?:in )?this (?:paper|work|study)(?:,)? (?:we )?|the (?:paper|authors|researchers) |we )",
    re.IGNORECASE,
)
NAME_LIKE = re.compile(r"\b(?=[A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*[A-Z0-9])[A-Za-z][A-Za-z0-9-]{1,}\b")
CONTRIBUTION = re.compile(
    r"\b(?:we|this (?:paper|work|study)|here)\b[^.]*?\b(?:propose|introduce|present|develop|design|release|build)",
    re.IGNORECASE,
)
RESULT = re.compile(r"\b(?:outperform|improv|achiev|state-of-the-art|surpass|reduc|boost)", re.IGNORECASE)
MAX_KEY_CHARS = 500


@dataclass(frozen=True)
class Tldr:
    paper_id: str
    text: str
    fallback: bool = False
    reason: str = ""


def first_sentence(text: str) -> str:
    return SENTENCE_END.split(text.strip(), maxsplit=1)[0].strip()


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(text.strip()) if s.strip()]


def key_sentences(abstract: str) -> str:
    """The contribution sentence and a result sentence; the opening two sentences when neither is marked."""
    parts = sentences(abstract)
    picked = [s for s in parts if CONTRIBUTION.search(s)][:1]
    picked += [s for s in parts if RESULT.search(s) and s not in picked][:1]
    text = " ".join(picked or parts[:2])
    return text[:MAX_KEY_CHARS]


def lead_name(title: str) -> str:
    """The method's name when the title starts with one ("Rex-Thinker: ..."), else nothing."""
    head, colon, _ = title.partition(":")
    return head.strip() if colon and 0 < len(head.split()) <= 3 else ""


def clip_words(sentence: str, limit: int = MAX_WORDS) -> str:
    """At most `limit` words, cut at a clause boundary when there is one late enough, else marked with an ellipsis."""
    words = sentence.split()
    if len(words) <= limit:
        return sentence
    cut = " ".join(words[:limit])
    clause = max(cut.rfind(", "), cut.rfind("; "))
    if clause > len(cut) // 2:
        return cut[:clause] + "."
    return cut.rstrip(",;:") + "…"


def third_person(verb: str) -> str:
    if verb.endswith("s"):
        return verb
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + ("es" if verb.endswith(("sh", "ch", "x")) else "s")


def strip_boilerplate(text: str) -> str:
    """ "In this paper, we propose X" -> "Proposes X"; "TL;DR: ..." and "Sure! Here is ..." lose their preamble."""
    for _ in range(3):
        stripped = BOILERPLATE.sub("", text, count=1).strip()
        if stripped == text:
            break
        text = stripped
        first, _, rest = text.partition(" ")
        if first.isalpha() and first.islower() and rest and first not in {"a", "an", "the"}:
            text = f"{third_person(first)} {rest}"
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    return text[:1].upper() + text[1:]


def invented_names(text: str, paper: Paper) -> list[str]:
    """Name-like words (acronyms, CamelCase, model ids) the source never mentions: likely made up."""
    source = f"{paper.title} {paper.abstract}".lower()
    return [name for name in NAME_LIKE.findall(text) if name.lower() not in source]


def echoes_title(text: str, title: str) -> bool:
    """The title repeated back; a short title is a name, which a TL;DR may well start with."""
    text_key, key = title_key(text), title_key(title)
    return text_key == key or (key in text_key and len(title.split()) >= 5)


def clean_tldr(raw: str, paper: Paper) -> tuple[str, str]:
    """(text, "") when the output is usable, else ("", why not)."""
    lines = [strip_boilerplate(line.strip()) for line in raw.splitlines() if line.strip()]
    # Chat models sometimes put a heading line ("X: A ... model") before the sentence itself.
    whole = [line for line in lines if line.endswith((".", "!", "?")) and len(line.split()) >= 5]
    text = whole[0] if whole else (lines[0] if lines else "")
    text = first_sentence(text)
    if len(text.split()) < 5:
        return "", "too short"
    if text.lower().startswith(("title:", "abstract:")) or echoes_title(text, paper.title):
        return "", "echoed the prompt"
    if not text.endswith((".", "!", "?")):
        clause = max(text.rfind(", "), text.rfind("; "))
        if clause < len(text) // 2:
            return "", "unfinished sentence"
        text = text[:clause] + "."
    made_up = invented_names(text, paper)
    if made_up:
        return "", f"names not in the abstract: {', '.join(made_up[:3])}"
    return clip_words(text), ""


LEAD_IN = re.compile(
    r"^.*?\b(?:we|this (?:paper|work|study)|here,? we)\s+(propose|introduce|present|develop|design|release|build)\b",
    re.IGNORECASE,
)


def fallback_tldr(paper: Paper, reason: str) -> Tldr:
    """The abstract's own words: its contribution sentence ("To this end, we propose X" as "Proposes X"), else its
    first."""
    parts = sentences(paper.abstract)
    contribution = next((s for s in parts if CONTRIBUTION.search(s)), parts[0] if parts else paper.title)
    contribution = LEAD_IN.sub(lambda m: third_person(m.group(1).lower()).capitalize(), contribution, count=1)
    return Tldr(paper.id, clip_words(strip_boilerplate(contribution)), fallback=True, reason=reason)


class TldrWriter:
    def __init__(self, model: ChatModel, store: PaperStore | None, max_new_tokens: int = 40) -> None:
        self.model = model
        self.store = store
        self.prompt = load_prompt("tldr")
        self.max_new_tokens = max_new_tokens

    def cache_key(self, paper_id: str) -> str:
        return f"tldr::{paper_id}::{self.model.name}::{self.prompt.key}"

    def cached(self, papers: list[Paper]) -> dict[str, Tldr]:
        if self.store is None:
            return {}
        found = self.store.get_notes([self.cache_key(p.id) for p in papers])
        result = {}
        for paper in papers:
            hit = found.get(self.cache_key(paper.id))
            if hit:
                text, meta = hit
                result[paper.id] = Tldr(paper.id, text, bool(meta.get("fallback")), str(meta.get("reason", "")))
        return result

    def tldrs(self, papers: list[Paper], progress: Callable[[int], None] = lambda n: None) -> dict[str, Tldr]:
        """Every paper's TL;DR: cached ones as they are, the rest generated in batches and cached."""
        result = self.cached(papers)
        progress(len(result))
        missing = [p for p in papers if p.id not in result]
        step = getattr(self.model, "batch_size", 16)
        for start in range(0, len(missing), step):
            batch = missing[start : start + step]
            fresh = self.generate(batch)
            self.save(fresh)
            result.update((t.paper_id, t) for t in fresh)
            progress(len(batch))
        return result

    def generate(self, papers: list[Paper]) -> list[Tldr]:
        conversations = [
            self.prompt.render(key_sentences=key_sentences(p.abstract), lead=lead_name(p.title)) for p in papers
        ]
        try:
            outputs = self.model.generate(conversations, max_new_tokens=self.max_new_tokens, stop=(". ", ".\n"))
        except Exception as error:  # one failed batch must not sink the digest
            return [fallback_tldr(p, f"model error: {type(error).__name__}") for p in papers]
        tldrs = []
        for paper, raw in zip(papers, outputs):
            lead = lead_name(paper.title)
            text, problem = clean_tldr(raw if raw.startswith(lead) else f"{lead} {raw}", paper)
            tldrs.append(Tldr(paper.id, text) if text else fallback_tldr(paper, problem))
        return tldrs

    def save(self, tldrs: list[Tldr]) -> None:
        if self.store is None:  # benchmarks measure generation alone
            return
        self.store.put_notes(
            {
                self.cache_key(t.paper_id): (
                    t.text,
                    {"kind": "tldr", "paper_id": t.paper_id, "fallback": t.fallback, "reason": t.reason},
                )
                for t in tldrs
            }
        )
