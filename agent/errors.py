"""Errors of the agent layer, in the same family as the store's (`PapersError`): each says how to fix itself."""

from __future__ import annotations

from vectorstore.errors import PapersError


class ModelError(PapersError):
    """The LLM could not be loaded or failed to generate."""


class DigestError(PapersError):
    """A digest could not be rendered or sent."""


class QuestionError(PapersError):
    """A question the agent cannot take as it is (empty, say)."""
