"""What every tab of the web face shares: the `Context` its handlers run in, who is asking, and how errors show.

In: the wired `Services` (with their `Settings`), the `Access` rules and the HTTP request of each call. Out: a
`Context` (the store's days, the papers of a day, the owner and profile checks), a `Viewer` (who sent a request),
`Scratch` folders for the files the app writes for the browser, `errors_as_gradio` (typed errors become one-line
`gr.Error`s with no server path, logged as one line, not a traceback), and `tool()`, which makes an API/MCP
endpoint's result inert. Nothing here lays out a component.
"""

from __future__ import annotations

import contextlib
import functools
import html
import logging
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import gradio as gr

from agent.access import Access
from agent.present import inert_record, parse_day
from agent.services import Services
from agent.settings import Settings, running_in_space
from agent.text import plural
from agent.tldr import Tldr, model_failure
from vectorstore.errors import PapersError
from vectorstore.records import Paper
from web.guard import client_key, from_own_page

LOG = logging.getLogger(__name__)
IN_SPACE = running_in_space()
ALL_DAYS = "All days"
ALL_DAYS_SHOWN = 50
DAY_SHOWN = 100  # a day of 2,000 papers shows its 100 most upvoted (the day's note says so)
MIN_DAY_PAPERS = 5
RANKINGS = ("Upvotes", "For you")
SCRATCH_MAX_AGE_S = 600.0

try:  # ZeroGPU on Hugging Face Spaces: borrow a GPU only while generating
    import spaces

    gpu = spaces.GPU
except ImportError:

    def gpu(fn):
        return fn


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


class Context:
    """What the tabs' handlers share: the services, the access rules, the scratch folder, and the store's days."""

    def __init__(self, services: Services, access: Access | None = None, scratch: Scratch | None = None) -> None:
        self.services = services
        self.access = access or Access(public=False)
        self.scratch = scratch or Scratch()

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def store(self):
        return self.services.store

    @property
    def write_visibility(self) -> str:
        """Write endpoints (ingest, fetch, like): in public mode, neither in the API listing nor over MCP."""
        return "undocumented" if self.access.public else "public"

    @staticmethod
    def parse_day(value: str) -> date:
        with errors_as_gradio():
            return parse_day(value)

    def day_choices(self) -> list[str]:
        """Newest day first, then "All days"."""
        return [d.isoformat() for d in reversed(self.store.dates())] + [ALL_DAYS]

    def opening_day(self) -> str | None:
        """What Today opens on: the newest day that has papers (None for an empty store)."""
        days = self.store.dates()
        return days[-1].isoformat() if days else None

    def digest_opening(self) -> str | None:
        """The digest's first day: the newest, unless that day is too thin for a digest (the bundled sample spreads
        44 papers over 44 days), then the first stored day, so the digest spans them all."""
        days = self.store.dates()
        if not days:
            return None
        thin = len(self.store.list_papers(days[-1], days[-1])) < MIN_DAY_PAPERS
        return (days[0] if thin else days[-1]).isoformat()

    def listed(self, day: str) -> list[Paper]:
        """The day's papers (the newest day when none is given; the top of all days for "All days"), most
        upvoted first."""
        return self.day_papers(day)[: ALL_DAYS_SHOWN if day == ALL_DAYS else DAY_SHOWN]

    def day_papers(self, day: str) -> list[Paper]:
        """All of the day's papers, most upvoted first (every stored paper for "All days")."""
        if day == ALL_DAYS:
            return self.store.list_papers()
        when = self.parse_day(day) if day else (self.store.dates() or [None])[-1]
        return self.store.list_papers(when, when) if when else []

    def first_shown(self) -> list[Paper]:
        """The papers a reader meets first: the newest day's, then the top of all days (agent/keeper.py writes
        their TL;DRs in the background)."""
        return self.listed("") + self.listed(ALL_DAYS)

    def cached_tldrs(self, papers: list[Paper]) -> dict[str, Tldr]:
        """TL;DRs already written (none before the model is loaded: the cache is keyed by the model); the
        extractive TL;DRs of the default need no model."""
        if not self.services.model_loaded and self.settings.tldr == "model":
            return {}
        return self.services.writer.cached(papers)

    def counts(self) -> str:
        papers, chunks = self.store.counts()
        return f"**{plural(papers, 'paper')}**, **{plural(chunks, 'chunk')}** in the store."

    def check_profile_reader(self, viewer: Viewer) -> None:
        with errors_as_gradio():
            self.access.check_profile(viewer.user, viewer.token or "", viewer.own_page)

    def check_owner(self, token: str, profile: gr.OAuthProfile | None, request: gr.Request | None = None) -> None:
        """A write needs an owner: signed in (and then from the app's own page: the sign-in cookie rides along on
        another site's requests too) or holding the admin token."""
        viewer = Viewer(token, profile, request)
        with errors_as_gradio():
            self.access.check_write(viewer.user, viewer.token or "", viewer.own_page)


