"""The About tab: what each tab does and what each mark means, what runs on this machine, and which model,
embeddings and store the app runs on, its mode, and the store's counts.

In: a `Context` (the owner sees where the store lives; visitors see no server paths). Out: Markdown: the guide is
fixed, the status is filled when the page loads.
"""

from __future__ import annotations

import gradio as gr

from web.base import Context

GUIDE = """
**Daily Papers Agent** gathers the Hugging Face Daily Papers into a local store, writes a one-sentence TL;DR of
each, and answers questions about them with citations.

- **Today**: the newest stored day's papers as cards, most upvoted first (or ranked for you); pick another day, or
  *All days*, under Day. It follows the store: new papers and TL;DRs appear by themselves.
- **Digest**: the papers of a range of days grouped into themes, to read here or download (Markdown, HTML, BibTeX).
- **Ask**: questions about the stored papers, answered from their abstracts with each sentence checked and cited;
  also "papers about X", "TL;DR of X", "how has X grown".
- **Check**: paste any text (a draft, a summary): each sentence is checked against the stored papers, part by part.
- **Trends**: how often a topic comes up per week (per month over a long archive), with its top papers.
- **For you**: your interests, liked papers and followed authors, which rank Today and the digest.
- **Library**: add papers: a day from the Daily Papers API, or files (API JSON, a saved page, a PDF).

Every line under a paper says who wrote it: **TL;DR (model)** is the local model's sentence, shown only when the
checker finds every part of it in the abstract; **From the abstract** is the abstract's own key sentence (the
default, and the fallback when the model's sentence is not supported); **Abstract** is the abstract's opening.

**What runs here:** the language model, the embeddings, the vector store and the checker all run on this machine;
questions, profiles and papers stay on it. The app reaches out only to fetch Daily Papers days or arXiv PDFs when
asked, and to a language model server only if `PAPERS_LLM_URL` names one.
"""


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
        gr.Markdown(GUIDE, elem_id="about-guide")
        about = gr.Markdown(elem_id="about")
        demo.load(self.about, None, about, api_visibility="private")
