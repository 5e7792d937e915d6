"""Reference national interface (全国信用信息共享平台 stand-in): a small real HTTP service for local runs,
tests and docker-compose.

Contract (the client in credit_warehouse.publish.client speaks it):
- POST /v1/records (action upsert) and POST /v1/withdrawals (action withdraw, 撤销), JSON body
  {"records": [{record_kind, record_key, action, subject_code, payload, payload_hash, idempotency_key}]}.
- Headers X-Key-Id, X-Timestamp (unix seconds), X-Nonce, X-Signature = hex HMAC-SHA256 over
  "METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nSHA256(BODY)"; Idempotency-Key per request.
- 401 bad key id, signature or stale timestamp; 409 replayed nonce; 422 an Idempotency-Key reused
  with another body; 400 malformed. Every refusal is logged and listed at GET /v1/refusals.
- 200 {"receipts": [{idempotency_key, record_kind, record_key, status: accepted|rejected,
  reason_code, message, receipt_id, duplicate}]}: one per record. A repeated Idempotency-Key gets the
  first response again; a record version (its idempotency_key) is applied once whatever request
  carries it (duplicate: true on the later receipts).
- GET /v1/records (what it holds), GET /v1/stats (counts, applications per key), GET /healthz.

Faults (deterministic by seed, in request order): error_rate (503 before processing), rate_limit_rate
(429 with Retry-After), timeout_rate (processes, then sleeps past the client timeout), drop_rate
(processes, then cuts the connection mid-response), latency (seconds before each request). Set them by
``Faults(...)``, CREDIT_WAREHOUSE_NATIONAL_FAULTS="error_rate=0.3,timeout_rate=0.1,seed=7" or the
``serve-national`` options; a ``Faults`` object passed to ``start_national_interface`` can be changed
while the server runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import random
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from credit_warehouse.identifiers import is_valid_resident_id, is_valid_uscc
from credit_warehouse.publish import signing
from credit_warehouse.settings import ConfigurationError, state_dir
from credit_warehouse.settings import secret as settings_secret

log = logging.getLogger(__name__)

SECRET_NAME = "national_api_secret"  # env CREDIT_WAREHOUSE_NATIONAL_API_SECRET, or generated


def interface_secret() -> bytes:
    """The interface's own copy of our signing key (the pipeline reads it from its national_api connection)."""
    return settings_secret(SECRET_NAME).encode()

ENV_FAULTS = "CREDIT_WAREHOUSE_NATIONAL_FAULTS"
TIMESTAMP_WINDOW = 300  # seconds either side of the server clock

REQUIRED_FIELDS = {
    "license": ("subject_name", "decision_doc_no", "license_category", "decision_date", "authority"),
    "penalty": ("subject_name", "decision_doc_no", "penalty_categories", "decision_date", "authority"),
    "blacklist": ("subject_name", "list_type", "listing_doc_no", "listed_on", "listing_authority"),
}
CODE_TABLES = {
    "license_category": {f"{i:02d}" for i in range(1, 7)},
    "list_type": {str(i) for i in range(1, 15)},
}
PENALTY_CATEGORIES = {f"{i:02d}" for i in range(1, 15)}
ACTION_OF_PATH = {"/v1/records": "upsert", "/v1/withdrawals": "withdraw"}


@dataclass
class Faults:
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    rate_limit_rate: float = 0.0
    drop_rate: float = 0.0
    latency: float = 0.0
    timeout_sleep: float = 2.0
    retry_after: int = 1
    seed: int = 0

    @classmethod
    def parse(cls, text: str) -> Faults:
        """From "name=value,name=value" (the environment variable's form)."""
        known = {f.name: f.type for f in fields(cls)}
        values = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, _, raw = part.partition("=")
            name = name.strip()
            if name not in known:
                raise ConfigurationError(f"{ENV_FAULTS}: unknown fault {name!r}; known: {', '.join(known)}.")
            try:
                values[name] = int(raw) if name in ("retry_after", "seed") else float(raw)
            except ValueError as error:
                raise ConfigurationError(f"{ENV_FAULTS}: {name} must be a number (got {raw!r}).") from error
        return cls(**values)

    @classmethod
    def from_env(cls) -> Faults:
        return cls.parse(os.environ.get(ENV_FAULTS, ""))


