"""arXiv ids -> PDF files on disk, fetched politely and cached -> one full-text `Batch` per paper.

In: arXiv ids and the site's base URL. Out: paths of cached PDFs (`<cache>/arxiv/<id>.pdf`), downloaded at most
one request every `interval` seconds with a User-Agent that names the tool, and never twice. Offline, or on an
HTTP error, a `FetchError` says so in one line. `ArxivSource` reads each fetched PDF as a local one is read.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from sources.base import USER_AGENT, Batch
from sources.pdf import read_pdf
from vectorstore.errors import FetchError, PapersError

ARXIV_ID = re.compile(r"^\d{4}\.\d{4,5}(v\d+)?$")


class ArxivClient:
    def __init__(self, base_url: str, cache_dir: Path, interval: float = 3.0, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.cache_dir = cache_dir / "arxiv"
        self.interval = interval
        self.http = httpx.Client(timeout=timeout, headers={"User-Agent": USER_AGENT}, follow_redirects=True)
        self.last_request = 0.0
        self.lock = threading.Lock()

    def pdf(self, arxiv_id: str) -> Path:
        if not ARXIV_ID.match(arxiv_id):
            raise FetchError(f"{arxiv_id!r} is not an arXiv id.", "Use the form 2501.10120.")
        target = self.cache_dir / f"{arxiv_id}.pdf"
        if target.exists():
            return target
        with self.lock:
            wait = self.last_request + self.interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self.last_request = time.monotonic()
            url = f"{self.base_url}/pdf/{arxiv_id}"
            try:
                response = self.http.get(url)
            except httpx.HTTPError as error:
                raise FetchError(
                    f"Could not fetch {url} ({type(error).__name__}); you may be offline.",
                    "Download the PDF yourself and run `papers ingest FILE.pdf`.",
                ) from error
        if response.status_code != 200 or not response.content.startswith(b"%PDF"):
            raise FetchError(f"{url} answered HTTP {response.status_code} without a PDF.", "Check the arXiv id.")
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        partial.write_bytes(response.content)
        os.replace(partial, target)
        return target


class ArxivSource:
    """Each paper's PDF from arXiv (cached), one batch each; a paper that cannot be fetched or read is a failed
    batch named by its id."""

    def __init__(self, client: ArxivClient, arxiv_ids: list[str]) -> None:
        self.client = client
        self.arxiv_ids = arxiv_ids

    def batches(self) -> Iterator[Batch]:
        for arxiv_id in self.arxiv_ids:
            yield self.read(arxiv_id)

    def read(self, arxiv_id: str) -> Batch:
        try:
            path = self.client.pdf(arxiv_id)
            return Batch(arxiv_id, document=read_pdf(path), origin=path)
        except PapersError as error:
            return Batch(arxiv_id, failure=error)
