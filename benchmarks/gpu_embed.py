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


def main() -> None:
    import torch

    from benchmarks.common import write_result
    from vectorstore.embeddings import Embedder

    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=Path, required=True)
    parser.add_argument("--reference", type=Path, required=True)
    parser.add_argument("--model", required=True)
    args = parser.parse_args()
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
            "cosine_to_fp32": {"min": round(float(cosines.min()), 5), "mean": round(float(cosines.mean()), 6)},
        },
    )


if __name__ == "__main__":
    main()
