"""The `papers` command as a user runs it: real processes, real store, real files."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sources.files import load_file
from tests.api_server import FakeDailyPapers
from vectorstore.records import title_key

pytestmark = pytest.mark.e2e  # every test runs the `papers` CLI as a subprocess


def papers(data_dir: Path, *args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "agent.cli", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})},
    )


def test_ingest_list_show_search_stats(tmp_path, seed_page):
    data = tmp_path / "data"
    done = papers(data, "ingest", str(seed_page))
    assert done.returncode == 0, done.stderr
    listed = json.loads(papers(data, "list", "--json").stdout)
    assert len(listed) == 44 and listed[0]["upvotes"] >= listed[-1]["upvotes"], "most upvoted first"
    shown = papers(data, "show", listed[0]["id"])
    assert listed[0]["title"] in shown.stdout
    found = json.loads(papers(data, "search", "legal case retrieval", "--k", "2", "--json").stdout)
    assert {"paper_id", "title", "text", "score"} <= set(found[0]) and found[0]["title"].startswith("SAILER")
    stats = json.loads(papers(data, "stats", "--json").stdout)
    assert stats["papers"] == 44 and stats["chunks"] >= 44 and stats["size_bytes"] > 0


def test_ask_goes_through_the_agent_with_checked_cited_answers(tmp_path, seed_page):
    """`papers ask` routes like the chat: a question gets evidence with highlighted sources, "summarise X" a TL;DR."""
    data = tmp_path / "data"
    assert papers(data, "ingest", str(seed_page)).returncode == 0
    asked = papers(
        data, "ask", "Which paper pre-trains a language model specifically for finding relevant legal cases?"
    )
    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.startswith("SAILER — “SAILER: Structure-aware"), asked.stdout
    assert "SAILER, a new Structure-Aware pre-traIned language model" in asked.stdout, "the evidence sentence"
    assert re.search(r"^\[\d\] SAILER: Structure-aware", asked.stdout, re.MULTILINE), "its source, numbered"
    result = json.loads(papers(data, "ask", "How many GPUs were used to pre-train SAILER?", "--json").stdout)
    assert result["said"] is False and result["citations"][0]["title"].startswith("SAILER")
    assert not [n for n in re.findall(r"\d+", result["answer"]) if n not in result["citations"][0]["paper_id"]], (
        "the refusal states no figure"
    )
    summary = papers(data, "ask", "summarise the UniXcoder paper")
    assert summary.returncode == 0 and "UniXcoder" in summary.stdout.splitlines()[0], summary.stdout


def test_bad_file_exits_non_zero_naming_it(tmp_path):
    bad = tmp_path / "notes.json"
    bad.write_text('[{"paper": {"id": "2501.0')
    done = papers(tmp_path / "data", "ingest", str(bad))
    assert done.returncode == 1 and "notes.json" in done.stderr and "not valid JSON" in done.stderr
    assert json.loads(papers(tmp_path / "data", "list", "--json").stdout) == []


def test_unknown_paper_and_bad_date_are_clear(tmp_path):
    missing = papers(tmp_path / "data", "show", "9999.99999")
    assert missing.returncode == 1 and "No paper '9999.99999'" in missing.stderr
    bad_date = papers(tmp_path / "data", "list", "--date", "last tuesday")
    assert bad_date.returncode != 0 and "YYYY-MM-DD" in bad_date.stderr


def test_ingest_by_date_from_the_api_and_offline_cache(tmp_path, archive):
    data = tmp_path / "data"
    with FakeDailyPapers(archive) as api:
        api.faults["2025-06-03"] = [("status", 503, "0")]
        env = {"PAPERS_API_URL": api.url, "PAPERS_RETRY_BACKOFF": "0.01", "PAPERS_EMBED_MODEL": "hashing"}
        done = papers(data, "ingest", "--from", "2025-06-02", "--to", "2025-06-03", env=env)
    assert done.returncode == 0, done.stderr
    assert "HTTP 503" in done.stderr, "the retry is reported"
    offline = papers(data, "ingest", "--date", "2025-06-02", env={**env, "PAPERS_API_URL": "http://127.0.0.1:9/api"})
    assert offline.returncode == 0 and "cached response" in offline.stderr
    never_fetched = papers(data, "ingest", "--date", "2025-06-04", env={**env, "PAPERS_API_URL": "http://127.0.0.1:9"})
    assert never_fetched.returncode == 1 and "offline" in never_fetched.stderr


def test_ingest_date_today_as_a_cron_line_runs_it(tmp_path, archive):
    from datetime import UTC, datetime

    feed = tmp_path / "feed"
    feed.mkdir()
    today = datetime.now(UTC).date().isoformat()
    shutil.copy(archive / "2025-06-03.json", feed / f"{today}.json")
    with FakeDailyPapers(feed) as api:
        env = {"PAPERS_API_URL": api.url, "PAPERS_EMBED_MODEL": "hashing"}
        done = papers(tmp_path / "data", "ingest", "--date", "today", env=env)
    assert done.returncode == 0, done.stderr
    listed = json.loads(papers(tmp_path / "data", "list", "--date", "today", "--json", env=env).stdout)
    assert len(listed) > 10 and {row["date"] for row in listed} == {today}
    refused = papers(tmp_path / "data", "search", "agents", env=env)  # no thresholds were measured for it
    assert refused.returncode == 1 and "No calibrated thresholds for the embedder 'hashing'" in refused.stderr


READER_LOOP = """
import sys, time
from pathlib import Path
from vectorstore.store import PaperStore
deadline = time.monotonic() + 300
opened = 0
while time.monotonic() < deadline and not Path(sys.argv[2]).exists():
    PaperStore(Path(sys.argv[1]), embed_model="all-MiniLM-L6-v2").counts()
    opened += 1
