"""The Gradio app (and Hugging Face Space entry point): Today, Digest, Ask, Trends, For you, Library and About.

In: `Settings` from the environment (`PAPERS_*`). Out: a web UI, named API endpoints, and the same endpoints as
tools over the Model Context Protocol (`launch(mcp_server=True)`, served at `/gradio_api/mcp/`): each public
handler's name, docstring and typed parameters become the tool's name and description (`todays_papers`,
`search_papers`, `ask`, `tldr`, `digest`, `related_papers`, `trends`, `for_you`, `profile`). Write endpoints
(ingest, fetch, profile edits) are left out of the API listing and MCP in public mode. Rendering only: every
action is a call into `agent/`; feed text is escaped wherever it is shown. The model is preloaded in the
background at launch and shared; the queue bounds how much runs at once. On an empty store the bundled sample is
loaded first, so the app is useful offline. `python app.py` or `make run` starts it.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import html
import os
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import gradio as gr
from fastapi.responses import Response
from gradio.utils import get_upload_folder

from agent.access import Access, AccessError
from agent.answer.qa import Scope, message_text
from agent.charts import trend_png, trend_table
from agent.digest import build_digest
from agent.export import to_atom, to_bibtex
from agent.foryou import Ranked, by_upvotes
from agent.ingest import ensure_sample, ingest_paths
from agent.library import import_library, stored_paper
from agent.present import check_html, inert_record, md_escape, paper_card, parse_day, tldr_label
from agent.profile import Profile, parse_profile, tidy
from agent.refresh import Refresher, refresh_interval
from agent.related import related_for_many, related_papers
from agent.render import to_html, to_markdown
from agent.services import Services
from agent.settings import Settings, bind_address, running_in_space
from agent.tldr import Tldr, model_failure
from agent.trends import MAX_TOPICS, Trend, trend_markdown
from vectorstore.errors import PapersError
from vectorstore.records import Paper
from vectorstore.search import Query
from web.guard import Budget, client_key, from_own_page, guarded
from web.memory import start_trimming, tune_malloc

MAX_UPLOAD_MB = 20
FEED_PAPERS = 20  # papers in the /feed.xml digest
FEED_CACHE_S = 600
MAX_UPLOAD_FILES = 20
UPLOAD_TYPES = (".json", ".txt", ".pdf")
ALL_DAYS = "All days"
ALL_DAYS_SHOWN = 50
MIN_DAY_PAPERS = 5
RANKINGS = ("Upvotes", "For you")
RELATED_ON_CARDS = 3
# Cards are re-rendered as HTML; one listener on the container catches clicks on any card's like button.
LIKE_JS = """
element.addEventListener('click', (event) => {
  const button = event.target.closest('[data-like]');
  if (button) { trigger('click', {paper: button.dataset.like}); }
});
"""
IN_SPACE = running_in_space()

try:  # ZeroGPU on Hugging Face Spaces: borrow a GPU only while generating
    import spaces

    gpu = spaces.GPU
except ImportError:

    def gpu(fn):
        return fn


# Gradio's own cache (uploads, files handed out): every 10 minutes, what is older than an hour goes.
DELETE_CACHE = (600, 3600)
SCRATCH_MAX_AGE_S = 600.0


class Scratch:
    """One folder for the files the app writes for the browser (digests, trend charts, profile exports): each
    call gets a fresh subfolder, and subfolders older than `max_age_s` are removed on the next call, so no
    visitor can pile up temporary folders (Gradio copies what it serves into its own cache)."""

    def __init__(self, max_age_s: float = SCRATCH_MAX_AGE_S) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="papers-app-"))
        self.max_age_s = max_age_s

    def folder(self) -> Path:
        self.sweep()
        return Path(tempfile.mkdtemp(dir=self.root))

    def sweep(self) -> None:
        cutoff = time.time() - self.max_age_s
        for child in list(self.root.iterdir())[:10_000]:
            with contextlib.suppress(OSError):
                if child.stat().st_mtime <= cutoff:
                    shutil.rmtree(child, ignore_errors=True)


@dataclass(frozen=True)
class Viewer:
    """Who sent a request, as the handlers see it: a typed token, the Hugging Face sign-in, the HTTP request."""

    token: str = ""
    profile: gr.OAuthProfile | None = None
    request: gr.Request | None = None

    @property
    def user(self) -> str:
        return self.profile.username if self.profile else ""

    @property
    def headers(self) -> dict[str, str]:
        return dict(self.request.headers) if self.request is not None else {}

    @property
    def own_page(self) -> bool:
        return from_own_page(self.headers)

    @property
    def client(self) -> str:
        peer = self.request.client.host if self.request is not None and self.request.client else ""
        return client_key(self.headers, peer, behind_proxy=IN_SPACE)


class PapersApp:
    """The app's handlers; each is a thin call into the services, turning typed errors into gr.Error."""

    def __init__(self, services: Services, access: Access | None = None, scratch: Scratch | None = None) -> None:
        self.services = services
        self.access = access or Access(public=False)
        self.scratch = scratch or Scratch()
        self.check_budget = Budget(services.settings.visitor_check_chars_per_minute)
        self.feed_cache: tuple[tuple, bytes] | None = None  # (its key, the Atom bytes): see feed_xml
        self.feed_lock = threading.Lock()

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
        """TL;DRs already written (none before the model is loaded: the cache is keyed by the model); the
        extractive TL;DRs of the default need no model."""
        if not self.services.model_loaded and self.services.settings.tldr == "model":
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

    def todays_papers(self, day: str = "") -> list[dict]:
        """List the papers of one day of the Hugging Face Daily Papers, most upvoted first, with their one-sentence
        TL;DRs where already written.

        Args:
            day: The day as YYYY-MM-DD; empty for the newest day in the store.
        """
        papers, tldrs = self.day_papers(day)
        return [public_record(p, tldr=tldr_label(tldrs[p.id]) if p.id in tldrs else "") for p in papers]

    def search_papers(self, query: str, k: float = 5) -> list[dict]:
        """Find the passages of the stored papers that best match a query (semantic and keyword search fused),
        best first, each with its paper id, title, date, section and text.

        Args:
            query: What to look for, in words (e.g. "speculative decoding for long contexts").
            k: How many passages to return (1 to 50).
        """
        if not (query or "").strip():
            raise gr.Error("The query is empty.")
        passages = self.services.searcher.search(Query(query[:2000], max(1, min(int(k), 50))))
        return [p.to_dict() for p in passages]

    def ranked(self, papers: list[Paper], ranking: str, viewer: Viewer | None = None) -> list[Ranked]:
        if ranking != "For you":
            return by_upvotes(papers)
        self.check_profile_reader(viewer or Viewer())
        with errors_as_gradio():
            return self.services.for_you.rank(papers, record=True)

    def today_html(
        self, day: str, ranking: str = "Upvotes", profile: gr.OAuthProfile | None = None, request: gr.Request = None
    ) -> str:
        papers, tldrs = self.day_papers(day)
        if not papers:
            return "<p>No papers for this day. Add some in the Library tab.</p>"
        ranked = self.ranked(papers, ranking, Viewer("", profile, request))
        related = related_for_many(self.services.catalog.current(), [p.id for p in papers], RELATED_ON_CARDS)
        return "".join(paper_card(r.paper, tldrs.get(r.paper.id), r.reason, related.get(r.paper.id)) for r in ranked)

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
            *_, last = self.services.agent.respond(question, [], scope)
        if last.answer is not None:
            result = last.answer.to_dict()
            return {key: result[key] for key in ("answer", "kind", "covered", "said", "statements", "citations")}
        return {"answer": last.text, "kind": last.kind, "covered": True, "said": "", "citations": []}

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
            papers = [self.store.get_paper(i) for i in ids] if ids else self.listed(day)
            notes = self.services.writer.tldrs(papers)
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
        papers = self.listed(day)
        progress(0, desc="Loading the model")
        done = [0]

        def tick(n: int) -> None:
            done[0] += n
            progress(done[0] / max(1, len(papers)), desc=f"TL;DR {done[0]}/{len(papers)}")

        with errors_as_gradio():
            warn_model_failure(self.services.writer.tldrs(papers, tick).values())
        return self.today_html(day, ranking, profile, request)

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
            self.check_profile_reader(Viewer(token, profile, request))
        first, last = self.parse_day(start), self.parse_day(end or start)
        if last < first:
            raise gr.Error("The end date is before the start date.")
        with errors_as_gradio():
            self.access.check_digest(first, last, int(top))
            rank = self.services.for_you.rank if for_you else None
            result = build_digest(self.store, self.services.writer, first, last, int(top), rank=rank)
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
        folder = self.scratch.folder()
        files = {"digest.md": "markdown", "digest.html": "html", "digest.bib": "bibtex"}
        for name, key in files.items():
            (folder / name).write_text(result[key], encoding="utf-8")
        return result["html"], [str(folder / name) for name in files]

    @gpu
    def chat(self, message, history, scope: str, day: str, paper_id: str):
        """Streams the agent's reply (API: /chat); a trend comes with its chart."""
        with errors_as_gradio():
            for reply in self.services.agent.respond(
                message_text({"content": message}), history or [], self.scope(scope, day, paper_id)
            ):
                if reply.trend is not None and reply.trend.matched:
                    # The chart rides inside the message (a file would hand out a server path).
                    chart = base64.b64encode(trend_png([reply.trend])).decode("ascii")
                    yield [reply.text, f"![Papers per week](data:image/png;base64,{chart})"]
                else:
                    yield reply.text

    def related_papers(self, paper_id: str, k: float = 5) -> list[dict]:
        """Papers related to one stored paper: the nearest by meaning (title and abstract embeddings), lifted
        when they share an author or organisation, each with the reason it is listed.

        Args:
            paper_id: The paper's id (an arXiv id such as 2505.24864).
            k: How many related papers (1 to 20).
        """
        with errors_as_gradio():
            items = related_papers(self.services.catalog.current(), paper_id.strip(), max(1, min(int(k), 20)))
        return [item.to_dict() for item in items]

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
        with errors_as_gradio():  # empty, too long or binary text: agent/answer/check_text.checkable says which
            self.spend_check(len(text or ""), viewer)
            return self.services.text_checker.check_text(text, (paper_id or "").strip())

    def spend_check(self, chars: int, viewer: Viewer) -> None:
        """Public mode: a visitor's checks are short and at most `visitor_check_chars_per_minute` a minute, so one
        visitor cannot hold the workers that answer everyone else."""
        if not self.access.public or self.access.may_write(viewer.user, viewer.token, viewer.own_page):
            return
        self.access.check_check_size(chars)
        wait = self.check_budget.spend(viewer.client, chars)
        if wait:
            raise AccessError(
                f"That is this minute's share of checks for one visitor; try again in {wait:.0f} s.",
                "Or run the app yourself (make run): it has no such limit.",
            )

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
            raise gr.Error('Name a topic, e.g. "diffusion language models".')
        if len(names) > MAX_TOPICS:
            raise gr.Error(f"At most {MAX_TOPICS} topics at a time.")
        first = self.parse_day(start) if start else None
        last = self.parse_day(end) if end else None
        with errors_as_gradio():
            return [self.services.trends.find(name, first, last) for name in names]

    def trends_view(self, topics: str, start: str, end: str):
        found = self.topic_trends(topics, start, end)
        return trend_table(found), "\n\n".join(trend_markdown(t) for t in found)

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
        self.check_profile_reader(Viewer(token, profile, request))
        papers = self.listed(day)
        with errors_as_gradio():
            return [
                public_record(r.paper, score=round(r.score, 4), reason=r.reason)
                for r in self.services.for_you.rank(papers, record=True)
            ]

    def profile(self, token: str = "", profile: gr.OAuthProfile | None = None, request: gr.Request = None) -> dict:
        """The reader's interest profile: free-text interests, liked paper ids and followed authors or
        organisations (what the "for you" ranking uses). Public mode: owners only, unless the owner shares it.

        Args:
            token: The admin token, in public mode.
        """
        self.check_profile_reader(Viewer(token, profile, request))
        with errors_as_gradio():
            return self.services.profiles.load().model_dump()

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
        self.check_owner(token, profile, request)
        with errors_as_gradio():
            paper = self.store.get_paper(paper_id.strip())
            saved = self.services.profiles.edit("liked", add=[paper.id])
        return f"Liked “{paper.title}”; {len(saved.liked)} liked papers."

    def like_from_card(
        self, token: str, event: gr.EventData, profile: gr.OAuthProfile | None = None, request: gr.Request = None
    ) -> str:
        """The ♥ on a card: `trigger('click', {paper: id})` in LIKE_JS arrives as `event.paper`."""
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
        self.check_owner(token, profile, request)
        ids = tidy(liked.replace(",", "\n").splitlines())
        with errors_as_gradio():
            for paper_id in ids:
                self.store.get_paper(paper_id)
            new = Profile(
                interests=interests.splitlines(),
                liked=ids,
                authors=authors.splitlines(),
                include=include.splitlines(),
                exclude=exclude.splitlines(),
            )
            self.services.profiles.replace(new)
        return (
            f"Saved: {len(new.interests)} interests, {len(new.liked)} liked papers, {len(new.authors)} followed, "
            f"{len(new.include) + len(new.exclude)} keyword filters."
        )

    def import_library_file(
        self, file, token: str = "", profile: gr.OAuthProfile | None = None, request: gr.Request = None
    ) -> str:
        """A Zotero export or an id list becomes the library the For you ranking weighs. Public mode: owners only."""
        self.check_owner(token, profile, request)
        if file is None:
            raise gr.Error("Choose a .bib, CSL-JSON, Zotero RDF or id-list file first.")
        path = upload_path(file)
        with errors_as_gradio():
            report = import_library(path, self.services.library, stored_paper(self.store), self.store.embedder.embed)
        skipped = "".join(f"\n- skipped {md_escape(line)}" for line in report.broken[:20])
        more = f"\n- … and {len(report.broken) - 20} more" if len(report.broken) > 20 else ""
        return f"Imported {len(report.papers)} papers from {md_escape(path.name)}.{skipped}{more}"

    def export_bibtex(self, profile: gr.OAuthProfile | None = None, request: gr.Request = None) -> str:
        """The liked papers as a .bib file to download."""
        self.check_profile_reader(Viewer("", profile, request))
        with errors_as_gradio():
            papers = [self.store.get_paper(i) for i in self.services.profiles.load().liked]
        path = self.scratch.folder() / "liked.bib"
        path.write_text(to_bibtex(papers), encoding="utf-8")
        return str(path)

    def feed_xml(self) -> Response:
        """`/feed.xml`: the newest day's digest (by upvotes: a feed is public) as Atom, for a feed reader."""
        days = self.store.dates()
        if not days:
            return Response("The store is empty.", status_code=404, media_type="text/plain")
        # Built once per newest day, store state and FEED_CACHE_S (upvotes and TL;DRs change without a new version),
        # however many readers ask at once.
        key = (days[-1], self.store.version(), self.store.counts(), int(time.time() // FEED_CACHE_S))
        with self.feed_lock:
            if self.feed_cache is None or self.feed_cache[0] != key:
                result = build_digest(self.store, self.services.writer, days[-1], days[-1], FEED_PAPERS)
                self.feed_cache = (key, to_atom(result).encode("utf-8"))
            atom = self.feed_cache[1]
        cache = {"Cache-Control": f"public, max-age={FEED_CACHE_S // 2}"}
        return Response(atom, media_type="application/atom+xml", headers=cache)

    def import_profile(
        self, file, token: str = "", profile: gr.OAuthProfile | None = None, request: gr.Request = None
    ) -> str:
        self.check_owner(token, profile, request)
        if file is None:
            raise gr.Error("Choose a profile .json file first.")
        path = upload_path(file)
        with errors_as_gradio():
            self.services.profiles.replace(parse_profile(path.read_text(encoding="utf-8", errors="replace"), path.name))
        return "Profile imported."

    def profile_fields(
        self, profile: gr.OAuthProfile | None = None, request: gr.Request = None
    ) -> tuple[str, str, str, str, str]:
        try:
            self.check_profile_reader(Viewer("", profile, request))
        except gr.Error:  # a visitor opening the page sees empty fields, not an error
            return "", "", "", "", ""
        with errors_as_gradio():
            current = self.services.profiles.load()
        lists = (current.interests, current.liked, current.authors, current.include, current.exclude)
        return tuple("\n".join(values) for values in lists)

    def export_profile(self, profile: gr.OAuthProfile | None = None, request: gr.Request = None) -> str:
        self.check_profile_reader(Viewer("", profile, request))
        folder = self.scratch.folder()
        path = folder / "profile.json"
        with errors_as_gradio():
            path.write_text(self.services.profiles.load().to_json(), encoding="utf-8")
        return str(path)

    def scope(self, kind: str, day: str, paper_id: str) -> Scope:
        if kind == "One day" and day:
            when = self.parse_day(day)
            return Scope(when, when)
        if kind == "One paper" and paper_id.strip():
            with errors_as_gradio():
                return Scope(paper_ids=(self.store.get_paper(paper_id.strip()).id,))
        return Scope()

    def check_profile_reader(self, viewer: Viewer) -> None:
        with errors_as_gradio():
            self.access.check_profile(viewer.user, viewer.token or "", viewer.own_page)

    def check_owner(self, token: str, profile: gr.OAuthProfile | None, request: gr.Request | None = None) -> None:
        """A write needs an owner: signed in (and then from the app's own page: the sign-in cookie rides along on
        another site's requests too) or holding the admin token."""
        viewer = Viewer(token, profile, request)
        with errors_as_gradio():
            self.access.check_write(viewer.user, viewer.token or "", viewer.own_page)

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
        self.check_owner(token, profile, request)
        paths = [upload_path(f) for f in (files or [])]
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

    def fetch_day(
        self, day: str, token: str = "", profile: gr.OAuthProfile | None = None, request: gr.Request = None
    ) -> str:
        """Fetch one day of the Hugging Face Daily Papers from its API into the store. Public mode: owners only.

        Args:
            day: The day, YYYY-MM-DD (or "today").
            token: The admin token, in public mode.
        """
        self.check_owner(token, profile, request)
        warnings: list[str] = []
        lines: list[str] = []
        summary = self.services.fetch_days([self.parse_day(day)], lines.append, warnings.append)
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
        choice = self.services.model_choice
        note = f" ({choice.note})" if choice.note else ""
        return (
            f"- **Model:** `{choice.model}` on {device}{note}\n- **Embeddings:** `{settings.embed_model}`\n"
            f"- **Store:** {store}\n- **Mode:** {mode}\n- {self.counts()}"
        )


def public_record(paper: Paper, **extra) -> dict:
    """A paper as the API shows it: `source` is where the record came from on the server (a path), not for
    visitors."""
    return {**{k: v for k, v in paper.to_dict().items() if k != "source"}, **extra}


def tldr_flags(note: Tldr) -> dict:
    return {"fallback": note.fallback, "model_error": note.model_error}


def report(summary, lines: list[str]) -> str:
    """An ingest's report for the web face: escaped, and with upload paths cut to file names (the uploads lie in
    Gradio's folder on the server)."""
    text = "\n".join(f"- {html.escape(without_paths(line))}" for line in lines)
    if summary.errors:
        text += "\n\n**Failed:**\n" + "\n".join(f"- {html.escape(without_paths(e))}" for e in summary.errors)
    return f"{text}\n\n{without_paths(summary.line())}"


def warn_model_failure(tldrs) -> None:
    """A failed model shows one warning toast, however many TL;DRs fell back because of it."""
    failure = model_failure(tldrs)
    if failure:
        gr.Warning(failure)


# An absolute path on the server ("/data/papers/profile.json", "/tmp/trend-x/trend.png"): a web face shows its last
# part only. Bounded segments keep the match linear.
SERVER_PATH = re.compile(r"(?<![\w.:/])/(?:[\w.+~-]{1,255}/){1,64}([\w.+~-]{0,255})")


def without_paths(message: str) -> str:
    """A message with every server path cut to its file name: errors reach visitors through the web faces, and
    where the app's files live is not theirs to know (the CLI, the owner's face, keeps them)."""
    return SERVER_PATH.sub(lambda m: f"…/{m.group(1)}" if m.group(1) else "…/", message)


class errors_as_gradio:
    """Typed errors become a message in the UI (and the API), not a stack trace, and carry no server paths."""

    def __enter__(self):
        return self

    def __exit__(self, kind, error, _tb):
        if isinstance(error, PapersError):
            raise gr.Error(without_paths(str(error))) from error
        return False


CSS = """
.paper-card {border:1px solid var(--border-color-primary); border-radius:8px; padding:10px 12px; margin:8px 0}
.paper-title {font-weight:600; font-size:1.05em} .paper-meta {color:var(--body-text-color-subdued); font-size:.85em}
.paper-tldr {margin:6px 0} .paper-links {font-size:.85em} .paper-reason {color:var(--color-accent); font-size:.85em}
.paper-like {border:1px solid var(--border-color-primary); border-radius:6px; padding:0 6px; margin-left:6px;
 cursor:pointer; background:none; color:inherit} .paper-related {font-size:.85em; margin-top:4px}
"""


def build_app(
    services: Services,
    access: Access | None = None,
    scratch: Scratch | None = None,
    delete_cache: tuple[int, int] = DELETE_CACHE,
) -> gr.Blocks:
    app = PapersApp(services, access, scratch)
    days = app.day_choices()
    opening = app.opening_day()
    dates = [d for d in days if d != ALL_DAYS]
    newest = dates[0] if dates else None
    # The digest opens on the same papers as Today: the newest day, or every day when that day is thin.
    first = dates[-1] if opening == ALL_DAYS and dates else newest
    with gr.Blocks(title="Daily Papers Agent", delete_cache=delete_cache) as demo:
        gr.Markdown("# Daily Papers Agent\nThe Hugging Face Daily Papers, summarised and answerable, on your machine.")
        with gr.Tab("Today"):
            with gr.Row():
                day = gr.Dropdown(days, value=opening, label="Day", allow_custom_value=True, scale=3)
                ranking = gr.Radio(list(RANKINGS), value=RANKINGS[0], label="Rank by", scale=2)
                tldr_button = gr.Button("Write missing TL;DRs", variant="primary", scale=1)
            liked_status = gr.Markdown(elem_id="like-status")
            cards = gr.HTML(app.today_html(opening) if opening else "", elem_id="today-cards", js_on_load=LIKE_JS)
            day.change(app.today_html, [day, ranking], cards, api_visibility="private")
            ranking.change(app.today_html, [day, ranking], cards, api_visibility="private")
            tldr_button.click(app.write_tldrs, [day, ranking], cards, api_visibility="private")
        with gr.Tab("Digest"):
            with gr.Row():
                start = gr.Dropdown(dates, value=first, label="From", allow_custom_value=True)
                end = gr.Dropdown(dates, value=newest, label="To", allow_custom_value=True)
                top = gr.Slider(1, app.access.max_digest_papers, value=10, step=1, label="Papers")
                digest_ranking = gr.Radio(list(RANKINGS), value=RANKINGS[0], label="Rank by")
            make = gr.Button("Generate digest", variant="primary")
            preview = gr.HTML(elem_id="digest-preview")
            downloads = gr.File(label="Download .md / .html / .bib", file_count="multiple")
            make.click(
                app.digest_view, [start, end, top, digest_ranking], [preview, downloads], api_visibility="private"
            )
        with gr.Tab("Ask"):
            with gr.Row():
                scope = gr.Radio(["All papers", "One day", "One paper"], value="All papers", label="Scope")
                scope_day = gr.Dropdown(dates, value=newest, label="Day", allow_custom_value=True)
                scope_paper = gr.Textbox(label="Paper id", placeholder="2501.10120")
            gr.ChatInterface(
                app.chat,
                additional_inputs=[scope, scope_day, scope_paper],
                api_name="chat",
                api_visibility="undocumented",  # the `ask` endpoint is the documented face (and the MCP tool)
                examples=[
                    ["Which paper pre-trains a language model for legal case retrieval?", "All papers", newest, ""]
                ],
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
        with gr.Tab("Check"):
            gr.Markdown(
                "Paste a summary written anywhere: each sentence is checked against the stored papers by the trained "
                "claim checker, with the evidence sentence it was judged against."
            )
            check_text = gr.Textbox(label="Text to check", lines=5, elem_id="check-text")
            check_paper = gr.Textbox(label="Paper id (optional)", placeholder="2501.10120")
            check_button = gr.Button("Check", variant="primary")
            check_result = gr.HTML(elem_id="check-result")
            check_button.click(
                app.check_view,
                [check_text, check_paper],
                check_result,
                api_visibility="private",
                concurrency_limit=2,
                concurrency_id="check",
            )
        with gr.Tab("Trends"):
            with gr.Row():
                topics = gr.Textbox(
                    label=f"Topics (up to {MAX_TOPICS}, comma-separated)",
                    value="diffusion language models, speculative decoding",
                    scale=3,
                    elem_id="trend-topics",
                )
                trend_from = gr.Dropdown([""] + dates[::-1], value="", label="From", allow_custom_value=True)
                trend_to = gr.Dropdown([""] + dates, value="", label="To", allow_custom_value=True)
            show = gr.Button("Show trends", variant="primary")
            plot = gr.LinePlot(x="week", y="papers", color="topic", label="Papers per week", elem_id="trend-plot")
            trend_notes = gr.Markdown(elem_id="trend-notes")
            show.click(app.trends_view, [topics, trend_from, trend_to], [plot, trend_notes], api_visibility="private")
        with gr.Tab("For you"):
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
                file_types=[".bib", ".json", ".rdf", ".xml", ".txt"],
                elem_id="library-import",
            )
            profile_status = gr.Markdown(elem_id="profile-status")
        with gr.Tab("Library"):
            if app.access.public:
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
            status = gr.Markdown(app.counts())
            writes = "undocumented" if app.access.public else "public"  # public mode: not in the API listing nor MCP
            fetch.click(app.fetch_day, [fetch_date, token], status, api_name="fetch", api_visibility=writes)
            add.click(app.ingest_files, [uploads, token], status, api_name="ingest", api_visibility=writes)
        cards.click(app.like_from_card, token, liked_status, api_visibility="private")
        fields = [interests, liked, authors, include, exclude]
        save.click(app.save_profile, [*fields, token], profile_status, api_visibility="private")
        library_file.upload(app.import_library_file, [library_file, token], profile_status, api_visibility="private")
        bibtex.click(app.export_bibtex, None, bibtex, api_visibility="private")
        imported.upload(app.import_profile, [imported, token], profile_status, api_visibility="private").then(
            app.profile_fields, None, fields, api_visibility="private"
        )
        export.click(app.export_profile, None, export, api_visibility="private")
        demo.load(app.profile_fields, None, fields, api_visibility="private")
        with gr.Tab("About"):
            about = gr.Markdown(elem_id="about")
        demo.load(app.about, None, about, api_visibility="private")
        gr.api(tool(app.todays_papers), api_name="today")
        gr.api(tool(app.search_papers), api_name="search")
        gr.api(tool(app.ask), api_name="ask")
        gr.api(tool(app.tldr), api_name="tldr")
        gr.api(tool(app.digest), api_name="digest")
        gr.api(tool(app.related_papers), api_name="related")
        gr.api(tool(app.trends), api_name="trends")
        # At most two checks run at once: a long one must not hold the workers that answer everything else.
        gr.api(tool(app.check_claims), api_name="check_claims", concurrency_limit=2, concurrency_id="check")
        gr.api(tool(app.for_you), api_name="for_you")
        gr.api(tool(app.profile), api_name="profile")
        gr.api(tool(app.like_paper), api_name="like", api_visibility=writes)
    demo.queue(default_concurrency_limit=8, max_size=64)
    demo.feed_xml = app.feed_xml
    demo.upload_quota_mb = services.settings.upload_quota_mb
    return demo


def tool(handler):
    """An API endpoint and MCP tool: its result with feed text made inert (MCP clients render it as Markdown, and a
    feed's image there would load from a stranger's server). Name, docstring and typed parameters stay the
    handler's: Gradio reads them through `functools.wraps`."""

    @functools.wraps(handler)
    def endpoint(*args, **kwargs):
        return inert_record(handler(*args, **kwargs))

    return endpoint


def upload_path(file) -> Path:
    """Where Gradio put an uploaded file (a path string, or an object carrying it in `.name`)."""
    return Path(file if isinstance(file, str) else file.name)


def launch(demo: gr.Blocks, **options) -> None:
    """Upload limits hold in Gradio's upload route, before a file lands on disk. The MCP server is on by
    default (tools at /gradio_api/mcp/). The Atom feed (`PapersApp.feed_xml`) is served at /feed.xml: Gradio
    builds its FastAPI app in `launch`, so the route is added right after, before the thread blocks."""
    feed = getattr(demo, "feed_xml", None)
    options.setdefault("mcp_server", True)
    block = not options.pop("prevent_thread_lock", False)
    demo.launch(max_file_size=f"{MAX_UPLOAD_MB}mb", css=CSS, prevent_thread_lock=True, **options)
    guard(demo)
    if feed is not None:
        demo.app.add_api_route("/feed.xml", feed, methods=["GET"], include_in_schema=False)
    if block:
        demo.block_thread()


def guard(demo: gr.Blocks) -> None:
    """The guards of web/guard.py around everything Gradio serves (its CORS answer and its upload route included):
    Starlette builds its middleware stack on the first request, which `launch` has already made, so the built stack
    is wrapped."""
    fastapi_app = demo.app
    stack = fastapi_app.middleware_stack or fastapi_app.build_middleware_stack()
    quota = int(getattr(demo, "upload_quota_mb", Settings.model_fields["upload_quota_mb"].default)) * 2**20
    fastapi_app.middleware_stack = guarded(stack, Path(get_upload_folder()), quota)


def main() -> None:
    tune_malloc()  # before the model's weights are allocated
    settings = Settings()
    services = Services(settings)
    ensure_sample(services.store, print)
    access = Access.of(settings, IN_SPACE, os.environ.get("SPACE_AUTHOR_NAME", ""))
    services.preload()  # the first question should not wait for the model to load
    interval = refresh_interval(settings.refresh, IN_SPACE)
    if interval:
        Refresher(services, interval, print).start()
    demo = build_app(services, access)
    start_trimming()
    launch(demo, server_name=bind_address(IN_SPACE), server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")))


if __name__ == "__main__":
    main()
