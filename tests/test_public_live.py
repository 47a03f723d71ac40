"""The app launched as a Hugging Face Space launches it (`python app.py`, SYSTEM=spaces, Gradio's real OAuth routes and
session middleware), with a signed-in owner's session cookie made as Gradio's sign-in makes one: the owner's writes
from a foreign page, from no page and from the app's own page; CORS for a foreign page; the upload quota; a
visitor's claim-check cap; the Atom feed served from its cache."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from itsdangerous import TimestampSigner

from tests.servers import free_port, stop_server

ROOT = Path(__file__).resolve().parent.parent
OAUTH_SECRET = "test-oauth-secret"
OWNER = "alice"
SAMPLE_ID = "page-3105c44c3799"  # SAILER, a paper of the bundled sample


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    """`python app.py` as a Space runs it, on loopback: the owner is the Space's author."""
    folder = tmp_path_factory.mktemp("space")
    port = free_port()
    env = {
        **os.environ,
        "SYSTEM": "spaces",
        "SPACE_ID": f"{OWNER}/papers",
        "SPACE_AUTHOR_NAME": OWNER,
        "SPACE_HOST": f"{OWNER}-papers.hf.space",
        "OAUTH_CLIENT_ID": "test-client",
        "OAUTH_CLIENT_SECRET": OAUTH_SECRET,
        "OAUTH_SCOPES": "openid profile",
        "OPENID_PROVIDER_URL": "http://127.0.0.1:9",  # only the sign-in page would call it; no test does
        "GRADIO_SERVER_NAME": "127.0.0.1",
        "GRADIO_SERVER_PORT": str(port),
        "GRADIO_TEMP_DIR": str(folder / "gradio"),
        "PAPERS_DATA_DIR": str(folder / "data"),
        "PAPERS_REFRESH": "off",
        "PAPERS_UPLOAD_QUOTA_MB": "1",
        "HF_HUB_OFFLINE": "1",
    }
    log = folder / "app.log"
    server = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"{url}/config", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(1)
    else:
        stop_server(server)
        raise RuntimeError(f"the app did not start:\n{log.read_text()[-3000:]}")
    yield url, folder
    stop_server(server)


def owner_cookie() -> str:
    """A session as Gradio's OAuth callback stores it (`request.session["oauth_info"]`), signed as Starlette's
    SessionMiddleware signs it with the key Gradio derives from the Space's OAuth secret."""
    info = {
        "userinfo": {"name": "Alice", "preferred_username": OWNER, "profile": "", "picture": ""},
        "access_token": "hf_test",
        "expires_at": time.time() + 3600,
    }
    key = hashlib.sha256(f"{OAUTH_SECRET}-v4".encode()).hexdigest()
    payload = base64.b64encode(json.dumps({"oauth_info": info}).encode())
    return TimestampSigner(key).sign(payload).decode()


def endpoint_ids(url: str) -> dict[str, int]:
    return {d["api_name"]: d["id"] for d in httpx.get(f"{url}/config").json()["dependencies"] if d.get("api_name")}


def call(url: str, name: str, data: list, headers: dict[str, str]) -> tuple[bool, str]:
    """One event through Gradio's queue, as the app's page sends it: (succeeded, output or error)."""
    session = uuid.uuid4().hex
    cookies = {"session": owner_cookie()}
    body = {"data": data, "fn_index": endpoint_ids(url)[name], "session_hash": session, "trigger_id": None}
    joined = httpx.post(f"{url}/gradio_api/queue/join", json=body, headers=headers, cookies=cookies, timeout=30)
    joined.raise_for_status()
    stream_url = f"{url}/gradio_api/queue/data?session_hash={session}"
    with httpx.stream("GET", stream_url, headers=headers, cookies=cookies, timeout=120) as events:
        for line in events.iter_lines():
            message = json.loads(line[5:]) if line.startswith("data:") else {}
            if message.get("msg") == "process_completed":
                output = message.get("output") or {}
                return bool(message.get("success")), str(output.get("error") or output.get("data"))
    return False, "no reply"


def upload(url: str, name: str, content: bytes) -> dict:
    reply = httpx.post(f"{url}/gradio_api/upload", files={"files": (name, content)}, timeout=60)
    reply.raise_for_status()
    path = reply.json()[0]
    return {"path": path, "orig_name": name, "meta": {"_type": "gradio.FileData"}}


