"""The real app under load while another process ingests: errors, latency per endpoint, nothing lost or doubled.

In: a fresh data folder with the bundled sample and two archive days. Out: benchmarks/results/load.json with, per
endpoint (/today, /search, /ask, /digest), requests, errors and p50/p95 latency from N concurrent clients over
the run, and the store's papers and chunks before and after, checked against what a clean ingest gives (every
paper with exactly its chunks). The app runs as `python app.py` (embedded Chroma, the bundled model); the ingest is
`papers ingest` of 30 further archive days in its own process, as a cron job beside a running app would be.
With --chroma-server the app and the ingest share a `chroma run` server on loopback (the deployment the README
advises for a store that several processes write); by default they share an embedded store, and the app's log is
searched for the searches that had to go on with BM25 alone because Chroma could not read its files meanwhile.
Run: .venv/bin/python -m benchmarks.load [--clients 32] [--seconds 120] [--chroma-server]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from agent.ingest import ingest_paths, sample_path
from agent.settings import Settings, open_store
from benchmarks.common import ROOT, SHARED, write_result
from tests.servers import free_port, start_server, stop_server
from vectorstore.chunking import chunk_paper, make_splitter
from vectorstore.sources import load_file

QUESTIONS = [
    "Which paper pre-trains a language model for legal case retrieval?",
    "Which hybrid network puts more convolution blocks in early stages?",
    "How many GPUs were used to train SAILER?",
    "What is a good recipe for sourdough bread?",
]
QUERIES = ["diffusion language models", "reinforcement learning for reasoning", "video generation", "code LLM"]


def request(client, endpoint: str, day: str):
    if endpoint == "/today":
        return client.predict(day, api_name="/today")
    if endpoint == "/search":
        return client.predict(random.choice(QUERIES), 5, api_name="/search")
    if endpoint == "/ask":
        return client.predict(random.choice(QUESTIONS), "All papers", "", "", api_name="/ask")
    return client.predict(day, day, 5, api_name="/digest")


def drive(url: str, day: str, seconds: float, results: dict, seed: int) -> None:
    from gradio_client import Client

    rng = random.Random(seed)
    client = Client(url, verbose=False)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        endpoint = rng.choice(["/today", "/search", "/ask", "/digest"])
        started = time.perf_counter()
        try:
            request(client, endpoint, day)
            results[endpoint]["latency"].append(time.perf_counter() - started)
        except Exception as error:  # counted, and the first few kept
            results[endpoint]["errors"].append(f"{type(error).__name__}: {str(error)[:160]}")


def expected_chunks(files: list[Path]) -> dict[str, int]:
    splitter = make_splitter(1000, 200)
    return {p.id: len(chunk_paper(p, splitter)) for f in files for p in load_file(f)}


def stored_chunks(data_dir: Path) -> dict[str, int]:
    code = (
        "import json,os,sys,collections;from pathlib import Path;from vectorstore.store import PaperStore;"
        "s=PaperStore(Path(sys.argv[1]),embed_model='all-MiniLM-L6-v2',chroma_url=os.environ.get('PAPERS_CHROMA_URL',''));"
        "print(json.dumps(collections.Counter(c.paper_id for c in s.all_chunks())))"
    )
    import json

    out = subprocess.run([sys.executable, "-c", code, str(data_dir)], capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--chroma-server", action="store_true")
    parser.add_argument("--name", default="load")
    args = parser.parse_args()
    archive = sorted((SHARED / "data" / "hf_daily_papers").glob("2025-0[5-8]-*.json"))
    base_days, ingest_days = archive[:2], archive[10:40]
    data = Path(tempfile.mkdtemp(prefix="papers-load-"))
    chroma = None
    if args.chroma_server:
        chroma_port = free_port()
        chroma_cmd = [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(data / "server")]
        chroma_cmd += ["--host", "127.0.0.1", "--port", str(chroma_port)]
        os.environ["PAPERS_CHROMA_URL"] = f"http://127.0.0.1:{chroma_port}"
        chroma = start_server(chroma_cmd, f"{os.environ['PAPERS_CHROMA_URL']}/api/v2/heartbeat", data / "chroma.log")
    settings = Settings(data_dir=data, chroma_url=os.environ.get("PAPERS_CHROMA_URL", ""))
    ingest_paths(open_store(settings), [sample_path(), *base_days], say=lambda _: None)
    folder = data.parent / f"{data.name}-days"
    folder.mkdir()
    for day in ingest_days:
        (folder / day.name).write_bytes(day.read_bytes())
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PAPERS_DATA_DIR": str(data), "PYTHONUNBUFFERED": "1"}
    os.environ.update(env, GRADIO_SERVER_PORT=str(port))  # the app process inherits these
    url = f"http://127.0.0.1:{port}/"
    app_log = data.parent / f"{data.name}-app.log"
    app = start_server([sys.executable, str(ROOT / "app.py")], url, app_log, timeout=300)
    from gradio_client import Client

    request(Client(url, verbose=False), "/ask", base_days[0].stem)  # the model loads once, before the clock starts
    results = {e: {"latency": [], "errors": []} for e in ("/today", "/search", "/ask", "/digest")}
    try:
        ingest = subprocess.Popen(
            [sys.executable, "-m", "agent.cli", "ingest", str(folder)],
            env=env,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        day = base_days[0].stem
        threads = [
            threading.Thread(target=drive, args=(url, day, args.seconds, results, n)) for n in range(args.clients)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 600)
        wall = time.perf_counter() - started
        ingest_err = ingest.communicate(timeout=1800)[1]
    finally:
        stop_server(app)
    log = app_log.read_text(errors="replace")
    expected = expected_chunks([*base_days, *ingest_days]) | expected_chunks([sample_path()])
    stored = stored_chunks(data)
    if chroma is not None:
        stop_server(chroma)
    summary = {}
    for endpoint, found in results.items():
        latency = found["latency"]
        summary[endpoint] = {
            "ok": len(latency),
            "errors": len(found["errors"]),
            "p50_s": round(float(np.percentile(latency, 50)), 3) if latency else None,
            "p95_s": round(float(np.percentile(latency, 95)), 3) if latency else None,
            "first_errors": found["errors"][:3],
        }
    write_result(
        args.name,
        {
            "store": "chroma run server" if chroma else "embedded",
            "searches_on_bm25_alone": log.count("dense search failed"),
            "passages_embedded_again": log.count("stored vectors unreadable"),
            "clients": args.clients,
            "seconds": round(wall, 1),
            "endpoints": summary,
            "ingest_exit": ingest.returncode,
            "ingest_last_line": ingest_err.strip().splitlines()[-1] if ingest_err.strip() else "",
            "papers_expected": len(expected),
            "papers_stored": len(stored),
            "chunks_expected": sum(expected.values()),
            "chunks_stored": sum(stored.values()),
            "papers_with_wrong_chunk_count": sorted(p for p in expected if stored.get(p) != expected[p])[:10],
        },
    )


if __name__ == "__main__":
    main()