class _DroppedConnection(Exception):
    """Raised mid-response on purpose: the server cuts the connection."""


class _QuietDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], _DroppedConnection))


def nonce_file() -> Path:
    """Where the interface keeps the nonces it has seen, so a restart does not reopen the replay window."""
    return state_dir() / "national_interface" / "nonces"


class NationalStore:
    """What the platform holds and remembers; in memory, one event loop, guarded for the readers. The nonces
    it has seen are also appended to a file and read back on start: a request captured before a restart
    stays a replay after it."""

    def __init__(self, faults: Faults, nonces_path: Path | None = None):
        self.faults = faults
        self.lock = threading.Lock()
        self.rng = random.Random(faults.seed)
        self.records: dict[tuple[str, str], dict] = {}
        self.receipts_by_key: dict[str, dict] = {}
        self.applications: Counter[str] = Counter()
        self.responses: dict[str, tuple[str, int, dict]] = {}
        self.nonces: dict[str, float] = {}
        self.refusals: list[dict] = []
        self.counters: Counter[str] = Counter()
        self.nonces_path = nonces_path
        if nonces_path is not None:
            nonces_path.parent.mkdir(parents=True, exist_ok=True)
            if nonces_path.exists():
                recent = time.time() - 2 * TIMESTAMP_WINDOW  # older ones fail the timestamp check anyway
                for line in nonces_path.read_text(encoding="ascii", errors="replace").splitlines():
                    nonce, _, at = line.partition(" ")
                    with contextlib.suppress(ValueError):
                        if float(at) >= recent:
                            self.nonces[nonce] = float(at)
            nonces_path.write_text("".join(f"{n} {at}\n" for n, at in self.nonces.items()), encoding="ascii")

    def draw_fault(self) -> str | None:
        faults = self.faults
        with self.lock:
            roll = self.rng.random()
        for name, rate in (("error", faults.error_rate), ("rate_limit", faults.rate_limit_rate),
                           ("timeout", faults.timeout_rate), ("drop", faults.drop_rate)):
            if roll < rate:
                return name
            roll -= rate
        return None

    def refuse(self, status: int, reason: str, request: Request, detail: str) -> JSONResponse:
        entry = {
            "at": time.time(), "status": status, "reason": reason, "path": request.url.path,
            "key_id": request.headers.get(signing.HEADER_KEY_ID), "nonce": request.headers.get(signing.HEADER_NONCE),
            "client": request.client.host if request.client else None, "detail": detail,
        }
        with self.lock:
            self.refusals.append(entry)
            self.counters["refused"] += 1
        log.warning("national interface refused %s %s: %s (%s)", request.method, request.url.path, reason, detail)
        return JSONResponse({"error": reason, "detail": detail}, status_code=status)

    def nonce_seen(self, nonce: str, now: float) -> bool:
        with self.lock:
            for old in [n for n, at in self.nonces.items() if at < now - 2 * TIMESTAMP_WINDOW]:
                del self.nonces[old]
            if nonce in self.nonces:
                return True
            self.nonces[nonce] = now
            if self.nonces_path is not None:
                with self.nonces_path.open("a", encoding="ascii", errors="replace") as kept:
                    kept.write(f"{nonce} {now}\n")
            return False

    def apply(self, action: str, record: dict) -> dict:
        key = record.get("idempotency_key")
        if not key:
            return _receipt(record, "rejected", "MISSING_FIELD", "idempotency_key is required")
        with self.lock:
            if key in self.receipts_by_key:
                return {**self.receipts_by_key[key], "duplicate": True}
            problem = _validate(action, record)
            if problem:
                receipt = _receipt(record, "rejected", *problem)
            else:
                self.counters["receipts"] += 1
                receipt = _receipt(record, "accepted", None, None, f"N{self.counters['receipts']:09d}")
                self.applications[key] += 1
                slot = (record["record_kind"], record["record_key"])
                if action == "withdraw":
                    held = self.records.get(slot)
                    if held:
                        held["withdrawn"] = True
                        held["withdrawn_by"] = key
                    else:
                        receipt["message"] = "not held; nothing to withdraw"
                else:
                    self.records[slot] = {
                        "record_kind": record["record_kind"], "record_key": record["record_key"],
                        "subject_code": record.get("subject_code"), "payload": record.get("payload"),
                        "payload_hash": record.get("payload_hash"), "idempotency_key": key, "withdrawn": False,
                    }
            self.receipts_by_key[key] = receipt
            return receipt

    def stats(self) -> dict:
        with self.lock:
            return {
                "held": sum(not r["withdrawn"] for r in self.records.values()),
                "withdrawn": sum(r["withdrawn"] for r in self.records.values()),
                "applied_keys": len(self.applications),
                "applications": sum(self.applications.values()),
                "max_applications_per_key": max(self.applications.values(), default=0),
                "requests": self.counters["requests"],
                "refused": self.counters["refused"],
                "idempotent_replays": self.counters["idempotent_replays"],
                "faults": {k: v for k, v in self.counters.items() if k.startswith("fault_")},
                "fault_config": asdict(self.faults),
            }


