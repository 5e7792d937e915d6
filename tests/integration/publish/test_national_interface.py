"""The reference national interface refuses forged and replayed requests, and logs each refusal."""

from __future__ import annotations

import json
import logging
import time
from datetime import date

import httpx

from credit_warehouse.publish import signing
from credit_warehouse.publish.outbox import stage_outbox
from credit_warehouse.publish.push import push_pending
from credit_warehouse_dev.national_interface import interface_secret

NIGHT = date(2026, 11, 20)  # the delivery date the staging night is for


def _signed(path: str, body: bytes, secret: bytes, key: str = "request-1", **override) -> dict[str, str]:
    headers = signing.signed_headers(secret, signing.DEFAULT_KEY_ID, "POST", path, body, key)
    headers["Content-Type"] = "application/json"
    headers.update(override)
    return headers


def _body(kit, number: int) -> bytes:
    row = kit.record("license", number)
    row.update(payload_hash="h", idempotency_key=f"key-{number}")
    return json.dumps({"records": [row]}, ensure_ascii=False).encode()


def test_bad_signature_replay_and_stale_requests_are_refused_and_logged(national, kit, caplog):
    url, _ = national
    secret = interface_secret()
    body = _body(kit, 1)
    caplog.set_level(logging.WARNING, logger="credit_warehouse_dev.national_interface")
    with httpx.Client(base_url=url) as http:
        forged = http.post("/v1/records", content=body, headers=_signed("/v1/records", body, b"not-the-secret"))
        assert forged.status_code == 401 and forged.json()["error"] == "bad_signature"

        tampered = _signed("/v1/records", body, secret)
        assert http.post("/v1/records", content=_body(kit, 2), headers=tampered).status_code == 401

        good = _signed("/v1/records", body, secret)
        first = http.post("/v1/records", content=body, headers=good)
        assert first.status_code == 200 and first.json()["receipts"][0]["status"] == "accepted"
        replay = http.post("/v1/records", content=body, headers=good)
        assert replay.status_code == 409 and replay.json()["error"] == "replayed"

        old = str(int(time.time()) - 3600)
        stale = _signed("/v1/records", body, secret, **{signing.HEADER_TIMESTAMP: old})
        stale[signing.HEADER_SIGNATURE] = signing.signature(secret, "POST", "/v1/records", old,
                                                            stale[signing.HEADER_NONCE], "request-1", body)
        assert http.post("/v1/records", content=body, headers=stale).json()["error"] == "stale_timestamp"

        # the same Idempotency-Key again (freshly signed) returns the first answer; with another body it is refused
        again = http.post("/v1/records", content=body, headers=_signed("/v1/records", body, secret))
        assert again.status_code == 200 and again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"
        other = _body(kit, 3)
        reused = http.post("/v1/records", content=other, headers=_signed("/v1/records", other, secret))
        assert reused.status_code == 422

        # a captured request sent again under another Idempotency-Key, and a signature that is not ASCII
        swapped = {**_signed("/v1/records", body, secret), signing.HEADER_IDEMPOTENCY_KEY: "request-9"}
        assert http.post("/v1/records", content=body, headers=swapped).json()["error"] == "bad_signature"
        garbled = {**_signed("/v1/records", body, secret), signing.HEADER_SIGNATURE: "签名".encode()}
        assert http.post("/v1/records", content=body, headers=garbled).status_code == 401

        refusals = http.get("/v1/refusals").json()["items"]
        stats = http.get("/v1/stats").json()
    assert [r["reason"] for r in refusals] == [
        "bad_signature", "bad_signature", "replayed", "stale_timestamp", "idempotency_key_reused", "bad_signature",
        "bad_signature",
    ]
    assert stats["applications"] == 1 and stats["held"] == 1
    assert caplog.text.count("national interface refused") == 7
    assert "replayed" in caplog.text and "bad_signature" in caplog.text


def test_dropped_connections_and_latency_still_end_in_exactly_once(put_records, clean_publish, national, kit):
    url, faults = national
    put_records([kit.record("penalty", n) for n in range(1, 61)])
    assert stage_outbox(NIGHT) == 60
    faults.drop_rate, faults.latency = 0.4, 0.01
    client = kit.make_client(url, batch_size=5, max_attempts=10)

    kit.wait_until(lambda: push_pending(client=client) is not None
                   and kit.outbox_counts(clean_publish) == {"accepted": 60}, timeout=60)

    stats = httpx.get(f"{url}/v1/stats").json()
    assert stats["faults"]["fault_drop"] > 0
    assert stats["applied_keys"] == 60 and stats["max_applications_per_key"] == 1
    client.close()


def test_a_request_captured_before_a_restart_is_still_a_replay_after_it(kit, tmp_path):
    from credit_warehouse_dev.national_interface import start_national_interface

    nonces = tmp_path / "nonces"
    body = _body(kit, 7)
    captured = _signed("/v1/records", body, interface_secret(), key="restart-1")
    url, stop = start_national_interface(port=0, nonces_path=nonces)
    try:
        assert httpx.post(f"{url}/v1/records", content=body, headers=captured).status_code == 200
    finally:
        stop()
    url, stop = start_national_interface(port=0, nonces_path=nonces)  # the interface restarted
    try:
        replay = httpx.post(f"{url}/v1/records", content=body, headers=captured)
        assert replay.status_code == 409 and replay.json()["error"] == "replayed"
    finally:
        stop()
