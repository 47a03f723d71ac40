"""Answer quality and latency: dev questions, generated name/figure questions, in-domain unanswerable questions.

In: a store (built here from the seed page plus the 60 archive days of benchmarks/data/qa_sets.json when empty),
the configured model, and the question sets. Out: benchmarks/results/<name>.json with, per set and split:
- key-term accuracy: the expected method name or figure is in the answer text;
- invented: answers stating a number, ACRONYM, CamelCase or capitalised multi-word name found in neither the
  question nor the cited passages (with their titles and ids);
- gold cited: the gold paper is among the answer's own citations (no "cite [1] when nothing is cited" rule);
- false refusals: answerable questions answered "the papers do not say";
- unanswerable handled: "does not say", the paper cited, no number stated; off-topic declined;
- seconds to the first visible text (the evidence) and to the whole answer, p50 and p95, on this machine;
- the model's sentences written, verified and shown;
and, on the same questions, the extractive baseline of issue 11 (top title + best-matching sentence of the top 3
passages), so the gain is measured against it. `held_out` questions are reported and never tuned on.
Run: .venv/bin/python -m benchmarks.qa_eval --data-dir /tmp/qa-store [--no-model] [--name qa_eval]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from agent.claims import Source, invented, split_sentences, terms_of
from agent.ingest import ingest_paths
from agent.services import Services
from agent.settings import Settings
from benchmarks.common import ROOT, SHARED, write_result
from benchmarks.qa_sets import OUT as SETS_FILE
from vectorstore.search import Query


def build_store(services: Services, days: list[str]) -> None:
    if services.store.counts()[0]:
        return
    files = [SHARED / "data" / "hf_daily_papers" / day for day in days]
    ingest_paths(services.store, [SHARED / "seed" / "000_0cdeb4aa8e127190.txt", *files], say=lambda _: None)


def baseline_answer(services: Services, question: str) -> str:
    """Issue 11's extractive floor: the top passage's title and the top-3 sentence best matching the question."""
    passages = services.searcher.search(Query(question, 3))
    if not passages:
        return ""
    candidates = [s for p in passages for s in split_sentences(p.chunk.text)]
    vectors = services.store.embedder.embed([question, *candidates])
    asked = set(terms_of(question).words)
    scores = [
        0.5 * float(vector @ vectors[0]) + 0.5 * len(asked & Source.of(text).words) / max(1, len(asked))
        for text, vector in zip(candidates, vectors[1:])
    ]
    return f"{passages[0].chunk.title}. {candidates[int(np.argmax(scores))]}"


def percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 3) if values else 0.0


def score(services: Services, items: list[dict], with_baseline: bool = True) -> dict:
    keys = named = cited = refused = invented_count = baseline_keys = 0
    first, whole, model_written, model_verified, model_shown = [], [], 0, 0, 0
    examples = []
    for item in items:
        started = time.perf_counter()
        answer = services.qa.start(item["question"])
        first.append(time.perf_counter() - started)
        for _ in services.qa.stream(answer):
            pass
        whole.append(time.perf_counter() - started)
        wanted = item.get("keys") or []
        keys += bool(wanted) and all(k.lower() in answer.text.lower() for k in wanted)
        gold = item.get("paper_id") or item.get("gold_title")
        cited += any(gold in (c.paper_id, c.title) for c in answer.citations)
        named += item.get("gold_title", item.get("title", "")) in answer.text
        refused += not answer.said
        made_up = invented(answer.text, answer.cited_source()) if answer.covered else []
        invented_count += bool(made_up)
        model = [s for s in answer.statements if s.origin == "model"]
        model_written += len(model)
        model_verified += sum(s.verified for s in model)
        model_shown += sum(s.shown for s in model)
        if with_baseline and wanted:
            baseline = baseline_answer(services, item["question"]).lower()
            baseline_keys += all(k.lower() in baseline for k in wanted)
        if len(examples) < 3 or made_up:
            examples.append({"question": item["question"], "answer": answer.text, "invented": made_up})
    n = len(items)
    with_keys = sum(bool(item.get("keys")) for item in items)
    return {
        "questions": n,
        "key_term_share": round(keys / with_keys, 3) if with_keys else None,
        "baseline_key_term_share": round(baseline_keys / with_keys, 3) if with_keys and with_baseline else None,
        "gold_cited_share": round(cited / n, 3),
        "gold_title_in_answer_share": round(named / n, 3),
        "invented_share": round(invented_count / n, 3),
        "false_refusal_share": round(refused / n, 3),
        "first_text_s": {"p50": percentile(first, 50), "p95": percentile(first, 95)},
        "whole_answer_s": {"p50": percentile(whole, 50), "p95": percentile(whole, 95)},
        "model_sentences": {"written": model_written, "verified": model_verified, "shown": model_shown},
        "examples": examples[:6],
    }


def unanswerable(services: Services, items: list[dict]) -> dict:
    handled = declined = 0
    misses = []
    for item in items:
        answer = services.qa.answer(item["question"])
        title_and_question = Source.of(item["question"], item["title"], item["paper_id"])
        states_number = [n for n in terms_of(answer.text).numbers if n not in title_and_question.numbers]
        ok = not answer.said and answer.covered and not states_number
        ok = ok and any(c.paper_id == item["paper_id"] for c in answer.citations)
        handled += ok
        declined += not answer.covered
        if not ok and len(misses) < 5:
            misses.append({"question": item["question"], "answer": answer.text})
    return {
        "questions": len(items),
        "handled_share": round(handled / len(items), 3),
        "declined_as_off_topic_share": round(declined / len(items), 3),
        "misses": misses,
    }


def off_topic(services: Services, questions: list[str]) -> dict:
    declined = sum(not services.qa.start(q).covered for q in questions)
    return {"questions": len(questions), "declined_share": round(declined / len(questions), 3)}


def dev_items() -> list[dict]:
    items = json.loads((SHARED / "eval" / "dev_questions.json").read_text())
    return [{**item, "keys": item.get("answer_keywords") or []} for item in items]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--no-model", action="store_true", help="evidence only (no rephrasing model)")
    parser.add_argument("--name", default="qa_eval")
    args = parser.parse_args()
    services = Services(Settings(data_dir=args.data_dir))
    sets = json.loads(SETS_FILE.read_text())
    build_store(services, sets["days"])
    if args.no_model:
        services.qa.model = None
    else:
        services.model.generate([[{"role": "user", "content": "warm up"}]], max_new_tokens=2)
    services.qa.start("warm up the embedder and the index")
    result: dict = {
        "store": dict(zip(("papers", "chunks"), services.store.counts())),
        "model": None if args.no_model else services.settings.model,
        "dev_37": score(services, dev_items()),
        "off_topic": off_topic(services, json.loads((ROOT / "benchmarks" / "unanswerable.json").read_text())),
    }
    for split in ("tune", "held_out"):
        result[split] = {
            kind: score(services, [{**q, "keys": [q["key"]]} for q in sets[kind] if q["split"] == split])
            for kind in ("name", "figure")
        }
        result[split]["unanswerable"] = unanswerable(services, [q for q in sets["unanswerable"] if q["split"] == split])
    times = [result[s][k]["whole_answer_s"]["p50"] for s in ("tune", "held_out") for k in ("name", "figure")]
    result["whole_answer_p50_s_median_of_sets"] = round(statistics.median(times), 3)
    write_result(args.name, result)


if __name__ == "__main__":
    main()
