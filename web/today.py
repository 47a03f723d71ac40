"""The Today tab: one day's papers as cards (most upvoted, or ranked for the reader), their TL;DRs and related papers.

In: a `Context` and a day (YYYY-MM-DD, "All days" or empty for the newest). Out: the cards' HTML for the tab, and
the `todays_papers`, `tldr` and `related_papers` endpoints' records (web/endpoints.py registers them). The tab is a
view of the store, not of start-up: each page load opens on the newest stored day, and every few seconds the page
asks whether the store has changed (`PaperStore.mark`: papers or TL;DRs written, here or by another process) and
then redraws its Day list and cards, so an upload, a fetch or TL;DRs written in the background appear by
themselves. The ♥ on a
card is wired in web/build.py to the For you tab's `like_from_card`, which needs the Library tab's token.
"""

from __future__ import annotations

import gradio as gr

from agent.foryou import Ranked, by_upvotes
from agent.present import paper_card, tldr_label
from agent.related import related_for_many, related_papers
from agent.text import plural
from agent.tldr import Tldr
from vectorstore.records import Paper
from web.base import ALL_DAYS, RANKINGS, Context, Viewer, errors_as_gradio, gpu, public_record, warn_model_failure

RELATED_ON_CARDS = 3
POLL_S = 5.0  # how often a page asks whether the store changed: two small SQLite reads
# Cards are re-rendered as HTML; one listener on the container catches clicks on any card's like button.
LIKE_JS = """
element.addEventListener('click', (event) => {
  const button = event.target.closest('[data-like]');
  if (button) { trigger('click', {paper: button.dataset.like}); }
});
"""


