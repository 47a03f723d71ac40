"""The Ask tab: questions about the stored papers answered with checked citations, in a chat or as one record.

In: a `Context`, a question and its scope (all papers, one day, one paper). Out: the chat's streamed replies (a
trend's chart inline, as a data URL: a file would hand out a server path), the `ask` endpoint's record and the
`search_papers` endpoint's passages (no tab of its own: the search behind the answers, for API and MCP clients).
"""

from __future__ import annotations

import gradio as gr

from agent.answer.qa import Scope, message_text
from agent.charts import chart_markdown
from vectorstore.search import Query
from web.base import Context, errors_as_gradio, gpu, user_error

EXAMPLE = "Which paper pre-trains a language model for legal case retrieval?"


class AskTab:
    """The Ask tab's handlers and layout."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def search_papers(self, query: str, k: float = 5) -> list[dict]:
        """Find the passages of the stored papers that best match a query (semantic and keyword search fused),
        best first, each with its paper id, title, date, section and text.

        Args:
            query: What to look for, in words (e.g. "speculative decoding for long contexts").
            k: How many passages to return (1 to 50).
        """
        if not (query or "").strip():
            raise user_error("The query is empty.")
        passages = self.ctx.services.searcher.search(Query(query[:2000], max(1, min(int(k), 50))))
        return [p.to_dict() for p in passages]

    def ask(self, question: str, day: str = "", paper_id: str = "") -> dict:
        """Answer a question about the stored papers from their text, with numbered citations (paper id, title,
        link and the quoted passage). Every sentence shown is checked against the passages it cites; when the
        papers do not say, the answer says so instead of guessing.

        Args:
            question: The question, e.g. "Which paper pre-trains a language model for legal case retrieval?"
            day: Only papers of this day (YYYY-MM-DD); empty for all days.
            paper_id: Only this paper (an arXiv id such as 2505.24864); empty for all papers.
        """
        scope = self.scope("One paper" if paper_id.strip() else "One day" if day.strip() else "All", day, paper_id)
        with errors_as_gradio():
            *_, last = self.ctx.services.agent.respond(question, [], scope)
        if last.answer is not None:
            result = last.answer.to_dict()
            return {key: result[key] for key in ("answer", "kind", "covered", "said", "statements", "citations")}
        return {"answer": last.text, "kind": last.kind, "covered": True, "said": "", "citations": []}

    @gpu
    def chat(self, message, history, scope: str, day: str, paper_id: str):
        """Streams the agent's reply (API: /chat); a trend comes with its chart."""
        with errors_as_gradio():
            for reply in self.ctx.services.agent.respond(
                message_text({"content": message}), history or [], self.scope(scope, day, paper_id)
            ):
                if reply.trend is not None and reply.trend.matched:
                    # The chart rides inside the message (a file would hand out a server path).
                    yield [reply.text, chart_markdown([reply.trend])]
                else:
                    yield reply.text

    def scope(self, kind: str, day: str, paper_id: str) -> Scope:
        if kind == "One day" and day:
            when = self.ctx.parse_day(day)
            return Scope(when, when)
        if kind == "One paper" and paper_id.strip():
            with errors_as_gradio():
                return Scope(paper_ids=(self.ctx.store.get_paper(paper_id.strip()).id,))
        return Scope()

    def layout(self, dates: list[str], newest: str | None) -> None:
        """The tab's components inside the current `gr.Tab`: a scope row and the chat."""
        with gr.Row():
            scope = gr.Radio(["All papers", "One day", "One paper"], value="All papers", label="Scope")
            scope_day = gr.Dropdown(dates, value=newest, label="Day", allow_custom_value=True)
            scope_paper = gr.Textbox(label="Paper id", placeholder="2501.10120")
        gr.ChatInterface(
            self.chat,
            additional_inputs=[scope, scope_day, scope_paper],
            api_name="chat",
            api_visibility="undocumented",  # the `ask` endpoint is the documented face (and the MCP tool)
            examples=[[EXAMPLE, "All papers", newest, ""]],
            cache_examples=False,
            chatbot=gr.Chatbot(height=480, elem_id="chat"),
            textbox=gr.Textbox(
                show_label=False,
                placeholder="Ask about the papers, or ask how a topic has grown…",
                scale=7,
                submit_btn=True,
                stop_btn=True,
                elem_id="chat-input",
            ),
        )
