"""A stand-in for a large model behind `PAPERS_LLM_URL`: an OpenAI-compatible server on loopback (stdlib HTTP).

`reply(prompt_text) -> str` decides each answer, so a test can play a strong, faithful writer (a paper's real
`ai_summary`) or one that states falsehoods (its corruptions). Serves `/v1/models` and `/v1/chat/completions`,
plain and streamed (server-sent events, word by word). Every prompt is logged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

from tests.servers import LoopbackHTTP


class ScriptedOpenAI(LoopbackHTTP):
    def __init__(self, reply: Callable[[str], str]) -> None:
        self.reply = reply
        self.prompts: list[str] = []
        super().__init__()

    @property
    def url(self) -> str:
        return self.root

    def handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                self.send_json({"object": "list", "data": [{"id": "strong", "object": "model"}]})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
                fake.prompts.append(prompt)
                text = fake.reply(prompt)
                if not body.get("stream"):
                    self.send_json({"choices": [{"message": {"role": "assistant", "content": text}}]})
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for word in text.split(" "):
                    chunk = {"choices": [{"delta": {"content": word + " "}}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")

            def send_json(self, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
