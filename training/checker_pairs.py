"""The archive -> (claim, evidence, label, kind) rows for the claim checker, one JSONL file per split.

In: the archive folder. Out: `train.jsonl`, `val.jsonl`, `test.jsonl`, one `{"claim", "evidence", "label", "kind",
"id"}` object a line. Evidence is what the app gives the checker: the claim's best few sentences of the paper's
title and abstract (`agent.judge.checker.select_evidence`). Per paper:
- supported (label 1): `ai_summary` (kind `ai_summary`) and two abstract sentences (kind `abstract`);
- unsupported (label 0): each corruption of `training.corrupt` applied to `ai_summary` or an abstract
  sentence, each half-true kind of `training.half_true` (a stock ending the abstract does support is
  labelled 1), another paper's summary against this paper's evidence (`other_paper`), and an abstract sentence against
  evidence with that sentence removed (`removed_evidence`).
Run: python -m training.checker_pairs --archive ../shared/data/hf_daily_papers --out build/checker
"""

from __future__ import annotations

import random
from pathlib import Path

from agent.judge.checker import select_evidence, source_sentences
from agent.text import lead_name
from training.archive import pairs_main, sample_others, write_splits
from training.corrupt import KINDS, NAME, corrupt
from training.half_true import HALF_TRUE_KINDS, half_true
from vectorstore.records import Paper


def row(claim: str, sentences: list[str], label: int, kind: str, paper: Paper) -> dict:
    return {"claim": claim, "evidence": select_evidence(claim, sentences).text, "label": label, "kind": kind,
            "id": paper.id}  # fmt: skip


def rows_of(paper: Paper, rng: random.Random, names: list[str], others: list[Paper]) -> list[dict]:
    sentences = source_sentences(paper.title, paper.abstract)
    body = [s for s in sentences[1:] if 6 <= len(s.split()) <= 60]
    summary = " ".join(paper.ai_summary.split())
    rows = [row(summary, sentences, 1, "ai_summary", paper)]
    rows += [row(s, sentences, 1, "abstract", paper) for s in rng.sample(body, min(2, len(body)))]
    other_summaries = [o.ai_summary for o in others]
    for kind in KINDS:
        base = summary if rng.random() < 0.6 or not body else rng.choice(body)
        false = corrupt(kind, base, rng, names, other_summaries) or corrupt(kind, summary, rng, names, other_summaries)
        if false and false != base:
            rows.append(row(false, sentences, 0, kind, paper))
    rows += half_true_rows(paper, sentences, [summary, *rng.sample(body, len(body))], rng)
    if others:
        rows.append(row(rng.choice(others).ai_summary, sentences, 0, "other_paper", paper))
    if body:
        removed = rng.choice(body)
        rows.append(row(removed, [s for s in sentences if s != removed], 0, "removed_evidence", paper))
    return rows


def half_true_rows(paper: Paper, sentences: list[str], bases: list[str], rng: random.Random) -> list[dict]:
    """One row per half-true kind, from the first supported sentence the kind applies to."""
    rows = []
    for kind in HALF_TRUE_KINDS:
        made = next((m for m in (half_true(kind, b, paper.abstract, rng) for b in bases) if m), None)
        if made:
            rows.append(row(made[0], sentences, made[1], kind, paper))
    return rows


def rows_with_sources(papers: list[Paper], rng: random.Random) -> list[tuple[dict, list[str]]]:
    """Every row of these papers beside the source sentences a judge checks it against (title first): what the
    app's gate and checker see. A `removed_evidence` row's source lacks its claim, as its evidence does."""
    names, found = names_in(papers), []
    for i, paper in enumerate(papers):
        sentences = source_sentences(paper.title, paper.abstract)
        for row in rows_of(paper, rng, names, sample_others(papers, i, rng, 8)):
            kept = [s for s in sentences if s != row["claim"]] if row["kind"] == "removed_evidence" else sentences
            found.append((row, kept))
    return found


def names_in(papers: list[Paper]) -> list[str]:
    """Method names and acronyms of these papers: what a name swap borrows."""
    found = {lead_name(p.title) for p in papers} | {m.group(0) for p in papers for m in NAME.finditer(p.ai_summary)}
    return sorted(n for n in found if n and len(n) > 2 and len(n.split()) <= 3)


def write_pairs(archive: Path, out: Path, seed: int = 0) -> dict[str, int]:
    def rows_for(name: str, papers: list[Paper]) -> list[dict]:
        rng = random.Random(f"{seed}-{name}")
        names = names_in(papers)  # borrowed only within a split: no test name leaks into training
        rows = []
        for i, paper in enumerate(papers):
            rows += rows_of(paper, rng, names, sample_others(papers, i, rng, 8))
        return rows

    return write_splits(archive, out, rows_for)


def main() -> None:
    pairs_main(__doc__, write_pairs)


if __name__ == "__main__":
    main()