def public_record(paper: Paper, **extra) -> dict:
    """A paper as the API shows it: `source` is where the record came from on the server (a path), not for
    visitors."""
    return {**{k: v for k, v in paper.to_dict().items() if k != "source"}, **extra}


def upload_path(file) -> Path:
    """Where Gradio put an uploaded file (a path string, or an object carrying it in `.name`)."""
    return Path(file if isinstance(file, str) else file.name)


def warn_model_failure(tldrs) -> None:
    """A failed model shows one warning toast, however many TL;DRs fell back because of it."""
    failure = model_failure(tldrs)
    if failure:
        gr.Warning(failure)


def report(summary, lines: list[str]) -> str:
    """An ingest's report for the web face: escaped, and with upload paths cut to file names (the uploads lie in
    Gradio's folder on the server)."""
    text = "\n".join(f"- {html.escape(without_paths(line))}" for line in lines)
    if summary.errors:
        text += "\n\n**Failed:**\n" + "\n".join(f"- {html.escape(without_paths(e))}" for e in summary.errors)
    return f"{text}\n\n{without_paths(summary.line())}"


# An absolute path on the server ("/data/papers/profile.json", "/tmp/trend-x/trend.png"): a web face shows its last
# part only. Bounded segments keep the match linear.
SERVER_PATH = re.compile(r"(?<![\w.:/])/(?:[\w.+~-]{1,255}/){1,64}([\w.+~-]{0,255})")


def without_paths(message: str) -> str:
    """A message with every server path cut to its file name: errors reach visitors through the web faces, and
    where the app's files live is not theirs to know (the CLI, the owner's face, keeps them)."""
    return SERVER_PATH.sub(lambda m: f"…/{m.group(1)}" if m.group(1) else "…/", message)


def user_error(message: str) -> gr.Error:
    """A visitor's mistake (an empty query, a bad date, a write without the owner) as the UI and the API show it:
    one line in the server log, not the traceback Gradio prints for a raised `gr.Error` by default."""
    LOG.warning("user error: %s", message.replace("\n", " "))
    return gr.Error(message, print_exception=False)


class errors_as_gradio:
    """Typed errors become a message in the UI (and the API), not a stack trace, and carry no server paths."""

    def __enter__(self):
        return self

    def __exit__(self, kind, error, _tb):
        if isinstance(error, PapersError):
            raise user_error(without_paths(str(error))) from error
        return False


def tool(handler):
    """An API endpoint and MCP tool: its result with feed text made inert (MCP clients render it as Markdown, and a
    feed's image there would load from a stranger's server). Name, docstring and typed parameters stay the
    handler's: Gradio reads them through `functools.wraps`."""

    @functools.wraps(handler)
    def endpoint(*args, **kwargs):
        return inert_record(handler(*args, **kwargs))

    return endpoint
