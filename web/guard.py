"""Requests -> whether they came from the app's own page and whether they fit a budget; ASGI wrappers that bound what
a stranger's page or a stranger's uploads can do.

In: request headers (Host, Origin, Referer and SPACE_HOST; never X-Forwarded-Host, which any client may send), the
ASGI app Gradio built, its upload folder. Out: `from_own_page(headers)`, `client_key(headers, peer)`, `Budget`
(units per client per minute) and `guarded(app, folder, quota_bytes)`: the app behind `NoCredentialsForStrangers`
and `UploadQuota`.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlparse

UPLOAD_EVICT_AGE_S = 600.0  # an upload older than this has long been read by the handler it was sent for
FOLDER_SCAN_ENTRIES = 100_000  # bounds the walk of the upload folder
FOLDER_SCAN_CACHE_S = 2.0
CREDENTIALS_HEADER = b"access-control-allow-credentials"


def own_hosts(headers: Mapping[str, str]) -> set[str]:
    """The app's own host names: the Host the request was sent to and, on a Space, its public host."""
    return {h.lower() for h in (headers.get("host", ""), os.environ.get("SPACE_HOST", "")) if h}


def from_own_page(headers: Mapping[str, str]) -> bool:
    """The request was sent by the app's own page: its Origin (else Referer) names the app's own host. Browsers set
    Origin on every POST and no page can forge it. A request with neither is no page's: a signed-in owner's write
    needs one (scripts give the admin token instead)."""
    source = headers.get("origin") or headers.get("referer") or ""
    return bool(source) and urlparse(source).netloc.lower() in own_hosts(headers)


def client_key(headers: Mapping[str, str], peer: str, behind_proxy: bool) -> str:
    """Who to count a request against: behind a Space's proxy the address it appended last to X-Forwarded-For
    (earlier entries are the client's own words), else the connection's peer."""
    forwarded = [part.strip() for part in headers.get("x-forwarded-for", "").split(",") if part.strip()]
    return forwarded[-1] if behind_proxy and forwarded else peer or "unknown"


class Budget:
    """At most `per_minute` units (characters checked, say) per client in any 60 s. Past `max_clients` the least
    recent client is forgotten, so the table stays bounded whoever calls."""

    def __init__(self, per_minute: int, max_clients: int = 10_000, window_s: float = 60.0) -> None:
        self.per_minute = per_minute
        self.max_clients = max_clients
        self.window_s = window_s
        self.spent: OrderedDict[str, deque[tuple[float, int]]] = OrderedDict()
        self.lock = threading.Lock()

    def spend(self, client: str, units: int) -> float:
        """Spends `units` for `client` and returns 0.0, or spends nothing and returns the seconds to wait."""
        now = time.monotonic()
        with self.lock:
            history = self.spent.pop(client, deque())
            while history and history[0][0] <= now - self.window_s:
                history.popleft()
            used = sum(amount for _, amount in history)
            wait = 0.0
            if used + units > self.per_minute and history:
                wait = history[0][0] + self.window_s - now
            else:
                history.append((now, units))
            self.spent[client] = history
            while len(self.spent) > self.max_clients:
                self.spent.popitem(last=False)
        return max(0.0, wait)


def header_map(scope: dict) -> dict[str, str]:
    return {key.decode("latin-1"): value.decode("latin-1") for key, value in scope.get("headers", [])}


class NoCredentialsForStrangers:
    """Gradio answers any Origin with `Access-Control-Allow-Credentials: true` once the app is not on localhost; a
    foreign page's script could then read the owner's signed-in replies. For a foreign Origin the header is dropped:
    its uncredentialed reads of the public API still work, credentialed ones fail in the browser."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        headers = header_map(scope) if scope["type"] == "http" else {}
        origin = headers.get("origin", "")
        if not origin or urlparse(origin).netloc.lower() in own_hosts(headers):
            await self.app(scope, receive, send)
            return

        async def send_without_credentials(message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() != CREDENTIALS_HEADER]
                message = {**message, "headers": kept}
            await send(message)

        await self.app(scope, receive, send_without_credentials)


class UploadQuota:
    """Everyone may upload (Gradio stores a file before any handler sees who sent it), so the upload folder holds
    at most `quota_bytes`: an upload that would pass it first evicts uploads older than UPLOAD_EVICT_AGE_S, and is
    refused if there is still no room. An upload must state its size."""

    def __init__(self, app, folder: Path, quota_bytes: int) -> None:
        self.app = app
        self.folder = folder
        self.quota_bytes = quota_bytes
        self.lock = threading.Lock()
        self.measured = (0.0, 0)  # (when, bytes)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].endswith("/upload"):
            refusal = self.refusal(header_map(scope).get("content-length", ""))
            if refusal:
                await plain_error(send, *refusal)
                return
        await self.app(scope, receive, send)

    def refusal(self, length: str) -> tuple[int, str] | None:
        if not length.isdigit():
            return 411, "An upload must state its size (Content-Length)."
        with self.lock:
            if self.used() + int(length) > self.quota_bytes:
                evict_older(self.folder, UPLOAD_EVICT_AGE_S)
                self.measured = (0.0, 0)
            if self.used() + int(length) <= self.quota_bytes:
                self.measured = (self.measured[0], self.measured[1] + int(length))
                return None
        mb = self.quota_bytes // 2**20
        return 507, f"The server's upload space ({mb} MB) is full; try again in a few minutes."

    def used(self) -> int:
        when, size = self.measured
        if time.monotonic() - when > FOLDER_SCAN_CACHE_S:
            self.measured = (time.monotonic(), folder_bytes(self.folder))
        return self.measured[1]


def folder_bytes(folder: Path) -> int:
    total, seen, stack = 0, 0, [folder]
    while stack and seen < FOLDER_SCAN_ENTRIES:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
            except OSError:
                continue
    return total


def evict_older(folder: Path, age_s: float) -> None:
    """Gradio keeps each upload in its own subfolder: those untouched for `age_s` go."""
    cutoff = time.time() - age_s
    try:
        children = list(os.scandir(folder))[:FOLDER_SCAN_ENTRIES]
    except OSError:
        return
    for child in children:
        try:
            if child.stat(follow_symlinks=False).st_mtime > cutoff:
                continue
            if child.is_dir(follow_symlinks=False):
                shutil.rmtree(child.path, ignore_errors=True)
            else:
                os.unlink(child.path)
        except OSError:
            continue


async def plain_error(send, status: int, message: str) -> None:
    body = json.dumps({"error": message, "detail": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def guarded(app, folder: Path, quota_bytes: int):
    """The ASGI app behind the guards: the upload quota first, then the credentials rule on every reply."""
    return NoCredentialsForStrangers(UploadQuota(app, folder, quota_bytes))
