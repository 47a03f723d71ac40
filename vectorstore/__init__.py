"""Papers in, passages out: records, sources, chunking, embeddings, the Chroma store and search.

Nothing here knows about the LLM or the UI; `agent/` builds on this package, never the reverse.
"""
