"""The real app under load while another process ingests: errors, latency per endpoint, nothing lost or doubled.

In: a fresh data folder with the bundled sample and two archive days. Out: benchmarks/results/load.json with, per
endpoint (/today, /search, /ask, /digest), requests, errors and p50/p95 latency from N concurrent clients over
the run, and the store's papers and chunks before and after, checked against what a clean ingest gives (every
paper with exactly its chunks). The app runs as `python app.py` (embedded Chroma, the bundled model); the ingest is
`papers ingest` of 30 further archive days in its own process, as a cron job beside a running app would be.
With --chroma-server the app and the ingest share a `chroma run` server on loopback (the deployment the README
advises for a store that several processes write); by default they share an embedded store, and the app's log is
searched for the searches that had to go on with BM25 alone because Chroma could not read its files meanwhile.

--public: the app in public mode (PAPERS_PUBLIC=1, a random PAPERS_ADMIN_TOKEN) and N anonymous clients reading
Today (the `today` API), asking, checking claims (one sentence, a 2-5 sentence paste, a 100 KB paste that must be
refused quickly with a clear error) and fetching /feed.xml, beside the owner, who uploads the fullest archive day
through the app's `ingest` endpoint with the admin token (and a visitor's upload without it, which must be refused).
Out: benchmarks/results/load_public.json with, per kind, ok, refused-as-expected, errors (the first few texts) and
p50/p95 latency; the owner's ingest (seconds, report); the store's papers and chunks against a clean ingest; the
exception types in the app's log; and the app's memory (RSS of the process and its children, sampled every second):
the baseline after warm-up, the peak under load, after the load, after --idle seconds idle, and idle-after over
baseline. All clients come from 127.0.0.1, one visitor to the app: its budget of checked characters a minute is
raised to N visitors' worth, and what it still turns away is counted as throttled.
Run: .venv/bin/python -m benchmarks.load [--clients 32] [--seconds 120] [--chroma-server]
     .venv/bin/python -m benchmarks.load --public [--clients 32] [--seconds 120] [--idle 60]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np

from agent.ingest import ingest_paths, sample_path
from agent.settings import Settings, open_store
from benchmarks.common import ROOT, SHARED, write_result
from benchmarks.memory import RssSampler, settle
from sources.files import load_file
from tests.servers import free_port, start_server, stop_server
from vectorstore.chunking import chunk_paper, make_splitter

QUESTIONS = [
    "Which paper pre-trains a language model for legal case retrieval?",
    "Which hybrid network puts more convolution blocks in early stages?",
    "How many GPUs were used to train SAILER?",
    "What is a good recipe for sourdough bread?",
]
QUERIES = ["diffusion language models", "reinforcement learning for reasoning", "video generation", "code LLM"]
CLAIMS = [
    "SAILER pre-trains a language model for legal case retrieval.",
    "The paper trains a diffusion language model on 10 trillion tokens.",
    "Reinforcement learning improves the reasoning of large language models.",
]
PASTES = [
    "SAILER is a structure-aware pre-trained language model for legal case retrieval. It uses an encoder-decoder "
    "architecture. The model is evaluated on Chinese and English legal benchmarks. It outperforms strong baselines.",
    "This paper studies video generation with diffusion models. The authors propose a new attention mechanism. "
    "Experiments show better temporal consistency.",
    "The work introduces a code LLM trained on permissively licensed code. It reaches state-of-the-art results on "
    "HumanEval. The authors release the weights and the data. Training used 512 GPUs. The model has 7 billion "
    "parameters.",
]
# 100 KB of plausible prose: over the checker's 20,000-character bound, so it must be refused, and quickly.
BIG_PASTE = (" ".join(PASTES) + " ") * (102_400 // (len(" ".join(PASTES)) + 1) + 1)
BIG_PASTE = BIG_PASTE[:102_400]
# What the refusal says: "That is 102,400 characters; at most 20,000 are checked at a time" (any mode,
# agent/judge/check_text.checkable) or "On this public app a check takes at most 2,000 characters" (agent/access.py).
REFUSAL = re.compile(r"characters; at most [\d,]+ are checked|a check takes at most [\d,]+ characters")
# The per-visitor budget of checked characters a minute (public mode): every client here comes from 127.0.0.1, so
# the app counts them all as one visitor; the budget is raised to N visitors' worth (see `PublicApp`), and what it
# still turns away is counted apart, as throttled.
THROTTLED = re.compile(r"share of checks for one visitor")
# Anonymous traffic: mostly reading Today, then asking and checking; weights per kind.
PUBLIC_KINDS = {"today": 4, "ask": 2, "check_sentence": 1, "check_paste": 1, "check_100kb": 1, "feed": 1}
REQUEST_TIMEOUT_S = 180.0


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


def archive_days() -> list[Path]:
    return sorted((SHARED / "data" / "hf_daily_papers").glob("2025-0[5-8]-*.json"))


# --- public mode: shared with benchmarks/soak.py ---------------------------------------------------------------


class PublicApp:
    """`python app.py` in public mode on a fresh data folder (the bundled sample and `days`), on a free port."""

    def __init__(self, days: list[Path], prefix: str, visitors: int = 1) -> None:
        self.token = secrets.token_urlsafe(24)
        self.data = Path(tempfile.mkdtemp(prefix=prefix))
        self.seeded = [sample_path(), *days]
        ingest_paths(open_store(Settings(data_dir=self.data)), self.seeded, say=lambda _: None)
        port = free_port()
        self.env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "PAPERS_DATA_DIR": str(self.data),
            "PAPERS_PUBLIC": "1",
            "PAPERS_ADMIN_TOKEN": self.token,
            "PYTHONUNBUFFERED": "1",
            "GRADIO_SERVER_PORT": str(port),
        }
        self.env.pop("PAPERS_CHROMA_URL", None)
        budget = Settings.model_fields.get("visitor_check_chars_per_minute")
        if budget is not None and "PAPERS_VISITOR_CHECK_CHARS_PER_MINUTE" not in os.environ:
            # `visitors` clients on one loopback address are one visitor to the app: give them their budgets together
            self.env["PAPERS_VISITOR_CHECK_CHARS_PER_MINUTE"] = str(budget.default * max(1, visitors))
        self.check_budget = self.env.get("PAPERS_VISITOR_CHECK_CHARS_PER_MINUTE")  # None: the app has no budget
        self.url = f"http://127.0.0.1:{port}/"
        self.log = self.data.parent / f"{self.data.name}-app.log"
        saved = dict(os.environ)
        os.environ.update(self.env)  # start_server starts the app with this process's environment
        try:
            self.process = start_server([sys.executable, str(ROOT / "app.py")], self.url, self.log, timeout=300)
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def warm_up(self) -> None:
        """One request of each kind, so that the model, the checker and the indexes are loaded before the clock."""
        from gradio_client import Client

        client = Client(self.url, verbose=False)
        for kind in PUBLIC_KINDS:
            try:
                public_request(client, self.url, kind, random.Random(0))
            except Exception as error:
                if not (kind == "check_100kb" and REFUSAL.search(str(error))):
                    raise

    def stop(self) -> None:
        stop_server(self.process)


def new_tally(kinds=PUBLIC_KINDS) -> dict:
    return {k: {"sent": 0, "latency": [], "refused": [], "throttled": [], "errors": []} for k in kinds}


def public_request(client, url: str, kind: str, rng: random.Random):
    """One anonymous request; raises on any failure (a refusal too: the caller decides whether it was expected)."""
    if kind == "feed":
        import httpx

        response = httpx.get(f"{url}feed.xml", timeout=REQUEST_TIMEOUT_S)
        if response.status_code != 200 or "<feed" not in response.text[:2000]:
            raise RuntimeError(f"HTTP {response.status_code}: {response.text[:160]}")
        return response.text
    if kind == "today":
        args, api = ("",), "/today"  # the newest day, as a visitor opening Today sees it
    elif kind == "ask":
        args, api = (rng.choice(QUESTIONS), "", ""), "/ask"
    elif kind == "check_sentence":
        args, api = (rng.choice(CLAIMS), ""), "/check_claims"
    elif kind == "check_paste":
        args, api = (rng.choice(PASTES), ""), "/check_claims"
    else:
        args, api = (BIG_PASTE, ""), "/check_claims"
    job = client.submit(*args, api_name=api)
    try:
        return job.result(timeout=REQUEST_TIMEOUT_S)
    except TimeoutError:
        job.cancel()
        raise


def drive_public(url: str, seconds: float, tally: dict, seed: int) -> None:
    """One anonymous visitor, requesting kinds at random (PUBLIC_KINDS' weights) until `seconds` have passed."""
    from gradio_client import Client

    rng = random.Random(seed)
    kinds, weights = list(PUBLIC_KINDS), list(PUBLIC_KINDS.values())
    try:
        client = Client(url, verbose=False)
    except Exception as error:
        tally["today"]["errors"].append(f"client: {type(error).__name__}: {str(error)[:160]}")
        return
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        kind = rng.choices(kinds, weights)[0]
        found = tally[kind]
        found["sent"] += 1
        started = time.perf_counter()
        try:
            public_request(client, url, kind, rng)
        except Exception as error:  # a refusal of the 100 KB paste is expected; anything else is counted
            text = f"{type(error).__name__}: {str(error)[:200]}"
            if kind == "check_100kb" and REFUSAL.search(str(error)):
                found["refused"].append(time.perf_counter() - started)
            elif THROTTLED.search(str(error)):
                found["throttled"].append(text)
            else:
                found["errors"].append(text)
            continue
        if kind == "check_100kb":
            found["errors"].append("accepted a 100 KB paste instead of refusing it")
        else:
            found["latency"].append(time.perf_counter() - started)


def run_clients(url: str, clients: int, seconds: float, seed: int = 0) -> tuple[dict, float, int]:
    """`clients` anonymous visitors for `seconds`: the tally, the wall time, and how many were still running."""
    tally = new_tally()
    threads = [
        threading.Thread(target=drive_public, args=(url, seconds, tally, seed + n), daemon=True) for n in range(clients)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, seconds + REQUEST_TIMEOUT_S + 60 - (time.perf_counter() - started)))
    return tally, time.perf_counter() - started, sum(t.is_alive() for t in threads)


def percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


def summarize(tally: dict) -> dict:
    summary = {}
    for kind, found in tally.items():
        answered = sum(len(found[key]) for key in ("latency", "refused", "throttled", "errors"))
        summary[kind] = {
            "sent": found["sent"],
            "ok": len(found["latency"]),
            "refused_as_expected": len(found["refused"]),
            "throttled": len(found["throttled"]),
            "errors": len(found["errors"]),
            "unanswered": found["sent"] - answered,
            "p50_s": percentile(found["latency"], 50),
            "p95_s": percentile(found["latency"], 95),
            "first_errors": found["errors"][:3],
        }
        if found["throttled"]:
            summary[kind]["first_throttled"] = found["throttled"][:1]
        if kind == "check_100kb":
            summary[kind]["refusal_p50_s"] = percentile(found["refused"], 50)
            summary[kind]["refusal_p95_s"] = percentile(found["refused"], 95)
            summary[kind]["refusal_max_s"] = round(max(found["refused"]), 3) if found["refused"] else None
    return summary


def owner_ingest(url: str, token: str, day: Path, delay: float, out: dict) -> None:
    """The owner uploads one day file through the `ingest` endpoint with the admin token, `delay` s into the load."""
    from gradio_client import Client, handle_file

    time.sleep(delay)
    started = time.perf_counter()
    try:
        client = Client(url, verbose=False)
        job = client.submit([handle_file(str(day))], token, api_name="/ingest")
        report = job.result(timeout=1800)
        out.update(ok=True, seconds=round(time.perf_counter() - started, 1), report=str(report)[-400:])
    except Exception as error:
        out.update(ok=False, seconds=round(time.perf_counter() - started, 1), error=f"{type(error).__name__}: {error}")


