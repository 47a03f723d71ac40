"""Shared fixtures: the read-only shared data, a real embedder loaded once, and fresh stores in temp folders."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from vectorstore.embeddings import Embedder
from vectorstore.store import PaperStore

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
SHARED = (ROOT / ".." / "shared").resolve()


@pytest.fixture(scope="session")
def shared() -> Path:
    assert SHARED.is_dir(), f"the shared data folder is missing at {SHARED}"
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
