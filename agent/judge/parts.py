"""A sentence -> its parts, each a claim of its own that the judge checks apart from the others.

In: one sentence someone wrote ("X improves A, outperforming B, while Y fails at C"). Out: `Part`s: the words of
the sentence that make each part (`span`, with its place in the sentence) and the part as a claim the checker can
read on its own (`claim`). A sentence is supported only when every part is: one supported clause does not carry
an unsupported one. Parts are cut where models attach what they add: a participle clause (", outperforming ..."),
a contrast (", while ...", "; ...", ", but ..."), a coordinated verb phrase ("... and improves ..."), a means
("... by using ..."). A participle or a coordinated verb becomes a sentence with "It" as its subject ("It
outperforms B."), so the checker reads a claim, not a fragment; the first part is the sentence up to the first cut.

Why rules and not a parser: the cuts that matter are the few places models attach unsupported additions; English
dependency models (spaCy's) are not published on the package registry by their makers, and a parse costs more than
the check itself on two CPU cores. Input is bounded (`MAX_CHARS`) and every pattern is linear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CHARS = 2000
MAX_PARTS = 6
MIN_WORDS = 2
RESULT_VERBS = (
    "outperform|improv|achiev|enabl|reduc|demonstrat|show|surpass|yield|lead|result|provid|offer|boost|enhanc|"
    "increas|allow|mak|match|maintain|establish|highlight|reveal|captur|preserv|eliminat|requir|produc|deliver|"
    "set|attain|reach|deliver|facilitat|support|ensur|lower|rais|cut|sav|accelerat|speed|scal|generaliz|"
    "mitigat|address|outpac|exceed|beat|rival|narrow|clos|open|pav|unlock|advanc|foster|promot|strengthen"
)
PARTICIPLE = rf"(?:{RESULT_VERBS})\w*ing"
THIRD_PERSON = rf"(?:{RESULT_VERBS}|us|introduc|propos|present|employ|leverag|combin|integrat|incorporat|adopt|" \
    r"appl|learn|train|generat|predict|evaluat|compar|select|build|design|develop|releas|extend|decompos|" \
    r"replac|align|optimiz|fus|handl|treat|model|encod|decod|exploit|guid|outlin|identif|quantif|analyz|switch|" \
    r"rout|retriev|refin|filter|rank|sampl|search|plan|reason|execut|transfer|distill|prun|quantiz|compress|" \
    r"recover|estimat|detect|segment|track|render|edit|reconstruct|synthesiz|translat|summariz|solv|verif|" \
    r"explor|adapt|calibrat|mov|convert|map|keep|add|remov|find|outperform|bridg|unif)\w*s"  # fmt: skip
CUT = re.compile(
    r",\s+(?=(?:while|whereas|although|though|but|yet)\s)"  # a contrast after a comma
    r"|;\s+"
    rf"|,?\s+(?=(?:thereby|thus|while|whereas)\s+{PARTICIPLE}\b)"  # "..., thereby reducing ...", "while keeping"
    rf"|\s*,\s+(?={PARTICIPLE}\b)"  # a participle clause: ", outperforming ..."
    rf"|,?\s+and\s+(?={THIRD_PERSON}\b)"  # a second verb phrase: "... and improves ..."
    r"|,\s+and\s+(?=(?:is|are|was|were|has|have|can|does|also)\s)"  # "..., and is trained ..."
    r"|\s+by\s+(?=\w{2,}ing\b)",  # the means: "... by using ..."
    re.IGNORECASE,
)
LEAD = re.compile(r"^(?:while|whereas|although|though|but|yet|thereby|thus|and|by)\s+", re.IGNORECASE)
IRREGULAR = {"us": "use", "mak": "make", "tak": "take", "writ": "write", "rais": "raise", "caus": "cause",
             "revis": "revise", "pars": "parse", "los": "lose", "choos": "choose"}  # fmt: skip
E_ENDINGS = ("v", "c", "z", "at", "iz", "ur", "bl", "pl", "dl", "gl", "tl", "uc", "ag", "id", "ut", "ud", "rs", "ps")


@dataclass(frozen=True)
class Part:
    span: str  # the sentence's own words for this part
    start: int  # where the span starts in the sentence
    claim: str  # the part as a sentence the checker can read alone


def base_form(participle: str) -> str:
    """ "outperforming" -> "outperform", "reducing" -> "reduce", "setting" -> "set" (rules for English -ing)."""
    stem = participle[:-3]
    if stem in IRREGULAR:
        return IRREGULAR[stem]
    if len(stem) >= 3 and stem[-1] == stem[-2] and stem[-1] not in "slfz":
        return stem[:-1]
    needs_e = stem.endswith(E_ENDINGS) or re.search(r"[^aeiou]in$", stem) or re.search(r"[^aeiou][aeiou]s$", stem)
    return stem + "e" if needs_e and not stem.endswith("e") else stem


def third_person(verb: str) -> str:
    if verb.endswith(("s", "sh", "ch", "x", "z")):
        return verb + "es"
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def as_claim(text: str) -> str:
    """A cut-off part as a sentence: a participle or a verb phrase gets "It" for its subject."""
    text = LEAD.sub("", text.strip()).strip(" ,;")
    first, _, rest = text.partition(" ")
    if re.fullmatch(r"\w{2,}ing", first, re.IGNORECASE):
        text = f"It {third_person(base_form(first.lower()))} {rest}".strip()
    elif re.fullmatch(THIRD_PERSON, first, re.IGNORECASE):
        text = f"It {first.lower()} {rest}".strip()
    else:
        text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text.rstrip(".") + "."


def parts(sentence: str) -> list[Part]:
    """The sentence's parts, the first being its main clause; a sentence with no cut is one part. Parts shorter
    than `MIN_WORDS` words stay joined to the part before them."""
    sentence = sentence[:MAX_CHARS]
    pieces: list[tuple[int, int]] = []
    start = 0
    for match in CUT.finditer(sentence):
        if len(sentence[start : match.start()].split()) >= MIN_WORDS:
            pieces.append((start, match.start()))
            start = match.end()
    pieces.append((start, len(sentence)))
    if len(pieces) > 1 and len(sentence[pieces[-1][0] : pieces[-1][1]].split()) < MIN_WORDS:
        last = pieces.pop()
        pieces[-1] = (pieces[-1][0], last[1])
    pieces = pieces[: MAX_PARTS - 1] + ([(pieces[MAX_PARTS - 1][0], len(sentence))] if len(pieces) >= MAX_PARTS else [])
    result = []
    for begin, end in pieces:
        span = sentence[begin:end].strip().rstrip(".")
        result.append(Part(span, begin, sentence.strip() if len(pieces) == 1 else as_claim(span)))
    return result
