"""TL;DR quality against Hugging Face's own one-line `ai_summary`, with two baselines.

On the held-out test days (`training/archive.py`: the newest days, never trained or tuned on), every paper
that carries `ai_summary` (or N of them, evenly spaced): ROUGE-L F1 and embedding cosine (all-MiniLM-L6-v2) of
(a) our TL;DR (the trained writer, judged part by part, its fallback the extractive TL;DR), (b) the title, (c) the
abstract's first sentence, (d) the extractive TL;DR the cards show by default; and
the share of TL;DRs that state a number or name (ACRONYM, CamelCase, capitalised multi-word) found in neither the
title nor the abstract, for ours as shown, for the model's outputs the check rejected, and for `ai_summary` itself
(how strict the measure is on a human-vetted summary).
Also: hype words the abstract does not use, and the share of fallbacks.
Writes benchmarks/results/tldr_quality.json (or --name).
Run: .venv/bin/python -m benchmarks.tldr_quality [--n 0] [--adapter none]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
from rouge_score import rouge_scorer

from agent.judge.checker import ClaimChecker
from agent.judge.terms import Source, invented
from agent.models.llm import LocalLLM
from agent.settings import Settings, open_store
from agent.tldr import TldrWriter, clip_words, extractive_tldr, first_sentence, hype_words
from benchmarks.common import SHARED, write_result
from training.archive import read_archive
from vectorstore.embeddings import Embedder


def sample_papers(n: int, split: str = "test") -> list:
    papers = read_archive(SHARED / "data" / "hf_daily_papers").papers[split]
    step = max(1, len(papers) // n) if n else 1
    return papers[::step][:n] if n else papers


def scores(candidates: list[str], references: list[str], embedder: Embedder) -> dict:
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    rouge = [scorer.score(r, c)["rougeL"].fmeasure for c, r in zip(candidates, references)]
    a, b = embedder.embed(candidates), embedder.embed(references)
    return {
        "rougeL_f1": round(float(np.mean(rouge)), 4),
        "cosine": round(float(np.mean((a * b).sum(1))), 4),
        "mean_words": round(float(np.mean([len(c.split()) for c in candidates])), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=0, help="papers (0: every held-out paper with ai_summary)")
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--adapter", default="bundled", help="'bundled' (the trained writer), 'none', or a folder")
    parser.add_argument("--no-checker", action="store_true", help="word checks only (the app also runs the checker)")
    parser.add_argument("--name", default="tldr_quality")
    args = parser.parse_args()
    papers = sample_papers(args.n)
    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="papers-tldrq-")), model=args.model, adapter=args.adapter)
    llm = LocalLLM(
        settings.model, settings.data_dir, settings.device, settings.dtype, settings.batch_size, adapter=args.adapter
    )
    checker = None if args.no_checker else ClaimChecker()
    writer = TldrWriter(llm, open_store(settings), settings.max_new_tokens, checker=checker)
    started = time.perf_counter()
    tldrs = writer.tldrs(papers)
    seconds = time.perf_counter() - started
    embedder = Embedder("all-MiniLM-L6-v2")
    references = [p.ai_summary for p in papers]
    ours = [tldrs[p.id].text for p in papers]

    def invented_share(texts: list[str]) -> float:
        made_up = [invented(t, Source.of(p.title, p.abstract)) for t, p in zip(texts, papers)]
        return round(sum(bool(m) for m in made_up) / len(papers), 3)

    result = {
        "papers": len(papers),
        "invented_share": invented_share(ours),
        "rejected_for_invented_terms_share": round(
            sum(tldrs[p.id].reason.startswith("terms not in the abstract") for p in papers) / len(papers), 3
        ),
        "ai_summary_invented_share": invented_share(references),
        "days": [papers[0].date.isoformat(), papers[-1].date.isoformat()],
        "hype_tldrs": [t for t in ours if hype_words(t, "")],
        "hype_not_in_abstract": sum(bool(hype_words(t, p.abstract)) for t, p in zip(ours, papers)),
        "model": llm.name,
        "device": llm.device,
        "generation_seconds": round(seconds, 1),
        "fallback_share": round(sum(tldrs[p.id].fallback for p in papers) / len(papers), 3),
        "ours": scores(ours, references, embedder),
        "title": scores([p.title for p in papers], references, embedder),
        "first_sentence": scores([clip_words(first_sentence(p.abstract)) for p in papers], references, embedder),
        # What the cards show by default (PAPERS_TLDR=extractive): the floor the model's TL;DRs must beat.
        "extractive": scores([extractive_tldr(p).text for p in papers], references, embedder),
        "model_shown_share": round(sum(not tldrs[p.id].fallback for p in papers) / len(papers), 3),
        "checker": not args.no_checker,
        "fallback_reasons": dict(
            Counter(tldrs[p.id].reason.split(":")[0].split(" (")[0] for p in papers if tldrs[p.id].fallback)
        ),
        "examples": [
            {"title": p.title, "ours": tldrs[p.id].text, "fallback": tldrs[p.id].fallback, "reference": p.ai_summary}
            for p in papers[:: max(1, len(papers) // 12)][:12]
        ],
    }
    write_result(args.name, result)


if __name__ == "__main__":
    main()
