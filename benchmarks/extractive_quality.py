"""The extractive TL;DR (what cards show by default) against Hugging Face's `ai_summary`, per split, without a model.

In: the archive's validation and held-out days (`training/archive.py`), every paper that carries `ai_summary`.
Out: benchmarks/results/extractive_quality.json: ROUGE-L F1 and embedding cosine of the extractive TL;DR beside its
floors (the title, the abstract's first sentence), and how many picks are too short to say anything (< 6 words)
or carry a link. The sentence rules (agent/tldr.py: `pick_sentence`) are chosen on "val"; "test" is reported once.
Run: .venv/bin/python -m benchmarks.extractive_quality [--splits val test]
"""

from __future__ import annotations

import argparse

from agent.tldr import clip_words, extractive_tldr, first_sentence
from benchmarks.common import write_result
from benchmarks.tldr_quality import sample_papers, scores
from vectorstore.embeddings import Embedder


def split_scores(split: str, embedder: Embedder) -> dict:
    papers = [p for p in sample_papers(0, split) if p.ai_summary]
    references = [p.ai_summary for p in papers]
    picks = [extractive_tldr(p).text for p in papers]
    return {
        "papers": len(papers),
        "days": [papers[0].date.isoformat(), papers[-1].date.isoformat()],
        "extractive": scores(picks, references, embedder),
        "title": scores([p.title for p in papers], references, embedder),
        "first_sentence": scores([clip_words(first_sentence(p.abstract)) for p in papers], references, embedder),
        "picks_under_6_words": sum(len(t.split()) < 6 for t in picks),
        "picks_with_a_link": sum("http" in t for t in picks),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--splits", nargs="+", default=["val", "test"])
    args = parser.parse_args()
    embedder = Embedder("all-MiniLM-L6-v2")
    write_result("extractive_quality", {split: split_scores(split, embedder) for split in args.splits})


if __name__ == "__main__":
    main()
