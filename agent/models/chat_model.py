"""The chat-model protocol every backend speaks.

In: chat messages (`Messages`: role/content dicts; a final assistant message is a prefix the answer continues).
Out: `ChatModel`, what `tldr.py`, `qa.py` and the LangChain adapter call. The backends (`agent/models/llm.py`, local
transformers; `agent/models/remote_llm.py`, an OpenAI-compatible server) each import this module and never each other;
`agent/services.py` picks one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

Messages = list[dict[str, str]]


class ChatModel(Protocol):
    name: str
    device: str

    def generate(
        self, conversations: list[Messages], max_new_tokens: int = 48, stop: tuple[str, ...] = ()
    ) -> list[str]: ...

    def stream(self, messages: Messages, max_new_tokens: int = 256) -> Iterator[str]: ...
