"""`make run` on a fresh folder, as a newcomer meets it: how long until Today shows cards, and until they carry TL;DRs.

In: nothing (each launch gets a fresh data folder, so the app loads the bundled 44-paper sample itself, inside the
timing). Out: `benchmarks/results/first_page.json`: per launch, the seconds from starting `python app.py` to its
page answering, to Chromium showing Today's first card, to the newest day's cards carrying TL;DRs (no card left
showing the abstract's opening), and to "All days" (the sample's 44 papers) carrying them all, with no click but
choosing "All days". Launches: the model writing TL;DRs (`PAPERS_TLDR=model`) with an empty model folder (the GGUF
is converted at start-up) and with a converted one, and the extractive default (no model needed for a TL;DR).
With `--screenshots DIR`, the default launch also photographs every tab as a newcomer first uses it (the README's
set, `docs/screenshots/`). Run: `python -m benchmarks.first_page [--screenshots docs/screenshots]`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.common import ROOT, write_result
from tests.servers import free_port
from tests.test_app import CHROMIUM_FLAGS

LIMIT_S = 600
STEP_S = 180  # one screenshot step
NO_ABSTRACT_LEFT = """() => {
  const cards = document.querySelectorAll('#today-cards .paper-card');
  return cards.length > 0 && document.querySelectorAll('#today-cards [data-origin="abstract"]').length === 0;
}"""


def wait_for_server(url: str, began: float) -> float:
    while time.perf_counter() - began < LIMIT_S:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return time.perf_counter() - began
        except httpx.HTTPError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer in {LIMIT_S} s")


def screenshots(page, folder: Path) -> None:
    """Each tab after a newcomer's first action on it, on the bundled sample."""
    folder.mkdir(parents=True, exist_ok=True)
    shot = lambda name, whole=True: page.screenshot(path=str(folder / f"{name}.png"), full_page=whole)  # noqa: E731
    page.locator("#today-note").first.wait_for(timeout=STEP_S * 1000)
    shot("today")  # as it opens: the newest day and the note naming the others
    page.locator("#today-day input").click()
    page.get_by_role("option", name="All days").click()
    page.wait_for_timeout(2000)
    shot("today_all_days", whole=False)  # the first screen of all 44 papers
    page.get_by_role("tab", name="Digest").click()
    page.get_by_role("button", name="Generate digest").click()
    page.locator("#digest-preview h1").first.wait_for(timeout=STEP_S * 1000)
    shot("digest")
    page.get_by_role("tab", name="Ask").click()
    box = page.locator("#chat-input textarea").first
    box.fill("Which paper pre-trains a language model for legal case retrieval?")
    box.press("Enter")
    page.locator("#chat").get_by_text("Sources").first.wait_for(timeout=STEP_S * 1000)
    page.wait_for_timeout(1500)
    shot("ask")
    page.get_by_role("tab", name="Check").click()
    page.locator("#check-text textarea").fill(
        "SAILER is a structure-aware pre-trained language model for legal case retrieval. It is trained on 10 GPUs."
    )
    page.get_by_role("button", name="Check", exact=True).click()
    page.locator("#check-result").get_by_text("SAILER").first.wait_for(timeout=STEP_S * 1000)
    shot("check")
    page.get_by_role("tab", name="Trends").click()
    page.locator("#trend-topics textarea, #trend-topics input").first.fill("diffusion language models, reasoning")
    page.get_by_role("button", name="Show trends").click()
    page.locator("#trend-notes").get_by_text("diffusion").first.wait_for(timeout=STEP_S * 1000)
    page.wait_for_timeout(1500)
    shot("trends")
    for tab, name in (("For you", "for_you"), ("Library", "library"), ("About", "about")):
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(1500)
        shot(name)


def one_launch(data: Path, models: Path, tldr: str, shots: Path | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PAPERS_DATA_DIR": str(data), "PAPERS_MODEL_DIR": str(models)}
    env.update(GRADIO_SERVER_PORT=str(port), PAPERS_TLDR=tldr)
    began = time.perf_counter()
    app = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    since = lambda: round(time.perf_counter() - began, 2)  # noqa: E731
    try:
        url = f"http://127.0.0.1:{port}/"
        result = {"tldr": tldr, "page_answers_s": round(wait_for_server(url, began), 2)}
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(url, wait_until="domcontentloaded")
            page.locator("#today-cards .paper-card").first.wait_for(timeout=LIMIT_S * 1000)
            result["first_card_s"] = since()
            page.wait_for_function(NO_ABSTRACT_LEFT, timeout=LIMIT_S * 1000)
            result["newest_day_tldrs_s"] = since()
            page.locator("#today-day input").click()
            page.get_by_role("option", name="All days").click()
            page.wait_for_function("() => document.querySelectorAll('#today-cards .paper-card').length >= 44")
            page.wait_for_function(NO_ABSTRACT_LEFT, timeout=LIMIT_S * 1000)
            result["all_days_tldrs_s"] = since()
            marks = page.locator("#today-cards [data-origin]").evaluate_all("els => els.map(e => e.dataset.origin)")
            result["all_days_marks"] = {origin: marks.count(origin) for origin in sorted(set(marks))}
            if shots is not None:
                page.reload(wait_until="domcontentloaded")
                page.locator("#today-cards .paper-card").first.wait_for(timeout=LIMIT_S * 1000)
                screenshots(page, shots)
            browser.close()
        return result
    finally:
        app.terminate()
        app.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--screenshots", type=Path, help="photograph every tab of the default launch into DIR")
    shots = parser.parse_args().screenshots
    runs = []
    with tempfile.TemporaryDirectory() as scratch:
        models = Path(scratch) / "models"
        for name, tldr in (("model, empty model folder", "model"), ("model, converted", "model"), ("default", "")):
            run = one_launch(
                Path(scratch) / f"data-{len(runs)}", models, tldr or "extractive", shots if not tldr else None
            )
            runs.append({"launch": name, **run})
            print(runs[-1], flush=True)
    write_result(
        "first_page",
        {
            "what": "python app.py on a fresh data folder -> Today in Chromium: page, first card, TL;DRs (no click)",
            "cpu_cores": os.cpu_count(),
            "target_s": 60,
            "runs": runs,
        },
    )


if __name__ == "__main__":
    main()
