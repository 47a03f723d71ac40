"""The part-by-part judge on what people and our own models really write, beside simple floors, split by day.

Sets, each from one split of days (`training/archive.py`):
- `natural`: TL;DRs our writers wrote (trained, untrained) and the extractive TL;DR, labelled by hand against the
  abstract (`benchmarks/data/natural/<split>.jsonl`, GUIDELINE.md there): supported ones must be accepted,
  unsupported and contradicted ones rejected;
- `paraphrase`: faithful sentences in a reader's own words, written by hand (`benchmarks/data/paraphrases`);
- `made`: each paper's `ai_summary` and the corruptions of `training.checker_pairs` (the half-true kinds
  included), for `--limit` papers of the split.
What is judged is what the app runs: `ClaimChecker.verdicts` (the number/name gate, then the checker on the whole
sentence and on each part, the lowest score deciding). Floors beside it: the gate alone, and word overlap (the
share of the sentence's content words found in the title and abstract, its threshold chosen on validation by the
same rule).
`--calibrate` (validation days only): the threshold is the lowest at which at most `--max-false` of the natural
false sentences are accepted (what a model may show); the lenient threshold the highest at which `--keep-true` of
the hand-written true sentences stay above it (below it the Check tab says "not supported", between the two "not
confirmed"); `--write` stores it in the shipped checker.json. The held-out days are reported once,
with the threshold chosen there. Writes benchmarks/results/judge_eval_<split>.json.
Run: .venv/bin/python -m benchmarks.judge_eval --split val --calibrate [--write]; then --split test
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import defaultdict
from pathlib import Path

from agent.judge.checker import WEIGHTS, ClaimChecker, source_sentences
from agent.judge.combine import source_terms, term_share
from agent.judge.terms import Source, check
from benchmarks.common import ROOT, SHARED, write_result
from training.archive import read_archive
from training.checker_pairs import rows_with_sources
from training.natural import labelled_rows, paraphrases

DATA = ROOT / "benchmarks" / "data"


def natural_items(split: str, papers: dict) -> list[dict]:
    rows = labelled_rows(DATA / "natural" / f"{split}.jsonl", papers)
    return [{"claim": r["sentence"], "sources": source_sentences(papers[r["paper_id"]].title,
             papers[r["paper_id"]].abstract),
             "label": int(r["label"] == "supported"), "kind": f"natural_{r['source']}_{r['label']}",
             "set": "natural", "id": r["id"]} for r in rows]  # fmt: skip


def paraphrase_items(split: str, papers: dict) -> list[dict]:
    rows = paraphrases(DATA / "paraphrases" / f"{split}.jsonl", papers)
    return [{"claim": r["sentence"], "sources": source_sentences(papers[r["paper_id"]].title,
             papers[r["paper_id"]].abstract), "label": 1, "kind": "paraphrase", "set": "paraphrase", "id": r["id"]}
            for r in rows]  # fmt: skip


def made_items(papers: list, limit: int) -> list[dict]:
    papers = papers[:: max(1, len(papers) // limit)][:limit] if limit else papers
    return [{"claim": row["claim"], "sources": kept, "label": row["label"], "kind": row["kind"], "set": "made",
             "id": row["id"]} for row, kept in rows_with_sources(papers, random.Random("judge-eval"))]  # fmt: skip


def overlap_score(claim: str, sources: list[str]) -> float:
    """Share of the claim's content words, numbers and names found in the source: the word-overlap floor."""
    return term_share(claim, source_terms(sources))


def lowest_threshold(items: list[dict], scores: list[float], max_false: float) -> float:
    """The lowest threshold at which at most `max_false` of the natural false sentences are accepted."""
    false = sorted((s for it, s in zip(items, scores) if it["set"] == "natural" and not it["label"]), reverse=True)
    allowed = int(max_false * len(false))
    return round(min(0.99, false[allowed] + 1e-4), 4) if len(false) > allowed else 0.05


def lenient_threshold(items: list[dict], scores: list[float], share: float) -> float:
    """The highest threshold at which `share` of the hand-written supported sentences (natural and paraphrases) score
    at or above it: below it a sentence is called unsupported, between it and the threshold "not confirmed"."""
    true = sorted(s for it, s in zip(items, scores) if it["set"] in ("natural", "paraphrase") and it["label"])
    return round(true[int((1 - share) * len(true))], 4) if true else 0.0


