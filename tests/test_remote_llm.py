"""The OpenAI-compatible backend against a real server on loopback: llama.cpp's server with the bundled GGUF."""

from __future__ import annotations

import sys

import pytest

from agent.errors import ModelError
from agent.library import ingest_paths, sample_path
from agent.llm import bundled_gguf
from agent.qa import QA
from agent.remote_llm import OpenAIChat
from agent.tldr import TldrWriter
from tests.servers import free_port, start_server, stop_server
from vectorstore.search import HybridSearcher


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    pytest.importorskip("llama_cpp.server", reason="install the dev extra: llama-cpp-python[server]")
    port = free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(bundled_gguf()), "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--n_ctx", "4096", "--n_threads", "2", "--model_alias", "smollm2"]
    url = f"http://127.0.0.1:{port}"
    server = start_server(cmd, f"{url}/v1/models", tmp_path_factory.mktemp("llama") / "server.log")
    yield url
    stop_server(server)


def test_tldrs_and_streamed_answers_through_the_server(llama_server, make_store):
    model = OpenAIChat(llama_server, "smollm2")
    store = make_store()
    ingest_paths(store, [sample_path()], say=lambda _: None)
    papers = store.list_papers()[:4]
    tldrs = TldrWriter(model, store).tldrs(papers)
    assert all(t.text and len(t.text.split()) <= 31 for t in tldrs.values())
    assert any(not t.fallback for t in tldrs.values()), "the server's outputs reach the TL;DRs"
    assert all(t.fallback == bool(t.reason) for t in tldrs.values())
    qa = QA(HybridSearcher(store), model)
    answer = qa.start("Which paper pre-trains a language model for legal case retrieval?")
    pieces = list(qa.stream(answer))
    assert len(pieces) > 3, "the answer streams"
    assert answer.citations[0].title.startswith("SAILER")


def test_a_dead_server_is_one_clear_error():
    with pytest.raises(ModelError, match="model server at http://127.0.0.1:9/v1 failed"):
        OpenAIChat("http://127.0.0.1:9", "x").generate([[{"role": "user", "content": "hi"}]])
