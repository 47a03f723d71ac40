"""The For you tab: the reader's interest profile (interests, liked papers, followed authors, keyword filters).

In: a `Context`, the profile's fields, uploaded profile and library files, a liked card, and who asks (public
mode: reading the profile needs an owner unless it is shared; every write needs an owner). Out: the `for_you`,
`profile` and `like_paper` endpoints' records, status lines, and files to download (in the scratch folder).
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from agent.access import AccessError
from agent.export import to_bibtex
from agent.library import import_library, stored_paper
from agent.present import md_escape
from agent.profile import Profile, parse_profile, tidy
from agent.text import plural
from web.base import Context, Viewer, errors_as_gradio, public_record, upload_path, user_error

LIBRARY_TYPES = [".bib", ".json", ".rdf", ".xml", ".txt"]


@dataclass(frozen=True)
class ProfileView:
    """The tab's components, wired once the Library tab's token exists (`ForYouTab.wire`)."""

    fields: list[gr.Textbox]  # interests, liked, authors, include, exclude
    save: gr.Button
    export: gr.DownloadButton
    bibtex: gr.DownloadButton
    imported: gr.File
    library_file: gr.File
    status: gr.Markdown


class ForYouTab:
    """The For you tab's handlers, layout and wiring."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def for_you(
        self, day: str = "", token: str = "", profile: gr.OAuthProfile | None = None, request: gr.Request = None
    ) -> list[dict]:
        """The papers of a day ranked for the reader: by followed authors first, then by closeness to their
        interests and liked papers, each with the reason ("matches: speculative decoding"). Public mode: owners
        only, unless the owner shares the profile.

        Args:
            day: The day as YYYY-MM-DD; empty for the newest day in the store.
            token: The admin token, in public mode.
        """
        self.ctx.check_profile_reader(Viewer(token, profile, request))
        papers = self.ctx.listed(day)
        with errors_as_gradio():
            return [
                public_record(r.paper, score=round(r.score, 4), reason=r.reason)
                for r in self.ctx.services.for_you.rank(papers, record=True)
            ]

    def profile(self, token: str = "", profile: gr.OAuthProfile | None = None, request: gr.Request = None) -> dict:
        """The reader's interest profile: free-text interests, liked paper ids and followed authors or
        organisations (what the "for you" ranking uses). Public mode: owners only, unless the owner shares it.

        Args:
            token: The admin token, in public mode.
        """
        self.ctx.check_profile_reader(Viewer(token, profile, request))
        with errors_as_gradio():
            return self.ctx.services.profiles.load().model_dump()

    def like_paper(
        self,
        paper_id: str,
        token: str = "",
        profile: gr.OAuthProfile | None = None,
        request: gr.Request = None,
    ) -> str:
        """Like a paper: the "for you" ranking puts papers like it first. Public mode: owners only.

        Args:
            paper_id: The paper's id (an arXiv id such as 2505.24864).
            token: The admin token, in public mode.
        """
        self.ctx.check_owner(token, profile, request)
        with errors_as_gradio():
            paper = self.ctx.store.get_paper(paper_id.strip())
            saved = self.ctx.services.profiles.edit("liked", add=[paper.id])
        return f"Liked “{paper.title}”; {plural(len(saved.liked), 'liked paper')}."

    def like_from_card(
        self, token: str, event: gr.EventData, profile: gr.OAuthProfile | None = None, request: gr.Request = None
    ) -> str:
        """The ♥ on a card: `trigger('click', {paper: id})` in web/today.LIKE_JS arrives as `event.paper`."""
        return self.like_paper(str(getattr(event, "paper", "")), token, profile, request)

    def save_profile(
        self,
        interests: str,
        liked: str,
        authors: str,
        include: str = "",
        exclude: str = "",
        token: str = "",
        profile: gr.OAuthProfile | None = None,
        request: gr.Request = None,
    ) -> str:
        """Replace the profile with these lists, one entry per line. Public mode: owners only."""
        self.ctx.check_owner(token, profile, request)
        ids = tidy(liked.replace(",", "\n").splitlines())
        with errors_as_gradio():
            for paper_id in ids:
                self.ctx.store.get_paper(paper_id)
            new = Profile(
                interests=interests.splitlines(),
                liked=ids,
                authors=authors.splitlines(),
                include=include.splitlines(),
                exclude=exclude.splitlines(),
            )
            self.ctx.services.profiles.replace(new)
        return (
            f"Saved: {plural(len(new.interests), 'interest')}, {plural(len(new.liked), 'liked paper')}, "
            f"{len(new.authors)} followed, {plural(len(new.include) + len(new.exclude), 'keyword filter')}."
        )

    def import_library_file(
        self, file, token: str = "", profile: gr.OAuthProfile | None = None, request: gr.Request = None
    ) -> str:
        """A Zotero export or an id list becomes the library the For you ranking weighs. Public mode: owners only."""
        self.ctx.check_owner(token, profile, request)
        if file is None:
            raise user_error("Choose a .bib, CSL-JSON, Zotero RDF or id-list file first.")
        path = upload_path(file)
        store = self.ctx.store
        with errors_as_gradio():
            report = import_library(path, self.ctx.services.library, stored_paper(store), store.embedder.embed)
        skipped = "".join(f"\n- skipped {md_escape(line)}" for line in report.broken[:20])
        more = f"\n- … and {len(report.broken) - 20} more" if len(report.broken) > 20 else ""
        return f"Imported {plural(len(report.papers), 'paper')} from {md_escape(path.name)}.{skipped}{more}"

    def export_bibtex(self, profile: gr.OAuthProfile | None = None, request: gr.Request = None) -> str:
        """The liked papers as a .bib file to download."""
        self.ctx.check_profile_reader(Viewer("", profile, request))
        with errors_as_gradio():
            papers = [self.ctx.store.get_paper(i) for i in self.ctx.services.profiles.load().liked]
        path = self.ctx.scratch.folder() / "liked.bib"
        path.write_text(to_bibtex(papers), encoding="utf-8")
        return str(path)

    def import_profile(
        self, file, token: str = "", profile: gr.OAuthProfile | None = None, request: gr.Request = None
    ) -> str:
        self.ctx.check_owner(token, profile, request)
        if file is None:
            raise user_error("Choose a profile .json file first.")
        path = upload_path(file)
        with errors_as_gradio():
            text = path.read_text(encoding="utf-8", errors="replace")
            self.ctx.services.profiles.replace(parse_profile(text, path.name))
        return "Profile imported."

    def profile_fields(
        self, profile: gr.OAuthProfile | None = None, request: gr.Request = None
    ) -> tuple[str, str, str, str, str]:
        viewer = Viewer("", profile, request)
        try:
            self.ctx.access.check_profile(viewer.user, viewer.token, viewer.own_page)
        except AccessError:  # a visitor opening the page sees empty fields, not an error (nor a log line)
            return "", "", "", "", ""
        with errors_as_gradio():
            current = self.ctx.services.profiles.load()
        lists = (current.interests, current.liked, current.authors, current.include, current.exclude)
        return tuple("\n".join(values) for values in lists)

    def export_profile(self, profile: gr.OAuthProfile | None = None, request: gr.Request = None) -> str:
        self.ctx.check_profile_reader(Viewer("", profile, request))
        folder = self.ctx.scratch.folder()
        path = folder / "profile.json"
        with errors_as_gradio():
            path.write_text(self.ctx.services.profiles.load().to_json(), encoding="utf-8")
        return str(path)

    def layout(self) -> ProfileView:
        """The tab's components inside the current `gr.Tab`; `wire` connects them once the token exists."""
        gr.Markdown(
            "What the **For you** ranking (Today, Digest, `papers digest --for-me`) uses: papers by followed "
            "authors come first, then papers closest to your interests and liked papers. Like papers with the "
            "♥ on Today's cards. Stored in the data folder as `profile.json`."
        )
        interests = gr.Textbox(label="Interests, one per line", lines=4, elem_id="profile-interests")
        liked = gr.Textbox(label="Liked papers (ids), one per line", lines=3, elem_id="profile-liked")
        authors = gr.Textbox(label="Followed authors and organisations, one per line", lines=3)
        with gr.Row():
            include = gr.Textbox(label="Only papers matching a keyword, one per line", lines=2)
            exclude = gr.Textbox(label="Never papers matching a keyword, one per line", lines=2)
        with gr.Row():
            save = gr.Button("Save profile", variant="primary")
            export = gr.DownloadButton("Export JSON")
            bibtex = gr.DownloadButton("Liked papers as BibTeX")
            imported = gr.File(label="Import JSON", file_types=[".json"], scale=2)
        library_file = gr.File(
            label="Import your library (Zotero .bib, CSL JSON, Zotero RDF, or arXiv ids / DOIs one per line)",
            file_types=LIBRARY_TYPES,
            elem_id="library-import",
        )
        status = gr.Markdown(elem_id="profile-status")
        fields = [interests, liked, authors, include, exclude]
        return ProfileView(fields, save, export, bibtex, imported, library_file, status)

    def wire(
        self, demo: gr.Blocks, view: ProfileView, token: gr.Textbox, cards: gr.HTML, liked_status: gr.Markdown
    ) -> None:
        """The profile's events and the ♥ on Today's cards: writes take the Library tab's token."""
        cards.click(self.like_from_card, token, liked_status, api_visibility="private")
        fields, status = view.fields, view.status
        view.save.click(self.save_profile, [*fields, token], status, api_visibility="private")
        view.library_file.upload(self.import_library_file, [view.library_file, token], status, api_visibility="private")
        view.bibtex.click(self.export_bibtex, None, view.bibtex, api_visibility="private")
        view.imported.upload(self.import_profile, [view.imported, token], status, api_visibility="private").then(
            self.profile_fields, None, fields, api_visibility="private"
        )
        view.export.click(self.export_profile, None, view.export, api_visibility="private")
        demo.load(self.profile_fields, None, fields, api_visibility="private")
