"""Issue 30: Today is a view of the store, not of start-up. It opens on the newest stored day, follows every store
change (a day added, TL;DRs written in the background by agent/keeper.py) on the next poll or page load, and
stays usable on bad day files (no papers, 2,000 papers, duplicate ids, no abstract, a 5,000-character title)."""

from __future__ import annotations

import json
from pathlib import Path

import gradio as gr
import pytest

from agent.ingest import ingest_paths, sample_path
from agent.keeper import TldrKeeper
from agent.services import Services
from agent.settings import Settings
from agent.tldr import ABSTRACT, MODEL, SENTENCE
from tests.servers import free_port
from web.base import ALL_DAYS, Context
from web.build import build_app, launch
from web.today import TodayTab

SAMPLE = json.loads(sample_path().read_text())["data"]
SKIP = gr.skip()


def day_file(folder: Path, day: str, records: list[dict]) -> Path:
    """A Daily Papers API day file (the shape the Library tab's upload takes)."""
    path = folder / f"{day}.json"
    path.write_text(json.dumps(records))
    return path


def record(paper_id: str, day: str, title: str, abstract: str, upvotes: int = 1) -> dict:
    stamp = f"{day}T00:00:00.000Z"
    paper = {"id": paper_id, "title": title, "summary": abstract, "upvotes": upvotes, "publishedAt": stamp}
    return {"paper": paper, "publishedAt": stamp, "title": title}


def sample_day(folder: Path, day: str, first_id: int, count: int, offset: int = 0) -> Path:
    """`count` of the sample's papers, as a new day with arXiv-shaped ids (so their cards link to arXiv)."""
    chosen = SAMPLE[offset : offset + count]
    records = [
        record(f"2605.{first_id + i:05d}", day, r["paper"]["title"], r["paper"]["summary"], 10 - i)
        for i, r in enumerate(chosen)
    ]
    return day_file(folder, day, records)


def origins(cards: str, origin: str) -> int:
    return cards.count(f'data-origin="{origin}"')


@pytest.mark.slow
def test_today_opens_on_the_newest_day_and_follows_the_store(tmp_path, embedder, ingested):
    ingested(tmp_path / "data", [sample_path()])
    services = Services(Settings(data_dir=tmp_path / "data"))
    services.store._embedder = embedder
    ctx = Context(services)
    today = TodayTab(ctx)
    assert ctx.opening_day() == "2026-04-14", "the newest day that has papers, not every stored day"
    assert today.today_html("2026-04-14").count('class="paper-card"') == 1
    assert today.today_html(ALL_DAYS).count('class="paper-card"') == 44, "all days is one pick away"
    note = today.day_note("2026-04-14")
    assert "1 paper." in note and "43 other days stored" in note and ALL_DAYS in note
    assert 'href="https://arxiv.org/search/?query=' in today.today_html(ALL_DAYS), "sample cards link to their papers"

    seen = services.store.mark()
    assert today.poll("2026-04-14", "Upvotes", seen) == (SKIP,) * 4, "an unchanged store redraws nothing"
    ingest_paths(services.store, [sample_day(tmp_path, "2026-05-02", 1, 2)], say=lambda _: None)  # as Library adds
    choices, note, cards, mark = today.poll("2026-04-14", "Upvotes", seen)
    assert ("2026-05-02", "2026-05-02") in choices.choices and choices.value == "2026-04-14", "the pick is kept"
    assert mark != seen and today.poll("2026-04-14", "Upvotes", mark) == (SKIP,) * 4
    choices, note, cards, _ = today.on_load("Upvotes", seen)
    assert choices.value == "2026-05-02" and note.startswith("**2026-05-02**: 2 papers."), "a reload opens on it"
    assert cards.count('class="paper-card"') == 2 and 'href="https://huggingface.co/papers/2605.00001"' in cards


@pytest.mark.slow
def test_bad_day_files_leave_today_usable_with_a_note(tmp_path):
    services = Services(Settings(data_dir=tmp_path / "data", embed_model="hashing"))
    abstract = SAMPLE[0]["paper"]["summary"]
    files = [
        day_file(tmp_path, "2026-05-01", []),
        day_file(tmp_path, "2026-05-02", [record(f"2605.{i:05d}", "2026-05-02", f"Paper {i}", abstract, i % 97)
                                          for i in range(2000)]),
        day_file(tmp_path, "2026-05-03", [
            record("2605.20001", "2026-05-03", "Twice Listed", abstract, 5),
            record("2605.20001", "2026-05-03", "Twice Listed", abstract, 5),
            record("2605.20002", "2026-05-03", "No Abstract At All", "", 4),
            record("2605.20003", "2026-05-03", "Long " * 1000, abstract, 3),
        ]),
    ]  # fmt: skip
    lines: list[str] = []
    summary = ingest_paths(services.store, files, say=lines.append)
    assert not summary.errors or all("2026-05-0" in e for e in summary.errors), summary.errors
    today = TodayTab(Context(services))
    assert today.day_note("2026-05-02").startswith("**2026-05-02**: 2,000 papers, the 100 most upvoted shown.")
    assert today.today_html("2026-05-02").count('class="paper-card"') == 100, "a huge day shows its top, fast"
    cards = today.today_html("2026-05-03")
    assert cards.count('data-paper="2605.20001"') == 1, "a paper listed twice is one card"
    long_title = cards.split('data-paper="2605.20003"')[1].split("</a>")[0]
    assert len(long_title) < 500 and "…" in long_title, "a 5,000-character title is cut on its card"
    assert today.today_html("2026-05-01").count('class="paper-card"') == 0
    assert "2026-05-01" not in Context(services).day_choices(), "a day with no papers is no day to pick"