class TodayTab:
    """The Today tab's handlers and layout."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.built_opening: str | None = None  # the day the page was built on (layout)

    def day_papers(self, day: str) -> tuple[list[Paper], dict[str, Tldr]]:
        papers = self.ctx.listed(day)
        return papers, self.ctx.cached_tldrs(papers)

    def todays_papers(self, day: str = "") -> list[dict]:
        """List the papers of one day of the Hugging Face Daily Papers, most upvoted first, with their one-sentence
        TL;DRs where already written.

        Args:
            day: The day as YYYY-MM-DD; empty for the newest day in the store.
        """
        papers, tldrs = self.day_papers(day)
        return [public_record(p, tldr=tldr_label(tldrs[p.id]) if p.id in tldrs else "") for p in papers]

    def ranked(self, papers: list[Paper], ranking: str, viewer: Viewer | None = None) -> list[Ranked]:
        if ranking != "For you":
            return by_upvotes(papers)
        self.ctx.check_profile_reader(viewer or Viewer())
        with errors_as_gradio():
            return self.ctx.services.for_you.rank(papers, record=True)

    def today_html(
        self, day: str, ranking: str = "Upvotes", profile: gr.OAuthProfile | None = None, request: gr.Request = None
    ) -> str:
        papers, tldrs = self.day_papers(day)
        if not papers:
            return "<p>No papers for this day. Add some in the Library tab.</p>"
        ranked = self.ranked(papers, ranking, Viewer("", profile, request))
        related = related_for_many(self.ctx.services.catalog.current(), [p.id for p in papers], RELATED_ON_CARDS)
        return "".join(paper_card(r.paper, tldrs.get(r.paper.id), r.reason, related.get(r.paper.id)) for r in ranked)

    @gpu
    def tldr(self, paper_ids: str = "", day: str = "") -> list[dict]:
        """Write (or return already written) one-sentence TL;DRs of papers, each checked against its abstract;
        where the model's sentence is not supported, the abstract's key sentence is given instead (marked).

        Args:
            paper_ids: Paper ids separated by commas or spaces (e.g. "2505.24864, 2506.01939"); empty for a day.
            day: With no ids: every paper of this day (YYYY-MM-DD); empty for the newest day.
        """
        ids = [i for i in paper_ids.replace(",", " ").split() if i][:50]
        with errors_as_gradio():
            papers = [self.ctx.store.get_paper(i) for i in ids] if ids else self.ctx.listed(day)
            notes = self.ctx.services.writer.tldrs(papers)
        return [
            {"paper_id": p.id, "title": p.title, "tldr": notes[p.id].text, **tldr_flags(notes[p.id])} for p in papers
        ]

    @gpu
    def write_tldrs(
        self,
        day: str,
        ranking: str = "Upvotes",
        profile: gr.OAuthProfile | None = None,
        request: gr.Request = None,
        progress=gr.Progress(),
    ) -> str:
        papers = self.ctx.listed(day)
        progress(0, desc="Loading the model")
        done = [0]

        def tick(n: int) -> None:
            done[0] += n
            progress(done[0] / max(1, len(papers)), desc=f"TL;DR {done[0]}/{len(papers)}")

        with errors_as_gradio():
            warn_model_failure(self.ctx.services.writer.tldrs(papers, tick).values())
        return self.today_html(day, ranking, profile, request)

    def related_papers(self, paper_id: str, k: float = 5) -> list[dict]:
        """Papers related to one stored paper: the nearest by meaning (title and abstract embeddings), lifted
        when they share an author or organisation, each with the reason it is listed.

        Args:
            paper_id: The paper's id (an arXiv id such as 2505.24864).
            k: How many related papers (1 to 20).
        """
        with errors_as_gradio():
            items = related_papers(self.ctx.services.catalog.current(), paper_id.strip(), max(1, min(int(k), 20)))
        return [item.to_dict() for item in items]

    def day_note(self, day: str | None) -> str:
        """One line above the cards: which day is shown, how many papers, and how to see the others."""
        dates = self.ctx.store.dates()
        if not dates:
            return "The store is empty: add papers in the Library tab."
        if day == ALL_DAYS:
            return f"The most upvoted papers of all {plural(len(dates), 'stored day')}. Pick one day under **Day**."
        stored, shown = len(self.ctx.day_papers(day or "")), len(self.ctx.listed(day or ""))
        count = plural(stored, "paper") + (f", the {shown:,} most upvoted shown" if shown < stored else "")
        others = f"{plural(len(dates) - 1, 'other day')} stored: pick one under **Day**, or **{ALL_DAYS}**."
        return f"**{day or dates[-1].isoformat()}**: {count}. {others if len(dates) > 1 else ''}"

    def on_load(self, ranking: str, seen: str, profile: gr.OAuthProfile | None = None, request: gr.Request = None):
        """A page load opens on the newest stored day, with the Day list and cards as stored now (nothing to
        redraw when the store is as the page was built)."""
        opening = self.ctx.opening_day()
        if self.ctx.store.mark() == seen and opening == self.built_opening:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return self.redraw(opening, ranking, profile, request, opening)

    def poll(
        self, day: str, ranking: str, seen: str, profile: gr.OAuthProfile | None = None, request: gr.Request = None
    ):
        """Every few seconds: nothing when the store is as this page last drew it, else the page redrawn."""
        if self.ctx.store.mark() == seen:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return self.redraw(day, ranking, profile, request, day or self.ctx.opening_day())

    def redraw(self, day, ranking, profile, request, value):
        mark = self.ctx.store.mark()  # read first: a change while drawing is drawn again at the next poll
        try:
            note, cards = self.day_note(value), self.today_html(value or "", ranking, profile, request)
        except gr.Error:  # a day typed wrong, or "For you" not the viewer's to read: their own change said so
            return gr.skip(), gr.skip(), gr.skip(), mark
        return gr.Dropdown(choices=self.ctx.day_choices(), value=value), note, cards, mark

    def layout(self, demo: gr.Blocks, days: list[str], opening: str | None) -> tuple[gr.HTML, gr.Markdown]:
        """The tab's components inside the current `gr.Tab`; returns the cards and the like status line. The
        page load and the poll (a `gr.Timer`) keep them on what is stored now."""
        with gr.Row():
            day = gr.Dropdown(days, value=opening, label="Day", allow_custom_value=True, scale=3, elem_id="today-day")
            ranking = gr.Radio(list(RANKINGS), value=RANKINGS[0], label="Rank by", scale=2)
            tldr_button = gr.Button("Write missing TL;DRs", variant="primary", scale=1)
        liked_status = gr.Markdown(elem_id="like-status")
        note = gr.Markdown(self.day_note(opening), elem_id="today-note")
        cards = gr.HTML(self.today_html(opening) if opening else "", elem_id="today-cards", js_on_load=LIKE_JS)
        seen = gr.State(self.ctx.store.mark())
        shown = [day, note, cards, seen]
        day.change(self.day_view, [day, ranking], [note, cards], api_visibility="private")
        ranking.change(self.today_html, [day, ranking], cards, api_visibility="private")
        tldr_button.click(self.write_tldrs, [day, ranking], cards, api_visibility="private")
        timer = gr.Timer(POLL_S)
        timer.tick(self.poll, [day, ranking, seen], shown, api_visibility="private", show_progress="hidden")
        self.built_opening = opening
        demo.load(self.on_load, [ranking, seen], shown, api_visibility="private", show_progress="hidden")
        return cards, liked_status

    def day_view(self, day: str, ranking: str, profile: gr.OAuthProfile | None = None, request: gr.Request = None):
        return self.day_note(day), self.today_html(day, ranking, profile, request)


def tldr_flags(note: Tldr) -> dict:
    return {"fallback": note.fallback, "model_error": note.model_error}
