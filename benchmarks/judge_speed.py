"""The judge's speed on this CPU: milliseconds a sentence as the app calls it, beside the whole-sentence check.

In: the training and validation days' hand-labelled sentences (benchmarks/data/natural) with their titles and
abstracts. Out: benchmarks/results/judge_speed.json: ms a sentence, batched, for (a) the shipped judge (gate, every
part read apart, the combiner, the copy rule) and (b) its peer measured in the same run, the whole sentence read
once with no combiner (what the checker did before parts were judged), alternating (a, b, a, b) so that a noisy
machine slows both alike; the ratio is the figure to compare across machines; and (c) the judge's Python side alone
(evidence selection and the exact gate, term caches emptied first), in ms a sentence.
Run: .venv/bin/python -m benchmarks.judge_speed
"""

from __future__ import annotations

import time
from pathlib import Path

import agent.judge.checker as checker_module
from agent.judge.checker import ClaimChecker, source_sentences
from agent.judge.parts import Part, parts
from benchmarks.common import ROOT, SHARED, write_result
from training.natural import archive_papers, labelled_rows


def whole(sentence: str) -> list[Part]:
    return [Part(sentence, 0, sentence)]


def python_side(claims: list[str], sources: list[list[str]]) -> float:
    """The judge's work outside the model, as a fresh request meets it (term caches empty): evidence for the
    sentence and for each of its parts, and the exact gate. On a GPU this, not the model, bounds claims a second."""
    from agent.judge.checker import select_evidence
    from agent.judge.terms import Source, check, terms_of

    terms_of.cache_clear()
    started = time.perf_counter()
    for claim, sentences in zip(claims, sources):
        select_evidence(claim, sentences)
        check(claim, Source.of(*sentences))
        pieces = parts(claim)
        for piece in pieces if len(pieces) > 1 else ():
            select_evidence(piece.claim, sentences)
    return round(1000 * (time.perf_counter() - started) / len(claims), 2)


def main() -> None:
    papers = archive_papers(SHARED / "data" / "hf_daily_papers")
    rows = [r for split in ("train", "val")
            for r in labelled_rows(ROOT / "benchmarks" / "data" / "natural" / f"{split}.jsonl", papers)]  # fmt: skip
    claims = [r["sentence"] for r in rows]
    sources = [source_sentences(papers[r["paper_id"]].title, papers[r["paper_id"]].abstract) for r in rows]
    checker = ClaimChecker()
    combiner = checker.combiner
    checker.verdicts(claims[:8], sources[:8])  # first use: stemmers, stop words, the model's first pass
    timings: dict[str, list[float]] = {"judge": [], "whole_sentence": []}
    for name in ("judge", "whole_sentence") * 2:
        checker_module.parts = parts if name == "judge" else whole
        checker.combiner = combiner if name == "judge" else None
        started = time.perf_counter()
        checker.verdicts(claims, sources)
        timings[name].append(round(1000 * (time.perf_counter() - started) / len(claims), 1))
    checker_module.parts = parts
    result = {
        "python_side_ms_per_sentence": python_side(claims, sources),
        "sentences": len(claims),
        "ms_per_sentence": timings,
        "ratio_judge_to_whole_sentence": round(min(timings["judge"]) / min(timings["whole_sentence"]), 2),
        "dtype": str(checker.model.dtype),
        "data": str(Path("benchmarks/data/natural")),
    }
    write_result("judge_speed", result)


if __name__ == "__main__":
    main()
