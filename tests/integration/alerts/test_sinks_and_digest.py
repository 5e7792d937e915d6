"""Alerts through the real local SMTP and webhook sinks: own messages and the digest, task failures, wrong
secrets, no server."""

from __future__ import annotations

from datetime import date

import pytest

from credit_warehouse.alerts.notify import notify_night, send_night_digest, task_failure_alert
from credit_warehouse.identifiers import make_resident_id
from credit_warehouse.quality.gate import FailedExpectation, GateResult
from credit_warehouse_dev.smtp_sink import mail_text, start_smtp_sink
from credit_warehouse_dev.webhook_sink import start_webhook_sink

pytestmark = pytest.mark.integration
FULL_ID = make_resident_id("370102", date(1985, 2, 3), 17)


def _result(feed: str, batch_id: int, held: bool = True) -> GateResult:
    return GateResult(
        feed=feed, batch_id=batch_id, logical_date=date(2024, 7, 10), status="rejected" if held else "accepted",
        rows_received=10, rows_accepted=5, rows_quarantined=5, failed_share=0.5, max_failed_share=0.05,
        schema_failed=False, data_docs_path=f"/docs/{feed}.html", seconds=1.0,
        held_reason="50.0% 的行未通过检查" if held else None,
        failed_expectations=[FailedExpectation("required", "uscc", "required value is missing", 5)],
    )


@pytest.fixture
def sinks(monkeypatch, warehouse_db, tmp_path):
    with start_smtp_sink(folder=tmp_path) as mail, start_webhook_sink(dingtalk_secret="right") as hooks:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_ALERTS", mail.url)
        monkeypatch.setenv("CREDIT_WAREHOUSE_DINGTALK_WEBHOOK_URL", hooks.url("/robot/send?access_token=t"))
        monkeypatch.setenv("CREDIT_WAREHOUSE_DINGTALK_SECRET", "right")
        yield mail, hooks


def test_held_batches_are_mailed_at_once_the_rest_wait_for_the_one_digest(sinks):
    mail, hooks = sinks
    results = [_result("dept_penalty", 900), _result("utility_gas", 901, held=False),
               _result("logistics", 902, held=False)]
    notify_night(results)
    # one own message (the held batch), then one digest over all three
    assert [m["X-Credit-Warehouse-Alert"] for m in mail.messages] == ["batch", "digest"]
    assert mail.messages[0]["X-Credit-Warehouse-Batch"] == "900"
    digest = mail_text(mail.messages[1])
    assert all(f"{feed} 批次" in digest for feed in ("dept_penalty", "utility_gas", "logistics"))
    assert "夜间报告" in digest and "/reports/night-2024-07-10.html" in digest
    recipients = mail.messages[1]["To"]
    assert "gas-billing@example.com" in recipients and "logistics-data@example.gov.cn" in recipients
    assert len(hooks.received) == 2 and all(hook.signature_valid for hook in hooks.received)


def test_a_feed_may_ask_for_every_dirty_batch_at_once(sinks):
    mail, _ = sinks
    notify_night([_result("dept_blacklist", 950, held=False), _result("utility_water", 951, held=False)])
    # dept_blacklist's registry entry says own_message: always; utility_water waits for the digest
    assert [(m["X-Credit-Warehouse-Alert"], m["X-Credit-Warehouse-Batch"]) for m in mail.messages] == [
        ("batch", "950"), ("digest", None)]


def test_task_failure_alerts_masked(sinks):
    mail, hooks = sinks

    class TaskInstance:  # the attributes Airflow's TaskInstance carries into callbacks
        dag_id, task_id, run_id, try_number = "night_dept_blacklist", "gate", "scheduled__2024-07-10", 2
        log_url = "http://localhost:8080/log"

    task_failure_alert({"task_instance": TaskInstance(), "logical_date": date(2024, 7, 10),
                        "exception": ValueError(f"row 3 has id {FULL_ID}")})
    assert len(mail.messages) == 1
    body = mail_text(mail.messages[0])
    assert "night_dept_blacklist.gate" in mail.messages[0]["Subject"] and "数据源（feed）：dept_blacklist" in body
    assert "Airflow 任务日志：http://localhost:8080/log" in body and "下一步：" in body
    assert FULL_ID not in body and FULL_ID[:6] in body


def test_wrong_dingtalk_secret_is_refused_and_recorded(sinks, monkeypatch):
    _, hooks = sinks
    monkeypatch.setenv("CREDIT_WAREHOUSE_DINGTALK_SECRET", "wrong")
    outcome = send_night_digest([_result("dept_penalty", 960)])
    assert hooks.received[-1].signature_valid is False
    assert outcome["dingtalk"].startswith("failed") and outcome["email"] == "sent"


def test_without_an_smtp_connection_the_mail_fails_recorded_never_raised(monkeypatch, warehouse_db):
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_ALERTS", raising=False)
    outcome = send_night_digest([_result("dept_penalty", 970)])
    assert outcome["email"].startswith("failed") and "SMTP connection is not found" in outcome["email"]
