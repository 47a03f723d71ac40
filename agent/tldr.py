"""Papers -> one-sentence TL;DRs, generated in batches and cached in the store.

In: papers, a chat model, the store (for the cache) and the `tldr` prompt. Out: a `Tldr` per paper: the text, its
`origin` (the model, or the abstract's own sentence), and whether it is a fallback (the abstract's own sentence)
because generation failed or its output did not pass the checks: `clean_tldr`'s rules (small models ramble, echo
the prompt, write "This paper ..." and stop mid-sentence: it repairs what can be repaired and rejects the rest,
including any number or name that is not in the title or abstract), then the trained claim checker
(`agent/judge/checker.py`) against the title and abstract. When the model itself fails (a crashed server, say),
the fallbacks carry the error and are not cached: once the model is back, the paper gets a real TL;DR. The cache
key holds a hash of the title and abstract, so a corrected abstract is summarised again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from agent.errors import first_line
from agent.judge.checker import ClaimChecker, source_sentences
from agent.judge.terms import Source, invented
from agent.models.chat_model import ChatModel
from prompts import load_prompt
from vectorstore.records import Paper, title_key

if TYPE_CHECKING:
    from vectorstore.store import PaperStore

MAX_WORDS = 30
# The TL;DR writer splits sentences with this regex, not with agent/text.py's `sentencex` splitter the rest of the
# agent uses: `key_sentences` builds the trained adapter's input (training/tldr_pairs.py made its training pairs with
# this very split, and the prompt renders it), so another splitter would feed the adapter text unlike what it
# learned from; `first_sentence` (cleaning the model's output) and `fallback_tldr` cut by the same rule so the
# measured TL;DR figures (docs/performance.md) still describe what ships.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
BOILERPLATE = re.compile(
    r"^(?:(?:tl;?dr|summary|one[- ]sentence (?:tl;?dr|summary))\s*[:\-–]\s*|"
    r"(?:sure|certainly|here(?: is|'s) (?:a|the) [\w\s-]*?)[!.,:]\s*|"
    r"(?:in )?this (?:paper|work|study)(?:,)? (?:we )?|the (?:paper|authors|researchers) |we )",
    re.IGNORECASE,
)
# The gap is bounded: an unbounded lazy gap made this quadratic on a long abstract with no full stop.
CONTRIBUTION = re.compile(
    r"\b(?:we|this (?:paper|work|study)|here)\b[^.]{0,200}?"
    r"\b(?:propose|introduce|present|develop|design|release|build)",
    re.IGNORECASE,
)
# Abstracts are a few thousand characters; anything longer is cut before the patterns run.
MAX_ABSTRACT_CHARS = 8000
RESULT = re.compile(r"\b(?:outperform|improv|achiev|state-of-the-art|surpass|reduc|boost)", re.IGNORECASE)
MAX_KEY_CHARS = 600
# A title longer than this is not a title (a paste, a broken feed): the prompt keeps its start.
MAX_TITLE_CHARS = 300
# Adverbs between "we" and the verb: dropped, so the verb is the one conjugated ("We then develop" -> "Develops").
ADVERBS = frozenset(
    [
        "further",
        "then",
        "therefore",
        "first",
        "also",
        "thus",
        "additionally",
        "finally",
        "next",
        "moreover",
        "furthermore",
        "specifically",
        "subsequently",
        "hence",
        "now",
        "instead",
        "second",
        "third",
        "lastly",
        "consequently",
        "accordingly",
        "ultimately",
    ]
)
# Auxiliaries after "we" are kept as they are ("we will show" -> "Will show", never "Wills show").
MODALS = frozenset(["will", "can", "may", "shall", "would", "could", "should", "must"])
# Advertising, not summary: a TL;DR may use such a word only where its abstract does. ("State-of-the-art" is a claim
# about results, not an adjective of praise: the claim checker judges it against the abstract.)
HYPE = re.compile(
    r"\b(?:groundbreaking|revolutionar\w*|game[- ]chang\w*|cutting[- ]edge|unprecedented|remarkabl\w*|"
    r"breakthrough|transformative|innovative|powerful|seamless\w*)\b",
    re.IGNORECASE,
)


# Where a line under a paper comes from: the model's TL;DR, the abstract's own key sentence (the extractive default
# or a fallback), or the abstract itself (no TL;DR yet). agent/present.py gives each its one mark on every face.
MODEL, SENTENCE, ABSTRACT = "model", "abstract sentence", "abstract"
ORIGINS = (MODEL, SENTENCE, ABSTRACT)


@dataclass(frozen=True)
class Tldr:
    paper_id: str
    text: str
    fallback: bool = False
    reason: str = ""
    # The model's failure, when that is why this is a fallback: such TL;DRs are shown but never cached.
    model_error: str = ""

    @property
    def origin(self) -> str:
        """MODEL or SENTENCE. Derived from `fallback`, so TL;DRs cached before origins existed load as they are."""
        return SENTENCE if self.fallback else MODEL


def first_sentence(text: str) -> str:
    return SENTENCE_END.split(text.strip(), maxsplit=1)[0].strip()


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(text[:MAX_ABSTRACT_CHARS].strip()) if s.strip()]


def key_sentences(abstract: str) -> str:
    """The contribution sentence and a result sentence; the opening two sentences when neither is marked."""
    parts = sentences(abstract)
    picked = [s for s in parts if CONTRIBUTION.search(s)][:1]
    picked += [s for s in parts if RESULT.search(s) and s not in picked][:1]
    text = " ".join(picked or parts[:2])
    return text[:MAX_KEY_CHARS]


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
    if verb.endswith(("ss", "us", "sh", "ch", "x")):  # "address" -> "addresses", "focus" -> "focuses"
        return verb + "es"
    if verb.endswith("s"):
        return verb
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def strip_boilerplate(text: str) -> str:
    """ "In this paper, we propose X" -> "Proposes X"; "TL;DR: ..." and "Sure! Here is ..." lose their preamble."""
    for _ in range(3):
        stripped = BOILERPLATE.sub("", text, count=1).strip()
        if stripped == text:
            break
        text = stripped
        first, _, rest = text.partition(" ")
        if first.lower().rstrip(",") in ADVERBS and rest:  # "we further introduce X" -> "Introduces X"
            first, _, rest = rest.partition(" ")
            text = f"{first} {rest}"
        if first.isalpha() and first.islower() and rest and first not in {"a", "an", "the"} | MODALS:
            text = f"{third_person(first)} {rest}"
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    return text[:1].upper() + text[1:]


def invented_terms(text: str, paper: Paper) -> list[str]:
    """Numbers and names (acronyms, CamelCase, model ids, capitalised multi-word names) that the title and
    abstract never mention: likely made up."""
    return invented(text, Source.of(paper.title, paper.abstract))


def hype_words(text: str, abstract: str) -> list[str]:
    """Promotional words in a TL;DR that its abstract does not use itself ("cutting edge" and "cutting-edge" alike)."""
    lowered = abstract[:MAX_ABSTRACT_CHARS].lower().replace("-", " ")
    return [w for w in HYPE.findall(text[:MAX_ABSTRACT_CHARS]) if w.lower().replace("-", " ") not in lowered]


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
    made_up = invented_terms(text, paper)
    if made_up:
        return "", f"terms not in the abstract: {', '.join(made_up[:3])}"
    hype = hype_words(text, paper.abstract)
    if hype:
        return "", f"hype the abstract does not use: {hype[0]}"
    return clip_words(text), ""


# The extractive pick, in order of preference (fallback_tldr). Only the base verb follows "we" or the paper, after at
# most two adverbs or auxiliaries, so "the proposed method", "asymmetric designs" and "we believe the proposed" are
# no contribution; each gap is a fixed number of words, so the patterns stay linear on a long abstract.
CONTRIBUTION_VERBS = "propose|introduce|present|develop|design|release|build|establish|construct"
FINDING_VERBS = (
    "stud(?:y|ies)|show|investigate|explore|examine|analy[sz]e|demonstrate|find|argue|prove|identify|evaluate|formulate|"
    "focus|contend|characteri[sz]e|revisit|address|tackle|describe|compare|benchmark|derive"
)
GAP = r"(?:(?:" + "|".join(sorted(ADVERBS | MODALS | {"here", "hereby"})) + r"),?\s+){0,2}"
SUBJECT = r"\b(?:we|this (?:paper|work|study|note|report|article)|here,? we)\s+"


def lead_in(verbs: str) -> re.Pattern:
    """Everything up to "we (adverbs) VERB" in a sentence; the verb is group 1 (base form or third person)."""
    return re.compile(rf"^.{{0,300}}?{SUBJECT}{GAP}((?:{verbs})(?:e?s)?)\b", re.IGNORECASE)


CONTRIBUTION_LEAD = lead_in(CONTRIBUTION_VERBS)
FINDING_LEAD = lead_in(FINDING_VERBS)
# Code and data notes ("We will release our checkpoints", "Code is available at https://...") are no summary.
RELEASE_NOTE = re.compile(
    r"https?://|\bgithub\.|\b(?:code|checkpoints?|weights|datasets?)\b[^.]{0,80}"
    r"\b(?:release|available|open[- ]?sourced?)\b|\b(?:release|available|open[- ]?sourced?)\b[^.]{0,80}"
    r"\b(?:code|checkpoints?|weights)\b",
    re.IGNORECASE,
)
MIN_PICK_WORDS = 6
# "we propose X and introduce Y": the second verb of the same subject, conjugated as the first is.
SECOND_VERB = re.compile(rf"\b(and|then) ({CONTRIBUTION_VERBS}|{FINDING_VERBS})\b")


def conjugated(match: re.Match) -> str:
    return f"{match.group(1)} {third_person(match.group(2))}"


def pickable(sentence: str) -> bool:
    """Long enough to say something ("Hypothesis." is a heading) and not a note about code or data."""
    return len(sentence.split()) >= MIN_PICK_WORDS and not RELEASE_NOTE.search(sentence)


def pick_sentence(abstract: str) -> str:
    """The contribution sentence ("we propose X"); else what the paper studies, shows or argues; else the first
    sentence that says something: each "we VERB" turned into "VERBs" ("To this end, we propose X" -> "Proposes X")."""
    candidates = [s for s in sentences(abstract) if pickable(s)]
    for lead in (CONTRIBUTION_LEAD, FINDING_LEAD):
        for sentence in candidates:
            found = lead.search(sentence)
            if found:
                verb = third_person(found.group(1).lower())
                return verb.capitalize() + SECOND_VERB.sub(conjugated, sentence[found.end() :], count=1)
    return candidates[0] if candidates else first_sentence(abstract[:MAX_ABSTRACT_CHARS])


def fallback_tldr(paper: Paper, reason: str) -> Tldr:
    """The abstract's own words (`pick_sentence`), shortened at a clause; the title when the abstract says nothing."""
    sentence = pick_sentence(paper.abstract) or paper.title
    return Tldr(paper.id, clip_words(strip_boilerplate(sentence)), fallback=True, reason=reason)


