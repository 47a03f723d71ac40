"""The Gradio app assembled and launched: the eight tabs, the API endpoints, the feed and the guards.

In: the wired `Services`, the `Access` rules and an optional `Scratch` folder. Out: `build_app` (a `gr.Blocks`
with Today, Digest, Ask, Check, Trends, For you, Library and About, each laid out by its web/* module, and
web/endpoints.py's API/MCP endpoints) and `launch` (upload limits, CSS, the MCP server, `/feed.xml` and
web/guard.py's guards around everything Gradio serves).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gradio as gr
from gradio.utils import get_upload_folder

from agent.access import Access
from agent.services import Services
from agent.settings import Settings
from web import endpoints
from web.about import AboutTab
from web.ask import AskTab
from web.base import ALL_DAYS, Context, Scratch
from web.check import CheckTab
from web.digest import DigestTab
from web.foryou import ForYouTab
from web.guard import guarded
from web.library import MAX_UPLOAD_MB, LibraryTab
from web.today import TodayTab
from web.trends import TrendsTab

# Gradio's own cache (uploads, files handed out): every 10 minutes, what is older than an hour goes.
DELETE_CACHE = (600, 3600)
CSS = """
.paper-card {border:1px solid var(--border-color-primary); border-radius:8px; padding:10px 12px; margin:8px 0}
.paper-title {font-weight:600; font-size:1.05em} .paper-meta {color:var(--body-text-color-subdued); font-size:.85em}
.paper-tldr {margin:6px 0} .paper-links {font-size:.85em} .paper-reason {color:var(--color-accent); font-size:.85em}
.paper-like {border:1px solid var(--border-color-primary); border-radius:6px; padding:0 6px; margin-left:6px;
 cursor:pointer; background:none; color:inherit} .paper-related {font-size:.85em; margin-top:4px}
"""


@dataclass(frozen=True)
class Tabs:
    """One handler object per tab, all over the same `Context`."""

    today: TodayTab
    digest: DigestTab
    ask: AskTab
    check: CheckTab
    trends: TrendsTab
    foryou: ForYouTab
    library: LibraryTab
    about: AboutTab

    @classmethod
    def of(cls, ctx: Context) -> Tabs:
        kinds = (TodayTab, DigestTab, AskTab, CheckTab, TrendsTab, ForYouTab, LibraryTab, AboutTab)
        return cls(*(kind(ctx) for kind in kinds))


def build_app(
    services: Services,
    access: Access | None = None,
    scratch: Scratch | None = None,
    delete_cache: tuple[int, int] = DELETE_CACHE,
) -> gr.Blocks:
    ctx = Context(services, access, scratch)
    tabs = Tabs.of(ctx)
    days = ctx.day_choices()
    opening = ctx.opening_day()
    dates = [d for d in days if d != ALL_DAYS]
    newest, first = opening, ctx.digest_opening()
    with gr.Blocks(title="Daily Papers Agent", delete_cache=delete_cache) as demo:
        gr.Markdown("# Daily Papers Agent\nThe Hugging Face Daily Papers, summarised and answerable, on your machine.")
        with gr.Tab("Today"):
            cards, liked_status = tabs.today.layout(demo, days, opening)
        with gr.Tab("Digest"):
            tabs.digest.layout(dates, first, newest)
        with gr.Tab("Ask"):
            tabs.ask.layout(dates, newest)
        with gr.Tab("Check"):
            tabs.check.layout()
        with gr.Tab("Trends"):
            tabs.trends.layout(dates)
        with gr.Tab("For you"):
            profile_view = tabs.foryou.layout()
        with gr.Tab("Library"):
            token = tabs.library.layout()
        tabs.foryou.wire(demo, profile_view, token, cards, liked_status)
        with gr.Tab("About"):
            tabs.about.layout(demo)
        endpoints.register(tabs, ctx)
    demo.queue(default_concurrency_limit=8, max_size=64)
    demo.feed_xml = tabs.digest.feed_xml
    demo.first_shown = ctx.first_shown  # what app.py's TL;DR keeper writes first
    demo.upload_quota_mb = services.settings.upload_quota_mb
    return demo


def launch(demo: gr.Blocks, **options) -> None:
    """Upload limits hold in Gradio's upload route, before a file lands on disk. The MCP server is on by
    default (tools at /gradio_api/mcp/). The Atom feed (`DigestTab.feed_xml`) is served at /feed.xml: Gradio
    builds its FastAPI app in `launch`, so the route is added right after, before the thread blocks."""
    feed = getattr(demo, "feed_xml", None)
    options.setdefault("mcp_server", True)
    block = not options.pop("prevent_thread_lock", False)
    demo.launch(max_file_size=f"{MAX_UPLOAD_MB}mb", css=CSS, prevent_thread_lock=True, **options)
    guard(demo)
    if feed is not None:
        demo.app.add_api_route("/feed.xml", feed, methods=["GET"], include_in_schema=False)
    if block:
        demo.block_thread()


def guard(demo: gr.Blocks) -> None:
    """The guards of web/guard.py around everything Gradio serves (its CORS answer and its upload route included):
    Starlette builds its middleware stack on the first request, which `launch` has already made, so the built stack
    is wrapped."""
    fastapi_app = demo.app
    stack = fastapi_app.middleware_stack or fastapi_app.build_middleware_stack()
    quota = int(getattr(demo, "upload_quota_mb", Settings.model_fields["upload_quota_mb"].default)) * 2**20
    fastapi_app.middleware_stack = guarded(stack, Path(get_upload_folder()), quota)
