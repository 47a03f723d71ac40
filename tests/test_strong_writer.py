"""A strong writer behind `PAPERS_LLM_URL`, end to end: a loopback OpenAI-compatible server answers with a sentence
of the paper's abstract (faithful) or with corruptions of its `ai_summary` (false), through the CLI and the launched
app. The judge must show the faithful sentence beside the evidence it rests on, and never a corrupted one. (A
strong writer's free paraphrase, such as `ai_summary` itself, is mostly "not confirmed" by the strict judge and
then not shown: benchmarks/results/judge_eval_*.json.)"""

from __future__ import annotations

import json
import random

import pytest

from agent.models.remote_llm import OpenAIChat
from agent.services import Services
from agent.settings import Settings
from tests.llm_server import ScriptedOpenAI
from tests.servers import free_port
from tests.test_cli import papers
from tests.test_trained_models import FIXTURE
from training.corrupt import add_clause, negate
from training.questions import describe
from web.build import build_app, launch

pytestmark = pytest.mark.e2e  # the CLI as a subprocess, or the launched app

# The first fixture paper (a held-out day) whose summary gives a question; the next one lends a clause.
PAPER = next(p for p in FIXTURE["papers"] if describe(p["ai_summary"], p["title"]))
OTHER = next(p for p in FIXTURE["papers"] if p is not PAPER)
QUESTION = describe(PAPER["ai_summary"], PAPER["title"]).which
# A sentence of the abstract, shortened without changing what it says: faithful in every part, and not a
# repeat of the evidence the answer already shows.
FAITHFUL = (
    "To address the instability of learning behavior with reinforcement learning on large corpora, we propose a "
    "two-stage training pipeline."
)
assert PAPER["title"].startswith("GrepSeek") and "we propose a two-stage training pipeline" in PAPER["abstract"]
FALSE = {
    "negated": negate(PAPER["ai_summary"], random.Random(0)),
    "clause": add_clause(PAPER["ai_summary"], random.Random(0), [OTHER["ai_summary"]]),
}


def day_file(folder):
    """The fixture papers as one day of the Daily Papers API."""
    records = [{"paper": {"id": p["id"], "title": p["title"], "summary": p["abstract"], "upvotes": 1,
                          "authors": [{"name": "A. Author"}], "ai_summary": p["ai_summary"]},
                "publishedAt": f"{p['date']}T00:00:00.000Z"} for p in FIXTURE["papers"]]  # fmt: skip
    path = folder / f"{PAPER['date']}.json"
    path.write_text(json.dumps(records))
    return path


@pytest.fixture(scope="module")
def writer():
    said = {"text": FAITHFUL}
    with ScriptedOpenAI(lambda prompt: said["text"]) as server:
        yield server, said


def model_statements(result: dict) -> list[dict]:
    return [s for s in result["statements"] if s["origin"] == "model"]


def test_the_cli_shows_the_strong_writers_truth_and_never_its_falsehoods(writer, tmp_path):
    server, said = writer
    assert all(FALSE.values()) and len(set(FALSE.values())) == 2
    data = tmp_path / "data"
    assert papers(data, "ingest", str(day_file(tmp_path))).returncode == 0
    env = {"PAPERS_LLM_URL": server.url}
    said["text"] = FAITHFUL
    result = json.loads(papers(data, "ask", QUESTION, "--json", env=env).stdout)
    assert result["citations"][0]["paper_id"] == PAPER["id"], result["answer"]
    [faithful] = model_statements(result)
    assert faithful["shown"] and FAITHFUL.rstrip(".") in result["answer"], result
    assert faithful["quote"] and faithful["quote"] in PAPER["abstract"], "shown beside the sentence it rests on"
    assert any(faithful["quote"] in c["highlights"] for c in result["citations"]), "and highlighted in its source"
    evidence = next(s["quote"] for s in result["statements"] if s["origin"] == "evidence")
    for kind, false in FALSE.items():
        said["text"] = false
        result = json.loads(papers(data, "ask", QUESTION, "--json", env=env).stdout)
        written = model_statements(result)
        assert written and not any(s["shown"] for s in written), (kind, written)
        assert false.rstrip(".") not in result["answer"] and result["said"], (kind, result["answer"])
    assert len(server.prompts) == 3 and evidence in server.prompts[0], "the writer was given the evidence"


def test_the_launched_app_shows_the_truth_and_never_the_falsehoods(writer, tmp_path, embedder):
    server, said = writer
    services = Services(Settings(data_dir=tmp_path / "data"), model=OpenAIChat(server.url, "strong"))
    services.store._embedder = embedder
    from agent.ingest import ingest_paths

    ingest_paths(services.store, [day_file(tmp_path)], say=lambda _: None)
    demo = build_app(services)
    port = free_port()
    launch(demo, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        from gradio_client import Client

        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        said["text"] = FAITHFUL
        result = client.predict(QUESTION, "", "", api_name="/ask")
        [faithful] = model_statements(result)
        assert faithful["shown"] and FAITHFUL.rstrip(".") in result["answer"], result["answer"]
        said["text"] = FALSE["negated"]
        result = client.predict(QUESTION, "", "", api_name="/ask")
        assert not any(s["shown"] for s in model_statements(result)), result["statements"]
        assert FALSE["negated"].rstrip(".") not in result["answer"]
    finally:
        demo.close()
