"""Trends over the archive and related papers: real store, real embedder, the CLI and the chat."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from agent.related import related_papers
from agent.trends import TopicError, trend, trend_topic
from tests.test_cli import papers
from vectorstore.catalog import Catalog, people_of

DAYS = ["2025-06-02", "2025-06-03", "2025-06-10", "2025-06-17", "2025-06-24"]


@pytest.fixture(scope="module")
def store(tmp_path_factory, store_of_days):
    return store_of_days(tmp_path_factory.mktemp("trends"), DAYS)


def thresholds():
    """The thresholds the app's trends use: the settings' calibration for the bundled embedder."""
    from agent.settings import Settings
    from agent.trends import TrendThresholds

    calibration = Settings().thresholds()
    return TrendThresholds(calibration.trend_relevance, calibration.trend_lexical_bonus)


def test_a_trend_counts_matching_papers_per_week(store):
    shelf = Catalog(store).current()
    found = trend(shelf, store.embedder.embed, "reinforcement learning for reasoning", thresholds())
    assert [w.start for w in found.weeks] == [date(2025, 6, 2), date(2025, 6, 9), date(2025, 6, 16), date(2025, 6, 23)]
    assert found.matched == sum(w.count for w in found.weeks) > 5
    matched = [p for w in found.weeks for p in w.top]
    on_topic = re.compile(r"\breinforcement learning\b|\bRL\b|\breason(?:s|ing|ed)?\b", re.IGNORECASE)
    assert all(on_topic.search(f"{p.title} {p.abstract}") for p in matched), [p.title for p in matched]
    unrelated = trend(shelf, store.embedder.embed, "medieval tapestry conservation", thresholds())
    assert unrelated.matched == 0
    june = trend(
        shelf, store.embedder.embed, "reinforcement learning", thresholds(), date(2025, 6, 9), date(2025, 6, 20)
    )
    assert [w.start for w in june.weeks] == [date(2025, 6, 9), date(2025, 6, 16)]
    with pytest.raises(TopicError):
        trend(shelf, store.embedder.embed, "  ?? ", thresholds())
    # Any date range is cut to the stored days: no overflow, no empty centuries (issue 20).
    everything = trend(shelf, store.embedder.embed, "reinforcement learning", thresholds(), date(1, 1, 1),
                       date(9999, 12, 31))  # fmt: skip
    assert [w.start for w in everything.weeks] == [w.start for w in found.weeks]


def test_the_chat_answers_how_a_topic_has_grown(store, scripted, services_for):
    assert trend_topic("How has reinforcement learning grown?") == "reinforcement learning"
    assert trend_topic("What are the trends in video generation?") == "video generation"
    assert trend_topic("Which paper pre-trains a model for legal retrieval?") is None
    *_, reply = services_for(store, scripted()).agent.respond("How has research on reinforcement learning grown?")
    assert reply.kind == "trend" and reply.trend.matched > 0
    assert "Busiest weeks" in reply.text and "reinforcement learning" in reply.text


def test_related_papers_are_near_in_meaning_or_share_authors(store):
    shelf = Catalog(store).current()
    prorl = "2505.24864"
    items = related_papers(shelf, prorl, 5)
    assert len(items) == 5 and prorl not in [i.paper.id for i in items]
    assert all(re.search(r"\breason(?:s|ing)?\b", f"{i.paper.title} {i.paper.abstract}", re.I) for i in items[:3])
    own = shelf.papers[shelf.row_of[prorl]]
    for item in items:
        assert bool(item.shared) == bool(people_of(own) & people_of(item.paper))
        assert item.reason.startswith("shares authors: " if item.shared else "similar: ")


def test_cli_trends_png_json_and_related(tmp_path, archive):
    data = tmp_path / "data"
    assert papers(data, "ingest", *(str(archive / f"{d}.json") for d in DAYS[:3])).returncode == 0
    png = tmp_path / "rl.png"
    out = papers(data, "trends", "reinforcement learning", "--png", str(png), "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["matched"] > 0 and result["peaks"][0]["top"]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    text = papers(data, "related", "2505.24864", "--k", "3")
    assert text.returncode == 0 and text.stdout.count("similar: ") + text.stdout.count("shares authors: ") == 3
    missing = papers(data, "related", "0000.00000")
    assert missing.returncode == 1 and "No paper '0000.00000'" in missing.stderr
    bad = papers(data, "trends", "x", "--from", "2025-13-01")
    assert bad.returncode == 2 and "not a date" in bad.stderr


@pytest.fixture(scope="module")
def sample_shelf(tmp_path_factory, sample_in):
    """The bundled sample: 44 papers spread from 2015-06-09 to 2026-04-14, nearly every week of it empty."""
    store = sample_in(tmp_path_factory.mktemp("sample"))
    return Catalog(store).current(), store.embedder.embed


def test_a_topic_finds_papers_that_abbreviate_it_on_a_trimmed_axis(sample_shelf):
    from agent.trends import trend_markdown

    shelf, embed = sample_shelf
    found = trend(shelf, embed, "diffusion language models", thresholds())
    titles = [p.title for w in found.weeks for p in w.top]
    # ParallelBench writes "Diffusion LLMs" only; the other two spell out "Diffusion Large Language Models".
    assert any(t.startswith("ParallelBench") for t in titles), titles
    assert found.matched == 3 and all("Diffusion" in t for t in titles), titles
    # Weeks from the first to the last matching paper, not 567 weeks from 2015 to 2026.
    assert found.unit == "week" and [w.start for w in found.weeks] == [date(2025, 9, 29), date(2025, 10, 6)]
    # A topic spread over years of a sparse store is counted by month, and says so.
    code = trend(shelf, embed, "code generation", thresholds())
    assert code.unit == "month" and code.to_dict()["unit"] == "month"
    assert all(w.start.day == 1 for w in code.weeks) and 1 < len(code.weeks) <= 60, len(code.weeks)
    assert code.weeks[0].count and code.weeks[-1].count, "no empty months before the first or after the last"
    assert code.matched == sum(w.count for w in code.weeks)
    text = trend_markdown(code)
    assert f"in {len(code.weeks)} months" in text and "Busiest months" in text and "weeks" not in text
    # The other way round: a topic's "LLM" is found where a paper spells out "large language models".
    spelt = trend(shelf, embed, "diffusion LLMs", thresholds())
    assert {p.id for w in spelt.weeks for p in w.top} >= {p.id for w in found.weeks for p in w.top}
