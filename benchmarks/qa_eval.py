"""Answer quality and latency on questions worded the way a reader asks (benchmarks/qa_sets.py).

In: a store (built here from the seed page plus every day of benchmarks/data/qa_sets.json when empty: the
validation and held-out days), the configured model, the sets. Out: benchmarks/results/<name>.json, per split:
- `which` and `figure` (answerable, the paper not named): gold cited, figure stated, false refusals, invented
  terms, seconds to first text and whole answer, the model's sentences (written, shown, and why the rest were not);
- `compare`: both papers cited; `unanswerable`: refused, and refused citing the paper asked about;
- `conversation`: follow-ups with "they"/"it" stay on the paper; the answerable answered, the other refused;
- `dev_37` (the shared dev questions) and `off_topic` (declined);
beside each row the floor: issue 11's extractive answer (top title + best sentence) for citations and figures, the
top-3 search for comparisons, "always answer" for refusals. `tune` is the validation days' questions (thresholds
were chosen there), `held_out` the test days', never tuned on.
Run: .venv/bin/python -m benchmarks.qa_eval --data-dir /tmp/qa-store [--no-model] [--splits tune] [--name qa_eval]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from agent.ingest import ingest_paths
from agent.judge.terms import Source, invented, terms_of
from agent.present import answer_markdown
from agent.services import Services
from agent.settings import Settings
from agent.text import split_sentences
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


def model_record(answer) -> dict[str, int]:
    """The model's sentences: written, shown, and why the rest were not (number, name, checker, repeat)."""
    counts: dict[str, int] = {"written": 0, "shown": 0}
    for statement in answer.statements:
        if statement.origin != "model":
            continue
        counts["written"] += 1
        counts["shown"] += statement.shown
        if not statement.shown:
            why = statement.unsupported[0].split(":")[0] if statement.unsupported else "repeat"
            counts[why] = counts.get(why, 0) + 1
    return counts


def add_counts(total: dict[str, int], more: dict[str, int]) -> None:
    for key, value in more.items():
        total[key] = total.get(key, 0) + value


def timed_answer(services: Services, question: str, history: list[dict] | None = None):
    started = time.perf_counter()
    answer = services.qa.start(question, history)
    first = time.perf_counter() - started
    for _ in services.qa.stream(answer):
        pass
    return answer, first, time.perf_counter() - started


def cites(answer, paper_id: str) -> bool:
    return any(c.paper_id == paper_id for c in answer.citations)


def score(services: Services, items: list[dict], with_baseline: bool = True) -> dict:
    """Answerable questions: the gold paper cited, its figure stated (figure questions), not refused, nothing
    invented; beside them the floor (issue 11's title + best sentence) on the same questions."""
    keys = cited = refused = invented_count = baseline_keys = baseline_cited = 0
    first, whole, model = [], [], {"written": 0, "shown": 0}
    examples = []
    for item in items:
        answer, first_s, whole_s = timed_answer(services, item["question"])
        first.append(first_s)
        whole.append(whole_s)
        wanted = item.get("keys") or []
        keys += bool(wanted) and answer.said and any(k in terms_of(answer.text).numbers for k in wanted)
        gold = item.get("paper_id") or item.get("gold_title")
        cited += any(gold in (c.paper_id, c.title) for c in answer.citations)
        refused += not (answer.covered and answer.said)
        made_up = invented(answer.text, answer.cited_source()) if answer.covered else []
        invented_count += bool(made_up)
        add_counts(model, model_record(answer))
        if with_baseline:
            baseline = baseline_answer(services, item["question"])
            baseline_keys += bool(wanted) and any(k in terms_of(baseline).numbers for k in wanted)
            baseline_cited += item.get("title", item.get("gold_title", "")) in baseline
        if len(examples) < 3 or made_up or not answer.said:
            examples.append({"question": item["question"], "answer": answer.text, "invented": made_up,
                             "answerability": answer.answerability})  # fmt: skip
    n = len(items)
    with_keys = sum(bool(item.get("keys")) for item in items)
    return {
        "questions": n,
        "gold_cited_share": round(cited / n, 3),
        "floor_gold_cited_share": round(baseline_cited / n, 3) if with_baseline else None,
        "figure_stated_share": round(keys / with_keys, 3) if with_keys else None,
        "floor_figure_stated_share": round(baseline_keys / with_keys, 3) if with_keys and with_baseline else None,
        "false_refusal_share": round(refused / n, 3),
        "floor_false_refusal_share": 0.0,
        "invented_share": round(invented_count / n, 3),
        "first_text_s": {"p50": percentile(first, 50), "p95": percentile(first, 95)},
        "whole_answer_s": {"p50": percentile(whole, 50), "p95": percentile(whole, 95)},
        "model_sentences": model,
        "examples": examples[:8],
    }


