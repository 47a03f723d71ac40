"""The digest a researcher gets: ranked, grouped, escaped, rendered three ways and sent over real SMTP."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import subprocess
import sys
from datetime import date

import pytest
from aiosmtpd.controller import Controller

from agent.digest import build_digest
from agent.errors import DigestError
from agent.ingest import ingest_paths
from agent.judge.terms import Source, invented
from agent.mail import send_digest
from agent.render import to_html, to_markdown, to_text
from agent.tldr import TldrWriter
from tests.servers import free_port

DAY = date(2025, 6, 2)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server():
    port = free_port()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, f"127.0.0.1:{port}"
    controller.stop()


@pytest.fixture
def day_store(make_store, archive, tmp_path):
    """2025-06-02 from the archive, plus a paper whose title and abstract carry HTML."""
    records = json.loads((archive / "2025-06-02.json").read_text())
    hostile = json.loads(json.dumps(records[0]))
    hostile["paper"].update(
        id="2506.99999",
        title='<script>alert("x")</script> Tricky <b>Title</b>',
        summary="We propose <img src=x onerror=alert(1)> a benchmark. It beats baselines.",
        upvotes=999,
    )
    (tmp_path / "2025-06-02.json").write_text(json.dumps([hostile, *records]))
    store = make_store()
    ingest_paths(store, [tmp_path / "2025-06-02.json"], say=lambda _: None)
    return store


def test_real_model_digest_is_ranked_grouped_and_escaped(day_store, llm):
    digest = build_digest(day_store, TldrWriter(llm, day_store), DAY, DAY, top_n=8)
    items = digest.items
    assert len(items) == 8 and len(digest.topics) >= 2, "8 papers in a few topics"
    most = max(i.paper.upvotes for i in items)
    assert digest.topics[0].items[0].paper.upvotes == most, "the most upvoted paper leads"
    for item in items:  # a TL;DR states nothing its paper's title and abstract do not
        assert invented(item.tldr.text, Source.of(item.paper.title, item.paper.abstract)) == [], item.tldr
    assert sum(not item.tldr.fallback for item in items) >= 4, "most TL;DRs are the model's, not fallbacks"
    assert "Most upvoted" in digest.intro and all(t.name for t in digest.topics)
    page = to_html(digest)
    assert "<script>" not in page and "&lt;script&gt;" in page, "feed text is escaped in HTML"
    assert "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")
    assert "style=" in page and "<style" not in page, "inline styles only, for mail clients"
    markdown = to_markdown(digest)
    assert "https://huggingface.co/papers/" in markdown and "\\<script\\>" in markdown
    assert digest.topics[0].items[0].paper.title in to_text(digest)


def test_an_empty_day_says_so(day_store, scripted):
    digest = build_digest(day_store, TldrWriter(scripted(), day_store), date(2030, 1, 1), date(2030, 1, 1))
    assert digest.empty and "No papers in the store for 2030-01-01" in digest.intro
    assert "No papers" in to_html(digest)


def test_digest_is_sent_as_multipart_mail(day_store, scripted, smtp_server):
    inbox, server = smtp_server
    digest = build_digest(day_store, TldrWriter(scripted(), day_store), DAY, DAY, top_n=5)
    send_digest(digest, ["reader@example.org"], server, sender="papers@example.org")
    message = inbox.messages[0]
    assert message["Subject"] == "Daily Papers — 2025-06-02" and inbox.envelopes[0].rcpt_tos == ["reader@example.org"]
    assert message.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in message.iter_parts()]
    assert kinds == ["text/plain", "text/html"]
    assert "&lt;script&gt;" in message.get_body(("html",)).get_content()


def test_mail_refuses_a_clear_text_password_and_header_injection(day_store, scripted, smtp_server):
    inbox, server = smtp_server
    digest = build_digest(day_store, TldrWriter(scripted(), day_store), DAY, DAY, top_n=2)
    with pytest.raises(DigestError, match="clear text"):
        send_digest(digest, ["reader@example.org"], server, user="me", password="secret")
    with pytest.raises(DigestError, match="not an e-mail address"):
        send_digest(digest, ["reader@example.org\r\nBcc: victim@example.org"], server)
    assert inbox.messages == [], "nothing was sent"
    send_digest(digest, ["reader@example.org"], server, user="", insecure_login=True)
    assert len(inbox.messages) == 1


def test_cli_digest_to_file_and_by_mail(day_store, smtp_server, model_dir, tmp_path):
    inbox, server = smtp_server
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PAPERS_MODEL_DIR": str(model_dir)}
    base = [sys.executable, "-m", "agent.cli", "--data-dir", str(day_store.data_dir), "digest", "--top", "4"]
    out = tmp_path / "digest.html"
    done = subprocess.run([*base, "--format", "html", "--out", str(out)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert out.read_text().startswith("<!DOCTYPE html>") and "Daily Papers — 2025-06-02" in out.read_text()
    mailed = subprocess.run(
        [*base, "--email", "a@example.org", "--smtp", server], capture_output=True, text=True, env=env
    )
    assert mailed.returncode == 0 and "Sent" in mailed.stderr and len(inbox.messages) == 1


def test_unloadable_model_is_one_clear_line(tmp_path, seed_page):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PAPERS_MODEL": str(tmp_path / "no-such-model"), "PAPERS_TLDR": "model"}
    data = ["--data-dir", str(tmp_path / "data")]
    subprocess.run([sys.executable, "-m", "agent.cli", *data, "ingest", "--sample"], capture_output=True, env=env)
    done = subprocess.run([sys.executable, "-m", "agent.cli", *data, "tldr"], capture_output=True, text=True, env=env)
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("Error: The model") and "no-such-model" in lines[-1] and len(lines) == 1


# Words that name no theme on their own (the "Argue · Deep"); a theme needs a word outside them.
LONE_WORDS = {"argue", "deep", "learning", "model", "models", "towards", "generation", "training", "large"}


def occurs_in(theme: str, texts: list[str]) -> bool:
    """The theme's words in a row in one of the texts (case, hyphens and a plural "s" aside)."""
    words = re.sub(r"[^a-z0-9+]+", " ", theme.lower()).split()
    pattern = r"\b" + r"\s+".join(re.escape(w.removesuffix("s")) + r"s?" for w in words) + r"\b"
    return any(re.search(pattern, re.sub(r"[^a-z0-9+]+", " ", t.lower())) for t in texts)


