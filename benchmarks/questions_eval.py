"""Answers to questions written by hand as researchers type them (benchmarks/data/questions), split by day.

In: the hand-written sets (`<split>.jsonl`, GUIDELINE.md there: written from the titles and abstracts before any
answer was looked at), a store built here from the seed page and every day the sets use plus the qa_sets days
(other papers to get wrong), the configured model or none (`--no-model`: the evidence alone). Out, per split:
- answerable: false "the papers do not say" (refused or not covered), the gold paper cited, the answer words in the
  answer's first sentence and anywhere in it, seconds to first text and to the whole answer;
- unanswerable: refused;
- floors beside: search alone (the gold paper in the top 1 and top 5 passages) and "always answer" (refuses none).
Writes benchmarks/results/<name>.json. Held-out (`test`) is reported once, after choices are made on `val`.
Run: .venv/bin/python -m benchmarks.questions_eval --data-dir /tmp/q-store --splits val [--no-model]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from agent.ingest import ingest_paths
from agent.services import Services
from agent.settings import Settings
from agent.text import split_sentences
from benchmarks.common import ROOT, SHARED, write_result
from benchmarks.qa_eval import percentile, timed_answer
from benchmarks.qa_sets import OUT as QA_SETS
from vectorstore.search import Query

SETS = ROOT / "benchmarks" / "data" / "questions"


def read_set(split: str) -> list[dict]:
    path = SETS / f"{split}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def build_store(services: Services, days: set[str]) -> None:
    if services.store.counts()[0]:
        return
    files = [SHARED / "data" / "hf_daily_papers" / f"{day}.json" for day in sorted(days)]
    ingest_paths(services.store, [SHARED / "seed" / "000_0cdeb4aa8e127190.txt", *files], say=lambda _: None)


def has_words(text: str, words: list[str]) -> bool:
    lowered = text.lower()
    return bool(words) and all(w.lower() in lowered for w in words)


def score(services: Services, items: list[dict]) -> dict:
    answerable = [q for q in items if q["answerable"]]
    unanswerable = [q for q in items if not q["answerable"]]
    refused = cited = first_words = any_words = top1 = top5 = 0
    first_s, whole_s, misses, records = [], [], [], []
    for item in answerable:
        answer, first, whole = timed_answer(services, item["question"])
        records.append(record(item, answer))
        first_s.append(first)
        whole_s.append(whole)
        said = answer.covered and answer.said
        refused += not said
        cited += any(c.paper_id == item["paper_id"] for c in answer.citations)
        opening = (split_sentences(answer.text) or [""])[0]
        first_words += said and has_words(opening, item["answer_words"])
        any_words += said and has_words(answer.text, item["answer_words"])
        found = [p.chunk.paper_id for p in services.searcher.search(Query(item["question"], 5, per_paper=True))]
        top1 += found[:1] == [item["paper_id"]]
        top5 += item["paper_id"] in found
        if not said and len(misses) < 12:
            misses.append({"id": item["id"], "question": item["question"], "answer": answer.text[:300]})
    kept = 0
    wrongly_answered = []
    for item in unanswerable:
        answer, _, _ = timed_answer(services, item["question"])
        records.append(record(item, answer))
        ok = not (answer.covered and answer.said)
        kept += ok
        if not ok and len(wrongly_answered) < 8:
            wrongly_answered.append({"id": item["id"], "question": item["question"], "answer": answer.text[:300]})
    n, m = max(1, len(answerable)), max(1, len(unanswerable))
    return {
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "false_refusal_share": round(refused / n, 3),
        "floor_always_answer_false_refusal_share": 0.0,
        "gold_cited_share": round(cited / n, 3),
        "floor_search_top1_share": round(top1 / n, 3),
        "floor_search_top5_share": round(top5 / n, 3),
        "answer_words_in_first_sentence_share": round(first_words / n, 3),
        "answer_words_anywhere_share": round(any_words / n, 3),
        "unanswerable_refused_share": round(kept / m, 3),
        "floor_always_answer_refused_share": 0.0,
        "first_text_s": {"p50": percentile(first_s, 50), "p95": percentile(first_s, 95)},
        "whole_answer_s": {"p50": percentile(whole_s, 50), "p95": percentile(whole_s, 95)},
        "false_refusals": misses,
        "unanswerable_answered": wrongly_answered,
        "per_question": records,
    }


def record(item: dict, answer) -> dict:
    """What decided the refusal: covered (relevance), said, and the answerability model's score."""
    return {"id": item["id"], "answerable": item["answerable"], "covered": answer.covered, "said": answer.said,
            "answerability": answer.answerability}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--splits", nargs="+", default=["val"], choices=["train", "val", "test"])
    parser.add_argument("--no-model", action="store_true", help="evidence only (no rephrasing model)")
    parser.add_argument("--name", default="questions_eval")
    args = parser.parse_args()
    services = Services(Settings(data_dir=args.data_dir))
    sets = {split: read_set(split) for split in ("train", "val", "test")}
    other_days = {day.removesuffix(".json") for day in json.loads(QA_SETS.read_text())["days"]}
    build_store(services, {q["day"] for items in sets.values() for q in items} | other_days)
    if args.no_model:
        services.qa.model = None
    else:
        services.model.generate([[{"role": "user", "content": "warm up"}]], max_new_tokens=2)
    services.qa.start("warm up the embedder and the index")
    result = {"store": dict(zip(("papers", "chunks"), services.store.counts())), "model": not args.no_model}
    for split in args.splits:
        result[split] = score(services, sets[split])
    write_result(args.name + ("_evidence_only" if args.no_model else ""), result)


if __name__ == "__main__":
    main()
