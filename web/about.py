"""The About tab: which model, embeddings and store the app runs on, its mode, and the store's counts.

In: a `Context` (the owner sees where the store lives; visitors see no server paths). Out: Markdown, filled when
the page loads.
"""

from __future__ import annotations

import gradio as gr

from web.base import Context


class AboutTab:
    """The About tab's handler and layout."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def about(self) -> str:
        import torch

        settings, access = self.ctx.settings, self.ctx.access
        device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU"
        store = "a Chroma server" if settings.chroma_url else "embedded Chroma"
        if not access.public:  # the owner may see where things are; visitors see no server paths
            store = f"`{settings.chroma_url or settings.data_dir}`"
        mode = "public, read-only for visitors" if access.public else "private"
        choice = self.ctx.services.model_choice
        note = f" ({choice.note})" if choice.note else ""
        return (
            f"- **Model:** `{choice.model}` on {device}{note}\n- **Embeddings:** `{settings.embed_model}`\n"
            f"- **Store:** {store}\n- **Mode:** {mode}\n- {self.ctx.counts()}"
        )

    def layout(self, demo: gr.Blocks) -> None:
        """The tab's components inside the current `gr.Tab`, filled on each page load."""
        about = gr.Markdown(elem_id="about")
        demo.load(self.about, None, about, api_visibility="private")
