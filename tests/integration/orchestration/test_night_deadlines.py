"""The build waits for the feeds due that night and no longer than its deadline; what did not arrive is alerted
through the real SMTP sink, once."""

from __future__ import annotations

from datetime import date

import pytest
from airflow.sdk.exceptions import AirflowSkipException

from credit_warehouse.feeds.delivery_calendar import due_feeds
from credit_warehouse.load import deliveries
from credit_warehouse.orchestration import tasks
from credit_warehouse_dev.smtp_sink import mail_text, start_smtp_sink

pytestmark = pytest.mark.integration

SUNDAY = date(2026, 11, 15)  # only the daily feeds are due


@pytest.fixture
def mail(monkeypatch, warehouse_db, superuser_conn, tmp_path):
    superuser_conn.execute("truncate ops.feed_delivery, ops.warehouse_build, ops.alert_log")
    with start_smtp_sink(folder=tmp_path) as sink:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_ALERTS", sink.url)
        yield sink


def _ended(*feeds: str, status: str = deliveries.DELIVERED) -> None:
    for feed in feeds:
        deliveries.record_delivery(deliveries.FeedDelivery(feed, SUNDAY, status))


def test_an_asset_triggered_build_waits_for_every_due_feed(mail):
    due = due_feeds(SUNDAY)
    _ended(*due[:-1])
    with pytest.raises(AirflowSkipException, match=f"waiting for {due[-1]}"):
        tasks.await_feeds(SUNDAY, "asset_triggered")
    _ended(due[-1], status=deliveries.NOT_DELIVERED)  # ended, though without data
    assert tasks.await_feeds(SUNDAY, "asset_triggered")["missing"] == []


def test_the_deadline_build_goes_ahead_without_the_missing_and_says_so_once(mail):
    due = due_feeds(SUNDAY)
    _ended(*(f for f in due if f != "utility_gas"))
    night = tasks.await_feeds(SUNDAY, "scheduled")
    assert night["missing"] == ["utility_gas"]

    from credit_warehouse.alerts.deliveries import alert_build_incomplete

    deliveries.record_build(SUNDAY, "scheduled", night["missing"])
    assert alert_build_incomplete(SUNDAY, night["missing"]) == {"email": "sent"}
    assert alert_build_incomplete(SUNDAY, night["missing"]) == {}  # a retry does not mail again
    [message] = mail.messages
    assert "缺少 1 个 feed，已按时构建" in message["Subject"] and "utility_gas" in mail_text(message)
    assert not deliveries.built_complete(SUNDAY)


def test_the_deadline_run_skips_a_night_already_built_complete(mail):
    _ended(*due_feeds(SUNDAY))
    deliveries.record_build(SUNDAY, "asset_triggered", [])
    with pytest.raises(AirflowSkipException, match="already built"):
        tasks.await_feeds(SUNDAY, "scheduled")
    assert tasks.await_feeds(SUNDAY, "manual")["missing"] == []  # an engineer's rebuild always runs


def test_a_due_delivery_missing_at_its_deadline_is_alerted_and_updates_no_asset(mail):
    with pytest.raises(AirflowSkipException, match="by its deadline"):
        tasks.gate_feed("utility_water", SUNDAY, [], "manual__test")
    with pytest.raises(AirflowSkipException, match="none was due"):
        tasks.gate_feed("dept_penalty", SUNDAY, [], "manual__test")
    ended = deliveries.deliveries(SUNDAY)
    assert (ended["utility_water"].status, ended["dept_penalty"].status) == ("not_delivered", "not_due")
    [message] = mail.messages
    assert message["Subject"].strip() == "[信用数据仓库] utility_water（2026-11-15）：截止时间前未报送"
    body = mail_text(message)
    assert "截止时间：2026-11-16 02:30（北京时间）" in body and "责任部门：市自来水公司" in body
    assert "下一步：请联系报送部门补报" in body


def test_a_file_with_a_header_and_no_rows_is_loaded_and_alerted_as_empty(mail, tmp_path, monkeypatch):
    from credit_warehouse.feeds import files

    monkeypatch.setenv(files.ENV_LANDING, str(tmp_path / "landing"))
    folder = tmp_path / "landing" / "dept_commitment" / SUNDAY.isoformat()
    folder.mkdir(parents=True)
    header = "主体名称,统一社会信用代码,承诺类型,承诺事项,承诺日期,受理单位,履约状态,违约认定日期"
    (folder / "header-only.csv").write_text(header + "\n", encoding="utf-8")
    [outcome] = tasks.load_feed("dept_commitment", SUNDAY)
    assert (outcome["status"], outcome["rows_received"]) == ("loaded", 0)
    [message] = mail.messages
    assert "dept_commitment（2026-11-15）：1 个已报送文件没有数据行" in message["Subject"]
    assert "dept_commitment/2026-11-15/header-only.csv" in mail_text(message)
