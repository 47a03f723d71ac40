"""The Trends tab: how many papers per week matched each topic over the stored archive.

In: a `Context`, up to `MAX_TOPICS` comma-separated topics and an optional date range. Out: the `trends`
endpoint's record (each topic's weekly counts and busiest weeks, and Markdown) and the tab's chart and notes.
"""

from __future__ import annotations

import gradio as gr

from agent.charts import rate_label, trend_table
from agent.trends import MAX_TOPICS, Trend, trend_markdown
from web.base import Context, errors_as_gradio, user_error


class TrendsTab:
    """The Trends tab's handlers and layout."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def trends(self, topics: str, start: str = "", end: str = "") -> dict:
        """How many papers per week matched each topic over the stored archive, with the top papers of each
        topic's busiest weeks.

        Args:
            topics: Up to four topics separated by commas, e.g. "diffusion language models, speculative decoding".
            start: First day (YYYY-MM-DD); empty for the first day in the store.
            end: Last day (YYYY-MM-DD); empty for the last day in the store.
        """
        found = self.topic_trends(topics, start, end)
        return {"topics": [t.to_dict() for t in found], "markdown": "\n\n".join(trend_markdown(t) for t in found)}

    def topic_trends(self, topics: str, start: str, end: str) -> list[Trend]:
        names = [t.strip() for t in (topics or "").split(",") if t.strip()]
        if not names:
            raise user_error('Name a topic, e.g. "diffusion language models".')
        if len(names) > MAX_TOPICS:
            raise user_error(f"At most {MAX_TOPICS} topics at a time.")
        first = self.ctx.parse_day(start) if start else None
        last = self.ctx.parse_day(end) if end else None
        with errors_as_gradio():
            return [self.ctx.services.trends.find(name, first, last) for name in names]

    def trends_view(self, topics: str, start: str, end: str):
        found = self.topic_trends(topics, start, end)
        plot = gr.LinePlot(value=trend_table(found), label=rate_label(found))  # per week, or per month when long
        return plot, "\n\n".join(trend_markdown(t) for t in found)

    def layout(self, dates: list[str]) -> None:
        """The tab's components inside the current `gr.Tab`."""
        with gr.Row():
            topics = gr.Textbox(
                label=f"Topics (up to {MAX_TOPICS}, comma-separated)",
                value="diffusion language models, speculative decoding",
                scale=3,
                elem_id="trend-topics",
            )
            start = gr.Dropdown([""] + dates[::-1], value="", label="From", allow_custom_value=True)
            end = gr.Dropdown([""] + dates, value="", label="To", allow_custom_value=True)
        show = gr.Button("Show trends", variant="primary")
        plot = gr.LinePlot(x="week", y="papers", color="topic", label="Papers per week", elem_id="trend-plot")
        notes = gr.Markdown(elem_id="trend-notes")
        show.click(self.trends_view, [topics, start, end], [plot, notes], api_visibility="private")
