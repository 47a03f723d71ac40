"""TL;DR throughput: our transformers path, sequential and batched, against llama.cpp on the same GGUF.

CPU (default): the 44 seed papers, real prompts (the `tldr` prompt file) and the real tokenizer, greedy, stopping at
the end of the first sentence, 48 new tokens at most. (a) sequential, batch 1; (b) batched; (c) the peer:
llama-cpp-python running the same trained model on the same machine in the same run: the bundled GGUF with the
shipped TL;DR adapter merged in by `training.merge_gguf` (`peer_gguf`; adapted matrices in Q8_0).
The GPU figures come from `benchmarks/gpu_tldr.py`. Writes benchmarks/results/tldr_speed.json (or --name). No cache:
every run generates. Run: .venv/bin/python -m benchmarks.tldr_speed
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from agent.judge.checker import ClaimChecker
from agent.models.llm import LocalLLM, bundled_gguf
from agent.tldr import TldrWriter, conversation
from benchmarks.common import ROOT, SHARED, write_result
from sources.files import load_file
from sources.parse_api import papers_from_payload

MAX_NEW = 48  # the app's default (Settings.max_new_tokens)


def load_papers(path: Path | None) -> list:
    if path is None:
        return load_file(SHARED / "seed" / "000_0cdeb4aa8e127190.txt")
    return papers_from_payload(json.loads(path.read_text()))


def timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def peer_gguf(adapter: str = "bundled") -> Path:
    """The GGUF llama.cpp runs: the bundled one with the shipped adapter merged (built once under build/)."""
    from agent.models.llm import adapter_for, adapter_key
    from training.merge_gguf import merge

    lora = adapter_for("smollm2", adapter)
    if lora is None:
        return bundled_gguf()
    path = ROOT / "build" / f"tldr-merged-{adapter_key(lora)}.gguf"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        merge(bundled_gguf(), lora, partial)
        partial.rename(path)
    return path


def llama_cpp_run(gguf: Path, llm: LocalLLM, papers: list, threads: int) -> float:
    from llama_cpp import Llama

    peer = Llama(model_path=str(gguf), n_ctx=2048, n_threads=threads, n_batch=512, verbose=False)
    texts = [llm.chat_text(conversation(p)) for p in papers]
    peer(texts[0], max_tokens=4)  # warm
    seconds, _ = timed(lambda: [peer(t, max_tokens=MAX_NEW, temperature=0.0, stop=[". ", ".\n"]) for t in texts])
    return seconds


def cpu_main(args, papers) -> dict:
    import torch

    cache = Path(tempfile.mkdtemp(prefix="papers-speed-"))
    llm = LocalLLM(args.gguf or "smollm2", cache, device="cpu", batch_size=1)
    writer = TldrWriter(llm, None, MAX_NEW)
    writer.generate(papers[:2])  # warm
    sequential, _ = timed(lambda: writer.generate(papers))
    llm.batch_size = args.batch
    batched, _ = timed(lambda: writer.generate(papers))
    # As the app runs it: every TL;DR the model wrote is also checked by the trained claim checker.
    checked_writer = TldrWriter(llm, None, MAX_NEW, checker=ClaimChecker())
    checked_writer.generate(papers[:2])  # warm the checker
    with_checks, notes = timed(lambda: checked_writer.generate(papers))
    result = {
        "device": "cpu",
        "threads": torch.get_num_threads(),
        "papers": len(papers),
        "batch_size": args.batch,
        "sequential_papers_per_s": round(len(papers) / sequential, 3),
        "batched_papers_per_s": round(len(papers) / batched, 3),
        "batched_with_claim_checks_papers_per_s": round(len(papers) / with_checks, 3),
        "fallbacks_with_checks": sum(n.fallback for n in notes),
    }
    if not args.no_peer:
        peer = llama_cpp_run(Path(args.gguf) if args.gguf else peer_gguf(), llm, papers, torch.get_num_threads())
        result["llama_cpp_papers_per_s"] = round(len(papers) / peer, 3)
        result["batched_over_llama_cpp"] = round(peer / batched, 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gguf", default="", help="a GGUF file (default: the bundled one)")
    parser.add_argument("--papers", type=Path, default=None, help="an API .json day (default: the seed page)")
    parser.add_argument("--batch", type=int, default=44)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--max-new", type=int, default=MAX_NEW)
    parser.add_argument("--name", default="")
    args = parser.parse_args()
    papers = load_papers(args.papers)
    write_result(args.name or "tldr_speed", cpu_main(args, papers))


if __name__ == "__main__":
    main()
