"""Signing, the circuit breaker, client settings, fault configuration and the contract suite file."""

from __future__ import annotations

import pytest

from credit_warehouse.cli import build_parser
from credit_warehouse.publish import contract, signing
from credit_warehouse.publish.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker
from credit_warehouse.publish.client import ClientSettings, NationalClient
from credit_warehouse.settings import ConfigurationError
from credit_warehouse_dev.national_interface import Faults


def test_signature_covers_method_path_timestamp_nonce_idempotency_key_and_body():
    secret = b"s3cret"
    headers = signing.signed_headers(secret, "kid", "POST", "/v1/records", b'{"records":[]}', "request-1")
    args = (secret, "POST", "/v1/records", headers[signing.HEADER_TIMESTAMP], headers[signing.HEADER_NONCE])
    claimed = headers[signing.HEADER_SIGNATURE]
    assert headers[signing.HEADER_IDEMPOTENCY_KEY] == "request-1"
    assert signing.signature_matches(*args, "request-1", b'{"records":[]}', claimed)
    assert not signing.signature_matches(*args, "request-1", b'{"records":[1]}', claimed)
    assert not signing.signature_matches(*args, "request-2", b'{"records":[]}', claimed)  # key swapped
    assert not signing.signature_matches(secret, "POST", "/v1/withdrawals", *args[3:], "request-1",
                                         b'{"records":[]}', claimed)
    assert not signing.signature_matches(*args, "request-1", b'{"records":[]}', "签名" + claimed[2:])  # not ASCII
    assert headers[signing.HEADER_KEY_ID] == "kid"
    fresh = signing.signed_headers(secret, "kid", "POST", "/", b"", "request-1")
    assert fresh[signing.HEADER_NONCE] != headers[signing.HEADER_NONCE]


def test_idempotency_keys_are_deterministic():
    key = signing.idempotency_key("license", "L-1", "upsert", "abc")
    assert key == signing.idempotency_key("license", "L-1", "upsert", "abc")
    assert key != signing.idempotency_key("license", "L-1", "withdraw", "abc")
    batch_key = signing.request_idempotency_key
    assert batch_key("upsert", ["b", "a"]) == batch_key("upsert", ["a", "b"])


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_breaker_opens_after_consecutive_failures_and_probes_once_when_half_open():
    clock = _Clock()
    breaker = CircuitBreaker(failure_threshold=3, reset_timeout=10, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()  # a success resets the count
    for _ in range(3):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state == OPEN and not breaker.allow()
    clock.now = 10
    assert breaker.state == HALF_OPEN
    assert breaker.allow() and not breaker.allow()  # one probe only
    breaker.record_failure()
    assert breaker.state == OPEN and breaker.times_opened == 2
    clock.now = 20
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == CLOSED and breaker.allow()


def test_backoff_is_exponential_with_full_jitter_and_capped():
    client = NationalClient(ClientSettings(base_url="http://127.0.0.1:9", secret=b"x", backoff_base=0.5,
                                           backoff_max=4.0), CircuitBreaker())
    try:
        for attempt, ceiling in ((1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (9, 4.0)):
            waits = [client.backoff(attempt) for _ in range(200)]
            assert 0 <= min(waits) and max(waits) <= ceiling
            assert max(waits) > ceiling / 2
    finally:
        client.close()


def test_client_settings_come_from_the_national_api_connection(monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_NATIONAL_API", raising=False)
    with pytest.raises(ConfigurationError, match="AIRFLOW_CONN_NATIONAL_API"):
        ClientSettings.from_env()
    monkeypatch.setenv("AIRFLOW_CONN_NATIONAL_API", "http://city-key:from%2Fenv@127.0.0.1:8765/")
    monkeypatch.setenv("CREDIT_WAREHOUSE_PUBLISH_BATCH_SIZE", "50")
    settings = ClientSettings.from_env()
    assert (settings.base_url, settings.secret, settings.batch_size) == ("http://127.0.0.1:8765", b"from/env", 50)
    assert signing.key_id() == "city-key"
    assert "from/env" not in repr(settings)
    monkeypatch.setenv("AIRFLOW_CONN_NATIONAL_API",
                       '{"conn_type": "https", "host": "api.credit.example", "login": "k", "password": "p"}')
    assert ClientSettings.from_env().base_url == "https://api.credit.example"
    monkeypatch.setenv("CREDIT_WAREHOUSE_PUBLISH_TIMEOUT", "soon")
    with pytest.raises(ConfigurationError, match="CREDIT_WAREHOUSE_PUBLISH_TIMEOUT"):
        ClientSettings.from_env()


def test_faults_parse_from_the_environment_form():
    faults = Faults.parse("error_rate=0.3, timeout_rate=0.1,rate_limit_rate=0.05,seed=7")
    assert (faults.error_rate, faults.timeout_rate, faults.rate_limit_rate, faults.seed) == (0.3, 0.1, 0.05, 7)
    with pytest.raises(ConfigurationError, match="unknown fault"):
        Faults.parse("explode=1")


def test_contract_suite_names_only_columns_the_staging_query_provides():
    definition = contract.load_suite_definition()
    assert definition["name"] == "publish_contract"
    assert all(e["meta"].get("reason_code") for e in definition["expectations"])
    query = repr(contract.staged_rows_query(definition, 10))
    for column in contract.suite_columns(definition):
        assert f"'{column}'" in query or column in contract.OUTBOX_COLUMNS
    for kind in ("license", "penalty", "blacklist"):
        assert any(kind in str(e["kwargs"].get("row_condition")) for e in definition["expectations"])


def test_cli_has_publish_and_serve_national():
    parser = build_parser()
    args = parser.parse_args(["serve-national", "--port", "0", "--error-rate", "0.3", "--seed", "5"])
    assert (args.port, args.error_rate, args.seed, args.timeout_rate) == (0, 0.3, 5, None)
    assert parser.parse_args(["publish", "push", "--max-batches", "2"]).max_batches == 2
