"""Ingest throughput: the whole archive (~9,000 papers) into a fresh store with the real embedder.

Writes benchmarks/results/ingest.json: papers/s, chunks/s, the store's size on disk, and a re-ingest's time
(which must write nothing). Keep the store with --data-dir to reuse it for benchmarks/qa_eval.py.
Run: .venv/bin/python -m benchmarks.ingest [--data-dir DIR] [--embed-model all-MiniLM-L6-v2] [--days N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from agent.ingest import ingest_paths
from agent.settings import Settings, open_store
from benchmarks.common import SHARED, write_result
from vectorstore.store import disk_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--embed-model", default="all-MiniLM-L6-v2")
    parser.add_argument("--days", type=int, default=0, help="only the first N days (0: all)")
    parser.add_argument("--name", default="ingest")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="papers-bench-"))
    settings = Settings(data_dir=data_dir, embed_model=args.embed_model)
    store = open_store(settings)
    files = sorted((SHARED / "data" / "hf_daily_papers").glob("*.json"))
    files = files[: args.days] if args.days else files
    seed = SHARED / "seed" / "000_0cdeb4aa8e127190.txt"
    store.embedder.embed(["warm up"])
    started = time.perf_counter()
    summary = ingest_paths(store, [*files, seed], say=lambda _: None)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    again = ingest_paths(store, [*files, seed], say=lambda _: None)
    reingest_seconds = time.perf_counter() - started
    papers, chunks = store.counts()
    write_result(
        args.name,
        {
            "embed_model": args.embed_model,
            "device": store.embedder.device,
            "files": len(files) + 1,
            "papers": papers,
            "chunks": chunks,
            "seconds": round(seconds, 1),
            "papers_per_s": round(summary.added / seconds, 2),
            "chunks_per_s": round(summary.chunks / seconds, 2),
            "store_bytes": disk_size(data_dir / "chroma"),
            "reingest_seconds": round(reingest_seconds, 1),
            "reingest_written": again.added + again.updated,
            "errors": summary.errors,
            "data_dir": str(data_dir),
        },
    )


if __name__ == "__main__":
    main()
