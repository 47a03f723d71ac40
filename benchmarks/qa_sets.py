"""Archive days -> question sets worded the way a reader asks, split by day into tune and held-out.

In: the shared archive. Out: `benchmarks/data/qa_sets.json`, made once and committed, so every run scores the same
questions. The wording comes from Hugging Face's `ai_summary` of each paper (a strong model's paraphrase), never
from the abstract the answer is found in, and no question names its paper:
- `which`: the summary with its subject masked ("Which work combines real and mock app environments to improve
  training of open models for phone use?"); gold = the paper;
- `figure`: "How well does <the summary's description> do, in numbers?"; gold = the paper, and the answer must
  state one of the abstract's figures;
- `compare`: "How do <description A> and <description B> differ?" over two papers of one day; gold = both cited;
- `unanswerable`: in-domain questions about a described paper whose abstract does not hold the answer (GPUs,
  learning rate, batch size, training hours, optimizer); the words are checked here only to label the set;
- `conversation`: a `which` question, then "What data did they evaluate it on?" (answerable where the abstract
  names a dataset or benchmark) and "How many GPUs did they use?" (not answerable): both must stay on the paper.
`tune` = validation days (2026-05-11..31), `held_out` = test days (2026-06-01..30), as in training/archive.py:
nothing is trained or tuned on the held-out days. The questions come from `training/questions.py` in its EVAL
wording; the answerability model trains on the TRAIN wording and on other unstated attributes, so these sets ask
in words it never saw (the summary-based generator is shared: say so beside the figures). The store
benchmarks/qa_eval.py builds is the seed page plus every day of both splits.
Run: .venv/bin/python -m benchmarks.qa_sets
"""

from __future__ import annotations

import hashlib
import json

from benchmarks.common import ROOT, SHARED
from training.archive import read_archive
from training.questions import DATA_WORDS, EVAL, FIGURE, describe, shorten, unstated_question, which_question
from vectorstore.records import Paper

OUT = ROOT / "benchmarks" / "data" / "qa_sets.json"
SPLITS = {"val": "tune", "test": "held_out"}
PER_SPLIT = {"which": 60, "figure": 30, "compare": 20, "unanswerable": 30, "conversation": 20}


def split_by_hash(paper_id: str, n: int) -> int:
    return int(hashlib.sha256(paper_id.encode()).hexdigest(), 16) % n


def items_for(paper: Paper) -> dict[str, dict]:
    found = describe(paper.ai_summary, paper.title)
    if found is None:
        return {}
    pick = split_by_hash(paper.id, 1000)
    base = {"paper_id": paper.id, "title": paper.title}
    made = {"which": {**base, "question": which_question(found, EVAL, pick)}}
    figures = sorted({m.group(1) for m in FIGURE.finditer(paper.abstract)})
    if figures:
        made["figure"] = {**base, "question": EVAL.figure[0].format(d=found.phrase), "keys": figures}
    unstated = unstated_question(found, f"{paper.title} {paper.abstract}", EVAL, pick)
    if unstated:
        made["unanswerable"] = {**base, "question": unstated}
    if DATA_WORDS.search(paper.abstract) and "gpu" not in paper.abstract.lower():
        follow_ups = [
            {"question": EVAL.data[0], "answerable": True},
            {"question": "How many GPUs did they use?", "answerable": False},
        ]
        made["conversation"] = {**base, "question": made["which"]["question"], "follow_ups": follow_ups}
    return made


def build() -> dict:
    archive = read_archive(SHARED / "data" / "hf_daily_papers")
    sets: dict[str, list[dict]] = {kind: [] for kind in PER_SPLIT}
    for split_name, split in SPLITS.items():
        papers = sorted(archive.papers[split_name], key=lambda p: (p.date, split_by_hash(p.id, 1000)))
        made = [(p, items_for(p)) for p in papers]
        for kind in ("which", "figure", "unanswerable", "conversation"):
            chosen = [m[kind] for _, m in made if kind in m]
            step = max(1, len(chosen) // PER_SPLIT[kind])  # spread over the split's days
            sets[kind] += [{**item, "split": split} for item in chosen[::step][: PER_SPLIT[kind]]]
        pairs = [(a, b) for (a, ma), (b, mb) in zip(made, made[1:]) if a.date == b.date and ma and mb]
        step = max(1, len(pairs) // PER_SPLIT["compare"])
        for a, b in pairs[::step][: PER_SPLIT["compare"]]:
            da, db = (shorten(describe(p.ai_summary, p.title).phrase.split(), 12) for p in (a, b))
            question = f"How do {da} and {db} differ?"
            golds = [{"paper_id": p.id, "title": p.title} for p in (a, b)]
            sets["compare"].append({"question": question, "gold": golds, "split": split})
    days = sorted({p.date.isoformat() for s in SPLITS for p in archive.papers[s]})
    return {"days": [f"{day}.json" for day in days], **sets}


def main() -> None:
    result = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    for kind in PER_SPLIT:
        split = [q["split"] for q in result[kind]]
        print(f"{kind}: {len(split)} ({split.count('tune')} tune, {split.count('held_out')} held out)")


if __name__ == "__main__":
    main()
