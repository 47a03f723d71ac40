"""The Library tab: papers added to the store, by fetching a day of the Daily Papers API or uploading files.

In: a `Context`, a day or uploaded files (.json, .txt, .pdf; bounded in number and size), and who asks (public
mode: only an owner writes; the tab carries the admin token and the Hugging Face sign-in). Out: the `fetch` and
`ingest` endpoints' reports (escaped, upload paths cut to file names) and the store's counts; `layout` returns
the token box, which the For you tab's writes and the ♥ on Today's cards take too.
"""

from __future__ import annotations

import gradio as gr

from agent.ingest import ingest_paths
from web.base import IN_SPACE, Context, report, upload_path, user_error

MAX_UPLOAD_MB = 20
MAX_UPLOAD_FILES = 20
UPLOAD_TYPES = (".json", ".txt", ".pdf")


class LibraryTab:
    """The Library tab's handlers and layout."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def ingest_files(
        self,
        files,
        token: str = "",
        profile: gr.OAuthProfile | None = None,
        request: gr.Request = None,
        progress=gr.Progress(),
    ):
        """Add papers to the store from files: Daily Papers API .json, saved pages (.txt) or PDFs. Public mode:
        owners only.

        Args:
            files: The files to add (at most 20, each at most 20 MB).
            token: The admin token, in public mode.
        """
        self.ctx.check_owner(token, profile, request)
        paths = [upload_path(f) for f in (files or [])]
        if not paths:
            raise user_error("Choose one or more .json, .txt or .pdf files first.")
        if len(paths) > MAX_UPLOAD_FILES:
            raise user_error(f"At most {MAX_UPLOAD_FILES} files at a time; add the rest in another round.")
        for path in paths:
            if path.suffix.lower() not in UPLOAD_TYPES:
                raise user_error(f"{path.name}: only {', '.join(UPLOAD_TYPES)} files can be added.")
            if path.stat().st_size > MAX_UPLOAD_MB * 2**20:
                raise user_error(f"{path.name} is larger than {MAX_UPLOAD_MB} MB.")
        lines: list[str] = []
        progress(0, desc="Embedding")
        summary = ingest_paths(self.ctx.store, paths, lines.append)
        self.ctx.services.searcher.lexical.refresh()  # the uploader waits for it; other searches use the old index
        return report(summary, lines) + "\n\n" + self.ctx.counts()

    def fetch_day(
        self, day: str, token: str = "", profile: gr.OAuthProfile | None = None, request: gr.Request = None
    ) -> str:
        """Fetch one day of the Hugging Face Daily Papers from its API into the store. Public mode: owners only.

        Args:
            day: The day, YYYY-MM-DD (or "today").
            token: The admin token, in public mode.
        """
        self.ctx.check_owner(token, profile, request)
        warnings: list[str] = []
        lines: list[str] = []
        summary = self.ctx.services.fetch_days([self.ctx.parse_day(day)], lines.append, warnings.append)
        return report(summary, warnings + lines) + "\n\n" + self.ctx.counts()

    def layout(self) -> gr.Textbox:
        """The tab's components inside the current `gr.Tab`, with the fetch and ingest endpoints (public mode:
        neither listed nor MCP tools); returns the admin token box (hidden and empty in private mode)."""
        if self.ctx.access.public:
            gr.Markdown("This app is public: visitors read and ask; adding papers needs its owner.")
            with gr.Row():
                if IN_SPACE:  # Hugging Face sign-in works on a Space (docs/space.md: hf_oauth); elsewhere the token
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
        status = gr.Markdown(self.ctx.counts(), elem_id="library-status")
        writes = self.ctx.write_visibility
        fetch.click(self.fetch_day, [fetch_date, token], status, api_name="fetch", api_visibility=writes)
        add.click(self.ingest_files, [uploads, token], status, api_name="ingest", api_visibility=writes)
        return token