def _receipt(record: dict, status: str, reason_code: str | None, message: str | None,
             receipt_id: str | None = None) -> dict:
    return {
        "idempotency_key": record.get("idempotency_key"), "record_kind": record.get("record_kind"),
        "record_key": record.get("record_key"), "status": status, "reason_code": reason_code,
        "message": message, "receipt_id": receipt_id, "duplicate": False,
    }


def _validate(action: str, record: dict) -> tuple[str, str] | None:
    """The platform's own checks; returns (reason code, message) for a record it will not take."""
    kind = record.get("record_kind")
    if kind not in REQUIRED_FIELDS:
        return "UNKNOWN_KIND", f"record_kind {kind!r} is not taken"
    if record.get("action") != action:
        return "INVALID_ACTION", f"action {record.get('action')!r} sent to the {action} endpoint"
    if not record.get("record_key"):
        return "MISSING_FIELD", "record_key is required"
    if action == "withdraw":
        return None
    subject = record.get("subject_code") or ""
    if is_valid_resident_id(subject):
        return "UNMASKED_PERSONAL_ID", "a person's ID number must arrive masked"
    masked_person = len(subject) == 18 and "*" in subject
    if not (is_valid_uscc(subject) or masked_person):
        return "INVALID_SUBJECT_CODE", "subject_code is neither a valid USCC nor a masked ID"
    payload = record.get("payload")
    if not isinstance(payload, dict):
        return "MISSING_FIELD", "payload must be an object"
    for name in REQUIRED_FIELDS[kind]:
        if payload.get(name) in (None, ""):
            return "MISSING_FIELD", f"{name} is required"
    for name, codes in CODE_TABLES.items():
        if name in payload and payload[name] not in codes:
            return "INVALID_CODE", f"{name} {payload[name]!r} is not in the code table"
    if kind == "penalty" and not set(str(payload["penalty_categories"]).split(",")) <= PENALTY_CATEGORIES:
        return "INVALID_CODE", "penalty_categories holds an unknown code"
    return None


