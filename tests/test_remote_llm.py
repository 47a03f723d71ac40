"""The OpenAI-compatible backend against a real server on loopback: llama.cpp's server with the bundled GGUF.

A llama.cpp build that cannot run on this CPU (one compiled for the build host's AVX-512/AMX, say) crashes on the
first multi-token prompt; every test here then fails with one line, "llama.cpp server crashed: ...", and the tail
of the server's log, never with a generic assertion about fallbacks.
"""

from __future__ import annotations

import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen

import pytest
from click.testing import CliRunner

from agent.cli import cli
from agent.errors import ModelError
from agent.judge.terms import invented
from agent.models.llm import bundled_gguf
from agent.models.remote_llm import OpenAIChat
from agent.tldr import TldrWriter, model_failure
from tests.servers import free_port, start_server, stop_server


@dataclass
class LlamaServer:
    port: int
    log: Path
    process: Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(bundled_gguf()), "--host", "127.0.0.1"]
        cmd += ["--port", str(self.port), "--n_ctx", "4096", "--n_threads", "2", "--model_alias", "smollm2"]
        self.process = start_server(cmd, f"{self.url}/v1/models", self.log)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            stop_server(self.process)

    def check_alive(self) -> None:
        """Fails the test in one line when the server process has died (a segfault shows as exit -11)."""
        code = self.process.poll() if self.process else None
        if code is not None:
            tail = " | ".join(self.log.read_text(errors="replace").strip().splitlines()[-6:])
            pytest.fail(f"llama.cpp server crashed: exit {code} ({signal_name(code)}); log: {tail}", pytrace=False)


def signal_name(code: int) -> str:
    return signal.Signals(-code).name if code < 0 else "error"


@pytest.fixture(scope="module")
def llama(tmp_path_factory):
    pytest.importorskip("llama_cpp.server", reason="install the dev extra: llama-cpp-python[server]")
    server = LlamaServer(free_port(), tmp_path_factory.mktemp("llama") / "server.log")
    server.start()
    # A multi-token prompt is what crashed builds made for another CPU: probe it before any test relies on it.
    try:
        OpenAIChat(server.url, "smollm2", timeout=60).generate([[{"role": "user", "content": "Say hello twice."}]], 4)
    except ModelError:
        server.check_alive()
        raise
    yield server
    server.stop()


def test_tldrs_and_streamed_answers_through_the_server(llama, sample_in, tmp_path, services_for):
    model = OpenAIChat(llama.url, "smollm2")
    store = sample_in(tmp_path / "data")
    papers = store.list_papers()[:4]
    tldrs = TldrWriter(model, store).tldrs(papers)
    llama.check_alive()
    assert model_failure(tldrs.values()) == "", model_failure(tldrs.values())
    assert all(t.text and len(t.text.split()) <= 31 for t in tldrs.values())
    assert any(not t.fallback for t in tldrs.values()), "the server's outputs reach the TL;DRs"
    assert all(t.fallback == bool(t.reason) for t in tldrs.values())
    qa = services_for(store, model, llm_url=llama.url).qa  # as the app wires a server's model
    answer = qa.start("Which paper pre-trains a language model for legal case retrieval?")
    evidence = answer.text
    pieces = list(qa.stream(answer))
    llama.check_alive()
    assert pieces[0] == evidence and "SAILER, a new Structure-Aware" in evidence, "the evidence comes first"
    written = [st for st in answer.statements if st.origin == "model"]
    assert written and not answer.model_error, "the server's sentences reached the check"
    assert invented(answer.text, answer.cited_source()) == [], answer.text
    assert answer.citations[0].title.startswith("SAILER")
    assert "SAILER" in answer.text


def test_a_server_that_dies_is_reported_once_and_nothing_false_is_cached(llama, sample_in, tmp_path):
    """SIGKILL the real server: TL;DRs fall back, say why once, are not cached; after a restart the model writes."""
    store = sample_in(tmp_path / "data")
    papers = store.list_papers()[:5]
    model = OpenAIChat(llama.url, "smollm2", timeout=30, concurrency=2)
    model.batch_size = 2  # three batches: the dead server is asked once, not three times
    llama.process.send_signal(signal.SIGKILL)
    llama.process.wait(timeout=10)
    calls = []
    real_complete = model.complete

    def counting(*args, **kwargs):
        calls.append(1)
        return real_complete(*args, **kwargs)

    model.complete = counting
    writer = TldrWriter(model, store)
    down = writer.tldrs(papers)
    assert all(t.fallback and t.model_error for t in down.values())
    assert len(calls) <= 2, "after the first failed batch the model is not asked again"
    assert "model server at" in model_failure(down.values())
    assert writer.cached(papers) == {}, "fallbacks from a failed model are not saved as its TL;DRs"
    llama.start()
    model.complete = real_complete
    up = writer.tldrs(papers)
    llama.check_alive()
    assert any(not t.fallback for t in up.values()), "once the server is back, the model writes the TL;DRs"
    assert set(writer.cached(papers)) == {p.id for p in papers}


def test_the_cli_reports_a_dead_server_once(sample_in, tmp_path):
    store = sample_in(tmp_path / "data")
    day = store.list_papers()[0].date.isoformat()
    env = {"PAPERS_LLM_URL": f"http://127.0.0.1:{free_port()}", "PAPERS_DATA_DIR": str(tmp_path / "data"),
           "PAPERS_TLDR": "model"}  # fmt: skip
    result = CliRunner().invoke(cli, ["tldr", "--date", day], env=env)
    assert result.exit_code == 0, result.output
    assert result.stderr.count("The model failed") == 1, result.stderr
    assert "From the abstract: " in result.stdout


def test_a_dead_server_is_one_clear_error():
    with pytest.raises(ModelError, match="model server at http://127.0.0.1:9/v1 failed"):
        OpenAIChat("http://127.0.0.1:9", "x").generate([[{"role": "user", "content": "hi"}]])
