"""The utility SQL extractor against a real source database: watermark windows, reruns, a source that is down."""

from __future__ import annotations

from datetime import date, datetime

import psycopg
import pytest

from credit_warehouse.feeds.registry import get_feed
from credit_warehouse.feeds.sql import url_env
from credit_warehouse.identifiers import make_uscc
from credit_warehouse.load.pipeline import extract_and_load
from credit_warehouse.quality.gate import gate_batch
from credit_warehouse.settings import PLATFORM_TZ

pytestmark = pytest.mark.integration



def _at(day: int, hour: int) -> datetime:
    return datetime(2024, 6, day, hour, tzinfo=PLATFORM_TZ)


def _bill(conn, bill_no: str, updated_at: datetime, amount: str = "1234.50",
          uscc: str = "91340100MA2N0XXX1Q") -> None:
    conn.execute(
        "insert into water_bill values (%s, '202405', %s, %s, '非居民用水', '合肥某某公司', "
        "'合肥市蜀山区', 3, %s, 12.30, '340104', '王师傅', %s) on conflict (bill_no) do update set "
        "arrears_amount_yuan = excluded.arrears_amount_yuan, updated_at = excluded.updated_at",
        (bill_no, uscc, f"A{bill_no}", amount, updated_at),
    )


def test_watermark_windows_load_each_change_once(water_billing, superuser_conn):
    with psycopg.connect(water_billing, autocommit=True) as source:
        _bill(source, "B1", _at(1, 9))
        _bill(source, "B2", _at(1, 23))
        _bill(source, "B3", _at(2, 8))  # after the first window
    [first] = extract_and_load("utility_water", date(2024, 6, 1))
    assert (first.status, first.rows_received) == ("loaded", 2)
    row = superuser_conn.execute(
        "select bill_no, arrears_periods, arrears_amount_yuan, division_code, _row_number, _source "
        "from raw.utility_water where _batch_id = %s order by _row_number", (first.batch_id,)).fetchone()
    assert row[:5] == ("B1", "3", "1234.50", "340104", 1)
    assert row[5].endswith(".water_bill")
    wm = superuser_conn.execute("select watermark_from, watermark_to, source_identity from ops.load_batch "
                                "where batch_id = %s", (first.batch_id,)).fetchone()
    assert wm[0] is None and wm[1] == _at(2, 0)

    [again] = extract_and_load("utility_water", date(2024, 6, 1))
    assert again.already_loaded and again.batch_id == first.batch_id
    assert "already loaded as batch" in again.message

    with psycopg.connect(water_billing, autocommit=True) as source:
        _bill(source, "B1", _at(2, 10), amount="99.00")  # a correction of an earlier bill
    [second] = extract_and_load("utility_water", date(2024, 6, 2))
    assert (second.status, second.rows_received) == ("loaded", 2)
    loaded = superuser_conn.execute("select bill_no, arrears_amount_yuan from raw.utility_water where _batch_id = %s "
                                    "order by _row_number", (second.batch_id,)).fetchall()
    assert loaded == [("B3", "1234.50"), ("B1", "99.00")]
    wm = superuser_conn.execute("select watermark_from, watermark_to from ops.load_batch where batch_id = %s",
                                (second.batch_id,)).fetchone()
    assert wm == (_at(2, 0), _at(3, 0))
    total = superuser_conn.execute("select count(*) from raw.utility_water").fetchone()[0]
    extract_and_load("utility_water", date(2024, 6, 2))
    assert superuser_conn.execute("select count(*) from raw.utility_water").fetchone()[0] == total


def test_rows_committed_late_inside_a_loaded_window_are_picked_up_once(water_billing, superuser_conn):
    assert get_feed("utility_water").source.overlap_minutes == 60
    uscc = make_uscc("9", "1", "340104", "MA2N0001")
    with psycopg.connect(water_billing, autocommit=True) as source:
        _bill(source, "L1", uscc=uscc, updated_at=datetime(2024, 8, 1, 9, tzinfo=PLATFORM_TZ))
        _bill(source, "L2", uscc=uscc, updated_at=datetime(2024, 8, 1, 23, 40, tzinfo=PLATFORM_TZ))
    [first] = extract_and_load("utility_water", date(2024, 8, 1))
    assert gate_batch("utility_water", first.batch_id, alert=False).rows_accepted == 2
    with psycopg.connect(water_billing, autocommit=True) as source:
        # committed after the night's window was read, stamped before its end (a long billing transaction)
        _bill(source, "L3", uscc=uscc, updated_at=datetime(2024, 8, 1, 23, 55, tzinfo=PLATFORM_TZ))
        _bill(source, "L4", uscc=uscc, updated_at=datetime(2024, 8, 2, 10, tzinfo=PLATFORM_TZ))
    [second] = extract_and_load("utility_water", date(2024, 8, 2))
    loaded = superuser_conn.execute("select bill_no from raw.utility_water where _batch_id = %s order by _row_number",
                                    (second.batch_id,)).fetchall()
    assert [bill for (bill,) in loaded] == ["L2", "L3", "L4"]  # the hour before the window re-read
    result = gate_batch("utility_water", second.batch_id, alert=False)
    assert (result.status, result.rows_accepted, result.rows_unchanged) == ("accepted", 2, 1)
    assert not result.needs_alert
    accepted = superuser_conn.execute(
        "select r.bill_no from raw.utility_water as r join ops.load_batch as b on b.batch_id = r._batch_id "
        "where b.status = 'accepted' and r.bill_no like 'L%%' and not exists (select 1 from quarantine.utility_water "
        "as q where q._batch_id = r._batch_id and q._row_number = r._row_number) order by 1").fetchall()
    assert [bill for (bill,) in accepted] == ["L1", "L2", "L3", "L4"]  # each once, none lost


def test_source_down_and_missing_column_are_recorded(water_billing, monkeypatch, superuser_conn):
    monkeypatch.setenv(url_env(get_feed("utility_water")), "postgresql://loader:x@127.0.0.1:1/utility_billing")
    [down] = extract_and_load("utility_water", date(2024, 7, 1))
    assert down.status == "failed"
    assert down.message == ("feed utility_water, source table water_bill in database utility_billing at "
                                   "127.0.0.1:1: the source database is unreachable (Connection refused).")
    assert "x@" not in down.message  # no credentials in messages
    assert superuser_conn.execute("select status, error_text from ops.load_batch where batch_id = %s",
                                  (down.batch_id,)).fetchone() == ("failed", down.message)

    monkeypatch.setenv(url_env(get_feed("utility_water")), water_billing)
    with psycopg.connect(water_billing, autocommit=True) as source:
        source.execute("alter table water_bill drop column late_fee_yuan")
    [broken] = extract_and_load("utility_water", date(2024, 7, 1))
    assert broken.status == "failed"
    assert broken.message.endswith("column late_fee_yuan is missing from the source table.")
    assert superuser_conn.execute("select status from ops.load_batch where batch_id = %s",
                                  (down.batch_id,)).fetchone()[0] == "superseded"
