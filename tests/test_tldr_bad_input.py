"""Bad input to the TL;DR path (issue 31): no papers, thousands of papers, a huge abstract, a GPU out of memory
mid-batch. Scripted models and a model-free `LocalLLM` stand-in: no weights are loaded."""

from __future__ import annotations

from datetime import date

import pytest
import torch

from agent.errors import ModelError
from agent.models.llm import LocalLLM
from agent.tldr import MAX_TITLE_CHARS, TldrWriter, conversation
from vectorstore.records import Paper


def paper(i: int, abstract: str = "We propose a method for legal case retrieval on public benchmarks.") -> Paper:
    return Paper(f"2501.{i:05d}", f"Paper number {i} on legal retrieval", abstract, date(2026, 1, 1))


class Untouchable:
    def __getattr__(self, name):
        raise AssertionError(f"touched: {name}")


def test_no_papers_is_an_empty_answer_without_the_store_or_the_model(scripted):
    model = scripted()
    assert TldrWriter(model, Untouchable()).tldrs([]) == {}
    assert model.calls == []


def test_five_thousand_papers_go_in_batches_of_the_configured_size(scripted):
    model = scripted(answers=lambda m: "Proposes a method for legal case retrieval on public benchmarks.")
    papers = [paper(i) for i in range(5000)]
    result = TldrWriter(model, None).tldrs(papers)
    assert len(result) == 5000 and max(model.calls) == model.batch_size and sum(model.calls) == 5000


def test_a_huge_title_and_abstract_make_a_bounded_prompt(scripted):
    huge = paper(1, "We propose a method. " * 5000)
    huge = Paper(huge.id, "T" * 100_000, huge.abstract, huge.date)
    prompt = conversation(huge)[-1]["content"]
    assert len(prompt) < MAX_TITLE_CHARS + 2000


def stand_in(batch_size: int, fail_above: int) -> tuple[LocalLLM, list[int]]:
    """A LocalLLM without weights whose batch step answers each prompt by its text, and runs out of memory for
    batches larger than `fail_above`."""
    llm = object.__new__(LocalLLM)
    llm.batch_size, llm.device = batch_size, "cuda"
    sizes: list[int] = []

    def generate_batch(conversations, max_new_tokens, stop):
        sizes.append(len(conversations))
        if len(conversations) > fail_above:
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        return [c[-1]["content"].upper() for c in conversations]

    llm.generate_batch = generate_batch
    return llm, sizes


def test_out_of_memory_halves_the_batch_and_every_answer_comes_back():
    llm, sizes = stand_in(batch_size=16, fail_above=2)
    conversations = [[{"role": "user", "content": f"paper {i:02d}"}] for i in range(13)]
    assert llm.generate(conversations) == [f"PAPER {i:02d}" for i in range(13)]
    assert sizes[:4] == [13, 7, 4, 2] and set(sizes[4:]) == {2, 1}, "halved until it fits, then kept"


def test_out_of_memory_on_one_prompt_is_a_clear_model_error():
    llm, _ = stand_in(batch_size=4, fail_above=0)
    with pytest.raises(ModelError, match="out of memory"):
        llm.generate([[{"role": "user", "content": "x"}]] * 3)
