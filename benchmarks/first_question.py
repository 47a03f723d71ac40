"""A fresh app's first question on the CPU: how long until the user sees text, and the whole answer.

In: nothing (the bundled sample is ingested into a temporary store first, outside the timing). Out:
`benchmarks/results/first_question.json`: for a fresh model folder (the GGUF is converted at start-up) and for a
converted one, the seconds from launching `python app.py` to its page answering, then from asking the first
question (the moment the page answers, through `gradio_client`, as a user's first click would) to the first text
and to the whole answer, and whether that answer cites its sources. The client cannot see whether the model had
loaded by then; while it has not, the answer is the checked evidence alone (tests/test_space.py checks that).
Run: `python -m benchmarks.first_question`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.common import ROOT, write_result
from tests.servers import free_port

QUESTION = "Which paper pre-trains a language model for legal case retrieval?"


def one_launch(data: Path, models: Path) -> dict:
    from gradio_client import Client

    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PAPERS_DATA_DIR": str(data), "PAPERS_MODEL_DIR": str(models)}
    env["GRADIO_SERVER_PORT"] = str(port)
    began = time.perf_counter()
    app = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        for _ in range(1200):
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        ready = time.perf_counter() - began
        asked = time.perf_counter()
        job = Client(url, verbose=False).submit(QUESTION, "All papers", "", "", api_name="/chat")
        first = None
        for _ in job:
            first = first or time.perf_counter() - asked
        whole = time.perf_counter() - asked
        text = job.outputs()[-1] if job.outputs() else ""
        return {
            "page_ready_s": round(ready, 2),
            "first_text_s": round(first or whole, 2),
            "whole_answer_s": round(whole, 2),
            "cited": "**Sources**" in text,
            "answer_chars": len(text),
        }
    finally:
        app.terminate()
        app.wait(timeout=30)


def main() -> None:
    data = Path(tempfile.mkdtemp(prefix="first-q-"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    subprocess.run(
        [sys.executable, "-m", "agent.cli", "--data-dir", str(data), "ingest", "--sample"], env=env, check=True
    )
    models = Path(tempfile.mkdtemp(prefix="first-q-models-"))
    write_result(
        "first_question",
        {"fresh_model_folder": one_launch(data, models), "model_converted_before": one_launch(data, models)},
    )


if __name__ == "__main__":
    main()
