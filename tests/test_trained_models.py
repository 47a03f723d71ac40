"""The shipped TL;DR adapter and claim checker: the defaults on a fresh machine, offline, and better than what they
replace on papers of held-out days (tests/fixtures/heldout_papers.json: 10 papers from 2026-06-01 on, which no
training or tuning saw)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from rouge_score import rouge_scorer

from agent.errors import ModelError
from agent.models.llm import TLDR_ADAPTER, LocalLLM
from agent.tldr import TldrWriter, hype_words
from training.corrupt import negate
from vectorstore.records import Paper

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = json.loads((ROOT / "tests" / "fixtures" / "heldout_papers.json").read_text())
PAPERS = [
    Paper(p["id"], p["title"], p["abstract"], date.fromisoformat(p["date"]), ai_summary=p["ai_summary"])
    for p in FIXTURE["papers"]
]


def rouge_l(texts: list[str]) -> float:
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    return sum(scorer.score(p.ai_summary, t)["rougeL"].fmeasure for p, t in zip(PAPERS, texts)) / len(PAPERS)


@pytest.mark.slow
def test_the_trained_writer_is_the_default_offline_without_shared(tmp_path):
    """A fresh process in an empty folder (no ../shared), a fresh data folder, no hub: the bundled model loads with
    the shipped adapter merged in and writes a TL;DR."""
    script = (
        "from agent.settings import Settings; from agent.services import load_model;"
        "from agent.tldr import TldrWriter; from vectorstore.records import Paper; from datetime import date;"
        "s = Settings(); m = load_model(s, s.model);"
        "p = Paper(id='x', title='SAILER: Structure-aware Pre-trained Language Model for Legal Case Retrieval',"
        " abstract='We propose SAILER, a structure-aware pre-trained language model for legal case retrieval. "
        "SAILER outperforms previous methods on public legal benchmarks.', date=date(2024, 1, 1));"
        "t = TldrWriter(m, None).tldrs([p])['x']; print(m.name); print(t.fallback, t.text)"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PAPERS_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    name, tldr = done.stdout.strip().splitlines()[-2:]
    assert "+tldr-lora-" in name, name
    assert tldr.startswith("False SAILER"), tldr


@pytest.mark.slow
def test_trained_tldrs_beat_the_untrained_model_on_held_out_days(llm, model_dir):
    trained = TldrWriter(llm, None).tldrs(PAPERS)
    untrained_llm = LocalLLM("smollm2", model_dir, device="cpu", adapter="none")
    untrained = TldrWriter(untrained_llm, None).tldrs(PAPERS)
    ours = [trained[p.id].text for p in PAPERS]
    assert "+tldr-lora-" in llm.name and untrained_llm.name == "smollm2"
    assert sum(trained[p.id].fallback for p in PAPERS) <= 1, [trained[p.id].reason for p in PAPERS]
    assert not [t for t, p in zip(ours, PAPERS) if hype_words(t, p.abstract)], ours
    assert rouge_l(ours) >= 0.30, ours
    assert rouge_l(ours) >= rouge_l([untrained[p.id].text for p in PAPERS]) + 0.05


@pytest.mark.slow
def test_a_missing_or_broken_adapter_is_an_error_never_the_untrained_model(tmp_path, model_dir):
    with pytest.raises(ModelError) as missing:
        LocalLLM("smollm2", model_dir, device="cpu", adapter=str(tmp_path / "nowhere"))
    assert "adapter_config.json" in missing.value.problem and "train_tldr" in missing.value.hint
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "adapter_config.json").write_text((TLDR_ADAPTER / "adapter_config.json").read_text())
    (broken / "adapter_model.safetensors").write_bytes(b"not tensors")
    with pytest.raises(ModelError) as unreadable:
        LocalLLM("smollm2", model_dir, device="cpu", adapter=str(broken))
    assert str(broken) in unreadable.value.problem and "cannot be read" in unreadable.value.problem


def test_the_checker_ranks_faithful_summaries_above_their_negations():
    from agent.judge.checker import ClaimChecker, source_sentences

    checker = ClaimChecker()
    sources = [source_sentences(p.title, p.abstract) for p in PAPERS]
    faithful = checker.verdicts([p.ai_summary for p in PAPERS], sources)
    negated = checker.verdicts([negate(p.ai_summary, None) for p in PAPERS], sources)
    swapped = checker.verdicts([PAPERS[(i + 1) % len(PAPERS)].ai_summary for i in range(len(PAPERS))], sources)
    # Hugging Face's summaries add what the full paper says: not called false, though not all strictly supported.
    assert sum(v.label != "unsupported" for v in faithful) >= 8, [(v.score, v.claim) for v in faithful]
    assert not any(v.supported for v in negated), [(v.score, v.claim) for v in negated]
    assert sum(n.score < f.score for n, f in zip(negated, faithful)) >= 8, "a negation scores below its original"
    assert not any(v.supported for v in swapped), "another paper's summary is not supported by this paper"
    assert sum(v.label == "unsupported" for v in swapped) >= 8, [(v.score, v.claim) for v in swapped]
    assert all(v.evidence in " ".join(s) for v, s in zip(faithful, sources)), "the evidence is the paper's sentence"


def test_the_apps_writer_shows_a_tldr_only_when_the_checker_supports_it(tmp_path, scripted):
    """A model (opted in with PAPERS_TLDR=model) that writes one faithful sentence, the abstract's own shortened, and
    one negated summary: the word checks pass both, the judge only the first."""
    from agent.services import Services
    from agent.settings import Settings

    faithful, negated = PAPERS[0], PAPERS[1]
    true = "GrepSeek trains a compact search agent to find, filter, and compose evidence from large text corpora."
    assert "trains a compact search agent to find, filter, and compose evidence" in faithful.abstract
    answers = {faithful.title: true, negated.title: negate(negated.ai_summary, None)}
    model = scripted(answers=lambda messages: next(v for k, v in answers.items() if k in messages[-1]["content"]))
    services = Services(Settings(data_dir=tmp_path / "data", tldr="model"), model=model)
    tldrs = services.writer.tldrs([faithful, negated])
    assert not tldrs[faithful.id].fallback and tldrs[faithful.id].text == true
    assert tldrs[negated.id].fallback and tldrs[negated.id].reason.startswith("not supported by the abstract")


def test_the_shipped_answerability_model_tells_an_answer_from_its_absence():
    """Held-out papers, questions in words their abstracts do not use (from their `ai_summary`): each paper's own
    text answers the question about it; another paper's text, or its own for an attribute it never states, does not."""
    from agent.judge.answerable import AnswerJudge
    from agent.judge.checker import source_sentences
    from training.questions import EVAL, describe, unstated_question

    judge = AnswerJudge()
    described = [(p, describe(p.ai_summary, p.title)) for p in PAPERS]
    described = [(p, d) for p, d in described if d is not None]
    assert len(described) >= 5
    own, other, unstated = [], [], []
    for i, (paper, found) in enumerate(described):
        text = source_sentences(paper.title, paper.abstract)
        neighbour = described[(i + 1) % len(described)][0]
        own.append(judge.answers(found.which, text)[0])
        other.append(judge.answers(found.which, source_sentences(neighbour.title, neighbour.abstract))[0])
        question = unstated_question(found, f"{paper.title} {paper.abstract}", EVAL, i)
        if question:
            unstated.append(judge.answers(question, text)[0])
    assert sum(own) >= len(own) - 1, own
    assert sum(other) <= 1, other
    assert unstated and sum(unstated) <= 1, unstated
