"""What our own models write -> sentences to label by hand; labelled sentences -> checker rows and figures.

In: the archive (papers split by day, `training/archive.py`) and the bundled model. `collect` writes one JSONL
row per sentence to label: the trained and the untrained writer's TL;DRs as the app would show them before any
judge (after `clean_tldr`'s word checks, which drop the rest), and the extractive TL;DR the cards show by default.
The sample is fixed by a seed, drawn per split, so labels never cross days. Labels follow
`benchmarks/data/natural/GUIDELINE.md` (supported / unsupported / contradicted, and the span that is wrong).
`rows` appends the train and validation days' labelled sentences and hand-written paraphrases to the checker's
row files (after `checker_pairs`); the held-out days' labels only ever measure.
Run: python -m training.natural collect --archive ../shared/data/hf_daily_papers --out build/natural
     python -m training.natural rows --archive ../shared/data/hf_daily_papers --out build/checker
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from pathlib import Path

from agent.judge.checker import select_evidence, source_sentences
from training.archive import read_archive, read_jsonl
from vectorstore.records import Paper

LABELS = ("supported", "unsupported", "contradicted")
# Papers per split whose TL;DRs are labelled: enough to train on and to choose a threshold, and a held-out set
# large enough that 2% is a handful of sentences.
SAMPLE = {"train": 110, "val": 110, "test": 160}
UNTRAINED_SAMPLE = {"train": 70, "val": 50, "test": 0}
EXTRACTIVE_SAMPLE = {"train": 0, "val": 0, "test": 200}


def label_problem(row: dict) -> str:
    if not isinstance(row.get("sentence"), str) or row.get("label") not in LABELS:
        return f"needs a sentence and a label in {LABELS}"
    return ""


def sample(papers: list[Paper], n: int, seed: str) -> list[Paper]:
    return random.Random(seed).sample(papers, min(n, len(papers)))


def row_of(paper: Paper, split: str, source: str, sentence: str) -> dict:
    return {"id": f"{source}:{paper.id}", "paper_id": paper.id, "day": paper.date.isoformat(), "split": split,
            "source": source, "sentence": sentence, "title": paper.title,
            "abstract": " ".join(paper.abstract.split())}  # fmt: skip


def written(papers: list[Paper], adapter: str) -> dict[str, str]:
    """Each paper's TL;DR as the writer wrote it, after the word checks and before any judge; none when the word
    checks dropped it (those are never shown)."""
    from agent.models.llm import LocalLLM
    from agent.settings import Settings
    from agent.tldr import TldrWriter

    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="papers-natural-")), adapter=adapter)
    llm = LocalLLM(
        settings.model, settings.data_dir, settings.device, settings.dtype, settings.batch_size, adapter=adapter
    )
    writer = TldrWriter(llm, None, settings.max_new_tokens, checker=None)
    tldrs = writer.tldrs(papers)
    return {p.id: tldrs[p.id].text for p in papers if not tldrs[p.id].fallback}


def collect(archive: Path, out: Path, seed: int = 0) -> dict[str, int]:
    from agent.tldr import fallback_tldr

    split = read_archive(archive)
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, papers in split.papers.items():
        rows = []
        for source, sizes, adapter in (
            ("trained_writer", SAMPLE, "bundled"),
            ("untrained_writer", UNTRAINED_SAMPLE, "none"),
        ):
            chosen = sample(papers, sizes[name], f"{seed}-{name}-{source}")
            if chosen:
                texts = written(chosen, adapter)
                rows += [row_of(p, name, source, texts[p.id]) for p in chosen if p.id in texts]
        for paper in sample(papers, EXTRACTIVE_SAMPLE[name], f"{seed}-{name}-extractive"):
            rows.append(row_of(paper, name, "extractive", fallback_tldr(paper, "").text))
        (out / f"{name}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        counts[name] = len(rows)
    return counts


def checker_row(claim: str, title: str, abstract: str, label: int, kind: str, paper_id: str) -> dict:
    evidence = select_evidence(claim, source_sentences(title, abstract)).text
    return {"claim": claim, "evidence": evidence, "label": label, "kind": kind, "id": paper_id}


def labelled_rows(labelled: Path, papers: dict[str, Paper]) -> list[dict]:
    """A labelled file's rows whose paper is in `papers` (the label files hold ids, never the abstracts)."""
    return [r for r in read_jsonl(labelled, label_problem) if r.get("paper_id") in papers]


def checker_rows(labelled: Path, papers: dict[str, Paper]) -> list[dict]:
    """Labelled sentences as checker rows: supported -> 1, unsupported or contradicted -> 0."""
    return [
        checker_row(
            r["sentence"],
            papers[r["paper_id"]].title,
            papers[r["paper_id"]].abstract,
            int(r["label"] == "supported"),
            f"natural_{r['label']}",
            r["paper_id"],
        )  # fmt: skip
        for r in labelled_rows(labelled, papers)
    ]


def paraphrases(written: Path, papers: dict[str, Paper]) -> list[dict]:
    """A file of hand-written faithful paraphrases (benchmarks/data/paraphrases): its rows whose paper is known."""
    return read_jsonl(written, lambda r: "" if r.get("paper_id") in papers and r.get("sentence") else "unknown paper")


def paraphrase_rows(written: Path, papers: dict[str, Paper]) -> list[dict]:
    """Hand-written faithful paraphrases as supported checker rows."""
    return [
        checker_row(
            r["sentence"], papers[r["paper_id"]].title, papers[r["paper_id"]].abstract, 1, "paraphrase", r["paper_id"]
        )  # fmt: skip
        for r in paraphrases(written, papers)
    ]


def add_rows(rows_dir: Path, labels: Path, paraphrases: Path, archive: Path, repeat: int = 3) -> dict[str, int]:
    """Append the train and validation days' labelled sentences and paraphrases to the checker's row files (train
    rows `repeat` times: a few hundred real errors among tens of thousands of made ones); held-out days never."""
    papers = archive_papers(archive)
    counts = {}
    for split, times in (("train", repeat), ("val", 1)):
        extra = checker_rows(labels / f"{split}.jsonl", papers) + paraphrase_rows(
            paraphrases / f"{split}.jsonl", papers
        )
        with (rows_dir / f"{split}.jsonl").open("a", encoding="utf-8") as out:
            for row in extra * times:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        counts[split] = len(extra)
    return counts


def archive_papers(archive: Path) -> dict[str, Paper]:
    """Every paper of the archive by id (with or without `ai_summary`)."""
    split = read_archive(archive)
    return {p.id: p for papers in split.papers.values() for p in papers}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["collect", "rows"])
    parser.add_argument("--archive", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True, help="collect: where to write; rows: the checker rows")
    parser.add_argument("--labels", type=Path, default=Path("benchmarks/data/natural"))
    parser.add_argument("--paraphrases", type=Path, default=Path("benchmarks/data/paraphrases"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.command == "collect":
        print(json.dumps(collect(args.archive, args.out, args.seed)))
    else:
        print(json.dumps(add_rows(args.out, args.labels, args.paraphrases, args.archive)))


if __name__ == "__main__":
    main()
