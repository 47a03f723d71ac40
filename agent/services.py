"""Settings -> the wired services (store, searcher, LLM, TL;DR writer, Q&A, agent), each built once on first use.

In: a `Settings`. Out: a `Services` object the CLI and the app share; the LLM is loaded once per process and
shared by every request (generation itself is serialised inside the model).
"""

from __future__ import annotations

import threading
from functools import cached_property

from agent.llm import ChatModel, load_llm
from agent.qa import QA
from agent.router import Agent
from agent.settings import Settings, open_store
from agent.tldr import TldrWriter
from vectorstore.search import HybridSearcher
from vectorstore.store import PaperStore


class Services:
    def __init__(self, settings: Settings, model: ChatModel | None = None) -> None:
        self.settings = settings
        self._model = model
        self._lock = threading.Lock()

    @cached_property
    def store(self) -> PaperStore:
        return open_store(self.settings)

    @cached_property
    def searcher(self) -> HybridSearcher:
        return HybridSearcher(self.store)

    @property
    def model(self) -> ChatModel:
        with self._lock:
            if self._model is None:
                self._model = load_llm(self.settings)
            return self._model

    @property
    def model_loaded(self) -> bool:
        return self._model is not None

    @cached_property
    def writer(self) -> TldrWriter:
        return TldrWriter(self.model, self.store, self.settings.max_new_tokens)

    @cached_property
    def qa(self) -> QA:
        return QA(self.searcher, self.model, k=self.settings.top_k)

    @cached_property
    def agent(self) -> Agent:
        return Agent(self.searcher, self.writer, self.qa)