def compare(services: Services, items: list[dict]) -> dict:
    both = floor = 0
    for item in items:
        answer, _, _ = timed_answer(services, item["question"])
        golds = [g["paper_id"] for g in item["gold"]]
        both += all(cites(answer, g) for g in golds)
        found = {p.chunk.paper_id for p in services.searcher.search(Query(item["question"], 3))}
        floor += all(g in found for g in golds)
    n = len(items)
    return {"questions": n, "both_cited_share": round(both / n, 3), "floor_both_in_top3_share": round(floor / n, 3)}


def unanswerable(services: Services, items: list[dict]) -> dict:
    """In-domain questions the described paper's text cannot answer: refused ("the papers do not say", or not
    covered), and among those the refusal that cites the paper asked about; the floor (always answer) refuses none."""
    refused = refused_citing = 0
    misses = []
    for item in items:
        answer, _, _ = timed_answer(services, item["question"])
        title_and_question = Source.of(item["question"], item["title"], item["paper_id"])
        states_number = [n for n in terms_of(answer.text).numbers if n not in title_and_question.numbers]
        ok = not (answer.covered and answer.said) and not states_number
        refused += ok
        refused_citing += ok and cites(answer, item["paper_id"])
        if not ok and len(misses) < 5:
            misses.append({"question": item["question"], "answer": answer.text, "answerability": answer.answerability})
    n = len(items)
    return {"questions": n, "refused_share": round(refused / n, 3), "floor_refused_share": 0.0,
            "refused_citing_the_paper_share": round(refused_citing / n, 3), "misses": misses}  # fmt: skip


def conversation(services: Services, items: list[dict]) -> dict:
    """A "which" question, then follow-ups with "they"/"it": each must stay on the paper (cite it); the answerable
    one answered, the other refused."""
    on_paper = answered = refused = turns = 0
    first = []
    examples = []
    for item in items:
        answer, _, _ = timed_answer(services, item["question"])
        history = [{"role": "user", "content": item["question"]},
                   {"role": "assistant", "content": answer_markdown(answer)}]  # fmt: skip
        for follow in item["follow_ups"]:
            reply, first_s, _ = timed_answer(services, follow["question"], history)
            turns += 1
            first.append(first_s)
            on_paper += cites(reply, item["paper_id"])
            said = reply.covered and reply.said
            answered += follow["answerable"] and said
            refused += not follow["answerable"] and not said
            if len(examples) < 4:
                examples.append({"turns": [item["question"], follow["question"]], "answer": reply.text})
    n_answerable = sum(f["answerable"] for i in items for f in i["follow_ups"])
    return {
        "conversations": len(items),
        "follow_ups": turns,
        "on_paper_share": round(on_paper / turns, 3),
        "answerable_answered_share": round(answered / n_answerable, 3),
        "unanswerable_refused_share": round(refused / (turns - n_answerable), 3),
        "follow_up_first_text_s": {"p50": percentile(first, 50), "p95": percentile(first, 95)},
        "examples": examples,
    }


def off_topic(services: Services, questions: list[str]) -> dict:
    declined = sum(not services.qa.start(q).covered for q in questions)
    return {"questions": len(questions), "declined_share": round(declined / len(questions), 3)}


def dev_items() -> list[dict]:
    items = json.loads((SHARED / "eval" / "dev_questions.json").read_text())
    return [{**item, "keys": []} for item in items]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--no-model", action="store_true", help="evidence only (no rephrasing model)")
    parser.add_argument("--name", default="qa_eval")
    parser.add_argument("--splits", nargs="+", default=["tune", "held_out"], choices=["tune", "held_out"])
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
    for split in args.splits:
        of = {kind: [q for q in sets[kind] if q["split"] == split] for kind in sets if kind != "days"}
        result[split] = {
            "which": score(services, of["which"]),
            "figure": score(services, of["figure"]),
            "compare": compare(services, of["compare"]),
            "unanswerable": unanswerable(services, of["unanswerable"]),
            "conversation": conversation(services, of["conversation"]),
        }
    write_result(args.name, result)


if __name__ == "__main__":
    main()
