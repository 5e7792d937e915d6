"""A local webhook receiver for development and tests: records every POSTed JSON body.

Answers like the robots do ({"errcode": 0, "errmsg": "ok"}). Given the DingTalk secret it verifies
each request's ``timestamp``/``sign`` query parameters and records whether the signature held, so a
test proves the signing rather than trusting it. CLI: ``credit-warehouse webhook-sink``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


@dataclass
class ReceivedHook:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: object
    signature_valid: bool | None = None  # None when no DingTalk signature was sent or no secret is known


def dingtalk_signature_valid(secret: str, timestamp: str, sign: str) -> bool:
    """DingTalk's own check: base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")) equals ``sign``."""
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, sign)


@dataclass
class WebhookSink:
    port: int = 0
    host: str = "127.0.0.1"
    dingtalk_secret: str | None = None
    folder: Path | None = None
    received: list[ReceivedHook] = field(default_factory=list)

    def start(self) -> WebhookSink:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's hook name)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError):
                    self.send_error(400, "body is not JSON")
                    return
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}  # parse_qs url-decodes sign
                valid = None
                if sink.dingtalk_secret and "sign" in query and "timestamp" in query:
                    valid = dingtalk_signature_valid(sink.dingtalk_secret, query["timestamp"], query["sign"])
                sink._keep(ReceivedHook(parts.path, query, dict(self.headers), body, valid))
                answer = json.dumps({"errcode": 0 if valid is not False else 310000,
                                     "errmsg": "ok" if valid is not False else "sign not match"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):  # quiet: tests and the CLI print what they need
                pass

        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook-sink", daemon=True)
        self._thread.start()
        return self

    def _keep(self, hook: ReceivedHook) -> None:
        with self._lock:
            self.received.append(hook)
            if self.folder:
                self.folder.mkdir(parents=True, exist_ok=True)
                (self.folder / f"{len(self.received):05d}.json").write_text(
                    json.dumps({"path": hook.path, "query": hook.query, "body": hook.body,
                                "signature_valid": hook.signature_valid}, ensure_ascii=False, indent=2),
                    encoding="utf-8")

    def url(self, path: str = "/hook") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> WebhookSink:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_webhook_sink(port: int = 0, dingtalk_secret: str | None = None, folder: Path | None = None,
                       host: str = "127.0.0.1") -> WebhookSink:
    return WebhookSink(port=port, host=host, dingtalk_secret=dingtalk_secret, folder=folder).start()
