"""Shared fixtures: the read-only shared data, a real embedder loaded once, fresh stores in temp folders, stores of
archive days, and `Services` over a test's store (the app's own wiring, with the shipped judges loaded once)."""

from __future__ import annotations

import functools
import os
import shutil
import sys
import threading
from pathlib import Path

import pytest

from vectorstore.embeddings import Embedder
from vectorstore.store import PaperStore

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
# The read-only data folder next to the repository; PAPERS_TEST_SHARED points elsewhere (a path that does not exist
# runs the suite as a checkout without it would).
SHARED = Path(os.environ.get("PAPERS_TEST_SHARED") or ROOT / ".." / "shared").resolve()


@pytest.fixture(scope="session")
def shared() -> Path:
    """The shared data folder; the tests that need it are skipped, never failed, only when it is missing."""
    if not SHARED.is_dir():
        pytest.skip(f"needs the shared data folder (archive, seed pages, PDFs), which is missing at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def seed_page(shared) -> Path:
    return shared / "seed" / "000_0cdeb4aa8e127190.txt"


@pytest.fixture(scope="session")
def archive(shared) -> Path:
    return shared / "data" / "hf_daily_papers"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real bundled all-MiniLM-L6-v2, loaded once for the session."""
    return Embedder("all-MiniLM-L6-v2", "cpu")


@pytest.fixture
def make_store(tmp_path, embedder):
    def make(data_dir: Path | None = None, **kwargs) -> PaperStore:
        kwargs.setdefault("embedder", embedder)
        return PaperStore(data_dir or tmp_path / "data", embed_model="all-MiniLM-L6-v2", **kwargs)

    return make


@pytest.fixture(scope="session")
def ingested(tmp_path_factory, embedder):
    """`ingested(folder, files)` fills `folder` with a real store of those day files and returns it. Each set of
    files is embedded once per session and copied for every caller (a copy takes milliseconds, an ingest ~10 s on
    two cores), so a test that writes changes only its own copy; tests of ingest itself still ingest."""
    from agent.ingest import ingest_paths

    templates: dict[tuple[Path, ...], Path] = {}
    lock = threading.Lock()

    def fill(folder: Path, files: list[Path]) -> Path:
        key = tuple(files)
        with lock:
            if key not in templates:
                template = tmp_path_factory.mktemp("ingested")
                store = PaperStore(template, embed_model="all-MiniLM-L6-v2", embedder=embedder)
                ingest_paths(store, list(files), say=lambda _: None)
                templates[key] = template
            # the -shm index is rebuilt from the WAL by whoever opens the copy; the lock file is per store
            skip = shutil.ignore_patterns("*-shm", "*.lock")
            shutil.copytree(templates[key], folder, dirs_exist_ok=True, ignore=skip)
        return folder

    return fill


@pytest.fixture(scope="session")
def store_of_days(archive, embedder, ingested):
    """A real store holding archive days (file names without .json), in a folder the caller names."""

    def make(folder: Path, days: list[str]) -> PaperStore:
        ingested(folder, [archive / f"{day}.json" for day in days])
        return PaperStore(folder, embed_model="all-MiniLM-L6-v2", embedder=embedder)

    return make


@pytest.fixture(scope="session")
def sample_in(ingested, embedder):
    """`sample_in(folder)`: a real store of the bundled 44-paper sample in `folder` (a copy of one session ingest)."""
    from agent.ingest import sample_path

    def make(folder: Path) -> PaperStore:
        ingested(folder, [sample_path()])
        return PaperStore(folder, embed_model="all-MiniLM-L6-v2", embedder=embedder)

    return make


@functools.cache
def shipped_judges() -> tuple:
    """The shipped claim checker and answerability model, loaded once per test process (seconds each)."""
    from agent.judge.answerable import AnswerJudge
    from agent.judge.checker import ClaimChecker

    return ClaimChecker(), AnswerJudge()


@pytest.fixture(scope="session")
def services_for():
    """`Services` over a test's store and model, wired as the app wires them (searcher, Q&A, agent, trends with
    the settings' calibrated thresholds); `judges=False` where nothing needs the shipped judges' weights."""
    from agent.services import Services
    from agent.settings import Settings

    def make(store: PaperStore, model=None, judges: bool = True, **settings):
        parts = shipped_judges() if judges else None
        return Services(Settings(data_dir=store.data_dir, **settings), model=model, store=store, judges=parts)

    return make


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    """One folder for the converted bundled model, so the GGUF is de-quantised once per test session."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def llm(model_dir):
    """The real bundled SmolLM2-135M-Instruct on the CPU."""
    from agent.models.llm import LocalLLM

    return LocalLLM("smollm2", model_dir, device="cpu")


class ScriptedModel:
    """A stand-in chat model for plumbing tests: answers from a script, or raises when told to."""

    def __init__(self, answers=None, fail: bool = False, name: str = "scripted") -> None:
        self.name = name
        self.device = "cpu"
        self.batch_size = 4
        self.answers = answers
        self.fail = fail
        self.calls: list[int] = []

    def generate(self, conversations, max_new_tokens=48, stop=()):
        self.calls.append(len(conversations))
        if self.fail:
            raise RuntimeError("scripted failure")
        return [self.answers(c) if callable(self.answers) else "a scripted answer." for c in conversations]

    def stream(self, messages, max_new_tokens=256):
        self.calls.append(1)
        if self.fail:
            raise RuntimeError("scripted failure")
        text = self.answers(messages) if callable(self.answers) else "a scripted answer."
        yield from (word + " " for word in text.split(" "))


@pytest.fixture
def scripted():
    return ScriptedModel


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real `chroma run` server on loopback for the session, or the one PAPERS_TEST_CHROMA_URL names."""
    import shutil

    from tests.servers import free_port, start_server, stop_server

    if os.environ.get("PAPERS_TEST_CHROMA_URL"):
        yield os.environ["PAPERS_TEST_CHROMA_URL"]
        return
    port = free_port()
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    folder = tmp_path_factory.mktemp("chroma-server")
    url = f"http://127.0.0.1:{port}"
    cmd = [chroma, "run", "--path", str(folder / "db"), "--host", "127.0.0.1", "--port", str(port)]
    server = start_server(cmd, f"{url}/api/v2/heartbeat", folder / "server.log", timeout=60)
    yield url
    stop_server(server)


# Test tiers (the Makefile's "Test tiers" says how to run them). Markers come from the fixtures a test uses, so a new
# test that asks for the real model or a server is tiered without a decorator; the tables below hold the tests that
# start such things themselves (a subprocess, a launched app, the shipped judges) in the files marked from here.
REAL_MODEL_FIXTURES = {"llm", "model_dir"}  # the bundled LLM, in process or in a subprocess given its folder
# the launched app (in process; `space`: `python app.py` in test_public_live.py), `chroma run`, llama.cpp's server
E2E_FIXTURES = {"running_app", "space", "chroma_server", "llama"}
# "file.py::test name" (without parameters) -> markers. real_model here: the shipped checker or answerability weights
# (conftest.shipped_judges, Services' judges) or the model in a CLI subprocess; e2e: a subprocess or a launched app;
# slow: over 5 s on a 2-core machine (a big ingest or training run, or a module store of archive days).
JUDGES, SUBPROCESS, SLOW = ("real_model",), ("e2e",), ("slow",)
EXPLICIT = {
    "test_digest.py::test_unloadable_model_is_one_clear_line": SUBPROCESS,
    "test_foryou.py::test_two_processes_editing_at_once_lose_nothing": SUBPROCESS,
    "test_judge_parts.py::test_the_shipped_checker_names_the_part_that_fails": JUDGES,
    "test_pdf.py::test_arxiv_fetch_is_polite_cached_and_clear_offline": SUBPROCESS + SLOW,
    "test_pdf.py::test_latex_source_folder_becomes_a_paper_with_sections": SLOW,
    **{f"test_qa.py::{name}": JUDGES for name in (
        "test_model_sentences_are_shown_only_when_the_passages_support_them",
        "test_a_failing_model_leaves_the_evidence_and_says_so",
        "test_uncovered_question_is_declined_without_the_model",
        "test_empty_question_is_a_clear_error",
        "test_a_huge_question_is_cut_and_still_answered",
        "test_routing_uses_similarity_when_no_rule_matches",
        "test_when_the_model_is_busy_an_answer_is_its_evidence_at_once",
    )},
    "test_remote_llm.py::test_the_cli_reports_a_dead_server_once": SUBPROCESS + JUDGES,
    **{f"test_search.py::{name}": SLOW for name in (
        "test_exact_terms_are_found_by_the_lexical_side",
        "test_lexical_index_follows_ingests_and_survives_restarts",
        "test_filters_by_date_and_paper_apply_to_both_rankings",
        "test_sixteen_threads_search_while_an_ingest_runs",
    )},
    "test_space.py::test_the_app_fetches_the_newest_day_on_a_schedule": SLOW,
    **{f"test_store.py::{name}": SLOW for name in (
        "test_sample_ingest_twice_changes_nothing",
        "test_search_finds_the_paper_a_question_is_about",
        "test_date_filter_limits_results_to_that_day",
        "test_a_broken_file_writes_none_of_its_papers",
        "test_crash_between_chunks_and_papers_is_rolled_back",
        "test_two_writers_at_once_both_land_whole",
        "test_a_paper_on_two_days_is_stored_once",
        "test_chroma_batch_limit_is_respected",
    )},
    "test_trained_models.py::test_the_checker_ranks_faithful_summaries_above_their_negations": JUDGES,
    "test_trained_models.py::test_the_apps_writer_shows_a_tldr_only_when_the_checker_supports_it": JUDGES,
    "test_trained_models.py::test_the_shipped_answerability_model_tells_an_answer_from_its_absence": JUDGES,
    "test_training.py::test_checker_training_runs_and_its_weights_load_in_the_app": JUDGES + SLOW,
    "test_training.py::test_answerability_rows_train_a_model_the_app_loads": JUDGES + SLOW,
    "test_trends.py::test_a_trend_counts_matching_papers_per_week": SLOW,
    "test_trends.py::test_the_chat_answers_how_a_topic_has_grown": JUDGES + SLOW,
    "test_trends.py::test_related_papers_are_near_in_meaning_or_share_authors": SLOW,
    "test_trends.py::test_cli_trends_png_json_and_related": SUBPROCESS + SLOW,
}  # fmt: skip


def pytest_collection_modifyitems(config, items):
    modules = {item.path.name: item.module for item in items if getattr(item, "module", None)}
    stale = [
        key
        for key in EXPLICIT
        if (file := key.split("::")[0]) in modules and not hasattr(modules[file], key.split("::")[1])
    ]
    if stale:  # a renamed test would silently leave its tier
        raise pytest.UsageError(f"tests/conftest.py EXPLICIT names tests that do not exist: {stale}")
    for item in items:
        names = set(item.fixturenames)  # every fixture the test needs, through other fixtures too
        marks = set(EXPLICIT.get(f"{item.path.name}::{item.originalname}", ()))
        if names & REAL_MODEL_FIXTURES:
            marks.add("real_model")
        if names & E2E_FIXTURES:
            marks.add("e2e")
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("make_store") == "server":  # test_store's chroma server
            marks.add("e2e")
        for mark in sorted(marks - {m.name for m in item.iter_markers()}):
            item.add_marker(getattr(pytest.mark, mark))
