"""Alert texts and payloads: masked, complete, and DingTalk's signature as its documentation defines it."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import date
from urllib.parse import parse_qs, urlsplit

from credit_warehouse.alerts.message import batch_alert, digest_alert
from credit_warehouse.alerts.webhooks import dingtalk_payload, dingtalk_url, slack_payload, wecom_payload
from credit_warehouse.identifiers import make_resident_id
from credit_warehouse.quality.gate import FailedExpectation, GateResult

FULL_ID = make_resident_id("370102", date(1979, 5, 6), 322)


def _result(feed="dept_penalty", batch_id=7, held=True) -> GateResult:
    return GateResult(
        feed=feed, batch_id=batch_id, logical_date=date(2024, 7, 10), status="rejected" if held else "accepted",
        rows_received=100, rows_accepted=90, rows_quarantined=10, failed_share=0.1, max_failed_share=0.05,
        schema_failed=False, data_docs_path="/docs/x.html", seconds=1.0, held_reason="10.0% of rows failed",
        failed_expectations=[FailedExpectation("resident_id_valid", "person_id_no", "bad ID", 10,
                                               samples=[{"row": 3, "value": f"raw {FULL_ID}"}])],
    )


def test_batch_alert_names_everything_and_masks_ids():
    alert = batch_alert(_result())
    text = alert.text()
    assert FULL_ID not in text and FULL_ID[:6] + "********" + FULL_ID[-4:] in text
    for needle in ("dept_penalty", "Batch: 7", "2024-07-10", "resident_id_valid", "10 row(s)", "/docs/x.html", "HELD"):
        assert needle in text
    for payload in (slack_payload(alert), dingtalk_payload(alert), wecom_payload(alert)):
        assert FULL_ID not in str(payload)


def test_digest_covers_every_failing_feed():
    alert = digest_alert([_result("dept_penalty", 1), _result("utility_gas", 2, held=False)])
    assert "2 failing batch(es), 1 held" in alert.title
    assert "dept_penalty batch 1" in alert.text() and "utility_gas batch 2" in alert.text()


def test_dingtalk_signature_follows_the_robot_documentation():
    secret, timestamp = "SEC000", 1700000000000
    url = dingtalk_url("https://oapi.dingtalk.com/robot/send?access_token=abc", secret, timestamp)
    query = parse_qs(urlsplit(url).query)
    expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert query["timestamp"] == [str(timestamp)] and query["sign"] == [expected] and query["access_token"] == ["abc"]