def model_failed(paper: Paper, error: str) -> Tldr:
    return replace(fallback_tldr(paper, "model error"), model_error=error)


def model_failure(tldrs: Iterable[Tldr]) -> str:
    """The model's error behind these TL;DRs, if any: one line for the caller to show once."""
    error = next((t.model_error for t in tldrs if t.model_error), "")
    return (
        f"The model failed ({error}); those TL;DRs are the abstracts' own sentences and were not saved."
        if error
        else ""
    )


def conversation(paper: Paper) -> list[dict[str, str]]:
    """The chat that asks for a paper's TL;DR, exactly as the shipped adapter was trained on it
    (training/tldr_pairs.py builds the same fields)."""
    title = paper.title[:MAX_TITLE_CHARS]
    return load_prompt("tldr").render(title=title, key_sentences=key_sentences(paper.abstract))


WARM_UP_PAPER = Paper(
    "0000.00000",
    "A Stand-in Paper for Warming Up",
    "We propose StandIn, a method that improves reasoning in small language models. On GSM8K it reaches 71.2% "
    "accuracy, 4.5 points above the baseline. Experiments show that training on 10k examples is enough.",
    date(2026, 1, 1),
)
WARM_UP_TLDR = "StandIn improves reasoning in small language models, reaching 71.2% accuracy on GSM8K."


