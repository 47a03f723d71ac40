"""The Check tab: a text written anywhere checked sentence by sentence against the stored papers.

In: a `Context`, the text, an optional paper id, and who asks (public mode: a visitor's checks are short and
metered per client by a `web.guard.Budget`). Out: the `check_claims` endpoint's records (supported or not, score,
paper, evidence sentence, the unsupported span) and the tab's escaped HTML.
"""

from __future__ import annotations

import gradio as gr

from agent.access import AccessError
from agent.present import check_html
from web.base import Context, Viewer, errors_as_gradio
from web.guard import Budget

# At most two checks run at once (tab and endpoint share the id): a long one must not hold the workers that answer
# everything else.
CHECK_CONCURRENCY = {"concurrency_limit": 2, "concurrency_id": "check"}


class CheckTab:
    """The Check tab's handlers and layout, and each visitor's budget of checked characters."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.check_budget = Budget(ctx.settings.visitor_check_chars_per_minute)

    def check_claims(
        self,
        text: str,
        paper_id: str = "",
        profile: gr.OAuthProfile | None = None,
        request: gr.Request = None,
    ) -> list[dict]:
        """Check a text sentence by sentence against the stored papers with the trained claim checker: each
        sentence is supported or not, with a score, the paper and the evidence sentence it was judged against, and
        for a sentence that is not, `unsupported_span`: the words of it that failed (every part must hold).

        Args:
            text: The text to check (a summary written elsewhere, say); at most 20,000 characters.
            paper_id: Check against this stored paper only; empty to check against the papers a search finds.
        """
        return [c.to_dict() for c in self.checked(text, paper_id, Viewer("", profile, request))]

    def check_view(
        self, text: str, paper_id: str = "", profile: gr.OAuthProfile | None = None, request: gr.Request = None
    ) -> str:
        return check_html(self.checked(text, paper_id, Viewer("", profile, request)))

    def checked(self, text: str, paper_id: str, viewer: Viewer) -> list:
        with errors_as_gradio():  # empty, too long or binary text: agent/judge/check_text.checkable says which
            self.spend_check(len(text or ""), viewer)
            return self.ctx.services.text_checker.check_text(text, (paper_id or "").strip())

    def spend_check(self, chars: int, viewer: Viewer) -> None:
        """Public mode: a visitor's checks are short and at most `visitor_check_chars_per_minute` a minute, so one
        visitor cannot hold the workers that answer everyone else."""
        access = self.ctx.access
        if not access.public or access.may_write(viewer.user, viewer.token, viewer.own_page):
            return
        access.check_check_size(chars)
        wait = self.check_budget.spend(viewer.client, chars)
        if wait:
            raise AccessError(
                f"That is this minute's share of checks for one visitor; try again in {wait:.0f} s.",
                "Or run the app yourself (make run): it has no such limit.",
            )

    def layout(self) -> None:
        """The tab's components inside the current `gr.Tab`."""
        gr.Markdown(
            "Paste a summary written anywhere: each sentence is checked against the stored papers by the trained "
            "claim checker, with the evidence sentence it was judged against."
        )
        text = gr.Textbox(label="Text to check", lines=5, elem_id="check-text")
        paper = gr.Textbox(label="Paper id (optional)", placeholder="2501.10120")
        button = gr.Button("Check", variant="primary")
        result = gr.HTML(elem_id="check-result")
        button.click(self.check_view, [text, paper], result, api_visibility="private", **CHECK_CONCURRENCY)
