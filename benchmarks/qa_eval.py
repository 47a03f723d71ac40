"""Retrieval and answer quality: the dev questions over the whole archive, off-topic questions, and PubMedQA.

Needs a store holding the whole archive plus the seed page (benchmarks/ingest.py builds one; --data-dir). Reports:
recall@1 and @5 of the gold paper for dense, lexical and hybrid search; for answers from the configured model,
the share whose citations include the gold paper and whose text holds the expected keywords; the share of the 20
questions in benchmarks/unanswerable.json that the agent declines; the relevance of the best passage for both
sets (how the threshold was calibrated); and yes/no/maybe accuracy on 200 PubMedQA items, each with its own
abstract as the only document, against the majority-class baseline.
Run: .venv/bin/python -m benchmarks.qa_eval --data-dir /tmp/bench-store [--pubmed 200]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

from agent.qa import Scope
from agent.services import Services
from agent.settings import Settings
from benchmarks.common import ROOT, SHARED, write_result
from prompts import load_prompt
from vectorstore.search import MODES, Query


def recall(services: Services, questions: list[dict]) -> dict:
    figures = {}
    for mode in MODES:
        hits1 = hits5 = 0
        for item in questions:
            titles = [p.chunk.title for p in services.searcher.search(Query(item["question"], 5, per_paper=True), mode)]
            hits1 += titles[:1] == [item["gold_title"]]
            hits5 += item["gold_title"] in titles
        figures[mode] = {"recall@1": round(hits1 / len(questions), 3), "recall@5": round(hits5 / len(questions), 3)}
    return figures


def answers(services: Services, questions: list[dict]) -> dict:
    cited = with_keywords = keyword_hits = 0
    examples = []
    started = time.perf_counter()
    for item in questions:
        answer = services.qa.answer(item["question"])
        cited += item["gold_title"] in [c.title for c in answer.citations]
        if item.get("answer_keywords"):
            with_keywords += 1
            keyword_hits += all(k.lower() in answer.text.lower() for k in item["answer_keywords"])
        if len(examples) < 5:
            examples.append(
                {"question": item["question"], "answer": answer.text, "cited": [c.title for c in answer.citations]}
            )
    return {
        "gold_cited_share": round(cited / len(questions), 3),
        "keyword_share": round(keyword_hits / with_keywords, 3) if with_keywords else None,
        "questions_with_keywords": with_keywords,
        "seconds_per_answer": round((time.perf_counter() - started) / len(questions), 2),
        "examples": examples,
    }


def best_relevance(services: Services, question: str) -> float:
    return max((p.relevance or 0.0) for p in services.searcher.search(Query(question, 5)))


def declines(services: Services, questions: list[str]) -> dict:
    declined = sum(not services.qa.start(q, [], Scope()).covered for q in questions)
    return {"questions": len(questions), "declined_share": round(declined / len(questions), 3)}


def pubmedqa(services: Services, n: int) -> dict:
    items = list(json.loads((SHARED / "eval" / "pubmedqa_dev.json").read_text()).values())[:n]
    prompt = load_prompt("yesno")
    gold = [item["final_decision"] for item in items]
    predicted = []
    for item in items:
        context = " ".join(item["CONTEXTS"])[:2500]
        messages = prompt.render(question=item["QUESTION"], context=context)
        predicted.append(services.model.choose(messages, ["yes", "no", "maybe"]))
    majority_label, majority_count = Counter(gold).most_common(1)[0]
    return {
        "items": len(items),
        "accuracy": round(sum(p == g for p, g in zip(predicted, gold)) / len(items), 3),
        "majority_baseline": round(majority_count / len(items), 3),
        "majority_label": majority_label,
        "predicted": dict(Counter(predicted)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--pubmed", type=int, default=200)
    parser.add_argument("--name", default="qa_eval")
    args = parser.parse_args()
    services = Services(Settings(data_dir=args.data_dir))
    dev = json.loads((SHARED / "eval" / "dev_questions.json").read_text())
    off_topic = json.loads((ROOT / "benchmarks" / "unanswerable.json").read_text())
    result = {
        "store": {"papers": services.store.counts()[0], "chunks": services.store.counts()[1]},
        "dev_questions": len(dev),
        "retrieval": recall(services, dev),
        "relevance_of_best_passage": {
            "answerable_min": round(min(best_relevance(services, q["question"]) for q in dev), 3),
            "off_topic_max": round(max(best_relevance(services, q) for q in off_topic), 3),
        },
        "off_topic": declines(services, off_topic),
        "answers": answers(services, dev),
        "model": services.settings.model,
    }
    if args.pubmed:
        result["pubmedqa"] = pubmedqa(services, args.pubmed)
    write_result(args.name, result)


if __name__ == "__main__":
    main()