def create_app(faults: Faults | None = None, secret: bytes | None = None, key_id: str | None = None,
               nonces_path: Path | None = None) -> FastAPI:
    faults = faults or Faults.from_env()
    keys = {key_id or signing.DEFAULT_KEY_ID: secret if secret is not None else interface_secret()}
    store = NationalStore(faults, nonces_path or nonce_file())
    app = FastAPI(title="Reference national credit interface", docs_url=None, redoc_url=None)
    app.state.store = store

    async def submit(request: Request) -> JSONResponse | StreamingResponse:
        path = request.url.path
        with store.lock:
            store.counters["requests"] += 1
        if faults.latency:
            await asyncio.sleep(faults.latency)
        fault = store.draw_fault()
        if fault == "error":
            store.counters["fault_error"] += 1
            return JSONResponse({"error": "injected failure"}, status_code=503)
        if fault == "rate_limit":
            store.counters["fault_rate_limit"] += 1
            return JSONResponse({"error": "too many requests"}, status_code=429,
                                headers={"Retry-After": str(faults.retry_after)})
        body = await request.body()
        headers = request.headers
        secret_value = keys.get(headers.get(signing.HEADER_KEY_ID, ""))
        if secret_value is None:
            return store.refuse(401, "unknown_key", request, "X-Key-Id is not a known key")
        try:
            timestamp = int(headers.get(signing.HEADER_TIMESTAMP, ""))
        except ValueError:
            return store.refuse(401, "bad_timestamp", request, "X-Timestamp is not unix seconds")
        now = time.time()
        if abs(now - timestamp) > TIMESTAMP_WINDOW:
            return store.refuse(401, "stale_timestamp", request, f"timestamp {timestamp} outside the window")
        nonce = headers.get(signing.HEADER_NONCE, "")
        request_key = headers.get(signing.HEADER_IDEMPOTENCY_KEY, "")
        if not signing.signature_matches(secret_value, request.method, path, str(timestamp), nonce, request_key,
                                         body, headers.get(signing.HEADER_SIGNATURE, "")):
            return store.refuse(401, "bad_signature", request, "X-Signature does not match the request")
        if not nonce or store.nonce_seen(nonce, now):
            return store.refuse(409, "replayed", request, "X-Nonce was already used")
        if not request_key:
            return store.refuse(400, "missing_idempotency_key", request, "Idempotency-Key header is required")
        body_hash = hashlib.sha256(body).hexdigest()
        cached = store.responses.get(request_key)
        if cached:
            if cached[0] != body_hash:
                return store.refuse(422, "idempotency_key_reused", request, "same Idempotency-Key, another body")
            store.counters["idempotent_replays"] += 1
            response = JSONResponse(cached[2], status_code=cached[1], headers={"Idempotent-Replayed": "true"})
        else:
            try:
                records = json.loads(body)["records"]
            except (ValueError, KeyError, TypeError):
                records = None
            if not isinstance(records, list):
                return store.refuse(400, "malformed", request, "body must be {\"records\": [...]}")
            content = {"receipts": [store.apply(ACTION_OF_PATH[path], r) for r in records]}
            store.responses[request_key] = (body_hash, 200, content)
            response = JSONResponse(content)
        if fault == "timeout":
            store.counters["fault_timeout"] += 1
            await asyncio.sleep(faults.timeout_sleep)
        elif fault == "drop":
            store.counters["fault_drop"] += 1
            return StreamingResponse(_cut_off(response.body), media_type="application/json")
        return response

    app.add_api_route("/v1/records", submit, methods=["POST"], response_model=None)
    app.add_api_route("/v1/withdrawals", submit, methods=["POST"], response_model=None)

    @app.get("/v1/records")
    def held_records(include_withdrawn: bool = True) -> dict:
        with store.lock:
            items = [r for r in store.records.values() if include_withdrawn or not r["withdrawn"]]
            return {"count": len(items), "items": items}

    @app.get("/v1/stats")
    def stats() -> dict:
        return store.stats()

    @app.get("/v1/applications")
    def applications() -> dict:
        with store.lock:
            return {"applications": dict(store.applications)}

    @app.get("/v1/refusals")
    def refusals() -> dict:
        with store.lock:
            return {"count": len(store.refusals), "items": list(store.refusals)}

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    return app


async def _cut_off(body: bytes):
    yield body[: max(1, len(body) // 2)]
    raise _DroppedConnection("connection dropped on purpose")


def _server(app: FastAPI, host: str, port: int) -> uvicorn.Server:
    logging.getLogger("uvicorn.error").addFilter(_QuietDrops())
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            timeout_graceful_shutdown=1)
    return uvicorn.Server(config)


def start_national_interface(port: int = 0, faults: Faults | None = None, *, host: str = "127.0.0.1",
                             secret: bytes | None = None, key_id: str | None = None,
                             nonces_path: Path | None = None):
    """Run the interface in a background thread; returns (base URL, stop function)."""
    server = _server(create_app(faults, secret, key_id, nonces_path), host, port)
    thread = threading.Thread(target=server.run, name="national-interface", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the reference national interface did not start on {host}:{port}")
        time.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)

    return f"http://{host}:{bound}", stop


def serve(host: str, port: int, faults: Faults) -> None:
    """Run in the foreground until interrupted (the CLI and the docker-compose service)."""
    print(f"reference national interface on http://{host}:{port} (faults: {asdict(faults)})", flush=True)
    _server(create_app(faults), host, port).run()