def assert_researcher_themes(digest) -> None:
    names = [t.name for t in digest.topics]
    assert len(names) >= 2 and len(set(n.lower() for n in names)) == len(names), names
    for topic in digest.topics:
        words = re.sub(r"[^A-Za-z0-9+]+", " ", topic.name).lower().split()
        assert "·" not in topic.name and len(words) >= 2, f"a phrase, not stray words: {topic.name!r}"
        assert not set(words) <= LONE_WORDS, f"generic: {topic.name!r}"
        assert topic.name[0].isupper() and topic.name[1:] != topic.name[1:].title(), "capitalised as a sentence"
        texts = [t for i in topic.items for t in (i.paper.title, *i.paper.ai_keywords)]
        for part in topic.name.split(" and "):
            assert occurs_in(part, texts), f"{part!r} is not a phrase of its papers: {texts}"


@pytest.fixture
def sample_store(sample_in, tmp_path):
    return sample_in(tmp_path / "data")


def test_sample_digest_themes_are_key_phrases_and_its_title_the_papers_span(sample_store, scripted):
    """The issue's newcomer: the bundled sample over all its stored days (2015-06-09 to 2026-04-14)."""
    days = sample_store.dates()
    writer = TldrWriter(scripted(), sample_store)
    digest = build_digest(sample_store, writer, days[0], days[-1], top_n=10)
    assert_researcher_themes(digest)
    shown = [i.paper.date for i in digest.items]
    assert (
        digest.title
        == f"Daily Papers — {min(shown):%B %Y} to {max(shown):%B %Y}"
        == ("Daily Papers — May 2023 to April 2026")
    ), "the span of the papers shown, by month: not 2015-06-09 to 2026-04-14"
    assert "10 papers (the top of 44) from May 2023 to April 2026" in digest.intro
    everything = build_digest(sample_store, writer, days[0], days[-1], top_n=44)
    assert_researcher_themes(everything)
    diffusion = next(t for t in everything.topics if any("ParallelBench" in i.paper.title for i in t.items))
    assert diffusion.name == "Diffusion large language models", [t.name for t in everything.topics]


def test_a_feed_days_themes_come_from_its_keywords(day_store, scripted):
    digest = build_digest(day_store, TldrWriter(scripted(), day_store), DAY, DAY, top_n=20)
    assert_researcher_themes(digest)
    assert digest.title == "Daily Papers — 2025-06-02", "one day is still named by its date"
