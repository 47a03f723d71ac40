"""The trained checker and hand-labelled sentences of the training days -> the combiner's weights in checker.json.

In: a checker folder (`agent/weights/checker` or a training run's `best/`), the archive, the training days' hand
labels (`benchmarks/data/natural/train.jsonl`: what our writers wrote, labelled against the abstract), their
hand-written paraphrases (`benchmarks/data/paraphrases/train.jsonl`), and optionally made rows of `checker_pairs`
for `--made-papers` training papers (weighted to count as much as the hand-labelled rows together). The shipped
combiner uses none (the default): on the validation days, made rows lowered the share of true sentences kept at the
same 2% of false ones let through (10% against 19%). Out: `combiner` (`agent/judge/combine.py`: weights, bias,
feature names, row counts) written into the folder's `checker.json`. The threshold is chosen afterwards on the
validation days (`benchmarks/judge_eval.py --calibrate --write`); the held-out days are never read here.
Run: python -m training.fit_combiner --weights agent/weights/checker --archive ../shared/data/hf_daily_papers
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from agent.judge.checker import ClaimChecker, source_sentences
from agent.judge.combine import FEATURES, features, source_terms
from agent.judge.parts import parts
from training.checker_pairs import rows_with_sources
from training.natural import archive_papers, labelled_rows, paraphrases
from vectorstore.records import Paper

DATA = Path(__file__).resolve().parents[1] / "benchmarks" / "data"


def hand_rows(papers: dict[str, Paper], split: str) -> list[tuple[str, list[str], int]]:
    rows = [(r["sentence"], r["paper_id"], int(r["label"] == "supported"))
            for r in labelled_rows(DATA / "natural" / f"{split}.jsonl", papers)]  # fmt: skip
    rows += [(r["sentence"], r["paper_id"], 1) for r in paraphrases(DATA / "paraphrases" / f"{split}.jsonl", papers)]
    return [(claim, source_sentences(papers[i].title, papers[i].abstract), label) for claim, i, label in rows]


def made_rows(papers: list[Paper], n: int) -> list[tuple[str, list[str], int]]:
    rng = random.Random("combiner")
    chosen = rng.sample(papers, min(n, len(papers)))
    return [(row["claim"], kept, row["label"]) for row, kept in rows_with_sources(chosen, rng)]


def fit(weights: Path, archive: Path, made_papers: int = 0) -> dict:
    from sklearn.linear_model import LogisticRegression

    from training.archive import split_of

    papers = archive_papers(archive)
    hand = hand_rows(papers, "train")
    made = made_rows([p for p in papers.values() if split_of(p.date) == "train"], made_papers) if made_papers else []
    checker = ClaimChecker(weights)
    checker.combiner = None  # the raw lowest score over the claim and its parts is the first feature
    rows = hand + made
    verdicts = checker.verdicts([r[0] for r in rows], [r[1] for r in rows])
    # The gate's rejections never reach the combiner: they are not its rows to learn.
    kept = [(i, r, v) for i, (r, v) in enumerate(zip(rows, verdicts)) if not v.reason.startswith(("number", "name"))]
    x = [features(r[0], parts(r[0]), source_terms(r[1]), v.score) for _, r, v in kept]
    y = [r[2] for _, r, _ in kept]
    hand_count = sum(i < len(hand) for i, _, _ in kept)
    made_weight = hand_count / max(1, len(kept) - hand_count) if hand_count else 1.0
    weight = [1.0 if i < len(hand) else made_weight for i, _, _ in kept]
    model = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit(x, y, sample_weight=weight)
    combiner = {"features": list(FEATURES), "weights": [round(float(w), 5) for w in model.coef_[0]],
                "bias": round(float(model.intercept_[0]), 5), "hand_rows": hand_count,
                "made_rows": len(kept) - hand_count}  # fmt: skip
    settings_file = weights / "checker.json"
    settings = json.loads(settings_file.read_text())
    settings["combiner"] = combiner
    settings_file.write_text(json.dumps(settings, indent=2) + "\n")
    return combiner


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", type=Path, required=True)
    parser.add_argument("--archive", type=Path, required=True)
    parser.add_argument("--made-papers", type=int, default=0)
    args = parser.parse_args(argv)
    print(json.dumps(fit(args.weights, args.archive, args.made_papers)))


if __name__ == "__main__":
    main()
