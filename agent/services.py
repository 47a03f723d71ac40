"""Settings -> the wired services (store, searcher, LLM, TL;DR writer, Q&A, agent), each built once on first use.

In: a `Settings`. Out: a `Services` object the CLI and the app share; the LLM is loaded once per process and
shared by every request (generation itself is serialised inside the model). Each service is built under one
re-entrant lock, so concurrent first requests build it once (`functools.cached_property` has no lock since
Python 3.12).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from agent.llm import ChatModel, load_llm
from agent.qa import QA
from agent.router import Agent
from agent.settings import Settings, open_store
from agent.tldr import TldrWriter
from vectorstore.search import HybridSearcher
from vectorstore.store import PaperStore

T = TypeVar("T")


class Services:
    def __init__(self, settings: Settings, model: ChatModel | None = None) -> None:
        self.settings = settings
        self.thresholds = settings.thresholds()
        self._built: dict[str, object] = {"model": model} if model is not None else {}
        self._lock = threading.RLock()

    def once(self, name: str, build: Callable[[], T]) -> T:
        if name not in self._built:
            with self._lock:
                if name not in self._built:
                    self._built[name] = build()
        return self._built[name]  # type: ignore[return-value]

    @property
    def store(self) -> PaperStore:
        return self.once("store", lambda: open_store(self.settings))

    @property
    def searcher(self) -> HybridSearcher:
        weights = {"dense": self.thresholds.dense_weight, "lexical": self.thresholds.lexical_weight}
        return self.once("searcher", lambda: HybridSearcher(self.store, weights))

    @property
    def model(self) -> ChatModel:
        return self.once("model", lambda: load_llm(self.settings))

    @property
    def model_loaded(self) -> bool:
        return "model" in self._built

    @property
    def writer(self) -> TldrWriter:
        return self.once("writer", lambda: TldrWriter(self.model, self.store, self.settings.max_new_tokens))

    @property
    def qa(self) -> QA:
        return self.once("qa", lambda: QA(self.searcher, self.model, self.thresholds.relevance, k=self.settings.top_k))

    @property
    def agent(self) -> Agent:
        return self.once("agent", lambda: Agent(self.searcher, self.writer, self.qa, self.thresholds.intent))
