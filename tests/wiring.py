"""The agent's pieces wired over a test store the way `Services` wires them, with the calibrated thresholds."""

from __future__ import annotations

import functools

from agent.answer.qa import QA
from agent.chat import Agent
from agent.judge.answerable import AnswerJudge
from agent.judge.checker import ClaimChecker
from agent.settings import CALIBRATED
from agent.tldr import TldrWriter
from agent.trends import TrendFinder, TrendThresholds
from vectorstore.catalog import Catalog
from vectorstore.search import HybridSearcher
from vectorstore.store import PaperStore

THRESHOLDS = CALIBRATED["all-MiniLM-L6-v2"]


def store_of_days(folder, archive, embedder, days: list[str]) -> PaperStore:
    """A real store holding these archive days (file names without .json)."""
    from agent.ingest import ingest_paths

    store = PaperStore(folder, embed_model="all-MiniLM-L6-v2", embedder=embedder)
    ingest_paths(store, [archive / f"{day}.json" for day in days], say=lambda _: None)
    return store


def searcher_for(store: PaperStore) -> HybridSearcher:
    return HybridSearcher(store, {"dense": THRESHOLDS.dense_weight, "lexical": THRESHOLDS.lexical_weight})


@functools.cache
def judges() -> tuple[ClaimChecker, AnswerJudge]:
    """The shipped claim checker and answerability model, loaded once per test process."""
    return ClaimChecker(), AnswerJudge()


def qa_for(store: PaperStore, model) -> QA:
    return QA(searcher_for(store), model, THRESHOLDS.relevance, *judges())


def agent_for(store: PaperStore, model) -> Agent:
    qa = qa_for(store, model)
    trends = TrendThresholds(THRESHOLDS.trend_relevance, THRESHOLDS.trend_lexical_bonus)
    return Agent(qa.searcher, TldrWriter(model, store), qa, THRESHOLDS.intent, TrendFinder(Catalog(store), trends))
