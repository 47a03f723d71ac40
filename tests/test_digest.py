"""The digest a researcher gets: ranked, grouped, escaped, rendered three ways and sent over real SMTP."""

from __future__ import annotations

import email
import email.policy
import json
import os
import subprocess
import sys
from datetime import date

import pytest
from aiosmtpd.controller import Controller

from agent.answer.claims import Source, invented
from agent.digest import build_digest
from agent.errors import DigestError
from agent.ingest import ingest_paths
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
