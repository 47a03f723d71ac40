"""The Chroma store with the real embedder: idempotent ingest, search, filters, and all-or-nothing writes."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import date

import pytest

from agent.ingest import ingest_paths, sample_path
from sources.files import load_file
from vectorstore.search import HybridSearcher, Query
from vectorstore.store import PaperStore


@pytest.fixture(params=["embedded", "server"])
def make_store(request, tmp_path, embedder):
    """Every store test runs against the embedded PersistentClient and a real `chroma run` server."""
    url = request.getfixturevalue("chroma_server") if request.param == "server" else ""
    prefix = f"t{uuid.uuid4().hex[:8]}-" if url else ""

    def make(data_dir=None, **kwargs) -> PaperStore:
        kwargs.setdefault("embedder", embedder)
        return PaperStore(
            data_dir or tmp_path / "data", "all-MiniLM-L6-v2", chroma_url=url, collection_prefix=prefix, **kwargs
        )

    return make


def test_sample_ingest_twice_changes_nothing(make_store):
    store = make_store()
    first = ingest_paths(store, [sample_path()], say=lambda _: None)
    counts = store.counts()
    second = ingest_paths(store, [sample_path()], say=lambda _: None)
    assert first.added == 44 and counts[0] == 44 and counts[1] >= 44
    assert second.added == 0 and second.unchanged == 44 and second.chunks == 0, "re-ingest must write nothing"
    assert store.counts() == counts


def test_search_finds_the_paper_a_question_is_about(make_store):
    store = make_store()
    ingest_paths(store, [sample_path()], say=lambda _: None)
    hits = HybridSearcher(store).search(Query("pre-training for legal case retrieval", k=3, per_paper=True), "dense")
    assert hits[0].chunk.title.startswith("SAILER"), [h.chunk.title for h in hits]
    assert len({h.chunk.paper_id for h in hits}) == 3, "per_paper gives distinct papers"
    assert hits[0].score > hits[-1].score


def test_date_filter_limits_results_to_that_day(make_store, archive):
    store = make_store()
    ingest_paths(store, [archive / "2025-06-02.json", archive / "2025-06-03.json"], say=lambda _: None)
    day = date(2025, 6, 3)
    hits = HybridSearcher(store).search(Query("reinforcement learning for reasoning", k=5, start=day, end=day), "dense")
    assert hits and all(h.chunk.date == day for h in hits)
    assert {p.date for p in store.list_papers(day, day)} == {day}


def test_a_paper_on_two_days_is_stored_once(make_store, archive, tmp_path):
    store = make_store()
    records = json.loads((archive / "2025-06-02.json").read_text())
    (tmp_path / "2025-06-02.json").write_text(json.dumps(records))
    (tmp_path / "2025-06-05.json").write_text(json.dumps(records[:3]))
    ingest_paths(store, [tmp_path / "2025-06-02.json", tmp_path / "2025-06-05.json"], say=lambda _: None)
    assert store.counts()[0] == len(records)
    assert store.get_paper(records[0]["paper"]["id"]).date == date(2025, 6, 5), "the later listing wins"


def test_a_broken_file_writes_none_of_its_papers(make_store, archive, tmp_path):
    store = make_store()
    text = (archive / "2025-06-02.json").read_text()
    bad = tmp_path / "2025-06-02.json"
    bad.write_text(text[: len(text) // 2])  # a download cut off halfway
    summary = ingest_paths(store, [bad, archive / "2025-06-03.json"], say=lambda _: None)
    assert len(summary.errors) == 1 and "2025-06-02.json" in summary.errors[0]
    stored_days = {p.date for p in store.list_papers()}
    assert stored_days == {date(2025, 6, 3)}, "the good file is stored, none of the broken one"


def test_a_record_that_is_no_paper_is_skipped_and_named(make_store, archive, tmp_path):
    """Issue 30: one record without a title (or abstract) costs that record, said by number, not its day."""
    store = make_store()
    records = json.loads((archive / "2025-06-02.json").read_text())
    records[-1]["paper"]["title"] = ""
    records[-1]["title"] = ""
    bad = tmp_path / "2025-06-02.json"
    bad.write_text(json.dumps(records))
    lines: list[str] = []
    summary = ingest_paths(store, [bad], say=lines.append)
    assert not summary.errors and summary.added == len(records) - 1
    assert summary.skipped == [
        f"{bad}: skipped: record {len(records)} ({records[-1]['paper']['id']}) is missing title."
    ]
    assert "1 record skipped" in summary.line() and summary.skipped[0] in lines


def test_crash_between_chunks_and_papers_is_rolled_back(make_store, archive, monkeypatch):
    store = make_store()
    papers = load_file(archive / "2025-06-02.json")

    def crash(*_args, **_kwargs):
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(store, "upsert_papers", crash)
    with pytest.raises(KeyboardInterrupt):
        store.add_papers(papers)
    assert store.counts()[1] > 0, "chunks landed before the crash"
    reopened = make_store()
    assert reopened.counts() == (0, 0), "recovery removes chunks whose papers never landed"
    reopened.add_papers(papers)
    assert reopened.counts()[0] == len(papers)


def test_chroma_batch_limit_is_respected(make_store, archive):
    store = make_store()
    store.max_batch = 7  # force many batches with a real file
    papers = load_file(archive / "2025-06-02.json")
    report = store.add_papers(papers)
    assert store.counts() == (len(papers), report.chunks) and len(papers) > 7


def test_two_writers_at_once_both_land_whole(make_store, archive):
    """Two uploads at the same moment: the writer lock takes them in turn, each with its own journal row."""
    store = make_store()
    days = [load_file(archive / "2025-06-02.json"), load_file(archive / "2025-06-03.json")]
    errors: list[BaseException] = []

    def write(papers) -> None:
        try:
            store.add_papers(papers)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(papers,)) for papers in days]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert store.counts()[0] == sum(len(papers) for papers in days)
    assert store.state.unfinished() == [], "every batch closed its journal row"


def test_a_chroma_server_gets_the_token(tmp_path):
    """PAPERS_CHROMA_TOKEN reaches the server as a bearer token; a refusal is one clear StoreError."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from vectorstore.errors import StoreError

    seen: list[str] = []

    class Refuse(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            seen.append(self.headers.get("Authorization", ""))
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"error": "Unauthorized", "message": "bad token"}')

        do_POST = do_GET

    server = ThreadingHTTPServer(("127.0.0.1", 0), Refuse)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with pytest.raises(StoreError, match="PAPERS_CHROMA_TOKEN"):
            PaperStore(tmp_path / "data", embed_model="all-MiniLM-L6-v2", chroma_url=url, chroma_token="tok-123")
    finally:
        server.shutdown()
    assert seen and all(header == "Bearer tok-123" for header in seen)
