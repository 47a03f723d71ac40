"""The Daily Papers API -> raw responses (with retries and an on-disk cache) -> one `Batch` of papers per day.

In: a date and the API's base URL. Out: the decoded JSON of `GET /daily_papers?date=D`, fresh when the API answers,
else the cached copy of an earlier answer (with a warning), else a `FetchError` in one clear line. Retries, with
exponential backoff or the server's Retry-After, happen only where a retry can help: timeouts, 429 and 5xx.
`DaySource` turns a list of days into batches (a day that cannot be fetched or read is a failed batch).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from datetime import UTC, date
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from sources.base import USER_AGENT, Batch
from sources.parse_api import papers_from_payload
from vectorstore.errors import FetchError, PapersError

RETRYABLE_STATUS = {429, 500, 502, 503, 504}


class TransientError(Exception):
    """An answer worth retrying; carries how long the server asked us to wait, if it did."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from datetime import datetime

        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


class DailyPapersClient:
    def __init__(
        self,
        api_url: str,
        cache_dir: Path,
        timeout: float = 20.0,
        retries: int = 4,
        backoff: float = 1.0,
        max_retry_after: float = 60.0,
        warn: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.cache_dir = cache_dir / "daily_papers"
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.warn = warn
        self.http = httpx.Client(timeout=timeout, headers={"User-Agent": USER_AGENT}, follow_redirects=True)

    def cache_path(self, day: date) -> Path:
        return self.cache_dir / f"{day.isoformat()}.json"

    def wait_seconds(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, TransientError) and error.retry_after is not None:
            return min(error.retry_after, self.max_retry_after)
        return self.backoff * 2 ** (state.attempt_number - 1)

    def before_sleep(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0
        self.warn(f"{error}; retrying in {wait:.1f} s (attempt {state.attempt_number + 1} of {self.retries + 1}).")

    def get_once(self, url: str, params: dict) -> Any:
        try:
            response = self.http.get(url, params=params)
        except httpx.TimeoutException as error:
            raise TransientError(f"{url} timed out") from error
        except httpx.TransportError as error:
            raise FetchError(
                f"Could not reach {url} ({type(error).__name__}: {error}); you may be offline.",
                "Check the network, or ingest saved files with `papers ingest PATH`.",
            ) from error
        if response.status_code in RETRYABLE_STATUS:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise TransientError(f"{url} answered HTTP {response.status_code}", retry_after)
        if response.status_code >= 400:
            raise FetchError(f"{url} answered HTTP {response.status_code}.", "Check the date and the API URL.")
        try:
            return response.json()
        except ValueError as error:
            raise FetchError(f"{url} answered with malformed JSON.", "Try again later.") from error

    def get_json(self, path: str, params: dict) -> Any:
        url = f"{self.api_url}/{path}"
        retrying = Retrying(
            stop=stop_after_attempt(self.retries + 1),
            wait=self.wait_seconds,
            retry=retry_if_exception(lambda e: isinstance(e, TransientError)),
            before_sleep=self.before_sleep,
            reraise=True,
        )
        try:
            return retrying(self.get_once, url, params)
        except TransientError as error:
            raise FetchError(f"{error} after {self.retries + 1} attempts.", "Try again later.") from error

    def fetch_day(self, day: date) -> Any:
        """The day's response: fresh (and cached), else cached with a warning, else a FetchError."""
        try:
            payload = self.get_json("daily_papers", {"date": day.isoformat()})
        except FetchError as error:
            cached = self.cache_path(day)
            if not cached.exists():
                raise
            self.warn(f"{error.problem} Using the cached response from {cached}.")
            return json.loads(cached.read_text(encoding="utf-8"))
        self.save(day, payload)
        return payload

    def save(self, day: date, payload: Any) -> None:
        """Write-then-rename, so a crash never leaves a truncated cache file behind."""
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        target = self.cache_path(day)
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, target)

    def close(self) -> None:
        self.http.close()


class DaySource:
    """Days of the feed, one batch each, in the order given. `client` is a `DailyPapersClient` or anything with its
    `api_url` and `fetch_day`."""

    def __init__(self, client: DailyPapersClient, days: list[date]) -> None:
        self.client = client
        self.days = days

    def batches(self) -> Iterator[Batch]:
        for day in self.days:
            yield self.read(day)

    def read(self, day: date) -> Batch:
        try:
            payload = self.client.fetch_day(day)
            skipped: list[str] = []
            source = f"{self.client.api_url}/daily_papers?date={day}"
            papers = papers_from_payload(payload, day=day, source=source, skipped=skipped)
        except PapersError as error:
            return Batch(day.isoformat(), failure=error)
        return Batch(day.isoformat(), papers, skipped=skipped)
