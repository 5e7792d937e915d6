"""Alert texts and payloads: Chinese, Beijing time, owner and next step, masked, sized in bytes per robot,
@mentions from the registry, and DingTalk's signature as its documentation defines it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

from credit_warehouse.alerts.message import Alert, batch_alert, digest_alert, fit
from credit_warehouse.alerts.routing import route
from credit_warehouse.alerts.webhooks import MAX_BYTES, dingtalk_payload, dingtalk_url, slack_payload, wecom_payload
from credit_warehouse.identifiers import make_resident_id
from credit_warehouse.quality.gate import FailedExpectation, GateResult

FULL_ID = make_resident_id("370102", date(1979, 5, 6), 322)


def _result(feed="dept_penalty", batch_id=7, held=True, failures=1) -> GateResult:
    return GateResult(
        feed=feed, batch_id=batch_id, logical_date=date(2024, 7, 10), status="rejected" if held else "accepted",
        rows_received=100, rows_accepted=90, rows_quarantined=10, failed_share=0.1, max_failed_share=0.05,
        schema_failed=False, data_docs_path="/docs/x.html", seconds=1.0, held_reason="10.0% 的行未通过检查",
        failed_expectations=[FailedExpectation(f"check_{n}", "person_id_no", "bad ID 身份证号校验位错误", 10,
                                               samples=[{"row": 3, "value": f"raw {FULL_ID}"}])
                             for n in range(failures)],
    )


def test_batch_alert_says_what_who_when_and_what_next_in_chinese_and_masks_ids():
    alert = batch_alert(_result(), {"Airflow 任务日志": "http://airflow/log?x=1"})
    text = alert.text()
    assert FULL_ID not in text and FULL_ID[:6] + "********" + FULL_ID[-4:] in text
    for needle in ("dept_penalty 批次 7（2024-07-10）：已扣留（HELD）", "批次（batch_id）：7",
                   "check_0（列 person_id_no）", "10 行", "责任部门：市发展改革委（信用办）汇集各处罚机关",
                   "下一步：", "Data Docs：/docs/x.html",
                   "Airflow 任务日志：http://airflow/log?x=1", "（北京时间）"):
        assert needle in text, needle
    assert re.search(r"告警时间：\d{4}-\d\d-\d\d \d\d:\d\d:\d\d（北京时间）", text)
    assert alert.raised_at.utcoffset().total_seconds() == 8 * 3600
    assert '<a href="http://airflow/log?x=1">' in alert.html()
    for payload in (slack_payload(alert), dingtalk_payload(alert), wecom_payload(alert)):
        assert FULL_ID not in str(payload)


def test_digest_covers_every_failing_feed_held_first():
    alert = digest_alert([_result("utility_gas", 2, held=False), _result("dept_penalty", 1)])
    assert "2 个批次需关注，1 个已扣留" in alert.title
    text = alert.text()
    assert text.index("dept_penalty 批次 1") < text.index("utility_gas 批次 2")
    assert "；责任部门：市燃气集团" in text  # each item names the department that owns it


def test_robot_messages_fit_their_byte_limits_and_say_how_many_items_were_left_out():
    alert = digest_alert([_result(f"feed_{n}", n, failures=8) for n in range(40)])
    wecom = wecom_payload(alert)["markdown"]["content"]
    assert len(wecom.encode("utf-8")) <= MAX_BYTES["wecom"] < len(alert.markdown().encode("utf-8"))
    dropped = int(re.search(r"另有 (\d+) 项未列出（\+(\d+) more）", wecom).group(1))
    shown = wecom.count("\n- ") - 1  # the note is an item too
    assert shown + dropped == 40 and shown > 0
    assert "下一步" in wecom  # the footer survives the cut
    slack = slack_payload(alert)["text"]
    assert len(slack.encode("utf-8")) <= MAX_BYTES["slack"] and "more）" in slack


def test_fit_cuts_at_a_character_when_there_is_no_list_to_shorten():
    alert = Alert(kind="batch", title="标题", lines=["很长的一行" * 2000])
    text = fit(alert, alert.text, 4096)
    assert len(text.encode("utf-8")) <= 4096 and text.endswith("（已截断）")
    text.encode("utf-8").decode("utf-8")  # no broken character at the cut


def test_mentions_come_from_the_feed_registry():
    mentions = route(["dept_penalty"]).mentions
    assert mentions == {"dingtalk": ("13800000001",), "wecom": ("penalty-data-duty",)}
    alert = batch_alert(_result())
    dingtalk = dingtalk_payload(alert, mentions["dingtalk"])
    assert dingtalk["at"] == {"atMobiles": ["13800000001"], "isAtAll": False}
    assert dingtalk["markdown"]["text"].endswith("@13800000001")
    assert wecom_payload(alert, mentions["wecom"])["markdown"]["content"].endswith("<@penalty-data-duty>")
    assert route([]).mentions == {}  # an alert about every feed wakes no one by name


def test_dingtalk_signature_follows_the_robot_documentation():
    secret, timestamp = "SEC000", 1700000000000
    url = dingtalk_url("https://oapi.dingtalk.com/robot/send?access_token=abc", secret, timestamp)
    query = parse_qs(urlsplit(url).query)
    expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert query["timestamp"] == [str(timestamp)] and query["sign"] == [expected] and query["access_token"] == ["abc"]
