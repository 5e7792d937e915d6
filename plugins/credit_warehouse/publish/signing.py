"""HMAC-SHA256 request signing shared by the client and the reference national interface.

The signature covers method, path, timestamp, nonce, the Idempotency-Key and the body's SHA-256, one
per line, so a captured request cannot be replayed later (timestamp window), twice (nonce), with
another body, or under another idempotency key (which would make the platform apply it again).
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid

from credit_warehouse.connections import env_name, get_connection
from credit_warehouse.settings import ConfigurationError

# Airflow connection: the interface's base URL, our key id as login, the HMAC signing key as password
CONNECTION = "national_api"
DEFAULT_KEY_ID = "credit-warehouse"

HEADER_TIMESTAMP = "X-Timestamp"
HEADER_NONCE = "X-Nonce"
HEADER_SIGNATURE = "X-Signature"
HEADER_KEY_ID = "X-Key-Id"
HEADER_IDEMPOTENCY_KEY = "Idempotency-Key"


def api_secret() -> bytes:
    connection = get_connection(CONNECTION)
    if not connection.password:
        raise ConfigurationError(f"{env_name(CONNECTION)} has no password; the signing key goes there.")
    return connection.password.encode()


def key_id() -> str:
    return get_connection(CONNECTION).login or DEFAULT_KEY_ID


def api_url() -> str:
    return get_connection(CONNECTION).base_url


def body_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def canonical_string(method: str, path: str, timestamp: str, nonce: str, idempotency_key: str,
                     body_hash: str) -> str:
    return "\n".join((method.upper(), path, timestamp, nonce, idempotency_key, body_hash))


def signature(secret_value: bytes, method: str, path: str, timestamp: str, nonce: str, idempotency_key: str,
              body: bytes) -> str:
    message = canonical_string(method, path, timestamp, nonce, idempotency_key, body_sha256(body)).encode()
    return hmac.new(secret_value, message, hashlib.sha256).hexdigest()


def signed_headers(secret_value: bytes, key: str, method: str, path: str, body: bytes,
                   idempotency_key: str) -> dict[str, str]:
    """Fresh timestamp and nonce for every attempt: a retry is a new request, never a replay."""
    timestamp = str(int(time.time()))
    nonce = uuid.uuid4().hex
    return {
        HEADER_KEY_ID: key,
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_IDEMPOTENCY_KEY: idempotency_key,
        HEADER_SIGNATURE: signature(secret_value, method, path, timestamp, nonce, idempotency_key, body),
    }


def signature_matches(secret_value: bytes, method: str, path: str, timestamp: str, nonce: str,
                      idempotency_key: str, body: bytes, claimed: str) -> bool:
    """Constant-time comparison of bytes: a claimed signature with non-ASCII characters is simply wrong."""
    expected = signature(secret_value, method, path, timestamp, nonce, idempotency_key, body).encode()
    return hmac.compare_digest(expected, (claimed or "").encode("utf-8", "surrogateescape"))


def idempotency_key(record_kind: str, record_key: str, action: str, payload_hash: str) -> str:
    """The record version's key: the same in Python and in the SQL that stages the outbox."""
    return hashlib.sha256(f"{record_kind}|{record_key}|{action}|{payload_hash}".encode()).hexdigest()


def request_idempotency_key(action: str, record_keys: list[str]) -> str:
    """One request's key: the same batch of record versions retried gets the same key."""
    return hashlib.sha256("|".join([action, *sorted(record_keys)]).encode()).hexdigest()
