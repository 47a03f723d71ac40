"""The Gradio app's entry point (and the Hugging Face Space's `app_file`): `python app.py` or `make run` starts it.

In: `Settings` from the environment (`PAPERS_*`). Out: a web UI with eight tabs (Today, Digest, Ask, Check, Trends,
For you, Library and About), named API endpoints, and the same endpoints as tools over the Model Context Protocol
(served at `/gradio_api/mcp/`). Each tab's handlers and layout live in web/<tab>.py, the endpoints in
web/endpoints.py, assembly and launch in web/build.py. Here: the model is preloaded in the background and shared,
the bundled sample is loaded into an empty store (so the app is useful offline), the scheduled refresh starts,
the TL;DRs of the papers a reader meets first are written in the background (when the model writes them), and the
app is served.
"""

from __future__ import annotations

import os

from agent.access import Access
from agent.ingest import ensure_sample
from agent.keeper import TldrKeeper
from agent.refresh import Refresher, refresh_interval
from agent.services import Services
from agent.settings import Settings, bind_address
from web.base import IN_SPACE
from web.build import build_app, launch
from web.memory import start_trimming, tune_malloc


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
    TldrKeeper(services, demo.first_shown).start()  # the model's TL;DRs appear on Today without a click
    start_trimming()
    launch(demo, server_name=bind_address(IN_SPACE), server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")))


if __name__ == "__main__":
    main()
