"""TL;DRs: one clean sentence per paper from the real bundled model, cached, with marked fallbacks."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date

import pytest

from agent.tldr import TldrWriter, clean_tldr, conversation, extractive_tldr
from prompts import PromptError, load_prompt
from vectorstore.records import Paper

PAPER = Paper(
    id="2501.00001",
    title="SAILER: Structure-aware Pre-trained Language Model for Legal Case Retrieval",
    abstract=(
        "Legal case retrieval finds relevant cases for a query case. In this paper, we propose SAILER, a new "
        "structure-aware pre-trained language model for legal case retrieval. SAILER outperforms previous "
        "state-of-the-art methods on public legal benchmarks."
    ),
    date=date(2023, 4, 22),
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("In this paper, we propose SAILER, a model for legal retrieval. It is good. Really.", "Proposes SAILER"),
        ("TL;DR: SAILER pre-trains a language model on the structure of legal cases.", "SAILER pre-trains"),
        ("Sure! Here is a summary: SAILER beats prior legal retrieval methods.", "SAILER beats"),
    ],
)
def test_small_model_habits_are_cleaned_to_one_sentence(raw, expected):
    text, problem = clean_tldr(raw, PAPER)
    assert problem == "" and text.startswith(expected) and text.count(". ") == 0 and text.endswith(".")


@pytest.mark.parametrize(
    ("abstract", "expected"),
    [
        # Abstracts of the bundled sample whose extractive TL;DR once read "Hypothesis.", "Wills release our
        # checkpoints ...", "Releases a training code at https://..." and "Believes the proposed ...".
        ("Hypothesis. Artificial intelligence is compression. We argue that vision must follow codecs.", "Argues that"),
        (
            "Encoders help decoders. We will release our checkpoints to facilitate future research. "
            "In this paper, we study the problem of adapting decoder-only LLMs to encoder-decoder models.",
            "Studies the problem",
        ),
        (
            "We release training code at https://github.com/x/y. We propose ARC, an encoder for long contexts.",
            "Proposes ARC",
        ),
        (
            "We believe the proposed computational framework has potential. Particularly, we derive a transformer "
            "block from alternating optimization.",
            "Derives a transformer block",
        ),
        ("In this work, we focus on the efficiency of speech models and their training.", "Focuses on"),
        ("This work addresses padding waste in speech model training at scale.", "Addresses padding"),
        (
            "We propose several decoders and introduce DrBERT, a method for training.",
            "Proposes several decoders and introduces DrBERT",
        ),
        ("Models are big. Training them costs a great deal of compute every single time.", "Training them costs"),
    ],
)
def test_the_extractive_tldr_is_the_sentence_that_says_what_the_paper_does(abstract, expected):
    text = extractive_tldr(replace(PAPER, abstract=abstract)).text
    assert text.startswith(expected), text


def test_hype_and_initials_of_ordinary_words_do_not_pass():
    text, why = clean_tldr("SAILER is a groundbreaking model for legal case retrieval on public benchmarks.", PAPER)
    assert text == "" and why == "hype the abstract does not use: groundbreaking"
    # "AI" must not pass because "an image" or "and in" spell its initials: only content words spell a name.
    text, why = clean_tldr("SAILER is an AI-powered model for legal case retrieval on benchmarks.", PAPER)
    assert text == "" and "AI-powered" in why
    spelled = replace(PAPER, abstract=PAPER.abstract + " It reads cases with artificial intelligence.")
    assert clean_tldr("SAILER is an AI-powered model for legal case retrieval on benchmarks.", spelled)[0]


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("SAILER: Structure-aware Pre-trained Language Model for Legal Case Retrieval", "echoed"),
        ("SAILER beats GPT-7 and LLaMA-9 on every legal benchmark we tried.", "terms not in the abstract"),
        ("SAILER improves legal retrieval accuracy by 37 points on benchmarks.", "not in the abstract: 37"),
        ("SAILER is built by the Legal Retrieval Consortium for public benchmarks.", "Legal Retrieval Consortium"),
        ("SAILER is", "too short"),
        ("SAILER is a model that retrieves legal cases by reading their structure and then it", "unfinished"),
    ],
)
def test_bad_outputs_are_rejected_with_a_reason(raw, problem):
    text, why = clean_tldr(raw, PAPER)
    assert text == "" and problem in why


def test_prompt_is_strict_about_its_variables():
    prompt = load_prompt("tldr")
    with pytest.raises(PromptError, match="missing"):
        prompt.render(key_sentences="x")
    with pytest.raises(PromptError, match="unexpected"):
        prompt.render(key_sentences="x", lead="", title="y")
    messages = conversation(PAPER)
    assert [m["role"] for m in messages] == ["system", "user"], "no assistant lead: the adapter learned to start"
    assert messages[1]["content"].startswith(PAPER.title) and "we propose SAILER" in messages[1]["content"]


def test_real_model_writes_cached_one_sentence_tldrs(llm, make_store, seed_page):
    from agent.ingest import ingest_paths

    store = make_store()
    ingest_paths(store, [seed_page], say=lambda _: None)
    papers = store.list_papers()[:6]
    writer = TldrWriter(llm, store)
    tldrs = writer.tldrs(papers)
    for paper in papers:
        note = tldrs[paper.id]
        assert note.text and len(note.text.split()) <= 31, (paper.title, note.text)
        assert not note.text.lower().startswith(("this paper", "in this paper", "title:")), note.text
        assert note.fallback == bool(note.reason), "a fallback always says why"
    assert sum(not t.fallback for t in tldrs.values()) >= 3, "most TL;DRs come from the model"

    class Counting:
        name, device, batch_size = llm.name, llm.device, 4
        calls = 0

        def generate(self, conversations, **kwargs):
            Counting.calls += 1
            return llm.generate(conversations, **kwargs)

    again = TldrWriter(Counting(), store).tldrs(papers)
    assert Counting.calls == 0 and again == tldrs, "a second run of the same papers generates nothing"


def test_a_failing_model_falls_back_to_the_abstract_and_marks_it(make_store, scripted):
    store = make_store()
    result = TldrWriter(scripted(fail=True), store).tldrs([PAPER])
    note = result[PAPER.id]
    assert note.fallback and "model error" in note.reason
    assert note.text.startswith("Proposes SAILER"), "the contribution sentence, in the abstract's own words"


def test_a_failed_model_is_not_cached_and_a_corrected_abstract_is_summarised_again(make_store, scripted):
    store = make_store()
    failed = TldrWriter(scripted(fail=True), store)
    assert failed.tldrs([PAPER])[PAPER.id].model_error and failed.cached([PAPER]) == {}, "fallbacks are not saved"
    model = scripted(answers=lambda m: "SAILER pre-trains a language model on the structure of legal cases.")
    writer = TldrWriter(model, store)
    first = writer.tldrs([PAPER])[PAPER.id]
    assert not first.fallback and writer.cached([PAPER])[PAPER.id] == first
    calls = len(model.calls)
    writer.tldrs([PAPER])
    assert len(model.calls) == calls, "cached: the model is not asked again"
    corrected = replace(PAPER, abstract=PAPER.abstract + " SAILER also reads legal statutes.")
    writer.tldrs([corrected])
    assert len(model.calls) == calls + 1, "a changed abstract is summarised again"


def test_an_error_inside_generation_reaches_the_reader_at_once(llm, monkeypatch):
    from agent.errors import ModelError

    def broken(**kwargs):
        raise RuntimeError("CUDA out of memory (simulated)")

    monkeypatch.setattr(llm.model, "generate", broken)
    started = time.perf_counter()
    with pytest.raises(ModelError, match="simulated"):
        list(llm.stream([{"role": "user", "content": "hi"}], max_new_tokens=4))
    assert time.perf_counter() - started < 5, "not the streamer's 300 s time-out"


class SlowJudge:
    """A stand-in judge that rejects the TL;DR of paper 3, and notes which thread judged each batch."""

    def __init__(self) -> None:
        self.threads: list[str] = []

    def verdicts(self, claims, sources):
        import threading
        from types import SimpleNamespace

        self.threads.append(threading.current_thread().name)
        time.sleep(0.01)
        return [SimpleNamespace(supported="paper 3 " not in c, reason="stand-in", score=0.5) for c in claims]


def test_judging_beside_the_next_batch_gives_the_same_tldrs_in_order(scripted):
    papers = [replace(PAPER, id=f"2501.{i:05d}", title=f"Paper {i} on legal retrieval") for i in range(11)]

    def answers(chat):
        number = chat[-1]["content"].split("Paper ", 1)[1].split(" ", 1)[0]
        return f"It pre-trains paper {number} for legal case retrieval."

    def run(overlap: bool, fail_after: int | None = None):
        model, judge = scripted(answers), SlowJudge()
        asks = []
        if fail_after is not None:  # the model dies after `fail_after` batches
            real = model.generate
            model.generate = lambda c, *a, **k: real(c) if len(asks.append(1) or asks) <= fail_after else 1 / 0
        done = []
        result = TldrWriter(model, None, checker=judge, overlap_checks=overlap).tldrs(papers, progress=done.append)
        return result, done, judge.threads, asks or model.calls

    serial, serial_progress, serial_threads, _ = run(False)
    overlapped, progress, threads, calls = run(True)
    assert list(overlapped) == list(serial) and overlapped == serial, "the same TL;DRs, in the papers' order"
    assert serial[papers[3].id].fallback and not serial[papers[4].id].fallback, "the judge decided both runs"
    assert progress == serial_progress == [0, 4, 4, 3] and calls == [4, 4, 3]
    assert all(t.startswith("tldr-judge") for t in threads) and not any("judge" in t for t in serial_threads)
    failed, done, _, calls = run(True, fail_after=1)
    assert done == [0, 4, 4, 3] and len(calls) == 2, "asked twice, the second failed; never a third time"
    assert all(failed[p.id].model_error for p in papers[4:]), "after a failure, no more asks"
    assert not failed[papers[0].id].model_error and failed[papers[3].id].fallback
