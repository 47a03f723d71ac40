"""Every named API endpoint and MCP tool of the app, in one place.

In: the tabs' handlers (`web.build.Tabs`) and the `Context`'s access rules. Out: `gr.api` registrations inside the
Blocks being built: each handler's name, docstring and typed parameters become the MCP tool's name and description
(`todays_papers`, `search_papers`, `ask`, `tldr`, `digest`, `related_papers`, `trends`, `check_claims`, `for_you`,
`profile`, `like_paper`), and `tool()` makes every result inert. The UI-only events (and the `chat`, `fetch` and
`ingest` endpoints, which the tabs' own buttons carry) are registered by the tabs themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import gradio as gr

from web.base import Context, tool
from web.check import CHECK_CONCURRENCY

if TYPE_CHECKING:
    from web.build import Tabs


def register(tabs: Tabs, ctx: Context) -> None:
    """The API endpoints, in the order the API listing shows them; `like` is a write: unlisted in public mode."""
    gr.api(tool(tabs.today.todays_papers), api_name="today")
    gr.api(tool(tabs.ask.search_papers), api_name="search")
    gr.api(tool(tabs.ask.ask), api_name="ask")
    gr.api(tool(tabs.today.tldr), api_name="tldr")
    gr.api(tool(tabs.digest.digest), api_name="digest")
    gr.api(tool(tabs.today.related_papers), api_name="related")
    gr.api(tool(tabs.trends.trends), api_name="trends")
    gr.api(tool(tabs.check.check_claims), api_name="check_claims", **CHECK_CONCURRENCY)
    gr.api(tool(tabs.foryou.for_you), api_name="for_you")
    gr.api(tool(tabs.foryou.profile), api_name="profile")
    gr.api(tool(tabs.foryou.like_paper), api_name="like", api_visibility=ctx.write_visibility)
