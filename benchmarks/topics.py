"""Topic labels the trends and "for you" benchmarks share: Hugging Face's own `ai_keywords`, never our scores.

A paper is about a topic when one of its `ai_keywords` contains the topic's phrase (case-insensitive). Only papers
that have keywords are labelled (about two thirds of the archive). Papers split into tune and held-out by a hash
of the id (`split_of`), days by a hash of the date, so nothing chosen on one is scored on the other.
"""

from __future__ import annotations

import hashlib

from vectorstore.records import Paper

TOPICS = [
    "diffusion language model",
    "speculative decoding",
    "video generation",
    "mixture-of-experts",
    "retrieval-augmented generation",
    "text-to-image",
    "chain-of-thought",
    "knowledge distillation",
    "direct preference optimization",
    "3d gaussian splatting",
    "kv cache",
    "quantization",
    "code generation",
    "world model",
    "gui agent",
]


def labelled(paper: Paper) -> bool:
    return bool(paper.ai_keywords)


def about(paper: Paper, topic: str) -> bool:
    return any(topic in keyword.lower() for keyword in paper.ai_keywords)


def split_of(paper_id: str) -> str:
    return "tune" if int(hashlib.sha256(paper_id.encode()).hexdigest(), 16) % 2 == 0 else "held_out"


def paper_split(paper: Paper) -> str:
    return split_of(paper.id)


def day_split(paper: Paper) -> str:
    return "tune" if int(hashlib.sha256(paper.date.isoformat().encode()).hexdigest(), 16) % 2 == 0 else "held_out"
