"""Alerts through the real local SMTP and webhook sinks: digest, task failures, wrong secrets, no server."""

from __future__ import annotations

from datetime import date

import pytest

from credit_warehouse.alerts.channels import smtp_settings
from credit_warehouse.alerts.notify import notify_night, send_night_digest, task_failure_alert
from credit_warehouse.identifiers import make_resident_id
from credit_warehouse.quality.gate import FailedExpectation, GateResult
from credit_warehouse.settings import ConfigurationError
from credit_warehouse_dev.smtp_sink import start_smtp_sink
from credit_warehouse_dev.webhook_sink import start_webhook_sink

pytestmark = pytest.mark.integration
FULL_ID = make_resident_id("370102", date(1985, 2, 3), 17)


def _result(feed: str, batch_id: int) -> GateResult:
    return GateResult(
        feed=feed, batch_id=batch_id, logical_date=date(2024, 7, 10), status="rejected", rows_received=10,
        rows_accepted=5, rows_quarantined=5, failed_share=0.5, max_failed_share=0.05, schema_failed=False,
        data_docs_path=f"/docs/{feed}.html", seconds=1.0, held_reason="50.0% of rows failed",
        failed_expectations=[FailedExpectation("required", "uscc", "required value is missing", 5)],
    )


@pytest.fixture
def sinks(monkeypatch, warehouse_db, tmp_path):
    with start_smtp_sink(folder=tmp_path) as mail, start_webhook_sink(dingtalk_secret="right") as hooks:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_ALERTS", mail.url)
        monkeypatch.setenv("CREDIT_WAREHOUSE_DINGTALK_WEBHOOK_URL", hooks.url("/robot/send?access_token=t"))
        monkeypatch.setenv("CREDIT_WAREHOUSE_DINGTALK_SECRET", "right")
        yield mail, hooks


def test_many_failing_feeds_make_one_digest(sinks):
    mail, hooks = sinks
    results = [_result(feed, 900 + i) for i, feed in enumerate(["dept_penalty", "utility_gas", "logistics"])]
    notify_night(results)
    assert len(mail.messages) == 1 and len(hooks.received) == 1
    body = mail.messages[0].get_content()
    assert all(f"{feed} batch" in body for feed in ("dept_penalty", "utility_gas", "logistics"))
    recipients = mail.messages[0]["To"]
    assert "gas-billing@example.com" in recipients and "logistics-data@example.gov.cn" in recipients
    assert hooks.received[0].signature_valid is True


def test_few_failing_feeds_alert_per_batch(sinks):
    mail, _ = sinks
    notify_night([_result("dept_redlist", 950), _result("utility_water", 951)])
    assert sorted(m["X-Credit-Warehouse-Batch"] for m in mail.messages) == ["950", "951"]


def test_task_failure_alerts_masked(sinks):
    mail, hooks = sinks

    class TaskInstance:  # the attributes Airflow's TaskInstance carries into callbacks
        dag_id, task_id, run_id, try_number = "night_dept_blacklist", "gate", "scheduled__2024-07-10", 2
        log_url = "http://localhost:8080/log"

    task_failure_alert({"task_instance": TaskInstance(), "logical_date": date(2024, 7, 10),
                        "exception": ValueError(f"row 3 has id {FULL_ID}")})
    assert len(mail.messages) == 1
    body = mail.messages[0].get_content()
    assert "night_dept_blacklist.gate" in mail.messages[0]["Subject"] and "Feed: dept_blacklist" in body
    assert FULL_ID not in body and FULL_ID[:6] in body


def test_wrong_dingtalk_secret_is_refused_and_recorded(sinks, monkeypatch):
    _, hooks = sinks
    monkeypatch.setenv("CREDIT_WAREHOUSE_DINGTALK_SECRET", "wrong")
    outcome = send_night_digest([_result("dept_penalty", 960)])
    assert hooks.received[-1].signature_valid is False
    assert outcome["dingtalk"].startswith("failed") and outcome["email"] == "sent"


def test_smtp_connection_must_be_configured(monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_ALERTS", raising=False)
    with pytest.raises(ConfigurationError, match="AIRFLOW_CONN_SMTP_ALERTS is not set"):
        smtp_settings()
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_ALERTS", "smtp://alerts:p%40ss@mail.example:2525?from_email=cw@example.gov.cn")
    settings = smtp_settings()
    assert (settings.host, settings.port, settings.login, settings.password, settings.sender) == (
        "mail.example", 2525, "alerts", "p@ss", "cw@example.gov.cn")
