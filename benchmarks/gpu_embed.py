"""Embedding the whole archive on a GPU: chunks per second through `Embedder.embed`, and fp16 against fp32.

In: the archive's chunk texts (`--chunks`, a .json.gz list made by `--pack DIR` from a store), fp32 reference
vectors of the first 1,000 computed on the CPU (`--reference`), the embedder's folder (`--model`). Out:
`benchmarks/results/gpu_embed.json`: chunks/s for every chunk in one call (cold: the first call; warm: the median of
3 more), and the cosine of each of the first 1,000 vectors to its fp32 reference (min and mean). Chroma's writes
are not part of it (chromadb is not on the GPU machine). Run: `python -m benchmarks.gpu_embed --chunks F
--reference F --model DIR`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import time
from pathlib import Path

import numpy as np


def pack_chunks(papers: Path, out: Path) -> None:
    """The texts the store embeds for these papers (the ingest's own chunker), as a .json.gz list."""
    from datetime import date

    from agent.settings import Settings
    from vectorstore.chunking import chunk_paper, embedding_text, make_splitter
    from vectorstore.records import Paper

    settings = Settings()
    splitter = make_splitter(settings.chunk_size, settings.chunk_overlap)
    rows = json.loads(gzip.decompress(papers.read_bytes()))
    texts = [
        embedding_text(c)
        for r in rows
        for c in chunk_paper(Paper(r["id"], r["title"], r["abstract"], date.fromisoformat(r["date"])), splitter)
    ]
    out.write_bytes(gzip.compress(json.dumps(texts).encode()))
    print(f"{len(texts)} chunks -> {out}")


def split(model, texts: list[str]) -> dict:
    """The two halves of `gpu_embed` apart: tokenising every batch (its two threads) and the model alone on
    batches tokenised beforehand; the larger one holds the rate."""
    from concurrent.futures import ThreadPoolExecutor

    import torch

    from vectorstore.embeddings import GPU_BATCH

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    batches = [[texts[i] for i in order[s : s + GPU_BATCH]] for s in range(0, len(order), GPU_BATCH)]
    prepare = getattr(model, "preprocess", None) or model.tokenize
    began = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        features = list(pool.map(prepare, batches))
    tokenise = time.perf_counter() - began
    on_gpu = [{k: v.to(model.device) if hasattr(v, "to") else v for k, v in f.items()} for f in features]
    torch.cuda.synchronize()
    began = time.perf_counter()
    with torch.inference_mode(), torch.autocast("cuda", dtype=torch.float16):
        for f in on_gpu:
            model(f)["sentence_embedding"]
    torch.cuda.synchronize()
    return {"tokenise_two_threads": round(tokenise, 3), "model_only": round(time.perf_counter() - began, 3)}


def main() -> None:
    import torch

    from benchmarks.common import write_result
    from vectorstore.embeddings import Embedder

    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=Path, required=True)
    parser.add_argument("--reference", type=Path)
    parser.add_argument("--model")
    parser.add_argument("--pack-from-papers", type=Path, help="write --chunks from a gpu_tldr papers pack and stop")
    args = parser.parse_args()
    if args.pack_from_papers:
        pack_chunks(args.pack_from_papers, args.chunks)
        return
    texts = json.loads(gzip.decompress(args.chunks.read_bytes()))
    began = time.perf_counter()
    embedder = Embedder(args.model, "cuda")
    load = time.perf_counter() - began

    def timed() -> tuple[float, np.ndarray]:
        torch.cuda.synchronize()
        began = time.perf_counter()
        vectors = embedder.embed(texts)
        return time.perf_counter() - began, vectors

    cold, vectors = timed()
    warm = statistics.median(timed()[0] for _ in range(3))
    cosines = np.ones(1)
    if args.reference:
        reference = np.load(args.reference)
        cosines = (vectors[: len(reference)] * reference).sum(axis=1)
    write_result(
        "gpu_embed",
        {
            "device": torch.cuda.get_device_name(0),
            "chunks": len(texts),
            "load_seconds": round(load, 2),
            "cold_chunks_per_s": round(len(texts) / cold, 1),
            "warm_chunks_per_s": round(len(texts) / warm, 1),
            "warm_seconds": round(warm, 3),
            "where_the_time_goes_s": split(embedder.model, texts),
            "cosine_to_fp32": {"min": round(float(cosines.min()), 5), "mean": round(float(cosines.mean()), 6)},
        },
    )


if __name__ == "__main__":
    main()
