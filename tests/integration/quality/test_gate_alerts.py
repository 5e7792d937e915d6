"""A failing batch produces exactly one alert per channel: a real mail at the SMTP sink, signed webhooks."""

from __future__ import annotations

import psycopg
import pytest

from credit_warehouse import settings
from credit_warehouse.docs_site import url_for
from credit_warehouse.quality.gate import gate_batch
from credit_warehouse_dev.smtp_sink import mail_text, start_smtp_sink
from credit_warehouse_dev.webhook_sink import start_webhook_sink

pytestmark = pytest.mark.integration
SECRET = "SECtest-dingtalk-secret"


def test_one_masked_alert_per_failing_batch(kit, monkeypatch, tmp_path):
    with start_smtp_sink(folder=tmp_path / "mail") as mail, start_webhook_sink(dingtalk_secret=SECRET) as hooks:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_ALERTS", mail.url)
        monkeypatch.setenv("CREDIT_WAREHOUSE_DINGTALK_WEBHOOK_URL", hooks.url("/robot/send?access_token=t"))
        monkeypatch.setenv("CREDIT_WAREHOUSE_DINGTALK_SECRET", SECRET)
        monkeypatch.setenv("CREDIT_WAREHOUSE_WECOM_WEBHOOK_URL", hooks.url("/cgi-bin/webhook/send?key=k"))
        monkeypatch.setenv("CREDIT_WAREHOUSE_SLACK_WEBHOOK_URL", hooks.url("/services/T/B/X"))

        full_id = kit.resident_id(3)
        bad_id = full_id[:-1] + ("0" if full_id[-1] != "0" else "1")
        rows = [kit.penalty_row(n + 3000) for n in range(20)]
        rows[4] = kit.penalty_row(3004, subject_category="自然人", uscc=None, person_id_no=bad_id)
        rows[9] = kit.penalty_row(3009, violation_facts=f"身份证号{full_id}的当事人未执行垃圾分类")
        batch_id = kit.deliver("dept_penalty", rows)

        result = gate_batch("dept_penalty", batch_id)
        gate_batch("dept_penalty", batch_id)  # re-gating does not alert twice

        assert result.held and result.rows_quarantined == 2
        assert len(mail.messages) == 1
        message = mail.messages[0]
        body = mail_text(message)
        assert "dept_penalty" in message["Subject"] and str(batch_id) in message["Subject"]
        assert message["Subject"].startswith("[信用数据仓库]") and message["Date"].endswith("+0800")
        for needle in ("数据源（feed）：dept_penalty", f"批次（batch_id）：{batch_id}",
                       "数据日期（logical_date）：2024-07-10", "resident_id_valid", "legal_exclusion",
                       "未执行垃圾分类", "Data Docs：",
                       url_for(result.data_docs_path), "责任部门：", "下一步："):
            assert needle in body, needle
        assert bad_id[:6] + "********" + bad_id[-4:] in body
        assert full_id not in body and bad_id not in body
        assert sorted(message["To"].split(", ")) == ["credit-monitor@example.gov.cn", "penalty-data@example.gov.cn"]
        assert len(list((tmp_path / "mail").glob("*.eml"))) == 1

        by_path = {hook.path: hook for hook in hooks.received}
        assert len(hooks.received) == 3
        dingtalk = by_path["/robot/send"]
        assert dingtalk.signature_valid is True and dingtalk.body["msgtype"] == "markdown"
        assert by_path["/cgi-bin/webhook/send"].body["msgtype"] == "markdown"
        assert "dept_penalty" in by_path["/services/T/B/X"].body["text"]
        assert all(full_id not in str(hook.body) for hook in hooks.received)

    with psycopg.connect(settings.database_url(), autocommit=True) as conn:
        logged = conn.execute("select channel, status from ops.alert_log where batch_id = %s order by channel",
                              (batch_id,)).fetchall()
    assert logged == [("dingtalk", "sent"), ("email", "sent"), ("slack", "sent"), ("wecom", "sent")]
