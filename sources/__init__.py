"""Feeds in, `Paper` records out: the Daily Papers API, saved files and folders, PDFs, LaTeX sources and arXiv.

Each source yields `Batch`es (sources/base.py) that agent/ingest.py writes to the store. This package reads
`vectorstore.records` and `vectorstore.errors`; `vectorstore/` never imports it (sources -> store -> agent -> faces).
"""
