"""Typed errors for the whole project.

In: raised anywhere below the edges. Out: the CLI and the app turn them into one clear message each, built from
`str(error)`, which always says what went wrong and what to do about it.
"""

from __future__ import annotations


class PapersError(Exception):
    """Base error: a problem the user can fix, with a hint saying how."""

    def __init__(self, problem: str, hint: str = "") -> None:
        self.problem = problem
        self.hint = hint
        super().__init__(f"{problem} {hint}".strip())


class SourceError(PapersError):
    """A file or response could not be read as papers (format, encoding, missing fields)."""


class FetchError(PapersError):
    """The Daily Papers API (or arXiv) could not be reached or answered badly."""


class StoreError(PapersError):
    """The vector store could not be opened, read or written."""


class EmbeddingError(PapersError):
    """The embedding model could not be loaded or run."""


class NotFoundError(PapersError):
    """A paper id or date the user asked for is not in the store."""
