"""The archive -> (question, evidence, label, kind) rows for the answerability model, one JSONL file per split.

In: the archive folder. Out: `train.jsonl`, `val.jsonl`, `test.jsonl` in the claim checker's row format (`claim`
holds the question), so `training.train_checker` trains it unchanged. Evidence is what the app gives the
model: the question's best few sentences of one paper (`agent.judge.answerable.answer_evidence`). Per paper, with the
questions of `training.questions` (TRAIN wording):
- answered (label 1): a question describing the paper against its own text (`which`); "what numbers ..." where the
  abstract states figures (`figure`); a question about its data where the abstract names a dataset (`data`);
- not answered (label 0): the same description against another paper of the split (`other_paper`); "what
  numbers ..." where the abstract states no number (`no_figure`); an attribute the text never mentions
  (`unstated`: memory, licence, cost, hardware, epochs, funding, annotators, seed); the data question where no
  dataset is named (`no_data`).
`add_hand_rows` then appends the questions written by hand as researchers type them
(`benchmarks/data/questions/<split>.jsonl`) against their gold paper, answerable or not, for the training days
(`repeat` times: a hundred real questions among thousands of made ones) and the validation days (once, where the
threshold and the checkpoint are chosen); the held-out days' questions are never read here.
Run: python -m training.answer_pairs --archive ../shared/data/hf_daily_papers --out build/answerable
     python -m training.answer_pairs --archive ../shared/data/hf_daily_papers --out build/answerable --hand
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

from agent.judge.answerable import answer_evidence
from agent.judge.checker import source_sentences
from training.archive import pairs_main, sample_others, write_splits
from training.questions import DATA_WORDS, FIGURE, TRAIN, describe, unstated_question, which_question
from vectorstore.records import Paper

DIGIT = re.compile(r"\d")


def row(question: str, paper: Paper, label: int, kind: str) -> dict:
    evidence = answer_evidence(question, source_sentences(paper.title, paper.abstract))
    return {"claim": question, "evidence": evidence, "label": label, "kind": kind, "id": paper.id}


def rows_of(paper: Paper, rng: random.Random, other: Paper) -> list[dict]:
    found = describe(paper.ai_summary, paper.title)
    if found is None:
        return []
    pick = rng.randrange(1000)
    text = f"{paper.title} {paper.abstract}"
    rows = [row(which_question(found, TRAIN, pick), paper, 1, "which")]
    rows.append(row(which_question(found, TRAIN, pick + 1), other, 0, "other_paper"))
    figure = TRAIN.figure[pick % len(TRAIN.figure)].format(d=found.phrase)
    if FIGURE.search(paper.abstract):
        rows.append(row(figure, paper, 1, "figure"))
    elif not DIGIT.search(paper.abstract):
        rows.append(row(figure, paper, 0, "no_figure"))
    for offset in (0, 7):  # two attributes the text never mentions, so refusals see many kinds of question
        unstated = unstated_question(found, text, TRAIN, pick + offset)
        if unstated:
            rows.append(row(unstated, paper, 0, "unstated"))
    data = TRAIN.data[pick % len(TRAIN.data)]
    rows.append(row(data, paper, 1, "data") if DATA_WORDS.search(text) else row(data, paper, 0, "no_data"))
    return rows


def nearest(paper: Paper, candidates: list[Paper]) -> Paper:
    """The candidate whose summary shares most words with this one's: a harder wrong paper than a random one."""
    words = set(paper.ai_summary.lower().split())
    return max(candidates, key=lambda other: len(words & set(other.ai_summary.lower().split())))


def write_pairs(archive: Path, out: Path, seed: int = 0) -> dict[str, int]:
    def rows_for(name: str, papers: list[Paper]) -> list[dict]:
        rng = random.Random(f"{seed}-{name}")
        rows = []
        for i, paper in enumerate(papers):
            candidates = sample_others(papers, i, rng, 12)
            rows += rows_of(paper, rng, nearest(paper, candidates)) if candidates else []
        return rows

    return write_splits(archive, out, rows_for)


QUESTIONS = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "questions"


def add_hand_rows(archive: Path, out: Path, repeat: int = 10) -> dict[str, int]:
    from training.natural import archive_papers

    papers = archive_papers(archive)
    counts = {}
    for split, times in (("train", repeat), ("val", 1)):
        path = QUESTIONS / f"{split}.jsonl"
        items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        rows = [row(q["question"], papers[q["paper_id"]], int(q["answerable"]),
                    "hand_answerable" if q["answerable"] else "hand_unanswerable")
                for q in items if q["paper_id"] in papers]  # fmt: skip
        with (out / f"{split}.jsonl").open("a", encoding="utf-8") as file:
            file.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows * times)
        counts[split] = len(rows)
    return counts


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if "--hand" not in argv:
        pairs_main(__doc__, write_pairs, argv)
        return
    parser = argparse.ArgumentParser(description="Append the hand-written questions to the rows in --out.")
    parser.add_argument("--hand", action="store_true")
    parser.add_argument("--archive", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    print(json.dumps(add_hand_rows(args.archive, args.out)))


if __name__ == "__main__":
    main()
