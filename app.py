"""The Gradio app (and Hugging Face Space entry point): Today, Digest, Ask, Library and About tabs.

In: `Settings` from the environment (`PAPERS_*`). Out: a web UI plus named API endpoints (`/today`, `/digest`,
`/ask`, `/ingest`). Rendering only: every action is a call into `agent/`; feed text is escaped wherever it is
shown. The model is loaded once and shared; the queue bounds how much runs at once. On an empty store the
bundled sample is loaded first, so the app is useful offline. `python app.py` or `make run` starts it.
"""

from __future__ import annotations

import html
import os
import tempfile
from datetime import date
from pathlib import Path

import gradio as gr

from agent.access import Access
from agent.digest import build_digest
from agent.ingest import ensure_sample, ingest_days, ingest_paths
from agent.present import paper_card, parse_day, tldr_label
from agent.qa import Scope, message_text
from agent.render import to_html, to_markdown
from agent.services import Services
from agent.settings import Settings, open_api
from agent.tldr import Tldr, model_failure
from vectorstore.errors import PapersError
from vectorstore.records import Paper
from vectorstore.search import Query

MAX_UPLOAD_MB = 20
MAX_UPLOAD_FILES = 20
UPLOAD_TYPES = (".json", ".txt", ".pdf")
ALL_DAYS = "All days"
ALL_DAYS_SHOWN = 50
MIN_DAY_PAPERS = 5
IN_SPACE = bool(os.environ.get("SPACE_ID"))

try:  # ZeroGPU on Hugging Face Spaces: borrow a GPU only while generating
    import spaces

    gpu = spaces.GPU
except ImportError:

    def gpu(fn):
        return fn


