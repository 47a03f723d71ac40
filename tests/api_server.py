"""A real HTTP server on loopback that answers like the Daily Papers API, from the archive, with injected faults.

`faults[date]` is a list of answers given in turn before the real one: ("status", code, retry_after),
("sleep", seconds), ("body", bytes). Every request is logged, so tests can count retries.
"""

from __future__ import annotations

import contextlib
import json
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from tests.servers import LoopbackHTTP


class FakeDailyPapers(LoopbackHTTP):
    def __init__(self, archive: Path) -> None:
        self.archive = archive
        self.faults: dict[str, list[tuple]] = {}
        self.requests: list[str] = []
        self.pdfs: dict[str, Path] = {}
        super().__init__()

    @property
    def url(self) -> str:
        return f"{self.root}/api"

    def handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                fake.requests.append(self.path)
                url = urlparse(self.path)
                day = parse_qs(url.query).get("date", [""])[0]
                queue = fake.faults.get(day, [])
                fault = queue.pop(0) if queue else None
                if fault and fault[0] == "sleep":
                    time.sleep(fault[1])
                if fault and fault[0] == "status":
                    self.answer(fault[1], b'{"error": "injected"}', {"Retry-After": fault[2]} if fault[2] else {})
                    return
                if fault and fault[0] == "body":
                    self.answer(200, fault[1])
                    return
                if url.path.startswith("/pdf/") and fake.pdfs.get(url.path[5:]):
                    self.answer(200, fake.pdfs[url.path[5:]].read_bytes())
                    return
                path = fake.archive / f"{day}.json"
                if url.path != "/api/daily_papers" or not path.exists():
                    self.answer(200, b"[]") if url.path == "/api/daily_papers" else self.answer(404, b"{}")
                    return
                self.answer(200, json.dumps(json.loads(path.read_text())).encode())

            def answer(self, status: int, body: bytes, headers: dict | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, str(value))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

        return Handler