print(opened)
"""


def stored_chunk_ids(data: Path) -> dict[str, set[str]]:
    from vectorstore.store import PaperStore

    store = PaperStore(data, embed_model="all-MiniLM-L6-v2")
    found: dict[str, set[str]] = {}
    for chunk in store.all_chunks():
        found.setdefault(chunk.paper_id, set()).add(chunk.id)
    return found


def test_sigkill_midway_with_a_reader_opening_the_store_leaves_every_paper_whole(tmp_path, archive):
    """A writer killed mid-batch while another process keeps opening the store (which used to "repair" the live
    batch): after a rerun every paper has exactly the chunks a clean ingest gives it."""
    from vectorstore.chunking import chunk_paper, make_splitter

    days = sorted(archive.glob("2025-0[23]-*.json"))[:24]
    folder = tmp_path / "days"
    folder.mkdir()
    for day in days:
        shutil.copy(day, folder / day.name)
    data, stop = tmp_path / "data", tmp_path / "stop-reader"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "agent.cli", "--data-dir", str(data), "ingest", str(folder)]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=env)
    stored_lines = 0
    deadline = time.monotonic() + 240
    while stored_lines < 1 and time.monotonic() < deadline:
        stored_lines += "papers (" in proc.stderr.readline()
    reader = subprocess.Popen(
        [sys.executable, "-c", READER_LOOP, str(data), str(stop)], stdout=subprocess.PIPE, env=env
    )
    while stored_lines < 4 and time.monotonic() < deadline:
        stored_lines += "papers (" in proc.stderr.readline()
    time.sleep(0.7)  # land somewhere inside a later file's write
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    stop.touch()
    opened = int(reader.communicate(timeout=120)[0] or 0)
    assert stored_lines == 4 and opened >= 3, "the ingest made progress while a reader kept opening the store"
    rerun = papers(data, "ingest", str(folder))
    assert rerun.returncode == 0, rerun.stderr
    splitter = make_splitter(1000, 200)
    expected = {p.id: {c.id for c in chunk_paper(p, splitter)} for day in days for p in load_file(day)}
    assert stored_chunk_ids(data) == expected, "every paper with exactly its chunks, none missing, none twice"
    stats = json.loads(papers(data, "stats", "--json").stdout)
    again = papers(data, "ingest", str(folder))
    assert "0 added, 0 updated" in again.stderr and json.loads(papers(data, "stats", "--json").stdout) == stats


@pytest.mark.slow
def test_whole_archive_and_seed_ingest_then_reingest_changes_nothing(tmp_path, archive, seed_page):
    """Archive scale for the store (9,000+ papers); the fast lexical embedder keeps this to a minute on 2 cores."""
    data = tmp_path / "data"
    env = {"PAPERS_EMBED_MODEL": "hashing"}
    first = papers(data, "ingest", str(archive), str(seed_page), env=env, timeout=900)
    assert first.returncode == 0, first.stderr[-2000:]
    stats = json.loads(papers(data, "stats", "--json", env=env).stdout)
    archive_papers = {p.id: p for path in archive.glob("*.json") for p in load_file(path)}
    archive_titles = {title_key(p.title) for p in archive_papers.values()}
    page_only = [p for p in load_file(seed_page) if title_key(p.title) not in archive_titles]
    assert 0 < len(page_only) < 44, "some seed papers are also in the archive"
    assert stats["papers"] == len(archive_papers) + len(page_only), (
        "every paper once; page copies of known ones skipped"
    )
    assert stats["days"] > 500 and stats["chunks"] > stats["papers"]
    second = papers(data, "ingest", str(archive), str(seed_page), env=env, timeout=900)
    assert second.returncode == 0 and " 0 added, 0 updated" in second.stderr.splitlines()[-1]
    assert json.loads(papers(data, "stats", "--json", env=env).stdout) == stats


def test_folder_ingest_by_date_window_reads_only_those_days(tmp_path, archive):
    data = tmp_path / "data"
    env = {"PAPERS_EMBED_MODEL": "hashing"}
    done = papers(data, "ingest", str(archive), "--from", "2025-06-02", "--to", "2025-06-04", env=env)
    assert done.returncode == 0 and done.stderr.count("papers (") == 3, done.stderr[-500:]
    stats = json.loads(papers(data, "stats", "--json", env=env).stdout)
    assert (stats["first_day"], stats["last_day"], stats["days"]) == ("2025-06-02", "2025-06-04", 3)


def test_check_marks_each_sentence_with_its_evidence_and_reads_jsonl_with_bad_lines(tmp_path, seed_page):
    """`papers check` with the real store and the trained checker: a true sentence, its negation and an invented
    name, judged apart; JSONL claims against their own sources, a bad line answered with an error in its place."""
    data = tmp_path / "data"
    assert papers(data, "ingest", str(seed_page)).returncode == 0
    text = (
        "SAILER is a structure-aware pre-trained language model for legal case retrieval. "
        "SAILER does not outperform previous methods on legal benchmarks. GPT-9 wins every benchmark."
    )
    done = papers(data, "check", text, "--json")
    assert done.returncode == 0, done.stderr
    true, negated, invented = json.loads(done.stdout)
    assert true["supported"] and true["title"].startswith("SAILER") and "SAILER" in true["evidence"]
    assert not negated["supported"] and negated["reason"] == "checker" and negated["title"].startswith("SAILER")
    assert not invented["supported"] and invented["reason"] == "name: GPT-9"
    source = "We propose SAILER, a model for legal case retrieval. SAILER outperforms previous methods on benchmarks."
    lines = [
        json.dumps({"claim": "SAILER outperforms previous methods.", "source": source}),
        "not json",
        json.dumps({"claim": "SAILER is worse than previous methods.", "source": source}),
        json.dumps({"claim": 5, "source": source}),
    ]
    (tmp_path / "claims.jsonl").write_text("\n".join(lines) + "\n")
    done = papers(data, "check", "--jsonl", str(tmp_path / "claims.jsonl"))
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 1 and "2 of 4 lines could not be checked" in done.stderr
    assert "claims.jsonl:2: not a JSON object" in done.stderr and 'claims.jsonl:4: "claim" must be' in done.stderr
    assert [("error" in r, r.get("supported")) for r in results] == [
        (False, True),
        (True, None),
        (False, False),
        (True, None),
    ]
    assert results[2]["verdict"] == "unsupported" and results[2]["unsupported_span"], results[2]
    missing = papers(data, "check", "x y z.", "--paper", "nope")
    assert missing.returncode == 1 and "No paper 'nope'" in missing.stderr
