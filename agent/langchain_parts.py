"""The store and the model as LangChain components, for readers who compose their own chains.

In: `Services` (or a searcher and a `ChatModel`). Out: `PapersRetriever`, a LangChain `BaseRetriever` over the
hybrid search (dense + BM25), returning `Document`s whose metadata carry the paper id, title, URL, date, section,
pages and score, with optional date and paper filters; and `PapersChatModel`, a LangChain chat model over any
of our backends (the bundled model by default) that streams token by token and batches for real (`batch` sends
every conversation to the backend's batched `generate` in one call). Built on `langchain-core` only: no second
vector-store layer over Chroma. What this model writes is not checked against the papers; `papers ask` and the
app's chat are the checked path.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun, CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnableConfig
from pydantic import ConfigDict

from agent.models.chat_model import ChatModel, Messages
from vectorstore.records import ARXIV_ID
from vectorstore.search import HybridSearcher, Query

ROLES = {"human": "user", "ai": "assistant", "system": "system"}


class PapersRetriever(BaseRetriever):
    """Passages of the stored papers that best match a query, as LangChain `Document`s."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    searcher: HybridSearcher
    k: int = 5
    start: date | None = None
    end: date | None = None
    paper_ids: tuple[str, ...] = ()
    one_per_paper: bool = False

    @classmethod
    def of(cls, services, **options) -> PapersRetriever:
        return cls(searcher=services.searcher, **options)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        query_ = Query(query[:2000], self.k, self.start, self.end, tuple(self.paper_ids), self.one_per_paper)
        passages = self.searcher.search(query_)
        documents = []
        for passage in passages:
            meta = passage.to_dict()
            text = meta.pop("text")
            meta["url"] = (
                f"https://huggingface.co/papers/{passage.chunk.paper_id}"
                if ARXIV_ID.match(passage.chunk.paper_id)
                else ""
            )
            documents.append(Document(page_content=text, metadata=meta))
        return documents


def to_messages(messages: list[BaseMessage]) -> Messages:
    converted = []
    for message in messages:
        role = ROLES.get(message.type)
        if role is None:
            raise ValueError(f"{message.type} messages are not supported; use system, human and AI messages.")
        converted.append({"role": role, "content": message.text})
    return converted


def cut_at_stop(text: str, stop: list[str] | None) -> str:
    for marker in stop or ():
        if marker in text:
            text = text[: text.index(marker)]
    return text


class PapersChatModel(BaseChatModel):
    """One of our chat models (the bundled SmolLM2 by default) as a LangChain chat model."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model: Any  # a ChatModel (agent/models/chat_model.py); Any because Protocols are not pydantic types
    max_new_tokens: int = 128

    @classmethod
    def of(cls, services, **options) -> PapersChatModel:
        return cls(model=services.model, **options)

    @property
    def _llm_type(self) -> str:
        return "daily-papers-agent"

    @property
    def backend(self) -> ChatModel:
        return self.model

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = self.backend.generate([to_messages(messages)], self.max_new_tokens, tuple(stop or ()))[0]
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=cut_at_stop(text, stop)))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        written = ""
        pieces = self.backend.stream(to_messages(messages), self.max_new_tokens)
        try:
            for piece in pieces:
                kept = cut_at_stop(written + piece, stop)
                ended = len(kept) < len(written + piece)
                piece, written = kept[len(written) :], kept
                if not piece and ended:
                    return
                if run_manager:
                    run_manager.on_llm_new_token(piece)
                yield ChatGenerationChunk(message=AIMessageChunk(content=piece))
                if ended:
                    return
        finally:
            close = getattr(pieces, "close", None)
            if close:
                close()  # stops the backend's generation thread

    def batch(
        self,
        inputs: list,
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[BaseMessage]:
        """Every conversation in one call to the backend's batched `generate` (left-padded batches on a local
        model, concurrent requests on a server), not one `invoke` per thread."""
        if not inputs:
            return []
        conversations = [to_messages(self._convert_input(item).to_messages()) for item in inputs]
        stop = kwargs.get("stop")
        texts = self.backend.generate(conversations, self.max_new_tokens, tuple(stop or ()))
        return [AIMessage(content=cut_at_stop(text, stop)) for text in texts]
