"""CPU TL;DRs: our batched transformers path against llama.cpp at its best, in one run, on the same GGUF and prompts.

In: a `llama-server` binary built from the llama.cpp sources that llama-cpp-python 0.3.36 vendors (`--server`; how
to build it: docs/benchmarks.md, "The llama.cpp race"), the bundled GGUF with the shipped TL;DR adapter merged
(`benchmarks.tldr_speed.peer_gguf`), so both sides run the same trained model.
Out: `benchmarks/results/llama_server_race.json`:
papers/s for the 44 seed papers with (a) our `TldrWriter` → `LocalLLM` batched (the app's path), (b) `llama-server`
with 1, 4 and 8 parallel slots and continuous batching, fed the byte-identical templated prompts through its
`/completion` endpoint by as many concurrent clients as it has slots, and (c) llama-cpp-python one prompt at a time
(as `benchmarks/tldr_speed.py`). Every engine: greedy, at most 40 new tokens, stopping at the sentence end, the
same number of threads, one warm-up pass first, the median of 3 timed passes. Both builds' CPU features are
recorded. Run: `python -m benchmarks.llama_server_race --server PATH`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from agent.models.llm import LocalLLM
from agent.tldr import TldrWriter, conversation
from benchmarks.common import ROOT, start_llama_server, write_result
from benchmarks.tldr_speed import MAX_NEW, llama_cpp_run, load_papers, peer_gguf
from tests.servers import free_port

SLOTS = (1, 4, 8)
STOP = [". ", ".\n"]


def median_of(fn, runs: int = 3) -> float:
    fn()  # warm
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def start_server(binary: str, gguf: Path, slots: int, threads: int, log: Path):
    port = free_port()
    cmd = [
        binary,
        "-m",
        str(gguf),
        "-np",
        str(slots),
        "-cb",
        "-c",
        str(1024 * slots),
        "-t",
        str(threads),
        "-tb",
        str(threads),
        "--no-webui",
    ]
    return start_llama_server(cmd, port, log)


def server_pass(url: str, prompts: list[str], slots: int) -> list[str]:
    def one(prompt: str) -> str:
        body = {"prompt": prompt, "n_predict": MAX_NEW, "temperature": 0.0, "stop": STOP, "cache_prompt": False}
        return httpx.post(f"{url}/completion", json=body, timeout=300).json()["content"]

    with ThreadPoolExecutor(slots) as pool:
        return list(pool.map(one, prompts))


def build_flags() -> str:
    """The CMake CPU switches llama-server was built with: the Makefile's, as for llama-cpp-python."""
    done = subprocess.run(["make", "-s", "llama-flags"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip()


def system_info(url: str) -> str:
    try:
        return str(httpx.get(f"{url}/props", timeout=5).json().get("system_info", ""))
    except (httpx.HTTPError, ValueError):
        return ""


def main() -> None:
    import torch

    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True, help="the llama-server binary")
    args = parser.parse_args()
    gguf = peer_gguf()  # the same trained model: the shipped adapter merged into the bundled GGUF
    threads = torch.get_num_threads()
    papers = load_papers(None)
    llm = LocalLLM("smollm2", Path(tempfile.mkdtemp(prefix="race-")), device="cpu", batch_size=len(papers))
    writer = TldrWriter(llm, None, MAX_NEW)
    ours = median_of(lambda: writer.generate(papers))
    prompts = [llm.chat_text(conversation(p)) for p in papers]
    result = {
        "papers": len(papers),
        "threads": threads,
        "ours": {
            "papers_per_s": round(len(papers) / ours, 3),
            "dtype": str(llm.model.dtype),
            "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
        },
        "llama_server": {},
        "llama_server_build_flags": build_flags(),
    }
    for slots in SLOTS:
        log = Path(tempfile.mkdtemp(prefix="llama-server-")) / "server.log"
        process, url = start_server(args.server, gguf, slots, threads, log)
        try:
            seconds = median_of(lambda u=url, s=slots: server_pass(u, prompts, s))
            example = server_pass(url, prompts[:1], 1)[0]
            result["llama_server_system_info"] = system_info(url)
        finally:
            process.terminate()
            process.wait(timeout=30)
        result["llama_server"][f"{slots}_slots"] = {"papers_per_s": round(len(papers) / seconds, 3), "example": example}
    best = max(v["papers_per_s"] for v in result["llama_server"].values())
    sequential = llama_cpp_run(gguf, llm, papers, threads)
    result["llama_cpp_python_sequential_papers_per_s"] = round(len(papers) / sequential, 3)
    result["ours_over_best_llama_server"] = round(result["ours"]["papers_per_s"] / best, 2)
    write_result("llama_server_race", result)


if __name__ == "__main__":
    main()
