"""Embedded vs server mode: ingest throughput, and search latency under 1, 4 and 16 concurrent clients.

Starts a real `chroma run` on loopback, ingests the same --days archive days into an embedded store and into the
server, then runs hybrid searches from N threads (each with its own store client) and reports p50/p95 latency and
queries per second. Writes benchmarks/results/scale.json.
Run: .venv/bin/python -m benchmarks.scale [--days 30]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from agent.ingest import ingest_paths
from agent.settings import Settings, open_store
from benchmarks.common import SHARED, write_result
from benchmarks.search_speed import queries
from tests.servers import free_port, start_server, stop_server
from vectorstore.search import HybridSearcher, Query


def chroma_server(folder: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    url = f"http://127.0.0.1:{port}"
    cmd = [chroma, "run", "--path", str(folder / "db"), "--host", "127.0.0.1", "--port", str(port)]
    folder.mkdir(parents=True, exist_ok=True)
    return start_server(cmd, f"{url}/api/v2/heartbeat", folder / "server.log"), url


def ingest(settings: Settings, files: list[Path]) -> dict:
    store = open_store(settings)
    store.embedder.embed(["warm up"])
    started = time.perf_counter()
    summary = ingest_paths(store, files, say=lambda _: None)
    seconds = time.perf_counter() - started
    return {"papers_per_s": round(summary.added / seconds, 2), "chunks_per_s": round(summary.chunks / seconds, 2)}


def concurrent_search(settings: Settings, texts: list[str], clients: int, per_client: int = 20) -> dict:
    searchers = [HybridSearcher(open_store(settings)) for _ in range(clients)]
    embedder = searchers[0].store.embedder
    for searcher in searchers:  # one model in the process, as in the app
        searcher.store._embedder = embedder
        searcher.search(Query("warm up", 5))
    times: list[float] = []
    lock = threading.Lock()

    def run(searcher: HybridSearcher, offset: int) -> None:
        for n in range(per_client):
            started = time.perf_counter()
            searcher.search(Query(texts[(offset + n) % len(texts)], 5))
            with lock:
                times.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=run, args=(s, i * per_client)) for i, s in enumerate(searchers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    times.sort()
    return {
        "p50_ms": round(times[len(times) // 2], 1),
        "p95_ms": round(times[int(len(times) * 0.95)], 1),
        "queries_per_s": round(len(times) / wall, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    files = sorted((SHARED / "data" / "hf_daily_papers").glob("*.json"))[-args.days :]
    root = Path(tempfile.mkdtemp(prefix="papers-scale-"))
    server, url = chroma_server(root / "server")
    try:
        modes = {
            "embedded": Settings(data_dir=root / "embedded"),
            "server": Settings(data_dir=root / "client", chroma_url=url),
        }
        texts = queries()
        result = {"days": args.days}
        for name, settings in modes.items():
            result[name] = {"ingest": ingest(settings, files)}
            result[name]["search"] = {n: concurrent_search(settings, texts, n) for n in (1, 4, 16)}
        result["papers"] = open_store(modes["server"]).counts()[0]
    finally:
        stop_server(server)
    write_result("scale", result)


if __name__ == "__main__":
    main()
