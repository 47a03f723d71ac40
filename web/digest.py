"""The Digest tab and the Atom feed: the top papers of a day or a date range, grouped into topics, with TL;DRs.

In: a `Context`, a date range, how many papers and the ranking. Out: the `digest` endpoint's record (Markdown,
e-mail-ready HTML, BibTeX), the tab's preview and downloadable files (in the context's scratch folder), and
`/feed.xml` (the newest day's digest as Atom, built once per day and store state).
"""

from __future__ import annotations

import threading
import time

import gradio as gr
from fastapi.responses import Response

from agent.digest import build_digest
from agent.export import to_atom, to_bibtex
from agent.render import to_html, to_markdown
from web.base import RANKINGS, Context, Viewer, errors_as_gradio, gpu, user_error, warn_model_failure

FEED_PAPERS = 20  # papers in the /feed.xml digest
FEED_CACHE_S = 600


class DigestTab:
    """The Digest tab's handlers and layout, and the feed (which keeps its last build)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.feed_cache: tuple[tuple, bytes] | None = None  # (its key, the Atom bytes): see feed_xml
        self.feed_lock = threading.Lock()

    @gpu
    def digest(
        self,
        start: str,
        end: str = "",
        top: float = 10,
        for_you: bool = False,
        token: str = "",
        profile: gr.OAuthProfile | None = None,
        request: gr.Request = None,
    ) -> dict:
        """Compose the digest of a day or a date range: the top papers, grouped into topics, each with a checked
        one-sentence TL;DR; returned as Markdown, as e-mail-ready HTML and as BibTeX.

        Args:
            start: First day, YYYY-MM-DD.
            end: Last day, YYYY-MM-DD; empty for just the first day.
            top: How many papers.
            for_you: Rank by the reader's interest profile instead of by upvotes (public mode: owners only,
                unless the owner shares the profile).
            token: The admin token, in public mode, for `for_you`.
        """
        if for_you:
            self.ctx.check_profile_reader(Viewer(token, profile, request))
        first, last = self.ctx.parse_day(start), self.ctx.parse_day(end or start)
        if last < first:
            raise user_error("The end date is before the start date.")
        with errors_as_gradio():
            self.ctx.access.check_digest(first, last, int(top))
            rank = self.ctx.services.for_you.rank if for_you else None
            result = build_digest(self.ctx.store, self.ctx.services.writer, first, last, int(top), rank=rank)
        warn_model_failure(item.tldr for item in result.items)
        return {
            "title": result.title,
            "markdown": to_markdown(result),
            "html": to_html(result),
            "bibtex": to_bibtex([item.paper for item in result.items]),
            "papers": len(result.items),
        }

    def digest_view(
        self,
        start: str,
        end: str,
        top: float,
        ranking: str = "Upvotes",
        profile: gr.OAuthProfile | None = None,
        request: gr.Request = None,
        progress=gr.Progress(),
    ):
        progress(0, desc="Writing TL;DRs")
        result = self.digest(start, end, top, ranking == "For you", "", profile, request)
        folder = self.ctx.scratch.folder()
        files = {"digest.md": "markdown", "digest.html": "html", "digest.bib": "bibtex"}
        for name, key in files.items():
            (folder / name).write_text(result[key], encoding="utf-8")
        return result["html"], [str(folder / name) for name in files]

    def feed_xml(self) -> Response:
        """`/feed.xml`: the newest day's digest (by upvotes: a feed is public) as Atom, for a feed reader."""
        store = self.ctx.store
        days = store.dates()
        if not days:
            return Response("The store is empty.", status_code=404, media_type="text/plain")
        # Built once per newest day, store state and FEED_CACHE_S (upvotes and TL;DRs change without a new version),
        # however many readers ask at once.
        key = (days[-1], store.version(), store.counts(), int(time.time() // FEED_CACHE_S))
        with self.feed_lock:
            if self.feed_cache is None or self.feed_cache[0] != key:
                result = build_digest(store, self.ctx.services.writer, days[-1], days[-1], FEED_PAPERS)
                self.feed_cache = (key, to_atom(result).encode("utf-8"))
            atom = self.feed_cache[1]
        cache = {"Cache-Control": f"public, max-age={FEED_CACHE_S // 2}"}
        return Response(atom, media_type="application/atom+xml", headers=cache)

    def layout(self, dates: list[str], first: str | None, newest: str | None) -> None:
        """The tab's components inside the current `gr.Tab`: it opens on `first` .. `newest`."""
        with gr.Row():
            start = gr.Dropdown(dates, value=first, label="From", allow_custom_value=True)
            end = gr.Dropdown(dates, value=newest, label="To", allow_custom_value=True)
            top = gr.Slider(1, self.ctx.access.max_digest_papers, value=10, step=1, label="Papers")
            ranking = gr.Radio(list(RANKINGS), value=RANKINGS[0], label="Rank by")
        make = gr.Button("Generate digest", variant="primary")
        preview = gr.HTML(elem_id="digest-preview")
        downloads = gr.File(label="Download .md / .html / .bib", file_count="multiple")
        make.click(self.digest_view, [start, end, top, ranking], [preview, downloads], api_visibility="private")
