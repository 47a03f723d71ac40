"""TL;DRs on a GPU as a user meets them: cold start, the first run of every new shape, warm, the whole archive.

In: the bundled GGUF (`--gguf`), the archive's papers (`--papers`, a .json.gz list of {id, title, abstract, date}
made by `--pack DIR`), a model cache folder. Out: `benchmarks/results/gpu_tldr.json`:
- cold start, in fresh processes: process start to the first TL;DR with an empty cache (GGUF conversion, load,
  CUDA-graph capture) and again with the converted weights cached;
- a sequence in one process, after start-up: 10 held-out days of different sizes, each followed by a single-paper
  TL;DR; each request's first run against its warm time (median of 3 more);
- a 50-paper day warm (median of 7), split into template+tokenise, prefill and decode;
- every archive paper in one call, with the judge beside the next batch's writing and after it;
- the decoder's tokens against transformers' `generate` on the same 50 prompts (float32, so that kernel rounding
  cannot pass for a difference).
The model is the one users get: the bundled GGUF with the shipped TL;DR adapter merged (`--gguf` must carry the
bundled file's name for that, as LocalLLM applies the adapter to the bundled base only).
Every timed request goes through the app's path (`TldrWriter.tldrs` → `LocalLLM.generate` → `GraphDecoder`, then
the trained judge on the GPU, loaded and warmed in the cold start too); generation-only figures stand beside them. A
run whose model failed is reported, not timed as a success. Run on the GPU machine:
`python -m benchmarks.gpu_tldr --gguf F --papers F.json.gz --cache DIR`; pack here with `--pack ARCHIVE_DIR`.
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import json
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

STARTED = time.perf_counter()
MAX_NEW = 48  # the app's default (Settings.max_new_tokens)


def load_papers(path: Path):
    from vectorstore.records import Paper

    rows = json.loads(gzip.decompress(path.read_bytes()))
    return [Paper(r["id"], r["title"], r["abstract"], date.fromisoformat(r["date"])) for r in rows]


def pack(archive: Path, out: Path) -> None:
    from sources.files import load_file

    seen, rows = set(), []
    for file in sorted(archive.glob("*.json")):
        for p in load_file(file):
            if p.id not in seen and p.abstract:
                seen.add(p.id)
                rows.append({"id": p.id, "title": p.title, "abstract": p.abstract, "date": p.date.isoformat()})
    out.write_bytes(gzip.compress(json.dumps(rows).encode()))
    print(f"{len(rows)} papers -> {out} ({out.stat().st_size / 2**20:.1f} MiB)")


def first_tldr(args) -> None:
    """A fresh process: import, load (convert if needed), capture, one TL;DR; prints the seconds as JSON, with the
    time of each stage."""
    stages = {}
    import torch
    import transformers  # noqa: F401

    from agent.models.llm import LocalLLM
    from agent.tldr import TldrWriter

    stages["imports"] = time.perf_counter() - STARTED
    torch.zeros(1, device="cuda")
    stages["cuda_init"] = time.perf_counter() - STARTED - sum(stages.values())
    papers = load_papers(args.papers)
    from agent.models.llm import TLDR_ADAPTER, model_source

    converted = any(args.cache.glob("models/*/config.json"))
    model_source(str(args.gguf), args.cache, TLDR_ADAPTER)
    stages["cached_weights_found" if converted else "convert"] = time.perf_counter() - STARTED - sum(stages.values())
    # The app's preload loads the judge and warms the TL;DR checks while the model loads; so does this process.
    from agent.judge.checker import ClaimChecker

    judge: dict = {}
    warm_checks = threading.Thread(target=lambda: judge.setdefault("checker", ClaimChecker(device="cuda")))
    warm_checks.start()
    profile = cProfile.Profile()
    if args.profile_load:
        profile.enable()
    llm = LocalLLM(str(args.gguf), args.cache, device="cuda", graphs=False)
    profile.disable()
    stages["load"] = time.perf_counter() - STARTED - sum(stages.values())
    from agent.models.graph_decode import decoder_for

    llm.decoder = decoder_for(llm.model, llm.tokenizer, batch_invariant=True)  # the app's default
    llm.decoder.warm_up()
    llm.batch_size = llm.decoder.buckets[-1]
    torch.cuda.synchronize()
    stages["graph_warm_up"] = time.perf_counter() - STARTED - sum(stages.values())
    warm_checks.join()
    writer = TldrWriter(llm, None, MAX_NEW, checker=judge["checker"])
    writer.warm_up()
    stages["judge_load_and_warm_up_left"] = time.perf_counter() - STARTED - sum(stages.values())
    note = writer.generate(papers[:1])[0]
    stages["first_tldr"] = time.perf_counter() - STARTED - sum(stages.values())
    print(
        json.dumps(
            {
                "first_tldr_seconds": round(time.perf_counter() - STARTED, 2),
                "stages": {k: round(v, 2) for k, v in stages.items()},
                "model_error": note.model_error,
                "load_profile": profile_lines(profile) if args.profile_load else [],
            }
        )
    )


def profile_lines(profile, count: int = 14) -> list[str]:
    """The slowest calls of a profiled stage, by cumulative time, as short lines."""
    import io
    import pstats

    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(count)
    rows = [line.strip() for line in out.getvalue().splitlines() if line.strip()[:1].isdigit()]
    return [" ".join(r.split()[3:4] + r.split()[5:])[:160] for r in rows]


def claims_per_second(papers, notes) -> dict:
    """The trained claim checker on the GPU: every archive TL;DR against its title and abstract, in one call."""
    from agent.judge.checker import ClaimChecker, source_sentences
    from benchmarks.judge_speed import python_side

    began = time.perf_counter()
    checker = ClaimChecker(device="cuda")
    load = time.perf_counter() - began
    by_id = {p.id: p for p in papers}
    claims = [n.text for n in notes]
    sources = [source_sentences(by_id[n.paper_id].title, by_id[n.paper_id].abstract) for n in notes]
    first, _ = timed(lambda: checker.verdicts(claims, sources))
    warm, verdicts = timed(lambda: checker.verdicts(claims, sources))
    scored_s, _ = timed(lambda: checker.scores(claims, [s[0] for s in sources]))
    return {
        "claims": len(claims),
        "load_s": round(load, 2),
        "first_claims_per_s": round(len(claims) / first, 1),
        "warm_claims_per_s": round(len(claims) / warm, 1),
        "model_only_pairs_per_s": round(len(claims) / scored_s, 1),  # claim vs title only: short pairs
        "python_side_ms_per_claim": python_side(claims, sources),
        "supported_share": round(sum(v.supported for v in verdicts) / len(verdicts), 3),
    }


def cold_start(args, cache: Path, profile: bool = False) -> dict:
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.gpu_tldr",
        "--first-tldr",
        "--gguf",
        str(args.gguf),
        "--papers",
        str(args.papers),
        "--cache",
        str(cache),
        *(["--profile-load"] if profile else []),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"the cold-start process failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def timed(fn) -> tuple[float, object]:
    import torch

    torch.cuda.synchronize()
    began = time.perf_counter()
    result = fn()
    torch.cuda.synchronize()
    return time.perf_counter() - began, result


def pick_days(papers, count: int = 10) -> list[list]:
    """Held-out days of different sizes (a hash of the date, as benchmarks/topics.py splits days)."""
    import hashlib

    by_day: dict = {}
    for p in papers:
        by_day.setdefault(p.date, []).append(p)
    held = [d for d in sorted(by_day) if int(hashlib.sha256(d.isoformat().encode()).hexdigest(), 16) % 2]
    picked, sizes = [], set()
    for d in held:
        size = len(by_day[d])
        if size not in sizes and 3 <= size <= 120:
            sizes.add(size)
            picked.append(by_day[d])
    picked.sort(key=lambda ps: len(ps))
    chosen = [picked[round(i * (len(picked) - 1) / (count - 1))] for i in range(count)]
    return sorted(chosen, key=lambda ps: hash(ps[0].date) % 97)  # not in size order: shapes arrive unsorted


def same_tokens(gguf: Path, cache: Path, conversations: list) -> dict:
    """Rows whose decoder output equals `generate`'s (greedy, the same sentence-end stop), in float32."""
    from agent.models.llm import LocalLLM

    llm = LocalLLM(str(gguf), cache, device="cuda", dtype="float32")
    decoded = llm.generate(conversations, MAX_NEW, stop=(". ", ".\n"))
    decoder, llm.decoder = llm.decoder, None
    reference = llm.generate(conversations, MAX_NEW, stop=(". ", ".\n"))
    llm.decoder = decoder
    equal = sum(a == b for a, b in zip(decoded, reference))
    first_diff = next(([a, b] for a, b in zip(decoded, reference) if a != b), [])
    return {"rows": len(reference), "equal": equal, "first_difference": first_diff}


