"""A paper's `ai_summary` -> questions a reader might ask about it, without naming it.

In: the summary and the title. Out: a description of the paper in the summary's words (its subject masked: "the
work that combines real and mock app environments ...") and questions built on it. Two wordings per kind: `TRAIN`
for the answerability model's training rows (training/answer_pairs.py), `EVAL` for the benchmark sets
(benchmarks/qa_sets.py), so the benchmark does not ask in the words the model was trained on; the unstated
attributes differ too (training never asks about GPUs, learning rate, batch size, hours or the optimizer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.text import lead_name

# Third-person verbs that end the subject of an ai_summary ("PhoneBuddy combines ..."), counted on training days.
VERBS = frozenset(
    [
        "is",
        "enhances",
        "enables",
        "improves",
        "evaluates",
        "uses",
        "addresses",
        "presents",
        "achieves",
        "introduces",
        "generates",
        "integrates",
        "combines",
        "provides",
        "reveals",
        "reduces",
        "demonstrates",
        "optimizes",
        "accelerates",
        "automates",
        "identifies",
        "converts",
        "unifies",
        "leverages",
        "synthesizes",
        "extends",
        "investigates",
        "examines",
        "transforms",
        "outperforms",
        "advances",
        "proposes",
        "adjusts",
        "creates",
        "learns",
        "assesses",
        "employs",
        "compresses",
        "predicts",
        "analyzes",
        "adapts",
        "explores",
        "offers",
        "aligns",
        "refines",
        "decouples",
        "reformulates",
        "selects",
        "measures",
        "separates",
        "incorporates",
        "extracts",
        "reconstructs",
        "stabilizes",
        "mitigates",
        "utilizes",
        "allows",
        "aggregates",
        "surpasses",
        "shows",
        "bridges",
        "discovers",
        "formulates",
    ]
)
MAX_WORDS = 20
DANGLING = {"and", "or", "to", "of", "with", "for", "the", "a", "an", "in", "on", "that", "is", "are"}
FIGURE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(\s?%|x|×)(?!\w)")
DATA_WORDS = re.compile(r"\b(?:dataset|datasets|benchmark|benchmarks|corpus|corpora)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Wording:
    which: tuple[str, ...]  # over the description ("{d}"); EVAL asks in the summary's shape instead
    figure: tuple[str, ...]
    unstated: tuple[tuple[str, tuple[str, ...]], ...]  # a question, and words whose absence makes it unanswerable
    data: tuple[str, ...]  # a follow-up about the data, answerable where the abstract names a dataset


TRAIN = Wording(
    which=("Is there a paper on {d}?", "Find {d}.", "What is {d} called?", "Which study is about {d}?"),
    figure=(
        "What numbers does {d} report?",
        "By how much does {d} improve results?",
        "What gains are reported for {d}?",
    ),
    unstated=(
        ("How much memory does {d} need during training?", ("memory", "gb")),
        ("What licence is {d} released under?", ("licen",)),
        ("How much did it cost to build {d}?", ("cost", "$")),
        ("Which hardware was {d} run on?", ("hardware", "gpu", "tpu", "npu", "cpu")),
        ("How many epochs was {d} trained for?", ("epoch",)),
        ("Who funded {d}?", ("fund",)),
        ("How many annotators labelled the data for {d}?", ("annotat",)),
        ("What random seed was used for {d}?", ("seed",)),
        ("Which loss function was used to train {d}?", ("loss",)),
        ("Which tokenizer does {d} use?", ("token",)),
        ("Which programming language is {d} written in?", ("python", "c++", "rust", "java")),
        ("What dropout rate does {d} use?", ("dropout",)),
        ("What weight decay was used for {d}?", ("decay",)),
        ("How many layers does {d} have?", ("layer",)),
        ("Which activation function does {d} use?", ("activation",)),
        ("Which cloud provider hosted the experiments of {d}?", ("cloud", "aws", "azure")),
        ("How long did data collection take for {d}?", ("collect",)),
        ("What warmup schedule was used for {d}?", ("warmup", "warm-up", "schedule")),
    ),
    data=("Which datasets were used?", "What benchmarks is it tested on?"),
)
EVAL = Wording(
    which=(),
    figure=("How well does {d} do, in numbers?",),
    unstated=(
        ("How many GPUs were used to train {d}?", ("gpu",)),
        ("What learning rate was used to train {d}?", ("learning rate",)),
        ("What batch size does {d} use in training?", ("batch",)),
        ("How many hours did it take to train {d}?", ("hour",)),
        ("Which optimizer was used to train {d}?", ("optimi", "adam", "sgd")),
    ),
    data=("What data did they evaluate it on?",),
)


def shorten(words: list[str], most: int = MAX_WORDS) -> str:
    """At most `most` words, cut at a clause boundary when one comes after the first eight: readers ask short."""
    cut = len(words)
    for i, word in enumerate(words):
        if i >= 8 and (word.endswith(",") or word in ("through", "by", "while", "via", "using", "with")):
            cut = i
            break
    kept = [w.rstrip(",;:") for w in words[: min(cut, most)]]
    while kept and kept[-1].lower() in DANGLING:
        kept.pop()
    return " ".join(kept)


@dataclass(frozen=True)
class Description:
    phrase: str  # "the work that combines real and mock app environments ..."
    verb_phrase: str  # "combines real and mock app environments ..." ("" when the summary has no verb)
    which: str  # the plain "which" question of the summary's shape


def describe(summary: str, title: str) -> Description | None:
    """The paper in its summary's words with the subject masked; None when the summary has no recognisable shape or
    the description would name the paper."""
    sentence = re.split(r"(?<=\.)\s", " ".join(summary.split()))[0].rstrip(".")
    words = sentence.split()
    if len(words) < 6:
        return None
    verb = next((i for i, w in enumerate(words[:10]) if i and w in VERBS), None)
    article = words[0] in ("A", "An", "The")
    if verb is None and article:
        rest = shorten(words[1:])
        found = Description(f"the {rest}", "", f"Which paper presents a {rest}?")
    elif verb is None:
        return None
    elif words[verb] == "is":
        rest = words[verb + 1 :]
        if not rest or rest[0] not in ("a", "an", "the"):
            return None
        found = Description(f"the {shorten(rest[1:])}", "", f"Which paper presents {shorten(rest)}?")
    elif article:
        noun, rest = " ".join(words[1:verb]), shorten(words[verb:])
        found = Description(f"the {noun} that {rest}", rest, f"Which {noun} {rest}?")
    else:
        rest = shorten(words[verb:])
        found = Description(f"the work that {rest}", rest, f"Which work {rest}?")
    name = lead_name(title)
    if name and name.lower() in f"{found.which} {found.phrase}".lower():
        return None
    return found


def which_question(found: Description, wording: Wording, pick: int) -> str:
    """EVAL asks in the summary's own shape ("Which work combines ..."); TRAIN wraps the description."""
    if wording is EVAL:
        return found.which
    return wording.which[pick % len(wording.which)].format(d=found.phrase)


def unstated_question(found: Description, text: str, wording: Wording, pick: int) -> str:
    """The first attribute (starting from `pick`) that the paper's text does not mention, asked about it."""
    text = text.lower()
    order = wording.unstated[pick % len(wording.unstated) :] + wording.unstated[: pick % len(wording.unstated)]
    for template, words in order:
        if not any(word in text for word in words):
            return template.format(d=found.phrase)
    return ""
