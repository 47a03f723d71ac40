"""Search latency with the model warm: the whole-archive store, and a synthetic 100,000-chunk store.

Queries: the 37 dev questions plus 63 archive titles rephrased as questions (100 in all). Reports p50 and p95 in
milliseconds for hybrid and dense search, for (a) the store built by benchmarks/ingest.py (--data-dir) and (b) a
synthetic store of --synthetic chunks (random unit vectors, texts drawn from the archive) to show growth.
Writes benchmarks/results/search_speed.json.
Run: .venv/bin/python -m benchmarks.search_speed --data-dir /tmp/bench-store [--synthetic 100000]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from agent.settings import Settings, open_store
from benchmarks.common import SHARED, write_result
from sources.files import load_file
from vectorstore.records import Chunk
from vectorstore.search import HybridSearcher, Query


def queries() -> list[str]:
    dev = [q["question"] for q in json.loads((SHARED / "eval" / "dev_questions.json").read_text())]
    files = sorted((SHARED / "data" / "hf_daily_papers").glob("*.json"))
    titles = [p.title for f in random.Random(0).sample(files, 30) for p in load_file(f)]
    return dev + [f"What does the paper on {t.split(':')[-1].strip().lower()} propose?" for t in titles[:63]]


def latencies(searcher: HybridSearcher, texts: list[str], mode: str) -> dict:
    searcher.search(Query("warm up", 5), mode)
    times = []
    for text in texts:
        started = time.perf_counter()
        searcher.search(Query(text, 5), mode)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50_ms": round(times[len(times) // 2], 1), "p95_ms": round(times[int(len(times) * 0.95)], 1)}


def synthetic_store(size: int, sample_chunks: list[Chunk]):
    store = open_store(Settings(data_dir=Path(tempfile.mkdtemp(prefix="papers-synthetic-"))))
    rng = np.random.default_rng(0)
    step = 5000
    for start in range(0, size, step):
        part = []
        for n in range(start, min(size, start + step)):
            source = sample_chunks[n % len(sample_chunks)]
            part.append(Chunk(f"syn{n}#0", f"syn{n}", 0, source.text, source.title, date(2025, 1, 1 + n % 28)))
        vectors = rng.normal(size=(len(part), 384)).astype(np.float32)
        store.upsert_chunks(part, vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    store.state.bump_version()
    return store


def measure(store, texts: list[str]) -> dict:
    searcher = HybridSearcher(store)
    started = time.perf_counter()
    searcher.lexical.refresh()
    build = time.perf_counter() - started
    return {
        "chunks": store.counts()[1],
        "bm25_build_or_load_s": round(build, 2),
        "hybrid": latencies(searcher, texts, "hybrid"),
        "dense": latencies(searcher, texts, "dense"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--synthetic", type=int, default=100_000)
    args = parser.parse_args()
    texts = queries()
    store = open_store(Settings(data_dir=args.data_dir))
    result = {"queries": len(texts), "archive": measure(store, texts)}
    if args.synthetic:
        started = time.perf_counter()
        synthetic = synthetic_store(args.synthetic, store.all_chunks()[:20000])
        result["synthetic_build_s"] = round(time.perf_counter() - started, 1)
        result["synthetic"] = measure(synthetic, texts)
    write_result("search_speed", result)


if __name__ == "__main__":
    main()
