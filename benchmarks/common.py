"""Helpers the benchmark scripts share: where the data is, the machine they ran on, writing results."""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = (ROOT / ".." / "shared").resolve()
RESULTS = ROOT / "benchmarks" / "results"


def machine() -> dict:
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "gpu": gpu,
        "torch": torch.__version__,
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


def write_result(name: str, result: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **result}, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return path


def start_llama_server(cmd: list[str], port: int, log: Path, waits: int = 1200):
    """Start `llama-server` and wait (bounded: `waits` x 0.05 s) until /health answers; (process, base URL)."""
    import subprocess

    import httpx

    cmd = [*cmd, "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(waits):
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"llama-server exited: {log.read_text()[-3000:]}")
        time.sleep(0.05)
    process.kill()
    raise SystemExit("llama-server did not become ready")