def batch_invariance(llm, conversations: list) -> dict:
    """Generated TL;DRs of the same papers alone, in pairs and all in one request: how many differ from alone."""
    stop = (". ", ".\n")
    alone = [llm.generate([c], MAX_NEW, stop)[0] for c in conversations]
    pairs = [t for i in range(0, len(conversations), 2) for t in llm.generate(conversations[i : i + 2], MAX_NEW, stop)]
    together = llm.generate(conversations, MAX_NEW, stop)
    return {
        "papers": len(conversations),
        "pairs_differ_from_alone": sum(a != b for a, b in zip(alone, pairs)),
        "all_differ_from_alone": sum(a != b for a, b in zip(alone, together)),
    }


def bucketed_shapes(llm, conversations: list, papers: list) -> dict:
    """The other decoder (PAPERS_BATCH_INVARIANT=0): the smallest bucket that holds a batch, prompts padded to a
    multiple of 32. Its batch invariance and speed, beside the app's default one-shape decoder."""
    from agent.models.graph_decode import decoder_for
    from agent.tldr import conversation

    saved = llm.decoder
    llm.decoder = decoder_for(llm.model, llm.tokenizer, batch_invariant=False)
    try:
        llm.decoder.warm_up()
        result = batch_invariance(llm, conversations)
        result["generate_50_s"] = statistics.median(
            timed(lambda: llm.generate(conversations, MAX_NEW))[0] for _ in range(5)
        )
        result["generate_1_s"] = statistics.median(
            timed(lambda: llm.generate(conversations[:1], MAX_NEW))[0] for _ in range(5)
        )
        result["generate_archive_s"] = timed(lambda: llm.generate([conversation(p) for p in papers], MAX_NEW))[0]
    finally:
        llm.decoder = saved
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gguf", type=Path)
    parser.add_argument("--papers", type=Path)
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--first-tldr", action="store_true")
    parser.add_argument("--profile-load", action="store_true")
    parser.add_argument("--pack", type=Path, help="write --papers from this archive folder and stop")
    args = parser.parse_args()
    if args.pack:
        pack(args.pack, args.papers)
        return
    if args.first_tldr:
        first_tldr(args)
        return
    measure(args)


