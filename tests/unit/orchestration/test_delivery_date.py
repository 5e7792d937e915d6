"""The one date rule, with the values Airflow itself passes (pendulum datetimes in UTC)."""

from datetime import date
from types import SimpleNamespace

import pendulum
import pytest

from credit_warehouse.orchestration.delivery_date import delivery_date, run_type


def _context(**values):
    return {"params": {"delivery_date": None}, "triggering_asset_events": {}, **values}


@pytest.mark.parametrize(("interval_end_utc", "expected"), [
    # a daily feed due at 02:00 Beijing: the run at 02:00 on 11-24 covers deliveries of 11-23
    ((2026, 11, 23, 18, 0), date(2026, 11, 23)),
    # the 05:30 deadline build of 11-24
    ((2026, 11, 23, 21, 30), date(2026, 11, 23)),
    # the monthly logistics run at 04:00 on 1 November: the October delivery, dated its last day
    ((2026, 10, 31, 20, 0), date(2026, 10, 31)),
    # a feed due at 01:00 Beijing, which is still the previous UTC day
    ((2026, 11, 23, 17, 0), date(2026, 11, 23)),
])
def test_a_scheduled_or_backfilled_run_works_on_the_day_before_its_interval_ends(interval_end_utc, expected):
    end = pendulum.datetime(*interval_end_utc, tz="UTC")
    assert delivery_date(_context(data_interval_end=end)) == expected


def test_the_param_wins_over_everything():
    end = pendulum.datetime(2026, 11, 23, 18, 0, tz="UTC")
    events = {"raw_dept_penalty": [_event("2026-11-19", 1)]}
    context = _context(params={"delivery_date": "2026-11-02"}, data_interval_end=end, triggering_asset_events=events)
    assert delivery_date(context) == date(2026, 11, 2)


def _event(day: str | None, minute: int) -> SimpleNamespace:
    return SimpleNamespace(extra={"delivery_date": day} if day else {},
                           timestamp=pendulum.datetime(2026, 11, 23, 9, minute, tz="UTC"))


def test_an_asset_triggered_run_takes_the_date_of_its_newest_event():
    # an older event of a later night (left by `./cw night`) arrives with the run: the newest event decides
    events = {
        "raw_dept_penalty": [_event("2026-11-20", 1), _event("2026-11-18", 9)],
        "raw_utility_gas": [_event("2026-11-19", 5), _event(None, 10)],
    }
    asset_run_interval_end = pendulum.datetime(2026, 11, 23, 9, 0, tz="UTC")  # the events' own timestamps
    context = _context(triggering_asset_events=events, data_interval_end=asset_run_interval_end)
    assert delivery_date(context) == date(2026, 11, 18)


def test_run_type_reads_the_dag_run():
    asset_run = SimpleNamespace(run_type=SimpleNamespace(value="asset_triggered"))
    assert run_type({"dag_run": asset_run}) == "asset_triggered"
    assert run_type({"dag_run": SimpleNamespace(run_type="scheduled")}) == "scheduled"
