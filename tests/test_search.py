"""Hybrid retrieval: dense + BM25 fused, filters, and a lexical index that follows the store."""

from __future__ import annotations

import json
import threading
import time
from datetime import date

from agent.ingest import ingest_paths, sample_path
from vectorstore.records import Chunk, Passage
from vectorstore.search import HybridSearcher, Query, fuse


def passage(chunk_id: str) -> Passage:
    return Passage(Chunk(chunk_id, chunk_id.split("#")[0], 0, "t", "T", date(2025, 1, 1)), 0.0)


def test_reciprocal_rank_fusion_rewards_agreement():
    fused = fuse({"dense": [passage("a#0"), passage("b#0")], "lexical": [passage("b#0"), passage("c#0")]})
    assert [p.chunk.id for p in fused][0] == "b#0", "ranked by both lists beats first in one"
    assert fused[0].rank_sources == {"dense": 2, "lexical": 1}


def test_exact_terms_are_found_by_the_lexical_side(sample_in, tmp_path):
    store = sample_in(tmp_path / "data")
    searcher = HybridSearcher(store)
    hits = searcher.search(Query("47% lower first-token latency", k=3, per_paper=True), "lexical")
    assert hits and hits[0].chunk.title.startswith("Return of the Encoder")
    hybrid = searcher.search(Query("47% lower first-token latency on edge devices", k=3, per_paper=True))
    assert hybrid[0].chunk.title.startswith("Return of the Encoder")
    assert all(p.relevance is not None and -1 <= p.relevance <= 1 for p in hybrid), "every passage has a cosine"


def test_lexical_index_follows_ingests_and_survives_restarts(make_store, archive, tmp_path):
    store = make_store()
    ingest_paths(store, [sample_path()], say=lambda _: None)
    searcher = HybridSearcher(store)
    assert not searcher.search(Query("ProRL prolonged reinforcement learning", k=3), "lexical")[
        0
    ].chunk.title.startswith("ProRL")
    ingest_paths(store, [archive / "2025-06-02.json"], say=lambda _: None)
    searcher.search(Query("ProRL", k=3), "lexical")  # answered from the old snapshot; starts the rebuild
    deadline = time.monotonic() + 120
    while searcher.lexical.snapshot.version != store.version() and time.monotonic() < deadline:
        time.sleep(0.1)
    after = searcher.search(Query("ProRL prolonged reinforcement learning", k=3), "lexical")
    assert after[0].chunk.title.startswith("ProRL"), "new papers are searchable once the background rebuild lands"
    version = store.version()
    reopened = HybridSearcher(make_store())
    assert reopened.lexical.load(version), "a restart loads the saved index instead of rebuilding it"
    assert reopened.search(Query("ProRL prolonged reinforcement learning", k=1), "lexical")[0].chunk.title.startswith(
        "ProRL"
    )


def test_filters_by_date_and_paper_apply_to_both_rankings(make_store, archive, tmp_path):
    store = make_store()
    ingest_paths(store, [archive / "2025-06-02.json", archive / "2025-06-03.json"], say=lambda _: None)
    searcher = HybridSearcher(store)
    day = date(2025, 6, 3)
    for mode in ("dense", "lexical", "hybrid"):
        hits = searcher.search(Query("reinforcement learning reasoning", 5, day, day), mode)
        assert hits and {h.chunk.date for h in hits} == {day}, mode
    one = json.loads((archive / "2025-06-02.json").read_text())[0]["paper"]["id"]
    hits = searcher.search(Query("reinforcement learning reasoning", 5, paper_ids=(one,)))
    assert hits and {h.chunk.paper_id for h in hits} == {one}


def test_sixteen_threads_search_while_an_ingest_runs(make_store, archive):
    """No errors, and every hit's text is its own chunk's, while BM25 rebuilds and swaps under the searches."""
    store = make_store()
    ingest_paths(store, [archive / "2025-06-02.json"], say=lambda _: None)
    searcher = HybridSearcher(store)
    searcher.search(Query("warm up", k=1))
    errors: list[BaseException] = []
    hits: list = []
    done = threading.Event()

    def search_until_done(n: int) -> None:
        questions = ["reinforcement learning reasoning", "video generation", "diffusion language models"]
        while not done.is_set():
            try:
                hits.extend(searcher.search(Query(questions[n % 3], k=5), ("hybrid", "lexical")[n % 2]))
            except BaseException as error:  # any failure fails the test
                errors.append(error)
                return

    threads = [threading.Thread(target=search_until_done, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    try:
        for day in ("2025-06-03", "2025-06-04", "2025-06-05"):
            ingest_paths(store, [archive / f"{day}.json"], say=lambda _: None)
            time.sleep(0.5)
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=120)
    assert not errors, errors[:3]
    assert len(hits) > 100
    stored = {c.id: c.text for c in store.all_chunks()}
    assert all(stored[h.chunk.id] == h.chunk.text for h in hits), "a hit's text belongs to its id"