def extractive_tldr(paper: Paper) -> Tldr:
    """What a card shows by default: the abstract's contribution sentence, shortened at a clause (true by default:
    the trained writer is opt-in until it is proven on hand-labelled held-out days, docs/architecture.md: TL;DRs)."""
    return fallback_tldr(paper, EXTRACTIVE)


EXTRACTIVE = "extractive"
MODES = ("extractive", "model")


class TldrWriter:
    def __init__(
        self,
        model: ChatModel,
        store: PaperStore | None,
        max_new_tokens: int = 48,
        checker: ClaimChecker | None = None,
        mode: str = "model",
        overlap_checks: bool | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"TL;DR mode must be one of {MODES}, not {mode!r}")
        # "extractive": every TL;DR is the abstract's own sentence and the model is never asked (the default in the
        # app, PAPERS_TLDR); "model": the trained writer, judged part by part, with that sentence as its fallback.
        self.mode = mode
        self.model = model
        self.store = store
        # The trained claim checker: a TL;DR that passed the word checks is shown only if the title and abstract
        # support it (the app always passes one; plumbing tests with scripted models may leave it out).
        self.checker = checker
        self.prompt = load_prompt("tldr")
        self.max_new_tokens = max_new_tokens
        # On a GPU the judge of one batch runs while the next batch decodes (its tokenising, evidence selection and
        # Python would otherwise leave the GPU idle); on a CPU both would fight for the same cores, so they take
        # turns. None: decided by the model's device when the model is first asked (not here: asking a lazily
        # loaded model for its device would load it).
        self.overlap_checks = overlap_checks

    def cache_key(self, paper: Paper) -> str:
        source = hashlib.sha256(f"{paper.title}\n{paper.abstract}".encode()).hexdigest()[:12]
        return f"tldr::{paper.id}::{source}::{self.model.name}::{self.prompt.key}"

    def cached(self, papers: list[Paper]) -> dict[str, Tldr]:
        if self.mode == EXTRACTIVE:
            return {p.id: extractive_tldr(p) for p in papers}
        if self.store is None:
            return {}
        found = self.store.get_notes([self.cache_key(p) for p in papers])
        result = {}
        for paper in papers:
            hit = found.get(self.cache_key(paper))
            if hit:
                text, meta = hit
                result[paper.id] = Tldr(paper.id, text, bool(meta.get("fallback")), str(meta.get("reason", "")))
        return result

    def tldrs(self, papers: list[Paper], progress: Callable[[int], None] = lambda n: None) -> dict[str, Tldr]:
        """Every paper's TL;DR: cached ones as they are, the rest generated in batches and cached.

        After the model fails once, the remaining papers fall back without asking it again: a dead server would
        otherwise cost a time-out per batch, and the caller reports the failure once (`model_failure`)."""
        if not papers:  # nothing to look up or write: no store read, no model
            return {}
        result = self.cached(papers)
        progress(len(result))
        missing = [p for p in papers if p.id not in result]
        by_id = {p.id: p for p in missing}
        step = getattr(self.model, "batch_size", 16)
        batches = [missing[start : start + step] for start in range(0, len(missing), step)]
        for fresh in self.written(batches):
            self.save([t for t in fresh if not t.model_error], by_id)
            result.update((t.paper_id, t) for t in fresh)
            progress(len(fresh))
        return result

    def written(self, batches: list[list[Paper]]) -> Iterator[list[Tldr]]:
        """Each batch's judged TL;DRs, in order; with `overlap_checks`, batch k is judged in a worker thread while
        batch k+1 is written. After the model fails once, later batches fall back without asking it again."""
        failure = ""
        overlap = self.overlap_checks
        if overlap is None:
            overlap = str(getattr(self.model, "device", "cpu")).startswith("cuda")
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tldr-judge") as judge:
            pending: Future | None = None
            for batch in batches:
                drafts = [model_failed(p, failure) for p in batch] if failure else self.drafts(batch)
                failure = failure or next((t.model_error for t in drafts if t.model_error), "")
                if not overlap:
                    yield self.checked(drafts, batch)
                    continue
                job = judge.submit(self.checked, drafts, batch)
                if pending is not None:
                    yield pending.result()
                pending = job
            if pending is not None:
                yield pending.result()

    def warm_up(self) -> None:
        """The CPU-side work of a TL;DR without the model: the prompt, the repairs and the word checks, on a
        stand-in paper. Their first use loads stemmers, the sentence splitter and the stop-word list (~0.1 s);
        done while the model loads, so a user's first request is not the slow one. With a judge, it judges the
        stand-in too: its tokeniser, evidence selection and first kernels are the rest of a first request."""
        conversation(WARM_UP_PAPER)
        clean_tldr(WARM_UP_TLDR, WARM_UP_PAPER)
        sources = source_sentences(WARM_UP_PAPER.title, WARM_UP_PAPER.abstract)
        if self.checker is not None:
            self.checker.verdicts([WARM_UP_TLDR], [sources])

    def generate(self, papers: list[Paper]) -> list[Tldr]:
        """One batch written and judged."""
        return self.checked(self.drafts(papers), papers)

    def drafts(self, papers: list[Paper]) -> list[Tldr]:
        """One batch written and word-checked (`clean_tldr`), not yet judged."""
        conversations = [conversation(p) for p in papers]
        try:
            outputs = self.model.generate(conversations, max_new_tokens=self.max_new_tokens, stop=(". ", ".\n"))
        except Exception as error:  # one failed batch must not sink the digest
            return [model_failed(p, first_line(error)) for p in papers]
        tldrs = []
        for paper, raw in zip(papers, outputs):
            text, problem = clean_tldr(raw, paper)
            tldrs.append(Tldr(paper.id, text) if text else fallback_tldr(paper, problem))
        return tldrs

    def checked(self, tldrs: list[Tldr], papers: list[Paper]) -> list[Tldr]:
        """Model TL;DRs the checker does not find supported by their title and abstract fall back."""
        written = [i for i, t in enumerate(tldrs) if not t.fallback]
        if self.checker is None or not written:
            return tldrs
        sources = [source_sentences(papers[i].title, papers[i].abstract) for i in written]
        verdicts = self.checker.verdicts([tldrs[i].text for i in written], sources)
        for i, verdict in zip(written, verdicts):
            if not verdict.supported:
                tldrs[i] = fallback_tldr(
                    papers[i], f"not supported by the abstract ({verdict.reason}, {verdict.score:.2f})"
                )
        return tldrs

    def save(self, tldrs: list[Tldr], papers: dict[str, Paper]) -> None:
        if self.store is None or not tldrs:  # benchmarks measure generation alone
            return
        self.store.put_notes(
            {
                self.cache_key(papers[t.paper_id]): (
                    t.text,
                    {"kind": "tldr", "paper_id": t.paper_id, "fallback": t.fallback, "reason": t.reason},
                )
                for t in tldrs
            }
        )
