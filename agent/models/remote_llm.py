"""Chat messages -> text from an OpenAI-compatible server (vLLM, Text Generation Inference, llama.cpp's server).

In: the server's URL (`PAPERS_LLM_URL`, with or without `/v1`), a model name and an optional API key. Out: the same
`ChatModel` interface as the local backend: `generate` (many conversations, sent concurrently so the server can
batch them), `stream` (server-sent events). Failures become a `ModelError` in one line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx

from agent.errors import ModelError
from agent.models.chat_model import Messages


def chat_messages(messages: Messages) -> Messages:
    """The chat API cannot continue a half-written answer: a trailing assistant lead becomes an instruction."""
    if messages and messages[-1]["role"] == "assistant":
        lead = messages[-1]["content"]
        head = [dict(m) for m in messages[:-1]]
        head[-1]["content"] += f"\n\nBegin your answer with: {lead}"
        return head
    return messages


# Requests in flight at once: enough for a server to batch them (vLLM, TGI, llama-server slots).
CONCURRENCY = 8


class OpenAIChat:
    def __init__(
        self, url: str, model: str, api_key: str = "", timeout: float = 120.0, concurrency: int = CONCURRENCY
    ) -> None:
        base = url.rstrip("/")
        self.base_url = base if base.endswith("/v1") else f"{base}/v1"
        self.name = model
        self.device = f"server at {self.base_url}"
        self.batch_size = concurrency * 4
        self.concurrency = concurrency
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout, headers=headers)

    def payload(self, messages: Messages, max_tokens: int, stop: tuple[str, ...] = (), stream: bool = False) -> dict:
        body = {
            "model": self.name,
            "messages": chat_messages(messages),
            "max_tokens": max_tokens,
            "temperature": 0.0,
            "stream": stream,
        }
        if stop:
            body["stop"] = list(stop)
        return body

    def fail(self, error: Exception) -> ModelError:
        return ModelError(
            f"The model server at {self.base_url} failed ({type(error).__name__}: {str(error)[:200]}).",
            "Check PAPERS_LLM_URL, that the server is running, and the model name.",
        )

    def complete(self, messages: Messages, max_tokens: int, stop: tuple[str, ...] = ()) -> str:
        try:
            response = self.http.post("/chat/completions", json=self.payload(messages, max_tokens, stop))
            response.raise_for_status()
            return (response.json()["choices"][0]["message"]["content"] or "").strip()
        except (httpx.HTTPError, KeyError, IndexError, ValueError) as error:
            raise self.fail(error) from error

    def generate(
        self, conversations: list[Messages], max_new_tokens: int = 48, stop: tuple[str, ...] = ()
    ) -> list[str]:
        with ThreadPoolExecutor(self.concurrency) as pool:
            return list(pool.map(lambda m: self.complete(m, max_new_tokens, stop), conversations))

    def stream(self, messages: Messages, max_new_tokens: int = 256) -> Iterator[str]:
        try:
            with self.http.stream(
                "POST", "/chat/completions", json=self.payload(messages, max_new_tokens, stream=True)
            ) as response:
                response.raise_for_status()
                for line in response.iter_lines():
                    if not line.startswith("data:") or line.strip() == "data: [DONE]":
                        continue
                    delta = json.loads(line[5:])["choices"][0].get("delta", {})
                    if delta.get("content"):
                        yield delta["content"]
        except (httpx.HTTPError, KeyError, IndexError, ValueError) as error:
            raise self.fail(error) from error
