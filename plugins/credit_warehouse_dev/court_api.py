"""A local stand-in for the court system's API, serving what the generator stored.

``GET /api/v1/court/dishonest-debtors?date=YYYY-MM-DD&page=N&page_size=M`` with
``Authorization: Bearer <token>`` answers ``{"date", "page", "page_size", "total", "total_pages", "items"}``
from ``<court store>/<date>/<endpoint>.jsonl``. The token is ``settings.secret("court_api_token")``, i.e.
env CREDIT_WAREHOUSE_COURT_API_TOKEN or one generated into the state folder.

Fault injection, so the HTTP extractor's retries and error handling can be tested for real:
- query ``fail_page=K``: page K answers 503 the first time it is asked for, then recovers;
- query ``malformed_page=K``: page K answers a truncated JSON body, every time;
- a fault list (``faults=`` argument or env CREDIT_WAREHOUSE_COURT_API_FAULTS), comma-separated
  ``kind:K``, ``kind:K@endpoint`` or ``kind:K@endpoint/YYYY-MM-DD`` (that date only) with kind in
  fail_once, fail, malformed_once, malformed (e.g. ``fail_once:2@dishonest-debtors,malformed:3``).
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from credit_warehouse.settings import ConfigurationError, secret
from credit_warehouse_dev.generator.court_store import ENDPOINTS, court_store, endpoint_file

log = logging.getLogger(__name__)

ENV_FAULTS = "CREDIT_WAREHOUSE_COURT_API_FAULTS"
DEFAULT_PORT = 8765
DEFAULT_PAGE_SIZE = 500
MAX_PAGE_SIZE = 5000
_INDEX_STRIDE = 1000  # remember the byte offset of every 1000th line: pages are found without reading it all
_FAULT_KINDS = ("fail_once", "fail", "malformed_once", "malformed")
_FAULT = re.compile(r"^(?P<kind>[a-z_]+):(?P<page>\d+)(?:@(?P<endpoint>[a-z-]+)(?:/(?P<day>\d{4}-\d{2}-\d{2}))?)?$")


@dataclass(frozen=True)
class Fault:
    kind: str
    page: int
    endpoint: str | None = None  # None = every endpoint; else a suffix such as "dishonest-debtors"
    day: str | None = None  # None = every date

    def applies(self, endpoint: str, page: int, day: str) -> bool:
        return (page == self.page and (self.endpoint is None or endpoint.endswith(self.endpoint))
                and (self.day is None or day == self.day))


def parse_faults(text: str | None) -> tuple[Fault, ...]:
    faults = []
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        match = _FAULT.match(item)
        if not match or match["kind"] not in _FAULT_KINDS:
            raise ConfigurationError(
                f"court API fault {item!r} is not understood; write kind:page or kind:page@endpoint with kind in "
                f"{', '.join(_FAULT_KINDS)} (e.g. fail_once:2@dishonest-debtors)."
            )
        faults.append(Fault(match["kind"], int(match["page"]), match["endpoint"], match["day"]))
    return tuple(faults)


class _LineIndex:
    """Sparse byte offsets of a JSON-lines file, rebuilt when the file changes."""

    def __init__(self, path: Path):
        stat = path.stat()
        self.signature = (stat.st_size, stat.st_mtime_ns)
        self.offsets: list[int] = []
        self.lines = 0
        position = 0
        with path.open("rb") as handle:
            for line in handle:
                if self.lines % _INDEX_STRIDE == 0:
                    self.offsets.append(position)
                position += len(line)
                self.lines += 1

    def read(self, path: Path, first: int, count: int) -> list[dict]:
        items = []
        with path.open("rb") as handle:
            handle.seek(self.offsets[first // _INDEX_STRIDE])
            for _ in range(first % _INDEX_STRIDE):
                handle.readline()
            for _ in range(count):
                line = handle.readline()
                if not line:
                    break
                items.append(json.loads(line))
        return items


class CourtApiServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], token: str, store: Path, faults: tuple[Fault, ...]):
        super().__init__(address, _Handler)
        self.token = token
        self.store = store
        self.faults = faults
        self._lock = threading.Lock()
        self._spent: set[tuple] = set()  # once-faults already served
        self._indexes: dict[Path, _LineIndex] = {}

    def index(self, path: Path) -> _LineIndex:
        with self._lock:
            current = self._indexes.get(path)
            stat = path.stat()
            if current is None or current.signature != (stat.st_size, stat.st_mtime_ns):
                current = self._indexes[path] = _LineIndex(path)
            return current

    def fault_for(self, endpoint: str, day: str, page: int, query: dict[str, list[str]]) -> str | None:
        faults = list(self.faults)
        for kind, key in (("fail_once", "fail_page"), ("malformed", "malformed_page")):
            faults += [Fault(kind, int(v)) for v in query.get(key, []) if v.isdigit()]
        for fault in faults:
            if not fault.applies(endpoint, page, day):
                continue
            if fault.kind.endswith("_once"):
                key = (fault, endpoint, day)
                with self._lock:
                    if key in self._spent:
                        continue
                    self._spent.add(key)
            return fault.kind.removesuffix("_once")
        return None


class _Handler(BaseHTTPRequestHandler):
    server: CourtApiServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class names it so)
        log.debug("court api: " + format, *args)

    def _send(self, status: int, body: bytes, content_type: str = "application/json; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: HTTPStatus, message: str) -> None:
        self._send(status, json.dumps({"error": message}, ensure_ascii=False).encode())

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        parts = urlsplit(self.path)
        if parts.path == "/health":
            self._send(HTTPStatus.OK, b'{"status": "ok"}')
            return
        endpoint = parts.path.removeprefix("/api/v1/")
        if not parts.path.startswith("/api/v1/") or endpoint not in ENDPOINTS:
            self._error(HTTPStatus.NOT_FOUND, f"unknown endpoint {parts.path}; known: {', '.join(ENDPOINTS)}")
            return
        supplied = self.headers.get("Authorization", "")
        if not hmac.compare_digest(supplied.encode(), f"Bearer {self.server.token}".encode()):
            self._error(HTTPStatus.UNAUTHORIZED, "missing or wrong bearer token")
            return
        query = parse_qs(parts.query)
        try:
            day = date.fromisoformat(query["date"][0])
            page = int(query.get("page", ["1"])[0])
            page_size = int(query.get("page_size", [str(DEFAULT_PAGE_SIZE)])[0])
        except (KeyError, ValueError):
            self._error(HTTPStatus.BAD_REQUEST, "date=YYYY-MM-DD is required; page and page_size are integers")
            return
        if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
            self._error(HTTPStatus.BAD_REQUEST, f"page starts at 1 and page_size is 1..{MAX_PAGE_SIZE}")
            return
        fault = self.server.fault_for(endpoint, day.isoformat(), page, query)
        if fault == "fail":
            self._error(HTTPStatus.SERVICE_UNAVAILABLE, "court system busy, try again later")
            return
        path = endpoint_file(day, endpoint, self.server.store)
        total, items = 0, []
        if path.exists():
            index = self.server.index(path)
            total = index.lines
            first = (page - 1) * page_size
            if first < total:
                items = index.read(path, first, page_size)
        document = {"date": day.isoformat(), "page": page, "page_size": page_size, "total": total,
                    "total_pages": -(-total // page_size), "items": items}
        text = json.dumps(document, ensure_ascii=False)
        if fault == "malformed":
            text = text[: max(1, len(text) // 2)]  # cut mid-document, as a dropped connection leaves it
        self._send(HTTPStatus.OK, text.encode())


def make_server(port: int = 0, host: str = "127.0.0.1", token: str | None = None, store: Path | None = None,
                faults: str | None = None) -> CourtApiServer:
    return CourtApiServer((host, port), token or secret("court_api_token"), store or court_store(),
                          parse_faults(faults if faults is not None else os.environ.get(ENV_FAULTS)))


def start_court_api(port: int = 0, host: str = "127.0.0.1", token: str | None = None, store: Path | None = None,
                    faults: str | None = None) -> tuple[str, Callable[[], None]]:
    """Serves in a background thread; returns the base URL and a function that stops the server."""
    server = make_server(port, host, token, store, faults)
    thread = threading.Thread(target=server.serve_forever, name="court-api", daemon=True)
    thread.start()
    url = f"http://{host}:{server.server_address[1]}"

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return url, stop
