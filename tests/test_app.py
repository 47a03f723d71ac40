"""The Gradio app launched on loopback: its API through gradio_client, and its pages in a real browser."""

from __future__ import annotations

import json
import logging
import re
import threading
from pathlib import Path

import httpx
import pytest

from agent.access import Access
from agent.ingest import ingest_paths, sample_path
from agent.services import Services
from agent.settings import Settings
from tests.servers import free_port
from web.build import build_app, launch

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
HOSTILE_TITLE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2"> Hostile Title'
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def running_app(tmp_path_factory, archive, embedder, llm):
    """The app over a store with the sample, one archive day and a record whose title is HTML."""
    data = tmp_path_factory.mktemp("app-data")
    records = json.loads((archive / "2025-06-02.json").read_text())
    hostile = json.loads(json.dumps(records[1]))
    hostile["paper"].update(id="2605.99998", title=HOSTILE_TITLE, upvotes=500)
    hostile_file = data / "2026-05-01.json"  # the newest day, so the Today tab opens on it
    # An abstract carrying Markdown and HTML that would track visitors; protocol-relative addresses load as https ones
    # do, and keep the sentence a TL;DR (the extractive TL;DR skips sentences with an http(s) link: code notes).
    markdown = json.loads(json.dumps(records[2]))
    markdown["paper"].update(id="2605.99997", title="ZebraRoute: Routing Pedestrians at Zebra Crossings", summary=(
        "We propose ZebraRoute, a router that plans pedestrian paths across zebra crossings "
        "![t](//evil.example/pixel.png) <img src=//evil.example/a.png> [the router](//evil.example/x)."
        " ZebraRoute cuts waiting time by 31% in a city-scale simulation."))  # fmt: skip
    hostile_file.write_text(json.dumps([hostile, markdown]))
    services = Services(Settings(data_dir=data), model=llm)
    services.store._embedder = embedder
    ingest_paths(services.store, [sample_path(), archive / "2025-06-02.json", hostile_file], say=lambda _: None)
    demo = build_app(services)
    port = free_port()
    launch(demo, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/", services
    demo.close()


@pytest.fixture(scope="module")
def client(running_app):
    from gradio_client import Client

    return Client(running_app[0], verbose=False)


def test_today_endpoint_lists_the_days_papers(client):
    rows = client.predict("2025-06-02", api_name="/today")
    assert len(rows) == 20 and rows[0]["upvotes"] >= rows[-1]["upvotes"]
    assert {"id", "title", "tldr", "hf_url", "byline"} <= set(rows[0])


def test_digest_endpoint_returns_markdown_and_html(client):
    result = client.predict("2025-06-02", "2025-06-02", 3, api_name="/digest")
    assert result["papers"] == 3 and result["markdown"].startswith("# Daily Papers — 2025-06-02")
    import bibtexparser

    assert len(bibtexparser.parse_string(result["bibtex"]).entries) == 3, "the digest's papers as BibTeX"
    hostile = client.predict("2026-05-01", "2026-05-01", 3, api_name="/digest")
    assert "<script>window" not in hostile["html"] and "&lt;script&gt;" in hostile["html"]


def test_ingest_endpoint_adds_an_uploaded_file(client, archive, running_app):
    from gradio_client import handle_file

    status = client.predict([handle_file(str(archive / "2025-06-03.json"))], "", api_name="/ingest")
    assert "added" in status and "papers" in status
    papers, _ = running_app[1].store.counts()
    assert papers >= 44 + 20 + 1 + 10


def test_chat_endpoint_answers_with_sources(client):
    reply = client.predict(
        "Which paper pre-trains a language model for legal case retrieval?", "All papers", "", "", api_name="/chat"
    )
    assert "SAILER" in reply and "**Sources**" in reply


def test_ask_endpoint_returns_the_answer_and_its_citations(client):
    result = client.predict(
        "Which paper pre-trains a language model for legal case retrieval?", "", "", api_name="/ask"
    )
    assert result["covered"] and "SAILER" in result["answer"]
    assert any("SAILER" in c["title"] for c in result["citations"]), "the citation is the SAILER paper"
    declined = client.predict("What is the boiling point of tungsten in a vacuum?", "", "", api_name="/ask")
    assert not declined["covered"] and not declined["citations"]


def test_mcp_client_lists_the_tools_and_gets_a_cited_answer(running_app):
    """A real MCP client (the `mcp` SDK) over streamable HTTP against the launched app."""
    import asyncio

    from mcp import ClientSession
    from mcp.client.streamable_http import streamablehttp_client

    async def session_calls():
        url = running_app[0] + "gradio_api/mcp/"
        async with streamablehttp_client(url) as (read, write, _), ClientSession(read, write) as session:
            await session.initialize()
            listed = await session.list_tools()
            question = {"question": "Which paper pre-trains a language model for legal case retrieval?"}
            answered = await session.call_tool("ask", question)
            claim = {"text": "SAILER does not improve legal case retrieval.", "paper_id": ""}
            checked = await session.call_tool("check_claims", claim)
            hostile = await session.call_tool("ask", {"question": "What does ZebraRoute propose?"})
            return {t.name: t for t in listed.tools}, answered, checked, hostile

    tools, answered, checked, hostile = asyncio.run(session_calls())
    zebra = hostile.content[0].text  # the feed's image, tag and link reach the MCP client as text only
    assert "evil.example" in zebra and not live_links(zebra.replace("\\\\", "\\"))
    assert {"search_papers", "ask", "todays_papers", "tldr", "digest", "related_papers", "trends"} <= set(tools)
    assert "check_claims" in tools and not checked.isError
    assert "'supported': False" in checked.content[0].text and "SAILER" in checked.content[0].text
    assert "citations" in tools["ask"].description and "question" in tools["ask"].inputSchema["properties"]
    assert not answered.isError
    text = answered.content[0].text
    assert "SAILER" in text and "'citations': [{" in text and "Legal Case Retrieval" in text


def test_tldr_endpoint_and_a_trend_answered_in_the_chat(client):
    ids = [row["id"] for row in client.predict("2025-06-02", api_name="/today")[:2]]
    rows = client.predict(", ".join(ids), "", api_name="/tldr")
    assert [r["paper_id"] for r in rows] == ids and all(r["tldr"] and not r["model_error"] for r in rows)
    # True by default: the abstract's own contribution sentence, marked so; the trained writer is opt-in.
    today = {r["id"]: r for r in client.predict("2025-06-02", api_name="/today")}
    assert all(r["fallback"] and r["tldr"].split()[1] in today[r["paper_id"]]["abstract"] for r in rows), rows
    text, chart = client.predict("How has reinforcement learning grown?", "All papers", "", "", api_name="/chat")
    assert "Busiest weeks" in text and "reinforcement learning" in text
    assert chart.startswith("![Papers per week](data:image/png;base64,iVBOR"), "the chart inline: no server path"


def strings(value):
    """Every string inside an API result."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def live_links(markdown: str) -> list[str]:
    """What a Markdown renderer would load or link to at evil.example: images and links (CommonMark, rendered by
    markdown-it as Gradio's and MCP clients' renderers do) and bare URLs, which GFM turns into links by itself."""
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark").render(markdown)
    found = re.findall(r'(?:src|href)="([^"]*)"', rendered) + re.findall(r"<img[^>]*>", rendered)
    found += re.findall(r"(?:https?://|www\.)\S+", markdown)
    return [link for link in found if "evil.example" in link or link.startswith("<img")]


def test_feed_images_html_and_links_stay_inert_on_every_face(client, running_app):
    """Issue 33: ZebraRoute's abstract carries a Markdown image, an <img> tag and a link to evil.example. Every face
    that hands feed text on as Markdown (the API and MCP tools, the chat, the digest) and the Check tab's HTML shows
    them as text: a renderer loads and links nothing of them (and the text is still there, so this can fail)."""
    zebra = "2605.99997"
    claim = "ZebraRoute plans pedestrian paths across zebra crossings."
    faces = {
        "/ask": client.predict("What does ZebraRoute propose?", "", "", api_name="/ask"),
        "/chat": client.predict("What does ZebraRoute propose?", "All papers", "", "", api_name="/chat"),
        "/search": client.predict("ZebraRoute zebra crossings", 3, api_name="/search"),
        "/today": client.predict("2026-05-01", api_name="/today"),
        "/tldr": client.predict(zebra, "", api_name="/tldr"),
        "/digest": client.predict("2026-05-01", "2026-05-01", 2, api_name="/digest")["markdown"],
        "/check_claims": client.predict(claim, zebra, api_name="/check_claims"),
    }
    for face, result in faces.items():
        texts = list(strings(result))
        assert any("evil.example" in text for text in texts), f"{face}: the hostile text is shown"
        assert not [link for text in texts for link in live_links(text)], face
    check = running_app[1]  # the Check tab's HTML: escaped, so the tag and the link are text
    from web.base import Context
    from web.check import CheckTab

    page = CheckTab(Context(check)).check_view(claim, zebra)
    assert "evil.example" in page and "<img" not in page and 'href="https://evil' not in page


def test_a_users_mistake_is_one_log_line_not_a_traceback(client, caplog, capfd):
    """Issue 30: a day that is no date, or an empty question, answers the caller with the message and leaves one line
    in the server log (Gradio prints a raised gr.Error's traceback unless told not to)."""
    from gradio_client.exceptions import AppError

    capfd.readouterr()
    mistakes = {"/today": ("2025-13-45",), "/ask": ("", "", "")}
    with caplog.at_level(logging.WARNING, logger="web.base"):
        for api_name, args in mistakes.items():
            caplog.clear()
            with pytest.raises(AppError, match="is not a date|empty"):
                client.predict(*args, api_name=api_name)
            lines = [record.getMessage() for record in caplog.records if record.name == "web.base"]
            assert len(lines) == 1 and "\n" not in lines[0], (api_name, lines)
            assert "is not a date" in lines[0] or "empty" in lines[0], lines
    assert "Traceback" not in capfd.readouterr().err


def test_check_claims_endpoint_marks_each_sentence(client):
    rows = client.predict(
        "SAILER is a structure-aware pre-trained language model for legal case retrieval. GPT-9 wins everything.",
        "",
        api_name="/check_claims",
    )
    assert [r["supported"] for r in rows] == [True, False] and rows[1]["reason"] == "name: GPT-9"
    assert rows[0]["title"].startswith("SAILER") and "SAILER" in rows[0]["evidence"]


def test_related_trends_and_for_you_endpoints(client, running_app):
    related = client.predict("2505.24864", 3, api_name="/related")
    assert related and all(r["id"] != "2505.24864" and r["reason"] for r in related)
    trends = client.predict("reinforcement learning, quantum chemistry", "", "", api_name="/trends")
    counts = {t["topic"]: t["matched"] for t in trends["topics"]}
    assert counts["reinforcement learning"] > 0 and counts["reinforcement learning"] > counts["quantum chemistry"]
    client.predict("2505.24864", "", api_name="/like")
    assert "2505.24864" in client.predict(api_name="/profile")["liked"]
    ranked = client.predict("2025-06-02", api_name="/for_you")
    assert ranked[0]["reason"] and ranked[0]["score"] >= ranked[-1]["score"]
    assert any(r["reason"].startswith("like: ProRL") for r in ranked), "reasons name the liked paper"
    mine = client.predict("2025-06-02", "2025-06-02", 5, True, api_name="/digest")
    assert mine["title"].endswith("for you") and "for you: " in mine["markdown"]


def test_eight_concurrent_asks_all_complete(running_app):
    from gradio_client import Client

    questions = [
        "Which paper studies time blindness in video-language models?",
        "Which hybrid network puts more convolution blocks in early stages?",
        "Which paper pre-trains a language model for legal case retrieval?",
        "Which model uses mask attention matrices with prefix adapters for code?",
    ] * 2
    replies: list[str] = [""] * len(questions)

    def ask(i: int) -> None:
        replies[i] = Client(running_app[0], verbose=False).predict(questions[i], "All papers", "", "", api_name="/chat")

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(questions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert all("**Sources**" in r for r in replies), [r[:80] for r in replies]


def test_in_a_real_browser(running_app):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    url = running_app[0]
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_role("tab", name="Today").wait_for(timeout=60_000)
        page.get_by_role("tab", name="Today").click()
        page.locator("#today-cards").get_by_text("Hostile Title").first.wait_for(timeout=30_000)
        assert "<script>window.__pwned" in page.locator("#today-cards").inner_text(), "HTML in a title shows as text"
        assert page.evaluate("window.__pwned") is None and not dialogs, "no script from a title ran"
        page.screenshot(path=str(ARTIFACTS / "today.png"), full_page=True)

        page.get_by_role("tab", name="Ask").click()
        box = page.locator("#chat-input textarea").first
        box.fill("Which paper shows that prolonged reinforcement learning expands reasoning boundaries?")
        box.press("Enter")
        page.locator("#chat").get_by_text("Sources").first.wait_for(timeout=240_000)
        link = page.locator("#chat a[href*='huggingface.co/papers/2505.24864']").first
        link.wait_for(timeout=30_000)
        assert "2505.24864" in link.get_attribute("href"), "the citation links to the ProRL paper"
        assert "ProRL" in page.locator("#chat").inner_text(), "the answer names the method, not just its link"
        page.screenshot(path=str(ARTIFACTS / "ask.png"), full_page=True)
        box.fill("Which paper proposes a router that plans pedestrian paths across zebra crossings?", timeout=240_000)
        box.press("Enter")
        page.locator("#chat").get_by_text("ZebraRoute").first.wait_for(timeout=240_000)
        page.wait_for_timeout(1500)  # the reply's Markdown is rendered
        evil = page.locator("#chat img[src*='evil.example'], #chat a[href*='evil.example']")
        assert evil.count() == 0, "feed Markdown and HTML reach the chat as text, never as an image or a link"
        box.fill("How has reinforcement learning grown?", timeout=240_000)
        box.press("Enter")
        page.locator("#chat img").first.wait_for(timeout=60_000)  # the weekly chart, below the counts

        page.get_by_role("tab", name="Digest").click()
        page.get_by_role("button", name="Generate digest").click()
        page.locator("#digest-preview h1").first.wait_for(timeout=240_000)
        page.screenshot(path=str(ARTIFACTS / "digest.png"), full_page=True)

        page.get_by_role("tab", name="Trends").click()
        page.locator("#trend-topics textarea, #trend-topics input").first.fill("reinforcement learning, agents")
        page.get_by_role("button", name="Show trends").click()
        page.locator("#trend-notes").get_by_text("Busiest weeks").first.wait_for(timeout=60_000)
        page.locator("#trend-plot canvas, #trend-plot svg").first.wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "trends.png"), full_page=True)

        page.get_by_role("tab", name="Today").click()
        page.locator("#today-cards [data-like='2605.99998']").first.click()
        page.locator("#like-status").get_by_text("Liked").first.wait_for(timeout=30_000)
        page.get_by_role("radio", name="For you").first.check()
        page.locator("#today-cards .paper-reason").first.wait_for(timeout=30_000)
        page.get_by_role("tab", name="For you").click()
        page.locator("#profile-liked textarea").first.wait_for(timeout=30_000)
        page.reload(wait_until="domcontentloaded")
        page.get_by_role("tab", name="For you").click()
        page.wait_for_function(
            "() => (document.querySelector('#profile-liked textarea') || {}).value?.includes('2605.99998')",
            timeout=30_000,
        )
        page.screenshot(path=str(ARTIFACTS / "for_you.png"), full_page=True)

        page.get_by_role("tab", name="Check").click()
        page.locator("#check-text textarea").first.fill(
            "SAILER is a structure-aware pre-trained language model for legal case retrieval. "
            "SAILER does not outperform previous methods <img src=x onerror=alert(1)>."
        )
        page.get_by_role("button", name="Check", exact=True).click()
        page.locator("#check-result").get_by_text("not supported").first.wait_for(timeout=120_000)
        shown = page.locator("#check-result").inner_text()
        assert "✓ supported" in shown and "✗ not supported" in shown and "Legal Case Retrieval" in shown
        assert "<img src=x" in shown and not dialogs, "pasted HTML shows as text and runs nothing"
        page.screenshot(path=str(ARTIFACTS / "check.png"), full_page=True)

        page.get_by_role("tab", name="Library").click()
        page.screenshot(path=str(ARTIFACTS / "library.png"), full_page=True)
        browser.close()


def test_public_mode_reads_for_everyone_and_writes_only_for_the_owner(running_app, archive):
    """The same store served as a public Space would serve it: bounded digests, no uploads without the owner."""
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError

    services = running_app[1]
    demo = build_app(services, Access(public=True, admin_token="s3cret"))
    port = free_port()
    launch(demo, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        visitor = Client(f"http://127.0.0.1:{port}/", verbose=False)
        upload = [handle_file(str(archive / "2025-06-04.json"))]
        before = services.store.counts()
        with pytest.raises(AppError, match="read-only"):
            visitor.predict(upload, "", api_name="/ingest")
        with pytest.raises(AppError, match="read-only"):
            visitor.predict(upload, "wrong", api_name="/ingest")
        assert services.store.counts() == before, "nothing was written"
        with pytest.raises(AppError, match="1 to 50 papers"):
            visitor.predict("2025-06-02", "2025-06-02", 500, api_name="/digest")
        with pytest.raises(AppError, match="at most 31 days"):
            visitor.predict("2025-01-01", "2025-06-02", 5, api_name="/digest")
        rows = visitor.predict("2025-06-02", api_name="/today")
        assert rows and all("source" not in row for row in rows), "no server paths for visitors"
        with pytest.raises(AppError, match="read-only"):
            visitor.predict("2505.24864", "", api_name="/like")
        named = visitor.view_api(print_info=False, return_format="dict")["named_endpoints"]
        assert "/ask" in named and not {"/ingest", "/fetch", "/like"} & set(named), "write tools not listed"
        assert_mcp_tools(port, without={"ingest_files", "fetch_day", "like_paper"}, having={"ask", "digest"})
        added = visitor.predict(upload, "s3cret", api_name="/ingest")
        assert "added" in added and services.store.counts()[0] > before[0], "the owner's token writes"
    finally:
        demo.close()


def assert_mcp_tools(port: int, without: set[str], having: set[str]) -> None:
    import asyncio

    from mcp import ClientSession
    from mcp.client.streamable_http import streamablehttp_client

    async def names() -> set[str]:
        url = f"http://127.0.0.1:{port}/gradio_api/mcp/"
        async with streamablehttp_client(url) as (read, write, _), ClientSession(read, write) as session:
            await session.initialize()
            return {t.name for t in (await session.list_tools()).tools}

    found = asyncio.run(names())
    assert having <= found and not without & found, found


def test_feed_xml_is_atom_a_feed_reader_parses_with_feed_strings_as_text(running_app):
    """/feed.xml: the newest day's digest (the hostile title's day), valid Atom, every feed string escaped."""
    import feedparser

    url, _ = running_app
    response = httpx.get(url + "feed.xml", timeout=300)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/atom+xml")
    assert "<script>" not in response.text and "&lt;script&gt;" in response.text
    feed = feedparser.parse(response.text)
    assert not feed.bozo, feed.get("bozo_exception")
    assert {e.title for e in feed.entries} == {HOSTILE_TITLE, "ZebraRoute: Routing Pedestrians at Zebra Crossings"}
    assert all(e.summary and e.link.startswith("https://huggingface.co/papers/") for e in feed.entries)
