"""Starting real servers on loopback for tests and benchmarks: a free port, and a bounded wait until they answer."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(cmd: list[str], ready_url: str, log: Path, timeout: float = 120.0) -> subprocess.Popen:
    """Runs `cmd` and returns once `ready_url` answers 200; kills it and raises if that takes over `timeout`."""
    server = subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(ready_url, timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError(f"{cmd[0]} did not come up at {ready_url}: {log.read_text()[-500:]}")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


class LoopbackHTTP:
    """A stdlib HTTP server on 127.0.0.1 (a free port) in a daemon thread, for `with`: subclasses give `handler()`."""

    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def handler(self):
        raise NotImplementedError

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
