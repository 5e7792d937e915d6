"""HTTP client of the national interface: signed batch requests, retries, and the circuit breaker.

One ``submit`` sends one batch of record versions of one action (upserts to POST /v1/records,
withdrawals to POST /v1/withdrawals) and returns the platform's per-record receipts, or says why it
could not. Transient trouble (5xx, timeouts, dropped connections, 429) is retried with exponential
backoff and full jitter, honouring Retry-After; every retry is signed afresh but carries the same
Idempotency-Key, so the platform applies the batch once however often it arrives.
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
from dataclasses import dataclass, field

import httpx

from credit_warehouse.publish import signing
from credit_warehouse.publish.breaker import CircuitBreaker
from credit_warehouse.settings import ConfigurationError, database_url

log = logging.getLogger(__name__)

PATHS = {"upsert": "/v1/records", "withdraw": "/v1/withdrawals"}


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as error:
        raise ConfigurationError(f"{name} must be a number (got {raw!r}).") from error


@dataclass(frozen=True)
class ClientSettings:
    base_url: str
    secret: bytes = field(repr=False)
    key_id: str = signing.DEFAULT_KEY_ID
    batch_size: int = 1000  # measured (tools/bench_publish.py): 1000 x 8 claimers keeps 1,800 records/s under faults
    workers: int = 8  # concurrent claimers of one push
    timeout: float = 10.0
    max_attempts: int = 6
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    retry_after_max: float = 60.0
    breaker_threshold: int = 5
    breaker_reset: float = 30.0

    @classmethod
    def from_env(cls, **overrides) -> ClientSettings:
        """Base URL, secret and key id from the environment; tuning from CREDIT_WAREHOUSE_PUBLISH_* variables."""
        values = {
            "base_url": signing.api_url(),
            "secret": signing.api_secret(),
            "key_id": signing.key_id(),
            "batch_size": int(_env_number("CREDIT_WAREHOUSE_PUBLISH_BATCH_SIZE", 1000)),
            "workers": int(_env_number("CREDIT_WAREHOUSE_PUBLISH_WORKERS", 8)),
            "timeout": _env_number("CREDIT_WAREHOUSE_PUBLISH_TIMEOUT", 10.0),
            "max_attempts": int(_env_number("CREDIT_WAREHOUSE_PUBLISH_MAX_ATTEMPTS", 6)),
            "backoff_base": _env_number("CREDIT_WAREHOUSE_PUBLISH_BACKOFF_BASE", 0.5),
            "backoff_max": _env_number("CREDIT_WAREHOUSE_PUBLISH_BACKOFF_MAX", 30.0),
            "breaker_threshold": int(_env_number("CREDIT_WAREHOUSE_PUBLISH_BREAKER_THRESHOLD", 5)),
            "breaker_reset": _env_number("CREDIT_WAREHOUSE_PUBLISH_BREAKER_RESET", 30.0),
        }
        values.update(overrides)
        if values["batch_size"] < 1:
            raise ConfigurationError("CREDIT_WAREHOUSE_PUBLISH_BATCH_SIZE must be at least 1.")
        if values["workers"] < 1:
            raise ConfigurationError("CREDIT_WAREHOUSE_PUBLISH_WORKERS must be at least 1.")
        return cls(**values)


@dataclass(frozen=True)
class RecordReceipt:
    idempotency_key: str
    outcome: str  # accepted | rejected
    reason_code: str | None
    message: str | None
    national_receipt_id: str | None
    duplicate: bool


@dataclass
class SubmitResult:
    receipts: list[RecordReceipt] = field(default_factory=list)
    http_status: int | None = None
    error: str | None = None  # set when no receipts came back
    breaker_open: bool = False
    attempts: int = 0


class RequestRefused(RuntimeError):
    """The platform refused the request itself (4xx other than 429): retrying the same request cannot help."""


_breakers: dict[str, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(settings: ClientSettings) -> CircuitBreaker:
    """The interface's breaker, its state in the warehouse: every pusher process and task try shares it."""
    with _breakers_lock:
        if settings.base_url not in _breakers:
            _breakers[settings.base_url] = CircuitBreaker.shared(
                settings.base_url, database_url(role="publisher"), settings.breaker_threshold, settings.breaker_reset)
        return _breakers[settings.base_url]


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


class NationalClient:
    def __init__(self, settings: ClientSettings, breaker: CircuitBreaker | None = None,
                 rng: random.Random | None = None):
        self.settings = settings
        self.breaker = breaker or breaker_for(settings)
        self._rng = rng or random.Random()
        self._http = httpx.Client(base_url=settings.base_url, timeout=settings.timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> NationalClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max, base * 2^(attempt-1))]."""
        ceiling = min(self.settings.backoff_max, self.settings.backoff_base * 2 ** (attempt - 1))
        return self._rng.uniform(0, ceiling)

    def submit(self, action: str, records: list[dict]) -> SubmitResult:
        """Send one batch; ``records`` are dicts with record_kind, record_key, action, subject_code, payload,
        payload_hash and idempotency_key."""
        path = PATHS[action]
        body = json.dumps({"records": records}, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        request_key = signing.request_idempotency_key(action, [r["idempotency_key"] for r in records])
        result = SubmitResult()
        for attempt in range(1, self.settings.max_attempts + 1):
            if not self.breaker.allow():
                result.breaker_open = True
                result.error = result.error or "circuit breaker open: the national interface is failing"
                return result
            result.attempts = attempt
            wait = self.backoff(attempt)
            headers = signing.signed_headers(self.settings.secret, self.settings.key_id, "POST", path, body,
                                             request_key)
            headers["Content-Type"] = "application/json"
            try:
                response = self._http.post(path, content=body, headers=headers)
            except httpx.TimeoutException:
                self.breaker.record_failure()
                result.http_status, result.error = None, f"timed out after {self.settings.timeout}s"
            except httpx.TransportError as error:
                self.breaker.record_failure()
                result.http_status, result.error = None, f"connection failed: {type(error).__name__}"
            else:
                result.http_status = response.status_code
                if response.status_code == 200:
                    self.breaker.record_success()
                    result.receipts = _parse_receipts(response)
                    result.error = None
                    return result
                if response.status_code == 429:
                    self.breaker.record_success()  # the platform is up, only asking us to slow down
                    retry_after = _retry_after_seconds(response)
                    if retry_after is not None:
                        wait = max(wait, min(retry_after, self.settings.retry_after_max))
                    result.error = "429 too many requests"
                elif response.status_code >= 500:
                    self.breaker.record_failure()
                    result.error = f"{response.status_code} from the national interface"
                else:
                    self.breaker.record_success()
                    raise RequestRefused(
                        f"the national interface refused {path} with {response.status_code}: {response.text[:200]}"
                    )
            if attempt < self.settings.max_attempts:
                log.info("national interface %s attempt %d: %s; retrying in %.2fs", path, attempt, result.error, wait)
                time.sleep(wait)
        return result


def _parse_receipts(response: httpx.Response) -> list[RecordReceipt]:
    receipts = []
    for item in response.json().get("receipts", []):
        receipts.append(
            RecordReceipt(
                idempotency_key=item["idempotency_key"],
                outcome="accepted" if item.get("status") == "accepted" else "rejected",
                reason_code=item.get("reason_code"),
                message=item.get("message"),
                national_receipt_id=item.get("receipt_id"),
                duplicate=bool(item.get("duplicate")),
            )
        )
    return receipts