def shares(items: list[dict], accepted: list[bool]) -> dict[str, float]:
    right, total = defaultdict(int), defaultdict(int)
    for item, ok in zip(items, accepted):
        total[item["kind"]] += 1
        right[item["kind"]] += ok == bool(item["label"])
    return {kind: {"right": round(right[kind] / total[kind], 4), "n": total[kind]} for kind in sorted(total)}


def headline(items: list[dict], accepted: list[bool]) -> dict[str, float]:
    def share(select) -> float:
        chosen = [ok for it, ok in zip(items, accepted) if select(it)]
        return round(sum(chosen) / max(1, len(chosen)), 4)

    return {
        "natural_false_accepted": share(lambda it: it["set"] == "natural" and not it["label"]),
        "natural_supported_accepted": share(lambda it: it["set"] == "natural" and it["label"]),
        "trained_writer_false_accepted": share(lambda it: "trained_writer" in it["kind"] and not it["label"]),
        "paraphrase_accepted": share(lambda it: it["set"] == "paraphrase"),
        "ai_summary_accepted": share(lambda it: it["kind"] == "ai_summary"),
        "made_false_rejected": round(1 - share(lambda it: it["set"] == "made" and not it["label"]), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=["val", "test"], required=True)
    parser.add_argument("--limit", type=int, default=150, help="papers whose ai_summary and corruptions are judged")
    parser.add_argument("--calibrate", action="store_true", help="choose the thresholds here (validation only)")
    parser.add_argument("--write", action="store_true", help="store the chosen threshold in the shipped checker")
    parser.add_argument("--max-false", type=float, default=0.02)
    parser.add_argument("--keep-true", type=float, default=0.85, help="share of true sentences above 'unsupported'")
    parser.add_argument("--weights", type=Path, default=WEIGHTS)
    args = parser.parse_args()
    if args.calibrate and args.split != "val":
        raise SystemExit("thresholds are chosen on the validation days only")
    archive = read_archive(SHARED / "data" / "hf_daily_papers").papers[args.split]
    papers = {p.id: p for p in archive}
    items = natural_items(args.split, papers) + paraphrase_items(args.split, papers) + made_items(archive, args.limit)
    checker = ClaimChecker(args.weights)
    started = time.perf_counter()
    verdicts = checker.verdicts([it["claim"] for it in items], [it["sources"] for it in items])
    seconds = time.perf_counter() - started
    scores = [v.score for v in verdicts]
    overlap = [overlap_score(it["claim"], it["sources"]) for it in items]
    gate = [not (c.numbers or c.names) for c in (check(it["claim"], Source.of(*it["sources"])) for it in items)]
    settings_file = args.weights / "checker.json"
    settings = json.loads(settings_file.read_text())
    if args.calibrate:
        settings["threshold"] = lowest_threshold(items, scores, args.max_false)
        settings["overlap_threshold"] = lowest_threshold(items, overlap, args.max_false)
        settings["lenient_threshold"] = min(settings["threshold"], lenient_threshold(items, scores, args.keep_true))
        if args.write:
            settings_file.write_text(json.dumps(settings, indent=2) + "\n")
    threshold, overlap_at = settings["threshold"], settings.get("overlap_threshold", 0.9)
    judge = [s >= threshold for s in scores]
    lenient = [s >= settings.get("lenient_threshold", threshold) for s in scores]
    floor = [g and o >= overlap_at for g, o in zip(gate, overlap)]
    result = {
        "split": args.split,
        "items": len(items),
        "threshold": threshold,
        "overlap_threshold": overlap_at,
        "lenient_threshold": settings.get("lenient_threshold", threshold),
        "judge": headline(items, judge),
        "judge_not_called_unsupported": headline(items, lenient),
        "floor_word_overlap": headline(items, floor),
        "floor_gate_only": headline(items, gate),
        "judge_by_kind": shares(items, judge),
        "floor_word_overlap_by_kind": shares(items, floor),
        "ms_per_sentence": round(1000 * seconds / len(items), 2),
        "dtype": str(checker.model.dtype),
    }
    write_result(f"judge_eval_{args.split}", result)


if __name__ == "__main__":
    main()