def measure(args) -> None:
    """Every stage in order; the result file is rewritten after each, so a run cut short keeps what it measured."""
    import torch

    from agent.models.llm import LocalLLM
    from agent.tldr import TldrWriter, conversation
    from benchmarks.common import write_result

    result: dict = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__}

    def keep(**stage) -> None:
        result.update(stage)
        write_result("gpu_tldr", result)

    fresh = cold_start(args, args.cache / "fresh")
    cached = cold_start(args, args.cache / "fresh", profile=args.profile_load)
    keep(cold_start_fresh_machine=fresh, cold_start_weights_cached=cached, load_profile_cached=cached["load_profile"])
    began = time.perf_counter()
    llm = LocalLLM(str(args.gguf), args.cache / "fresh", device="cuda")
    load_seconds = time.perf_counter() - began
    from agent.judge.checker import ClaimChecker

    writer = TldrWriter(llm, None, MAX_NEW, checker=ClaimChecker(device="cuda"))  # the judge, as the app runs it
    writer.warm_up()  # as the app's preload does
    papers = load_papers(args.papers)
    errors = []

    def run(batch):
        """The app's path: batches written, each judged (beside the next batch's writing on a GPU)."""
        notes = list(writer.tldrs(batch).values())
        errors.extend(n.model_error for n in notes if n.model_error)
        return notes

    sequence = []
    for day in pick_days(papers):
        for label, batch in ((f"day of {len(day)}", day), ("single paper", day[-1:])):
            first, _ = timed(lambda b=batch: run(b))
            warm = statistics.median(timed(lambda b=batch: run(b))[0] for _ in range(3))
            sequence.append(
                {
                    "request": label,
                    "first_s": round(first, 4),
                    "warm_s": round(warm, 4),
                    "ratio": round(first / warm, 2),
                }
            )
    keep(
        model=llm.name,
        load_in_process_s=round(load_seconds, 2),
        sequence_after_startup=sequence,
        worst_first_to_warm_ratio=max(s["ratio"] for s in sequence),
    )
    fifty = next(ps for ps in pick_days(papers, 60) if len(ps) >= 50)[:50]
    warm50 = sorted(timed(lambda: run(fifty))[0] for _ in range(7))
    conversations = [conversation(p) for p in fifty]
    encode_s = statistics.median(timed(lambda: llm.encode(conversations))[0] for _ in range(5))
    generate_s = statistics.median(timed(lambda: llm.generate(conversations, MAX_NEW))[0] for _ in range(5))
    prefill_s = statistics.median(timed(lambda: llm.generate(conversations, 1))[0] for _ in range(5))
    single_generate_s = statistics.median(timed(lambda: llm.generate(conversations[:1], MAX_NEW))[0] for _ in range(5))
    keep(
        warm_50_paper_day_s={"median": round(warm50[3], 4), "best": round(warm50[0], 4)},
        warm_50_breakdown_s={
            "template_and_tokenise": round(encode_s, 4),
            "prefill_and_1_token": round(prefill_s, 4),
            "generate_40_tokens": round(generate_s, 4),
            "generate_single_paper": round(single_generate_s, 4),
            "judge_and_word_checks": round(warm50[3] - generate_s - encode_s, 4),
        },
        batch_invariance_50=batch_invariance(llm, conversations),
    )
    archive_s, notes = timed(lambda: run(papers))
    writer.overlap_checks = False
    archive_serial_s, _ = timed(lambda: run(papers))
    writer.overlap_checks = True
    archive_gen_s, _ = timed(lambda: llm.generate([conversation(p) for p in papers], MAX_NEW))
    keep(
        model_errors=len(errors),
        first_error=errors[0] if errors else "",
        archive={
            "papers": len(papers),
            "seconds_end_to_end": round(archive_s, 2),
            "seconds_end_to_end_judge_not_overlapped": round(archive_serial_s, 2),
            "seconds_generation_only": round(archive_gen_s, 2),
            "fallback_share": round(sum(n.fallback for n in notes) / len(notes), 3),
        },
        example=notes[0].text,
    )
    keep(claim_checker=claims_per_second(papers, notes))
    keep(bucketed_decoder=bucketed_shapes(llm, conversations, papers))
    keep(decoder_vs_generate_float32=same_tokens(args.gguf, args.cache / "fresh", conversations))
    keep(gpu_memory_peak_gib=round(torch.cuda.max_memory_allocated() / 2**30, 2))


if __name__ == "__main__":
    main()
