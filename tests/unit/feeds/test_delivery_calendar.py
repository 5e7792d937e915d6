"""Each feed's calendar: when a delivery is due, and the cron its DAG's intervals follow."""

from datetime import date, datetime

import pytest

from credit_warehouse.feeds.delivery_calendar import deadline, due_feeds, is_due, is_working_day
from credit_warehouse.feeds.registry import ConfigurationError, get_feed, parse_registry
from credit_warehouse.settings import PLATFORM_TZ


@pytest.mark.parametrize(("day", "working"), [
    (date(2026, 11, 23), True),    # a Monday
    (date(2026, 11, 22), False),   # a Sunday
    (date(2026, 10, 1), False),    # National Day, a Thursday
    (date(2026, 10, 10), True),    # the Saturday worked for the National Day break (调休)
])
def test_working_days_follow_the_official_calendar_seed(day, working):
    assert is_working_day(day) is working


def test_department_feeds_are_due_on_working_days_only():
    penalty = get_feed("dept_penalty")
    assert is_due(penalty, date(2026, 10, 10)) and not is_due(penalty, date(2026, 10, 1))


def test_the_monthly_feed_is_due_on_the_last_day_of_its_month_and_runs_on_the_first():
    logistics = get_feed("logistics")
    assert is_due(logistics, date(2026, 10, 31)) and is_due(logistics, date(2028, 2, 29))
    assert not is_due(logistics, date(2026, 10, 30))
    assert logistics.delivery.cron == "0 4 1 * *"
    assert deadline(logistics, date(2026, 10, 31)) == datetime(2026, 11, 1, 4, 0, tzinfo=PLATFORM_TZ)


def test_a_sunday_night_is_due_for_daily_feeds_only():
    due = set(due_feeds(date(2026, 11, 22)))
    assert "utility_water" in due and "court_dishonest_debtor" in due
    assert not {name for name in due if name.startswith("dept_")} and "logistics" not in due


@pytest.mark.parametrize(("delivery", "problem"), [
    ({"calendar": "weekly", "due": "02:00"}, "not one of"),
    ({"calendar": "daily", "due": "25:00"}, "not a time"),
    ({"calendar": "daily"}, "not a time"),
])
def test_a_wrong_delivery_entry_is_one_sentence(delivery, problem):
    import yaml

    from credit_warehouse.feeds.registry import REGISTRY_PATH

    document = yaml.safe_load(REGISTRY_PATH.read_text(encoding="utf-8"))
    document["feeds"]["dept_penalty"]["delivery"] = delivery
    with pytest.raises(ConfigurationError, match=problem):
        parse_registry(document)