class PapersApp:
    """The app's handlers; each is a thin call into the services, turning typed errors into gr.Error."""

    def __init__(self, services: Services, access: Access | None = None) -> None:
        self.services = services
        self.access = access or Access(public=False)

    @property
    def store(self):
        return self.services.store

    @staticmethod
    def parse_day(value: str) -> date:
        with errors_as_gradio():
            return parse_day(value)

    def day_choices(self) -> list[str]:
        """Newest day first, then "All days"."""
        return [d.isoformat() for d in reversed(self.store.dates())] + [ALL_DAYS]

    def opening_day(self) -> str | None:
        """What Today opens on: the newest day, unless it is too thin to show what the app does (the bundled
        sample spreads 44 papers over 44 days), then the most upvoted papers of all days."""
        days = self.store.dates()
        if not days:
            return None
        return days[-1].isoformat() if len(self.store.list_papers(days[-1], days[-1])) >= MIN_DAY_PAPERS else ALL_DAYS

    def cached_tldrs(self, papers: list[Paper]) -> dict[str, Tldr]:
        """TL;DRs already written (none before the model is loaded: the cache is keyed by the model)."""
        if not self.services.model_loaded:
            return {}
        return self.services.writer.cached(papers)

    def listed(self, day: str) -> list[Paper]:
        """The day's papers (the newest day when none is given; the top of all days for "All days"), most
        upvoted first."""
        if day == ALL_DAYS:
            return self.store.list_papers()[:ALL_DAYS_SHOWN]
        when = self.parse_day(day) if day else (self.store.dates() or [None])[-1]
        return self.store.list_papers(when, when) if when else []

    def day_papers(self, day: str) -> tuple[list[Paper], dict[str, Tldr]]:
        papers = self.listed(day)
        return papers, self.cached_tldrs(papers)

    def today_papers(self, day: str) -> list[dict]:
        """The day's papers with TL;DRs where cached (API: /today)."""
        papers, tldrs = self.day_papers(day)
        # `source` is where the record came from on the server (a path): not for visitors.
        rows = [{**p.to_dict(), "tldr": tldr_label(tldrs[p.id]) if p.id in tldrs else ""} for p in papers]
        return [{k: v for k, v in row.items() if k != "source"} for row in rows]

    def search_papers(self, query: str, k: float = 5) -> list[dict]:
        """The passages of the stored papers that best match a query (dense + BM25 fused), best first (API: /search)."""
        if not (query or "").strip():
            raise gr.Error("The query is empty.")
        passages = self.services.searcher.search(Query(query[:2000], max(1, min(int(k), 50))))
        return [p.to_dict() for p in passages]

    def today_html(self, day: str) -> str:
        papers, tldrs = self.day_papers(day)
        if not papers:
            return "<p>No papers for this day. Add some in the Library tab.</p>"
        return "".join(paper_card(p, tldrs.get(p.id)) for p in papers)

    @gpu
    def write_tldrs(self, day: str, progress=gr.Progress()) -> str:
        papers = self.listed(day)
        progress(0, desc="Loading the model")
        done = [0]

        def tick(n: int) -> None:
            done[0] += n
            progress(done[0] / max(1, len(papers)), desc=f"TL;DR {done[0]}/{len(papers)}")

        with errors_as_gradio():
            warn_model_failure(self.services.writer.tldrs(papers, tick).values())
        return self.today_html(day)

    @gpu
    def digest(self, start: str, end: str, top: float = 10) -> dict:
        """Markdown and HTML of the digest for a day or range (API: /digest)."""
        first, last = self.parse_day(start), self.parse_day(end or start)
        if last < first:
            raise gr.Error("The end date is before the start date.")
        with errors_as_gradio():
            self.access.check_digest(first, last, int(top))
            result = build_digest(self.store, self.services.writer, first, last, int(top))
        warn_model_failure(item.tldr for item in result.items)
        return {
            "title": result.title,
            "markdown": to_markdown(result),
            "html": to_html(result),
            "papers": len(result.items),
        }

    def digest_view(self, start: str, end: str, top: float, progress=gr.Progress()):
        progress(0, desc="Writing TL;DRs")
        result = self.digest(start, end, top)
        folder = Path(tempfile.mkdtemp(prefix="digest-"))
        md, page = folder / "digest.md", folder / "digest.html"
        md.write_text(result["markdown"], encoding="utf-8")
        page.write_text(result["html"], encoding="utf-8")
        return result["html"], [str(md), str(page)]

    @gpu
    def chat(self, message, history, scope: str, day: str, paper_id: str):
        """Streams the agent's reply (API: /ask)."""
        with errors_as_gradio():
            for reply in self.services.agent.respond(
                message_text({"content": message}), history or [], self.scope(scope, day, paper_id)
            ):
                yield reply.text

    def scope(self, kind: str, day: str, paper_id: str) -> Scope:
        if kind == "One day" and day:
            when = self.parse_day(day)
            return Scope(when, when)
        if kind == "One paper" and paper_id.strip():
            with errors_as_gradio():
                return Scope(paper_ids=(self.store.get_paper(paper_id.strip()).id,))
        return Scope()

    def check_owner(self, token: str, profile: gr.OAuthProfile | None) -> None:
        with errors_as_gradio():
            self.access.check_write(profile.username if profile else "", token or "")

    def ingest_files(self, files, token: str = "", profile: gr.OAuthProfile | None = None, progress=gr.Progress()):
        """Adds uploaded .json / .txt / .pdf files to the store (API: /ingest). Public mode: owners only."""
        self.check_owner(token, profile)
        paths = [Path(f if isinstance(f, str) else f.name) for f in (files or [])]
        if not paths:
            raise gr.Error("Choose one or more .json, .txt or .pdf files first.")
        if len(paths) > MAX_UPLOAD_FILES:
            raise gr.Error(f"At most {MAX_UPLOAD_FILES} files at a time; add the rest in another round.")
        for path in paths:
            if path.suffix.lower() not in UPLOAD_TYPES:
                raise gr.Error(f"{path.name}: only {', '.join(UPLOAD_TYPES)} files can be added.")
            if path.stat().st_size > MAX_UPLOAD_MB * 2**20:
                raise gr.Error(f"{path.name} is larger than {MAX_UPLOAD_MB} MB.")
        lines: list[str] = []
        progress(0, desc="Embedding")
        summary = ingest_paths(self.store, paths, lines.append)
        self.services.searcher.lexical.refresh()  # the uploader waits for it; other searches use the old index
        return report(summary, lines) + "\n\n" + self.counts()

    def fetch_day(self, day: str, token: str = "", profile: gr.OAuthProfile | None = None) -> str:
        """Fetches a day from the Daily Papers API into the store (API: /fetch). Public mode: owners only."""
        self.check_owner(token, profile)
        warnings: list[str] = []
        client = open_api(self.services.settings, warnings.append)
        lines: list[str] = []
        summary = ingest_days(self.store, client, [self.parse_day(day)], lines.append)
        self.services.searcher.lexical.refresh()
        return report(summary, warnings + lines) + "\n\n" + self.counts()

    def counts(self) -> str:
        papers, chunks = self.store.counts()
        return f"**{papers}** papers, **{chunks}** chunks in the store."

    def about(self) -> str:
        import torch

        settings = self.services.settings
        device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU"
        store = "a Chroma server" if settings.chroma_url else "embedded Chroma"
        if not self.access.public:  # the owner may see where things are; visitors see no server paths
            store = f"`{settings.chroma_url or settings.data_dir}`"
        mode = "public, read-only for visitors" if self.access.public else "private"
        return (
            f"- **Model:** `{settings.model}` on {device}\n- **Embeddings:** `{settings.embed_model}`\n"
            f"- **Store:** {store}\n- **Mode:** {mode}\n- {self.counts()}"
        )


def report(summary, lines: list[str]) -> str:
    text = "\n".join(f"- {html.escape(line)}" for line in lines)
    if summary.errors:
        text += "\n\n**Failed:**\n" + "\n".join(f"- {html.escape(e)}" for e in summary.errors)
    return f"{text}\n\n{summary.line()}"


def warn_model_failure(tldrs) -> None:
    """A failed model shows one warning toast, however many TL;DRs fell back because of it."""
    failure = model_failure(tldrs)
    if failure:
        gr.Warning(failure)


