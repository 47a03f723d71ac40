"""The app's access rules and what it writes, without a launched shared app: owner-only writes (token, or a
signed-in owner on the app's own page), private profiles in public mode, uploads and scratch files swept, the
Atom feed built once per store state, links on cards, errors without server paths.

In: a fresh data folder per test, the bundled sample, the scripted or bundled model. Out: assertions only.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import pytest

from agent.access import Access
from agent.ingest import sample_path
from agent.services import Services
from agent.settings import Settings
from tests.servers import free_port
from web.build import build_app, launch


def test_the_feed_is_built_once_per_day_and_store_state(tmp_path, embedder, ingested, scripted, monkeypatch):
    """Issue 33: 32 feed readers made every /today wait; the Atom feed is now built once per (newest day, counts)."""
    from web import digest as digest_module
    from web.base import Context

    ingested(tmp_path / "data", [sample_path()])

    services = Services(Settings(data_dir=tmp_path / "data"), model=scripted())

    services.store._embedder = embedder
    built = []
    build = digest_module.build_digest
    monkeypatch.setattr(digest_module, "build_digest", lambda *a, **k: built.append(1) or build(*a, **k))
    digest_tab = digest_module.DigestTab(Context(services))
    threads = [threading.Thread(target=digest_tab.feed_xml) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    first = digest_tab.feed_xml()
    assert len(built) == 1 and first.body.startswith(b"<?xml"), "eight readers, one build"
    services.store.add_papers([replace(services.store.list_papers()[0], id="2607.00001")])
    digest_tab.feed_xml()
    assert len(built) == 2, "a store change builds it again"


def test_feed_links_on_cards_are_http_only():
    from datetime import date

    from agent.present import paper_card
    from vectorstore.records import Paper

    paper = Paper(
        "2501.00001", "T", "A", date(2025, 1, 1), github_url="javascript:alert(1)", project_url="https://ok.org"
    )
    card = paper_card(paper)
    assert "javascript:" not in card and 'href="https://ok.org"' in card


def test_services_are_built_once_under_concurrent_first_requests(tmp_path, scripted):
    services = Services(Settings(data_dir=tmp_path / "data"), model=scripted())
    found: list = []
    threads = [threading.Thread(target=lambda: found.append(services.searcher)) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(found) == 16 and len({id(s) for s in found}) == 1 and len({id(s.store) for s in found}) == 1


def test_access_rules_public_by_default_on_a_space_and_owners_write():
    from datetime import date

    from agent.access import AccessError

    space = Access.of(Settings(owners="alice, bob"), in_space=True, space_author="carol")
    assert space.public and not Access.of(Settings(), in_space=False).public, "public on a Space, private at home"
    assert all(space.may_write(user=u) for u in ("alice", "bob", "carol")) and not space.may_write(user="mallory")
    assert not space.may_write(token="anything"), "no admin token set: no token works"
    with pytest.raises(AccessError, match="at most 31 days"):
        space.check_digest(date(2025, 1, 1), date(2025, 3, 1), 10)
    Access.of(Settings(), in_space=False).check_digest(date(2025, 1, 1), date(2025, 3, 1), 10)  # private: any range


def test_errors_reach_the_web_faces_without_server_paths():
    """Issue 20: an unreadable profile or a model file named in an error says which file, never where it lives."""
    import gradio as gr

    from agent.errors import ModelError
    from web.base import errors_as_gradio

    with pytest.raises(gr.Error) as raised, errors_as_gradio():
        raise ModelError("The file /srv/data/papers/profile.json cannot be read.", "Fix it in /srv/data/papers.")
    assert "/srv" not in str(raised.value.message) and "profile.json" in str(raised.value.message)


def test_what_visitors_upload_or_make_the_app_write_is_swept(tmp_path, embedder, ingested, llm):
    """Issue 20: an upload and the digest files the app writes do not stay on the server's disk: Gradio's cache is
    swept (`delete_cache`) and the app's own files live in one folder whose old entries each call removes."""
    import time

    import httpx

    from web.base import Context, Scratch
    from web.digest import DigestTab
    from web.foryou import ForYouTab

    ingested(tmp_path / "data", [sample_path()])

    services = Services(Settings(data_dir=tmp_path / "data"), model=llm)

    services.store._embedder = embedder
    demo = build_app(services, delete_cache=(1, 1))
    port = free_port()
    launch(demo, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        files = {"files": ("notes.txt", b"x" * 100_000, "text/plain")}
        [uploaded] = httpx.post(f"http://127.0.0.1:{port}/gradio_api/upload", files=files, timeout=30).json()
        assert Path(uploaded).is_file()
        deadline = time.monotonic() + 20
        while Path(uploaded).exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not Path(uploaded).exists(), "the upload is gone after its age"
    finally:
        demo.close()
    ctx = Context(services, scratch=Scratch(max_age_s=0))
    day = services.store.dates()[-1].isoformat()
    for _ in range(3):
        ForYouTab(ctx).export_profile()
        DigestTab(ctx).digest_view(day, day, 2)
    assert len(list(ctx.scratch.root.iterdir())) == 1, "only the newest call's files remain"


def test_a_signed_in_owner_writes_only_from_the_apps_own_page():
    """Issue 20: the owner's sign-in cookie rides along on another site's requests, so a write signed in by cookie
    must come from the app's own page (Origin, else Referer); the admin token counts from anywhere."""
    from agent.access import AccessError
    from web.guard import from_own_page

    own = {"host": "alice-papers.hf.space", "origin": "https://alice-papers.hf.space"}
    assert from_own_page(own) and from_own_page({"host": "127.0.0.1:7860", "referer": "http://127.0.0.1:7860/?x"})
    assert not from_own_page({**own, "origin": "https://evil.example"})
    assert not from_own_page({"host": "alice-papers.hf.space", "origin": "null"})
    assert not from_own_page({"host": "alice-papers.hf.space"}), "no page sent it: a signed-in write needs one"
    forged = {**own, "origin": "https://evil.example", "x-forwarded-host": "evil.example"}
    assert not from_own_page(forged), "X-Forwarded-Host is any client's to send"
    access = Access(public=True, owners=frozenset({"alice"}), admin_token="s3cret")
    access.check_write("alice", "", own_page=True)
    with pytest.raises(AccessError, match="did not come from the app's own page"):
        access.check_write("alice", "", own_page=False)
    access.check_write("", "s3cret", own_page=False)
    with pytest.raises(AccessError, match="read-only"):
        access.check_write("mallory", "", own_page=True)


def test_in_public_mode_the_profile_and_for_you_are_the_owners_unless_shared(tmp_path):
    """Issue 20: interests, likes and follows (and the "for you" reasons that repeat them) are private on a public
    app; the owner's token opens them, and PAPERS_PUBLIC_PROFILE shares them."""
    import gradio as gr

    from web.base import Context
    from web.foryou import ForYouTab

    services = Services(Settings(data_dir=tmp_path / "data"))
    services.profiles.edit("interests", add=["secret topic"])
    public = ForYouTab(Context(services, Access(public=True, owners=frozenset({"alice"}), admin_token="s3cret")))
    for call in (public.profile, public.for_you, public.export_profile):
        with pytest.raises(gr.Error, match="private"):
            call()
    assert public.profile_fields() == ("",) * 5, "a visitor's page shows empty fields, not an error"
    assert public.profile(token="s3cret")["interests"] == ["secret topic"]
    shared = ForYouTab(Context(services, Access(public=True, profile_public=True)))
    assert shared.profile()["interests"] == ["secret topic"]