@pytest.mark.slow
def test_tldrs_written_in_the_background_reach_the_page_without_a_click(tmp_path, embedder, llm, services_for):
    from vectorstore.store import PaperStore

    store = PaperStore(tmp_path / "data", embed_model="all-MiniLM-L6-v2", embedder=embedder)
    ingest_paths(store, [sample_day(tmp_path, "2026-05-02", 1, 3)], say=lambda _: None)
    services = services_for(store, llm, tldr="model")
    ctx = Context(services)
    today = TodayTab(ctx)
    seen = store.mark()
    assert origins(today.today_html(""), ABSTRACT) == 3, "before: the abstracts, marked as such"
    keeper = TldrKeeper(services, ctx.first_shown)
    assert keeper.run_once() == 6, "the newest day's papers, then the top of all days (the same three)"
    assert keeper.run_once() == 0, "nothing new in the store: nothing to do"
    _, _, cards, mark = today.poll("", "Upvotes", seen)
    assert mark != seen and origins(cards, ABSTRACT) == 0
    assert origins(cards, MODEL) + origins(cards, SENTENCE) == 3, "each card says who wrote its line"


@pytest.mark.slow
def test_a_newcomer_reloads_after_tldrs_and_after_a_day_is_added(tmp_path, embedder, llm, services_for):
    """In Chromium: the TL;DRs written in the background appear with no click and survive a reload; a day added in
    the Library tab is in the Day list and opens on the next reload, and its TL;DRs follow."""
    from playwright.sync_api import sync_playwright

    from tests.test_app import CHROMIUM_FLAGS
    from vectorstore.store import PaperStore

    store = PaperStore(tmp_path / "data", embed_model="all-MiniLM-L6-v2", embedder=embedder)
    ingest_paths(store, [sample_day(tmp_path, "2026-05-02", 1, 3)], say=lambda _: None)
    services = services_for(store, llm, tldr="model")
    demo = build_app(services)
    port = free_port()
    launch(demo, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    keeper = TldrKeeper(services, demo.first_shown, interval=1.0)
    (tmp_path / "upload").mkdir()
    upload = sample_day(tmp_path / "upload", "2026-05-03", 11, 2, 5)
    (Path(__file__).resolve().parent / "artifacts").mkdir(exist_ok=True)
    cards_with_tldrs = "document.querySelectorAll('#today-cards .line-origin[data-origin=\"abstract\"]').length === 0"
    try:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"http://127.0.0.1:{port}/", wait_until="domcontentloaded")
            page.locator("#today-cards .paper-card").first.wait_for(timeout=60_000)
            assert page.locator('#today-cards [data-origin="abstract"]').count() == 3, "no TL;DR written yet"
            keeper.start()
            page.wait_for_function(cards_with_tldrs, timeout=180_000)  # no click: the page's poll redraws
            page.reload(wait_until="domcontentloaded")
            page.locator("#today-cards .paper-card").first.wait_for(timeout=60_000)
            page.wait_for_function(cards_with_tldrs, timeout=15_000)  # the reload shows what is stored now
            assert page.locator("#today-cards .paper-card").count() == 3

            page.get_by_role("tab", name="Library").click()
            page.locator("input[type=file]").first.set_input_files(str(upload))
            page.get_by_role("button", name="Add files").click()
            status = page.locator("#library-status")
            status.get_by_text("2 added").first.wait_for(timeout=120_000)
            assert "2026-05-03.json" in status.inner_text() and "/tmp" not in status.inner_text(), "no server path"
            page.reload(wait_until="domcontentloaded")
            page.get_by_role("tab", name="Today").click()
            page.locator("#today-note").get_by_text("2026-05-03").wait_for(timeout=30_000)
            page.locator("#today-cards .paper-card").nth(1).wait_for(timeout=30_000)
            assert page.locator("#today-cards .paper-card").count() == 2, "the new day, opened on reload"
            page.wait_for_function(cards_with_tldrs, timeout=180_000)
            page.screenshot(path=str(Path(__file__).resolve().parent / "artifacts" / "today-live.png"), full_page=True)
            browser.close()
    finally:
        keeper.stop()
        demo.close()