class errors_as_gradio:
    """Typed errors become a message in the UI (and the API), not a stack trace."""

    def __enter__(self):
        return self

    def __exit__(self, kind, error, _tb):
        if isinstance(error, PapersError):
            raise gr.Error(str(error)) from error
        return False


CSS = """
.paper-card {border:1px solid var(--border-color-primary); border-radius:8px; padding:10px 12px; margin:8px 0}
.paper-title {font-weight:600; font-size:1.05em} .paper-meta {color:var(--body-text-color-subdued); font-size:.85em}
.paper-tldr {margin:6px 0} .paper-links {font-size:.85em}
"""


def build_app(services: Services, access: Access | None = None) -> gr.Blocks:
    app = PapersApp(services, access)
    days = app.day_choices()
    opening = app.opening_day()
    dates = [d for d in days if d != ALL_DAYS]
    newest = dates[0] if dates else None
    # The digest opens on the same papers as Today: the newest day, or every day when that day is thin.
    first = dates[-1] if opening == ALL_DAYS and dates else newest
    with gr.Blocks(title="Daily Papers Agent") as demo:
        gr.Markdown("# Daily Papers Agent\nThe Hugging Face Daily Papers, summarised and answerable, on your machine.")
        with gr.Tab("Today"):
            with gr.Row():
                day = gr.Dropdown(days, value=opening, label="Day", allow_custom_value=True, scale=3)
                tldr_button = gr.Button("Write missing TL;DRs", variant="primary", scale=1)
            cards = gr.HTML(app.today_html(opening) if opening else "", elem_id="today-cards")
            day.change(app.today_html, day, cards, api_visibility="private")
            tldr_button.click(app.write_tldrs, day, cards, api_name="tldr")
        with gr.Tab("Digest"):
            with gr.Row():
                start = gr.Dropdown(dates, value=first, label="From", allow_custom_value=True)
                end = gr.Dropdown(dates, value=newest, label="To", allow_custom_value=True)
                top = gr.Slider(1, app.access.max_digest_papers, value=10, step=1, label="Papers")
            make = gr.Button("Generate digest", variant="primary")
            preview = gr.HTML(elem_id="digest-preview")
            downloads = gr.File(label="Download .md / .html", file_count="multiple")
            make.click(app.digest_view, [start, end, top], [preview, downloads], api_visibility="private")
        with gr.Tab("Ask"):
            with gr.Row():
                scope = gr.Radio(["All papers", "One day", "One paper"], value="All papers", label="Scope")
                scope_day = gr.Dropdown(dates, value=newest, label="Day", allow_custom_value=True)
                scope_paper = gr.Textbox(label="Paper id", placeholder="2501.10120")
            gr.ChatInterface(
                app.chat,
                additional_inputs=[scope, scope_day, scope_paper],
                api_name="ask",
                examples=[
                    ["Which paper pre-trains a language model for legal case retrieval?", "All papers", newest, ""]
                ],
                cache_examples=False,
                chatbot=gr.Chatbot(height=480, elem_id="chat"),
            )
        with gr.Tab("Library"):
            if app.access.public:
                gr.Markdown("This app is public: visitors read and ask; adding papers needs its owner.")
                with gr.Row():
                    if IN_SPACE:  # Hugging Face sign-in works on a Space (README: hf_oauth); elsewhere the token
                        gr.LoginButton()
                    token = gr.Textbox(label="Admin token", type="password", scale=2)
            else:
                token = gr.Textbox(visible=False, value="")
            with gr.Row():
                fetch_date = gr.Textbox(label="Fetch a day from the Daily Papers API", placeholder="2026-06-30")
                fetch = gr.Button("Fetch")
            uploads = gr.File(
                label=f"Add .json / .txt / .pdf files (≤ {MAX_UPLOAD_MB} MB each)",
                file_count="multiple",
                file_types=list(UPLOAD_TYPES),
            )
            add = gr.Button("Add files", variant="primary")
            status = gr.Markdown(app.counts())
            fetch.click(app.fetch_day, [fetch_date, token], status, api_name="fetch")
            add.click(app.ingest_files, [uploads, token], status, api_name="ingest")
        with gr.Tab("About"):
            gr.Markdown(app.about)
        gr.api(app.today_papers, api_name="today")
        gr.api(app.search_papers, api_name="search")
        gr.api(app.digest, api_name="digest")
    demo.queue(default_concurrency_limit=8, max_size=64)
    return demo


def launch(demo: gr.Blocks, **options) -> None:
    """Upload limits hold in Gradio's upload route, before a file lands on disk."""
    demo.launch(max_file_size=f"{MAX_UPLOAD_MB}mb", css=CSS, **options)


def main() -> None:
    settings = Settings()
    services = Services(settings)
    ensure_sample(services.store, print)
    access = Access.of(settings, IN_SPACE, os.environ.get("SPACE_AUTHOR_NAME", ""))
    demo = build_app(services, access)
    host = "0.0.0.0" if IN_SPACE else os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1")
    launch(demo, server_name=host, server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")))


if __name__ == "__main__":
    main()