def test_an_owners_writes_count_only_from_the_apps_own_page(space):
    """Issue 33: like, ingest, profile and library import, each with the owner's cookie, sent by a foreign page (also
    with a forged X-Forwarded-Host), by no page, and by the app's own page: only the last one writes."""
    url, _ = space
    host = url.removeprefix("http://")
    day = (ROOT / "agent" / "sample" / "sample_daily_papers.json").read_bytes()
    bib = b"@article{sailer, title={SAILER: Structure-aware Pre-trained Language Model for Legal Case Retrieval}}"
    writes = {
        "like": lambda: [SAMPLE_ID, ""],
        "ingest": lambda: [[upload(url, "sample.json", day)], ""],
        "save_profile": lambda: ["agents", SAMPLE_ID, "", "", "", ""],
        "import_library_file": lambda: [upload(url, "library.bib", bib), ""],
    }
    senders = {
        "a foreign page": {"origin": "https://evil.example"},
        "a foreign page naming itself in X-Forwarded-Host": {
            "origin": "https://evil.example",
            "x-forwarded-host": "evil.example",
        },
        "no page": {},
        "the app's own page": {"origin": url, "referer": f"{url}/"},
    }
    for name, data in writes.items():
        for sender, headers in senders.items():
            ok, said = call(url, name, data(), {"host": host, **headers})
            expected = sender == "the app's own page"
            assert ok == expected, f"{name} from {sender}: {said}"
            if not expected:
                assert "own page" in said, said


def test_a_foreign_page_gets_no_credentials_from_cors(space):
    url, _ = space
    preflight = {"access-control-request-method": "POST", "access-control-request-headers": "content-type"}
    for origin in ("https://evil.example", "https://alice-papers.hf.space.evil.example"):
        headers = {"origin": origin, "x-forwarded-host": "evil.example", **preflight}
        answer = httpx.options(f"{url}/gradio_api/call/like", headers=headers)
        assert "access-control-allow-credentials" not in answer.headers, (origin, dict(answer.headers))
        post = httpx.post(f"{url}/gradio_api/call/today", json={"data": [""]}, headers={"origin": origin})
        assert post.status_code == 200 and "access-control-allow-credentials" not in post.headers
    own = httpx.options(f"{url}/gradio_api/call/like", headers={"origin": url, **preflight})
    assert own.headers.get("access-control-allow-credentials") == "true", "the app's own page is unchanged"


def test_uploads_stay_under_the_quota_with_a_clear_refusal(space):
    url, folder = space
    refused = httpx.post(f"{url}/gradio_api/upload", files={"files": ("big.json", b"x" * (2 * 2**20))}, timeout=60)
    assert refused.status_code == 507 and "upload space" in refused.json()["error"]
    assert not any(p.stat().st_size >= 2**20 for p in (folder / "gradio").rglob("*") if p.is_file()), "not stored"
    assert upload(url, "small.json", b"[]")["path"], "a small upload still fits"


def test_a_visitors_check_is_capped_and_the_feed_is_served_from_its_cache(space):
    url, _ = space
    long_text = "SAILER is a pre-trained language model for legal case retrieval. " * 50  # 3,300 characters
    event = httpx.post(f"{url}/gradio_api/call/check_claims", json={"data": [long_text, ""]}).json()["event_id"]
    reply = httpx.get(f"{url}/gradio_api/call/check_claims/{event}", timeout=120).text
    assert "event: error" in reply and "at most 2,000 characters" in reply, reply[-500:]
    paste = "A sentence about legal case retrieval. " * 270_000  # a 10 MB paste
    event = httpx.post(f"{url}/gradio_api/call/check_claims", json={"data": [paste, ""]}, timeout=60).json()
    reply = httpx.get(f"{url}/gradio_api/call/check_claims/{event['event_id']}", timeout=60).text
    assert "event: error" in reply and "characters" in reply, reply[-500:]
    today = httpx.post(f"{url}/gradio_api/call/today", json={"data": [""]}, timeout=60)
    assert today.status_code == 200, "the app answers the next visitor"
    first = httpx.get(f"{url}/feed.xml", timeout=120)
    second = httpx.get(f"{url}/feed.xml", timeout=120)
    assert first.status_code == 200 and first.content == second.content
    assert "max-age" in second.headers.get("cache-control", "")
