"""The LangChain components over the real store and the real bundled model; the README's LCEL example as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from agent.langchain_parts import PapersChatModel, PapersRetriever

README = Path(__file__).resolve().parents[1] / "README.md"
QUESTION = "Which paper pre-trains a language model for legal case retrieval?"


@pytest.fixture(scope="module")
def store(tmp_path_factory, sample_in):
    return sample_in(tmp_path_factory.mktemp("langchain"))


def test_retriever_returns_documents_with_paper_metadata_and_filters(store, services_for):
    searcher = services_for(store, judges=False).searcher
    retriever = PapersRetriever(searcher=searcher, k=3)
    documents = retriever.invoke(QUESTION)
    assert len(documents) == 3 and "SAILER" in documents[0].metadata["title"]
    assert {"paper_id", "title", "url", "date", "section", "pages", "score"} <= set(documents[0].metadata)
    one = PapersRetriever(searcher=searcher, k=3, paper_ids=(documents[1].metadata["paper_id"],))
    assert {d.metadata["paper_id"] for d in one.invoke(QUESTION)} == {documents[1].metadata["paper_id"]}


class CountingModel:
    """The real model, counting how many times each entry point is called."""

    def __init__(self, model) -> None:
        self.model, self.name, self.device = model, model.name, model.device
        self.generate_calls: list[int] = []

    def generate(self, conversations, max_new_tokens=48, stop=()):
        self.generate_calls.append(len(conversations))
        return self.model.generate(conversations, max_new_tokens, stop)

    def stream(self, messages, max_new_tokens=256):
        return self.model.stream(messages, max_new_tokens)


def test_chat_model_invokes_streams_and_batches_in_one_call(llm):
    counting = CountingModel(llm)
    model = PapersChatModel(model=counting, max_new_tokens=24)
    said = model.invoke("Say hello in one short sentence.")
    assert said.content.strip()
    pieces = [chunk.content for chunk in model.stream("Name three colours.")]
    assert len(pieces) > 2 and "".join(pieces).strip(), "streamed piece by piece"
    counting.generate_calls.clear()
    answers = model.batch(["What is 2 + 2?", "Name a fruit.", "Name an animal."])
    assert len(answers) == 3 and all(a.content.strip() for a in answers)
    assert counting.generate_calls == [3], "one batched call, not one per input"


def test_the_readme_example_runs_as_written(store, model_dir):
    code = re.search(r"\*\*LangChain\.\*\*.*?```python\n(.*?)```", README.read_text(), re.DOTALL).group(1)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PAPERS_DATA_DIR": str(store.data_dir)}
    env["PAPERS_MODEL_DIR"] = str(model_dir)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    first, *rest = run.stdout.strip().splitlines()
    assert rest and len(first.split()) > 3 and len(" ".join(rest).split()) > 3, run.stdout
    assert re.search(r"SAILER|legal", run.stdout, re.IGNORECASE), "the chain answered from the retrieved paper"
