"""Takes the README's screenshots: the app over the sample plus one archive day, driven by Playwright + Chromium.

Run: HF_HUB_OFFLINE=1 .venv/bin/python docs/screenshots.py  (needs ../shared and Debian's chromium)
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.ingest import ingest_paths, sample_path  # noqa: E402
from agent.services import Services  # noqa: E402
from agent.settings import Settings  # noqa: E402
from tests.servers import free_port  # noqa: E402
from tests.test_app import CHROMIUM_FLAGS  # noqa: E402
from web.build import build_app, launch  # noqa: E402

DAY = "2025-06-02"


def main() -> None:
    services = Services(Settings(data_dir=Path(tempfile.mkdtemp(prefix="papers-shots-"))))
    day_file = ROOT.parent / "shared" / "data" / "hf_daily_papers" / f"{DAY}.json"
    ingest_paths(services.store, [sample_path(), day_file], say=print)
    services.writer.tldrs(services.store.list_papers())
    demo = build_app(services)
    port = free_port()
    launch(demo, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    from playwright.sync_api import sync_playwright

    out = ROOT / "docs" / "screenshots"
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"http://127.0.0.1:{port}/", wait_until="domcontentloaded")
        page.get_by_role("tab", name="Today").wait_for(timeout=60_000)
        day = page.get_by_label("Day").first
        day.fill(DAY)
        day.press("Enter")
        page.locator(".paper-card").nth(5).wait_for(timeout=60_000)
        page.screenshot(path=str(out / "today.png"))
        page.get_by_role("tab", name="Ask").click()
        box = page.get_by_placeholder(re.compile("message|Type", re.IGNORECASE)).first
        box.fill("Which paper shows that prolonged reinforcement learning expands reasoning boundaries?")
        box.press("Enter")
        page.locator("#chat").get_by_text("Sources").first.wait_for(timeout=240_000)
        page.wait_for_timeout(10_000)  # the evidence shows at once; let the model's checked sentences settle
        page.screenshot(path=str(out / "ask.png"))
        page.get_by_role("tab", name="Digest").click()
        for label in ("From", "To"):
            field = page.get_by_label(label).first
            field.fill(DAY)
            field.press("Enter")
        page.get_by_role("button", name="Generate digest").click()
        page.locator("#digest-preview h1").first.wait_for(timeout=240_000)
        page.screenshot(path=str(out / "digest.png"))
        page.get_by_role("tab", name="Library").click()
        page.screenshot(path=str(out / "library.png"))
        browser.close()
    demo.close()


if __name__ == "__main__":
    main()
