"""The archive of Daily Papers days -> papers with `ai_summary`, split by day into train / val / test.

In: a folder of `YYYY-MM-DD.json` API responses. Out: `ArchiveSplit` (papers per split) and one line per file
that could not be read (the rest still count); `write_splits` turns each split's papers into one JSONL file of
training rows, and `read_jsonl` reads such a file back, naming and skipping bad lines. The split is by day, never
by paper: the newest days (`TEST_FROM` on) are the held-out test days nothing is trained or tuned on; the days
before them from `VAL_FROM` choose checkpoints and settings; everything older trains.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from vectorstore.errors import PapersError
from vectorstore.records import Paper

VAL_FROM = date(2026, 5, 11)
TEST_FROM = date(2026, 6, 1)
SPLITS = ("train", "val", "test")


def split_of(day: date) -> str:
    if day >= TEST_FROM:
        return "test"
    return "val" if day >= VAL_FROM else "train"


@dataclass
class ArchiveSplit:
    papers: dict[str, list[Paper]] = field(default_factory=lambda: {name: [] for name in SPLITS})
    problems: list[str] = field(default_factory=list)
    without_summary: int = 0


def read_archive(folder: Path) -> ArchiveSplit:
    """Every paper that has an `ai_summary`, by split; unreadable files are listed, not fatal."""
    # Imported here: the trainers need only `read_jsonl`, and the GPU machine lacks the parsers' dependencies.
    from sources.files import load_file

    result = ArchiveSplit()
    files = sorted(folder.glob("*.json"))
    if not files:
        result.problems.append(f"{folder}: no .json day files here")
    seen: set[str] = set()
    for path in files:
        try:
            papers = load_file(path)
        except PapersError as error:
            result.problems.append(f"{path.name}: {error.problem}")
            continue
        for paper in papers:
            if paper.id in seen:
                continue
            seen.add(paper.id)
            if not paper.ai_summary.strip() or not paper.abstract.strip():
                result.without_summary += 1
                continue
            result.papers[split_of(paper.date)].append(paper)
    return result


def write_splits(archive: Path, out: Path, rows_for: Callable[[str, list[Paper]], list[dict]]) -> dict[str, int]:
    """`<split>.jsonl` in `out` for each split, from `rows_for(split name, its papers)`; how many rows each got."""
    split = read_archive(archive)
    for problem in split.problems:
        print(f"skipped {problem}")
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name in SPLITS:
        lines = [json.dumps(row, ensure_ascii=False) for row in rows_for(name, split.papers[name])]
        (out / f"{name}.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        counts[name] = len(lines)
    return counts


def read_jsonl(path: Path, problem_of: Callable[[dict], str], limit: int = 0) -> list[dict]:
    """The objects of a JSONL file that `problem_of` finds nothing wrong with; each bad line is named in one line."""
    rows: list[dict] = []
    if not path.exists():
        print(f"skipped {path}: no such file")
        return rows
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            row = json.loads(line)
            problem = problem_of(row) if isinstance(row, dict) else "not a JSON object"
        except ValueError as error:
            problem = str(error)
        if problem:
            print(f"skipped {path.name}:{number}: {problem}")
            continue
        rows.append(row)
    return rows[:limit] if limit else rows


def pairs_main(description: str, write_pairs: Callable[..., dict[str, int]], argv: list[str] | None = None) -> None:
    """The command line the pairs scripts share: `--archive`, `--out`, `--seed`; prints the rows written per split."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--archive", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(json.dumps(write_pairs(args.archive, args.out, seed=args.seed)))


def sample_others(papers: list[Paper], i: int, rng, n: int) -> list[Paper]:
    """Up to `n` papers of the same split other than papers[i]: what a wrong-paper row borrows from."""
    return [papers[j] for j in rng.sample(range(len(papers)), min(n, len(papers))) if j != i]
