"""The archive -> (prompt fields, `ai_summary`) pairs for the TL;DR writer, one JSONL file per split.

In: the archive folder (`../shared/data/hf_daily_papers`). Out: `train.jsonl`, `val.jsonl`, `test.jsonl` in the
output folder, one `{"id", "day", "title", "key_sentences", "target"}` object a line, where `key_sentences` is
exactly what the app puts in the prompt (agent/tldr.py) and `target` is Hugging Face's `ai_summary`.
Run: python -m training.tldr_pairs --archive ../shared/data/hf_daily_papers --out build/tldr
"""

from __future__ import annotations

from pathlib import Path

from agent.tldr import key_sentences
from training.archive import pairs_main, write_splits
from vectorstore.records import Paper


def pair_of(paper: Paper) -> dict:
    return {
        "id": paper.id,
        "day": paper.date.isoformat(),
        "title": paper.title,
        "key_sentences": key_sentences(paper.abstract),
        "target": " ".join(paper.ai_summary.split()),
    }


def write_pairs(archive: Path, out: Path, seed: int = 0) -> dict[str, int]:  # deterministic: no seed used
    return write_splits(archive, out, lambda _name, papers: [pair_of(p) for p in papers])


def main() -> None:
    pairs_main(__doc__, write_pairs)


if __name__ == "__main__":
    main()
