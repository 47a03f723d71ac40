"""The API client against a real loopback server: retries where they help, one clear line where they don't."""

from __future__ import annotations

from datetime import date

import pytest

from sources.daily_papers import DailyPapersClient
from tests.api_server import FakeDailyPapers
from vectorstore.errors import FetchError

DAY = date(2025, 6, 2)


@pytest.fixture
def api(archive):
    with FakeDailyPapers(archive) as server:
        yield server


def client_for(url: str, tmp_path, warnings: list[str], timeout: float = 5.0, retries: int = 3) -> DailyPapersClient:
    return DailyPapersClient(
        url, tmp_path / "cache", timeout=timeout, retries=retries, backoff=0.01, warn=warnings.append
    )


def test_a_day_is_fetched_and_cached(api, tmp_path):
    payload = client_for(api.url, tmp_path, []).fetch_day(DAY)
    assert isinstance(payload, list) and payload[0]["paper"]["id"]
    assert (tmp_path / "cache" / "daily_papers" / "2025-06-02.json").exists(), "the raw response is cached"


def test_server_errors_are_retried_until_success(api, tmp_path):
    warnings: list[str] = []
    api.faults["2025-06-02"] = [("status", 500, None), ("status", 503, None)]
    assert client_for(api.url, tmp_path, warnings).fetch_day(DAY)
    assert len(api.requests) == 3 and len(warnings) == 2 and "HTTP 500" in warnings[0]


def test_429_waits_as_long_as_retry_after_says(api, tmp_path):
    warnings: list[str] = []
    api.faults["2025-06-02"] = [("status", 429, "1")]
    assert client_for(api.url, tmp_path, warnings).fetch_day(DAY)
    assert "retrying in 1.0 s" in warnings[0], "Retry-After sets the wait"


def test_timeouts_are_retried_then_reported(api, tmp_path):
    api.faults["2025-06-02"] = [("sleep", 1.0)] * 3
    with pytest.raises(FetchError, match="timed out after 3 attempts"):
        client_for(api.url, tmp_path, [], timeout=0.3, retries=2).fetch_day(DAY)


def test_client_errors_are_not_retried(api, tmp_path):
    api.faults["2025-06-02"] = [("status", 404, None)]
    with pytest.raises(FetchError, match="HTTP 404"):
        client_for(api.url, tmp_path, []).fetch_day(DAY)
    assert len(api.requests) == 1, "a 404 cannot get better by asking again"


def test_malformed_json_is_an_error_and_not_cached(api, tmp_path):
    api.faults["2025-06-02"] = [("body", b'[{"paper": {"id": "25')]
    with pytest.raises(FetchError, match="malformed JSON"):
        client_for(api.url, tmp_path, []).fetch_day(DAY)
    assert not (tmp_path / "cache" / "daily_papers" / "2025-06-02.json").exists()


def test_an_empty_day_is_an_empty_list(api, tmp_path):
    assert client_for(api.url, tmp_path, []).fetch_day(date(2025, 6, 1)) == []


def test_offline_falls_back_to_the_cache_with_a_warning(api, tmp_path):
    warnings: list[str] = []
    client_for(api.url, tmp_path, warnings).fetch_day(DAY)
    dead = "http://127.0.0.1:9/api"  # the discard port: nothing listens there
    payload = client_for(dead, tmp_path, warnings).fetch_day(DAY)
    assert payload and "cached response" in warnings[-1] and "offline" in warnings[-1]


def test_offline_without_cache_says_so_in_one_line(tmp_path):
    with pytest.raises(FetchError) as caught:
        client_for("http://127.0.0.1:9/api", tmp_path, []).fetch_day(DAY)
    assert "offline" in str(caught.value) and "\n" not in str(caught.value)