def anonymous_ingest_refused(url: str, day: Path) -> str:
    """A visitor's upload without the token: the refusal's text (empty when it was, wrongly, accepted)."""
    from gradio_client import Client, handle_file

    try:
        Client(url, verbose=False).submit([handle_file(str(day))], "", api_name="/ingest").result(timeout=120)
    except Exception as error:
        return f"{type(error).__name__}: {str(error)[:200]}"
    return ""


def log_exceptions(log: str) -> dict[str, int]:
    """How often each exception type ends a traceback line in the app's log (Gradio logs every gr.Error, the
    refusals too, with the typed error it came from)."""
    names = re.findall(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt))\b", log, flags=re.MULTILINE)
    return dict(Counter(names).most_common(10))


def run_public(args) -> None:
    archive = archive_days()
    base_days, owner_day = archive[:2], max(archive[2:], key=lambda day: day.stat().st_size)  # the fullest day
    app = PublicApp(base_days, "papers-load-public-", visitors=args.clients)
    sampler = RssSampler(app.process.pid).start()
    try:
        app.warm_up()
        refusal = anonymous_ingest_refused(app.url, owner_day)
        baseline = settle(sampler, 10)
        owner: dict = {"day": owner_day.name}
        owner_thread = threading.Thread(
            target=owner_ingest, args=(app.url, app.token, owner_day, min(5.0, args.seconds / 4), owner), daemon=True
        )
        load_start = time.monotonic()
        owner_thread.start()
        tally, wall, still_running = run_clients(app.url, args.clients, args.seconds)
        owner_thread.join(timeout=1800)
        load_end = time.monotonic()
        after_load = sampler.median_mb(load_end - 3, load_end)
        after_idle = settle(sampler, args.idle)
        sampler.stop()
    finally:
        app.stop()
    log = app.log.read_text(errors="replace")
    summary = summarize(tally)
    expected = expected_chunks([*app.seeded, owner_day])
    stored = stored_chunks(app.data)
    write_result(
        args.name if args.name != "load" else "load_public",
        {
            "mode": "public (PAPERS_PUBLIC=1, admin token)",
            "clients": args.clients,
            "check_chars_per_minute_all_clients": app.check_budget,
            "seconds": round(wall, 1),
            "clients_still_running": still_running,
            "today_p50_s": summary["today"]["p50_s"],
            "today_p95_s": summary["today"]["p95_s"],
            "kinds": summary,
            "owner_ingest": owner,
            "anonymous_ingest_refusal": refusal,
            "app_log_exceptions": log_exceptions(log),
            "papers_expected": len(expected),
            "papers_stored": len(stored),
            "chunks_expected": sum(expected.values()),
            "chunks_stored": sum(stored.values()),
            "papers_with_wrong_chunk_count": sorted(p for p in expected if stored.get(p) != expected[p])[:10],
            "papers_not_expected": sorted(set(stored) - set(expected))[:10],
            "rss_mb": {
                "baseline_after_warm_up": baseline,
                "peak_under_load": sampler.peak_mb(load_start, load_end),
                "after_load": after_load,
                f"after_{args.idle:g}s_idle": after_idle,
                "idle_after_over_baseline": round(after_idle / baseline, 3) if baseline and after_idle else None,
                "samples": len(sampler.samples),
            },
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--chroma-server", action="store_true")
    parser.add_argument("--public", action="store_true", help="public mode: visitors and an owner's upload")
    parser.add_argument("--idle", type=float, default=60, help="--public: idle seconds before the last RSS sample")
    parser.add_argument("--name", default="load")
    args = parser.parse_args()
    if args.public:
        run_public(args)
        return
    archive = archive_days()
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
