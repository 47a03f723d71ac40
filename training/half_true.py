"""A true sentence and its paper's abstract -> half-true sentences, made the way small models err.

In: a sentence the abstract supports (its `ai_summary` or one of its sentences), the abstract, a random generator.
Out: a sentence of a known kind with the label the abstract gives it, or None when the kind does not apply. Kinds
(each seen in what the trained writer wrote on unseen days, issue 27):
- `stock_ending`: a true clause joined to a stock ending ("outperforming existing methods", "improving performance
  and efficiency"): label 0 when the abstract says nothing of the kind, 1 when it does (so that the ending alone
  does not decide);
- `and_effect`: an effect added with "and" ("improves A" -> "improves A and B") that the abstract never names;
- `hedge_dropped`: "competitive with", "comparable to", "matches" -> "outperforms"; "up to" and "can" dropped;
- `comparison_reversed`: "X outperforms Y" -> "X is outperformed by Y";
- `clause_reversed`: a result reversed inside the sentence's last clause only ("..., while reducing" -> "...,
  while increasing");
- `role_swap`: what the paper is turned into something else (a benchmark into a method, training-free into
  trained, text-to-image into image-to-text, an analysis of failures into a method that wins).
"""

from __future__ import annotations

import random
import re

from training.corrupt import antonym, negate

# (ending, what the abstract must say for the ending to be true)
STOCK_ENDINGS = (
    ("outperforming existing methods", r"outperform|surpass|better than|state-of-the-art|sota"),
    ("improving performance and efficiency", r"(?=[\s\S]*(?:improv|boost|gain))(?=[\s\S]*efficien)"),
    ("achieving state-of-the-art results", r"state-of-the-art|sota"),
    ("while reducing computational cost", r"(?:reduc|lower|cut|sav)\w*[^.]{0,60}(?:cost|comput|flops|latency)"),
    ("without requiring additional training", r"training-free|without (?:any )?(?:additional |extra )?training"),
    ("through a novel training strategy", r"training (?:strategy|recipe|scheme|pipeline)"),
    ("enabling real-time inference", r"real-time"),
    ("demonstrating strong generalization across tasks", r"generaliz"),
    ("with significant improvements over baselines", r"significant\w*[^.]{0,40}(?:improv|gain|outperform)"),
    ("reducing hallucinations", r"hallucinat"),
    ("and improving robustness", r"robust"),
    ("leading to better interpretability", r"interpretab"),
)
EFFECTS = (
    "efficiency", "robustness", "generalization", "interpretability", "inference speed", "memory usage",
    "training stability", "scalability", "runtime quality", "safety", "data efficiency", "reasoning ability",
)  # fmt: skip
EFFECT_VERB = re.compile(
    r"\b(improves|enhances|boosts|increases|reduces|improving|enhancing|boosting)\s+([^,.;]{3,60}?)(?=[,.;]|\s+(?:on|in|by|for|with|while|through|across|and)\b|$)"
)
HEDGES = (
    (r"\b(?:is|are|remains|remain) (?:competitive with|comparable to|on par with)\b", "outperforms"),
    (r"\b(?:competitive with|comparable to|on par with)\b", "better than"),
    (r"\bmatch(?:es|ing)?\b", "outperforms"),
    (r"\bup to\s+", ""),
    (r"\bcan\s+(\w+)", r"\1s"),
    (r"\bapproaches\b", "surpasses"),
    (r"\bnearly\s+", ""),
)
COMPARISONS = (
    (r"\boutperforms\b", "is outperformed by"),
    (r"\bsurpasses\b", "falls short of"),
    (r"\boutperforming\b", "trailing"),
    (r"\bbeats\b", "loses to"),
)
ROLES = (
    (r"\bbenchmark\b", "method"),
    (r"\bdataset\b", "model"),
    (r"\btraining-free\b", "training-based"),
    (r"\bwithout (?:any )?(?:additional )?training\b", "with extensive additional training"),
    (r"\btext-to-image\b", "image-to-text"),
    (r"\bimage-to-text\b", "text-to-image"),
    (r"\btext-to-video\b", "video-to-text"),
    (r"\bsurvey\b", "new method"),
    (r"\b(?:reveal|show|find)s? that\b", "proposes a method that shows"),
    (r"\bfail(?:s|ure)?\b", "succeed"),
    (r"\blimitations\b", "strengths"),
    (r"\bzero-shot\b", "fine-tuned"),
    (r"\bunsupervised\b", "supervised"),
)
CLAUSE = re.compile(r",\s+(?:while|whereas|but|although|thereby|and)\s+|,\s+(?=\w+ing\b)")
HALF_TRUE_KINDS = (
    "stock_ending", "and_effect", "hedge_dropped", "comparison_reversed", "clause_reversed", "role_swap",
)  # fmt: skip


def says(pattern: str, abstract: str) -> bool:
    return re.search(pattern, abstract[:8000], re.IGNORECASE) is not None


def stock_ending(sentence: str, abstract: str, rng: random.Random) -> tuple[str, int] | None:
    ending, support = rng.choice(STOCK_ENDINGS)
    if not sentence.endswith(".") or ending.split()[-1].lower() in sentence.lower():
        return None
    joined = f"{sentence[:-1]}, {ending}." if not ending.startswith("and ") else f"{sentence[:-1]} {ending}."
    return joined, int(says(support, abstract))


def and_effect(sentence: str, abstract: str, rng: random.Random) -> tuple[str, int] | None:
    match = EFFECT_VERB.search(sentence)
    unsaid = [e for e in EFFECTS if e.split()[0][:7].lower() not in abstract.lower()]
    if not match or not unsaid:
        return None
    end = match.end(2)
    return f"{sentence[:end]} and {rng.choice(unsaid)}{sentence[end:]}", 0


def replace_first(sentence: str, table, rng: random.Random) -> str | None:
    found = [(p, r) for p, r in table if re.search(p, sentence, re.IGNORECASE)]
    if not found:
        return None
    pattern, replacement = rng.choice(found)
    changed = re.sub(pattern, replacement, sentence, count=1, flags=re.IGNORECASE)
    return changed if changed != sentence else None


def clause_reversed(sentence: str, rng: random.Random) -> str | None:
    cuts = list(CLAUSE.finditer(sentence))
    if not cuts:
        return None
    head, tail = sentence[: cuts[-1].end()], sentence[cuts[-1].end() :]
    changed = antonym(tail, rng) or negate(tail, rng)
    return head + changed if changed and changed != tail else None


def half_true(kind: str, sentence: str, abstract: str, rng: random.Random) -> tuple[str, int] | None:
    """(sentence, label) of this kind made from a supported sentence, or None when the kind does not apply."""
    if kind == "stock_ending":
        return stock_ending(sentence, abstract, rng)
    if kind == "and_effect":
        return and_effect(sentence, abstract, rng)
    tables = {"hedge_dropped": HEDGES, "comparison_reversed": COMPARISONS, "role_swap": ROLES}
    changed = replace_first(sentence, tables[kind], rng) if kind in tables else clause_reversed(sentence, rng)
    if kind not in tables and kind != "clause_reversed":
        raise ValueError(f"unknown half-true kind {kind!r}")
    return (changed, 0) if changed else None
