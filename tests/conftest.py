"""Shared fixtures: the read-only shared data, a real embedder loaded once, and fresh stores in temp folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vectorstore.embeddings import Embedder
from vectorstore.store import PaperStore

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
SHARED = (ROOT / ".." / "shared").resolve()


@pytest.fixture(scope="session")
def shared() -> Path:
    assert SHARED.is_dir(), f"the shared data folder is missing at {SHARED}"
    return SHARED


@pytest.fixture(scope="session")
def seed_page(shared) -> Path:
    return shared / "seed" / "000_0cdeb4aa8e127190.txt"


@pytest.fixture(scope="session")
def archive(shared) -> Path:
    return shared / "data" / "hf_daily_papers"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real bundled all-MiniLM-L6-v2, loaded once for the session."""
    return Embedder("all-MiniLM-L6-v2", "cpu")


@pytest.fixture
def make_store(tmp_path, embedder):
    def make(data_dir: Path | None = None, **kwargs) -> PaperStore:
        kwargs.setdefault("embedder", embedder)
        return PaperStore(data_dir or tmp_path / "data", embed_model="all-MiniLM-L6-v2", **kwargs)

    return make
