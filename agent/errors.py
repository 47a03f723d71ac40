"""Errors of the agent layer, in the same family as the store's (`PapersError`): each says how to fix itself."""

from __future__ import annotations

from vectorstore.errors import PapersError


def first_line(error: BaseException) -> str:
    """An exception's first non-empty line, or its type's name when it says nothing: what one message line shows."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class ModelError(PapersError):
    """The LLM could not be loaded or failed to generate."""


class DigestError(PapersError):
    """A digest could not be rendered or sent."""


class QuestionError(PapersError):
    """A question the agent cannot take as it is (empty, say)."""
