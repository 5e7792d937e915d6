"""Hardened inputs end to end: a path-traversal name, a symbolic link out of the landing folder and an
oversized file are refused with one clear sentence, recorded as failed batches, and the monitors alerted."""

from __future__ import annotations

import dataclasses
from datetime import date

import psycopg
import pytest

from credit_warehouse import settings
from credit_warehouse.alerts.refused_inputs import alert_refused_inputs
from credit_warehouse.feeds import files
from credit_warehouse.feeds.registry import Limits, get_feed
from credit_warehouse.load.pipeline import extract_and_load
from credit_warehouse_dev.smtp_sink import mail_text, start_smtp_sink

pytestmark = pytest.mark.integration

HEADER = "主体名称,统一社会信用代码,承诺类型,承诺事项,承诺日期,受理单位,履约状态,违约认定日期\n"
ROW = "企业1,91310000MA1FL00001,审批替代型,事项1,2024-03-01,市市场监管局,履约,\n"


@pytest.fixture
def landing(tmp_path, monkeypatch, warehouse_db):
    monkeypatch.setenv(files.ENV_LANDING, str(tmp_path / "landing"))
    return tmp_path / "landing"


@pytest.fixture
def mail(monkeypatch, tmp_path):
    with start_smtp_sink(folder=tmp_path / "mail") as sink:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_ALERTS", sink.url)
        yield sink


def _folder(landing, day: date):
    folder = landing / "dept_commitment" / day.isoformat()
    folder.mkdir(parents=True)
    return folder


def _ledger(batch_ids: list[int]) -> list[tuple]:
    with psycopg.connect(settings.database_url()) as conn:
        return conn.execute("select status, error_text from ops.load_batch where batch_id = any(%s) order by batch_id",
                            (batch_ids,)).fetchall()


def test_path_traversal_names_and_outside_links_are_refused_and_alerted(landing, tmp_path, mail):
    day = date(2024, 5, 6)
    folder = _folder(landing, day)
    (folder / "..\\..\\etc\\cron.d\\job.csv").write_text(HEADER + ROW)
    (folder / "good.csv").write_text(HEADER + ROW)
    (folder / "report\x1b[2J.csv").write_text(HEADER + ROW)
    secret = tmp_path / "outside" / "secret.csv"
    secret.parent.mkdir()
    secret.write_text(HEADER + ROW)
    (folder / "linked.csv").symlink_to(secret)

    outcomes = extract_and_load("dept_commitment", day)
    by_name = {o.source.rsplit("/", 1)[-1]: o for o in outcomes}
    assert sorted(by_name) == ["..\\..\\etc\\cron.d\\job.csv", "good.csv", "linked.csv", "report\\x1b[2J.csv"]
    assert by_name["good.csv"].status == "loaded"
    traversal = by_name["..\\..\\etc\\cron.d\\job.csv"]
    assert traversal.status == "failed"
    assert traversal.message == ("feed dept_commitment, file dept_commitment/2024-05-06/..\\..\\etc\\cron.d\\job.csv:"
                                 " refused because the file name contains a path separator; rename it and deliver it"
                                 " again.")
    escaped = by_name["report\\x1b[2J.csv"].message
    assert "the file name contains control, invisible or undecodable characters" in escaped
    assert "\x1b" not in escaped  # escaped, so a terminal showing the message is not driven by it
    assert by_name["linked.csv"].message.endswith("linked.csv: refused because it is a symbolic link pointing "
                                                  "outside its landing folder.")
    refused = [o for o in outcomes if o.status == "failed"]
    assert _ledger([o.batch_id for o in refused]) == [("failed", o.message) for o in refused]

    sent = alert_refused_inputs(outcomes, day)
    assert sent == {"email": "sent"}
    [message] = mail.messages
    body = mail_text(message)
    assert "dept_commitment（2024-05-06）：3 个报送被拒收" in message["Subject"]
    assert all(o.message in body for o in refused) and "good.csv" not in body


def test_oversized_file_is_refused_and_alerted(landing, mail):
    day = date(2024, 5, 7)
    (_folder(landing, day) / "huge.csv").write_text(HEADER + ROW * 40)
    small = dataclasses.replace(get_feed("dept_commitment"), limits=Limits(max_file_bytes=1000))
    [outcome] = extract_and_load(small, day)
    assert outcome.status == "failed"
    assert outcome.message.startswith("feed dept_commitment, file dept_commitment/2024-05-07/huge.csv: ")
    assert outcome.message.endswith("bytes is over the feed's limit of 1000 bytes.")
    assert _ledger([outcome.batch_id]) == [("failed", outcome.message)]

    # the outcomes travel between Airflow tasks as dicts: those are accepted too
    assert alert_refused_inputs([dataclasses.asdict(outcome)], day) == {"email": "sent"}
    [message] = mail.messages
    assert message["X-Credit-Warehouse-Batch"] == str(outcome.batch_id)
    assert outcome.message in mail_text(message)
    with psycopg.connect(settings.database_url()) as conn:
        logged = conn.execute("select alert_kind, feed, status from ops.alert_log where batch_id = %s",
                              (outcome.batch_id,)).fetchall()
    assert logged == [("batch", "dept_commitment", "sent")]


def test_a_field_far_over_its_length_is_refused_naming_the_line(landing):
    day = date(2024, 5, 8)
    # an unbalanced quote swallows the rest of the file into one field; the Python path (a header with an
    # empty column) reads it under the field limit: 4 x the feed's longest max_length
    limit = files.csv_field_limit(get_feed("dept_commitment"))
    row = '企业1,91310000MA1FL00001,审批替代型,"事项' + "长" * limit + '",2024-03-01,市市场监管局,履约,,\n'
    (_folder(landing, day) / "quote.csv").write_text(HEADER.rstrip("\n") + ",\n" + row)
    [outcome] = extract_and_load("dept_commitment", day)
    assert outcome.status == "failed"
    assert outcome.message == (f"feed dept_commitment, file dept_commitment/2024-05-08/quote.csv, line 2: a field is "
                               f"longer than {limit} characters, 4 times the longest value the feed allows (an "
                               "unbalanced quote?).")


def test_no_alert_when_everything_loaded(mail):
    assert alert_refused_inputs([{"feed": "dept_commitment", "status": "loaded", "batch_id": 1}]) == {}
    assert mail.messages == []
