"""The claim checker on the held-out test days, beside the lexical check it replaces, and its speed on this CPU.

Rows come from `training.checker_pairs` over the test days only (never trained or tuned on): each paper's
`ai_summary` and abstract sentences (supported), and their corruptions (negation, antonym, number swap, name swap,
an added clause, another paper's summary, evidence with the supporting sentence removed). For each kind, the share
judged right by:
- `checker`: the trained cross-encoder alone, at the threshold chosen on the validation days;
- `gate_and_checker`: what the app runs (numbers and names must be in the source, then the checker; the rows'
  evidence is `select_evidence`'s, as in `ClaimChecker.verdicts`);
- `lexical`: every number, name and content word of the claim in the source (`agent/judge/terms.py`, the old check);
- `numbers_names`: numbers and names only (the gate alone).
Speed: milliseconds per claim, scored in batches of 32 on this machine's CPU.
Writes benchmarks/results/checker_eval.json. Run: .venv/bin/python -m benchmarks.checker_eval [--limit N]
"""

from __future__ import annotations

import argparse
import random
import time
from collections import defaultdict

from agent.judge.checker import ClaimChecker
from agent.judge.terms import Source, check
from benchmarks.common import SHARED, write_result
from training.archive import read_archive
from training.checker_pairs import rows_with_sources


def test_rows(limit: int) -> tuple[list[dict], list[list[str]]]:
    """Rows of the test days with each row's source sentences (title first)."""
    papers = read_archive(SHARED / "data" / "hf_daily_papers").papers["test"]
    papers = papers[:limit] if limit else papers
    found = rows_with_sources(papers, random.Random("eval-test"))
    return [row for row, _ in found], [sources for _, sources in found]


def shares(rows: list[dict], judged: list[bool]) -> dict[str, float]:
    """Per kind, the share judged right (supported kinds accepted, corrupted kinds rejected)."""
    right, total = defaultdict(int), defaultdict(int)
    for row, accepted in zip(rows, judged):
        total[row["kind"]] += 1
        right[row["kind"]] += accepted == bool(row["label"])
    return {kind: round(right[kind] / total[kind], 4) for kind in sorted(total)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="test papers (0: all)")
    args = parser.parse_args()
    rows, sources = test_rows(args.limit)
    checker = ClaimChecker()
    started = time.perf_counter()
    scores = checker.scores([r["claim"] for r in rows], [r["evidence"] for r in rows])
    seconds = time.perf_counter() - started
    lexical = [check(r["claim"], Source.of(*s)) for r, s in zip(rows, sources)]
    gate = [not (c.numbers or c.names) for c in lexical]
    result = {
        "rows": len(rows),
        "papers": len({r["id"] for r in rows}),
        "threshold": checker.threshold,
        "checker": shares(rows, [s >= checker.threshold for s in scores]),
        "gate_and_checker": shares(rows, [g and s >= checker.threshold for g, s in zip(gate, scores)]),
        "lexical": shares(rows, [c.verified for c in lexical]),
        "numbers_names": shares(rows, gate),
        "dtype": str(checker.model.dtype),
        "ms_per_claim": round(1000 * seconds / len(rows), 2),
    }
    write_result("checker_eval", result)


if __name__ == "__main__":
    main()
