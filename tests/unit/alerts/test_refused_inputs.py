"""The alert for deliveries refused on load: what it says (sending is tested against a real SMTP sink)."""

from __future__ import annotations

from datetime import date

from credit_warehouse.alerts.refused_inputs import failed_outcomes, refused_inputs_alert
from credit_warehouse.identifiers import make_resident_id, mask_resident_id
from credit_warehouse.load.pipeline import BatchOutcome

FULL_ID = make_resident_id("370102", date(1979, 3, 22), 12)


def test_one_alert_lists_every_refused_delivery_masked():
    outcomes = [
        BatchOutcome("dept_penalty", "file a.csv", 11, "loaded", 5, "loaded as batch 11"),
        BatchOutcome("dept_penalty", "file b..csv", 12, "failed", 0, "feed dept_penalty, file b..csv: refused."),
        {"feed": "dept_penalty", "source": "file c.csv", "batch_id": 13, "status": "failed", "rows_received": 0,
         "message": f"feed dept_penalty, file c.csv, row 2: value {FULL_ID} is odd."},
    ]
    failed = failed_outcomes(outcomes)
    assert [o["batch_id"] for o in failed] == [12, 13]
    alert = refused_inputs_alert(failed, date(2024, 5, 6))
    assert (alert.kind, alert.feed, alert.batch_id, alert.severity) == ("batch", "dept_penalty", None, "error")
    assert alert.title == "dept_penalty（2024-05-06）：2 个报送被拒收"
    text = alert.text()
    assert "- 批次 12：feed dept_penalty, file b..csv: refused." in text
    assert "台账：表 ops.load_batch，batch_id 12, 13" in text
    assert "责任部门：市发展改革委（信用办）汇集各处罚机关" in text and "下一步：" in text
    assert FULL_ID not in text and mask_resident_id(FULL_ID) in text


def test_a_feed_refused_before_any_batch():
    alert = refused_inputs_alert(failed_outcomes([BatchOutcome("nope", "", None, "failed", 0, "unknown feed 'nope'")]))
    assert alert.batch_id is None and "台账：未开立批次" in alert.text()
