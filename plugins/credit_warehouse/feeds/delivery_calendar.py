"""When each feed is due: its delivery calendar applied to a delivery date.

The working days are the dbt seed ``cn_working_calendar`` (China's official calendar, adjusted
weekends included), the same table the timeliness rules count in SQL: one calendar for both sides.
A date the seed does not cover counts Monday to Friday, and says so in the log.
"""

from __future__ import annotations

import calendar as month_calendar
import csv
import functools
import logging
from datetime import date, datetime, time, timedelta

from credit_warehouse.feeds.registry import Feed, load_registry
from credit_warehouse.settings import PLATFORM_TZ, PROJECT_ROOT

log = logging.getLogger(__name__)

WORKING_CALENDAR_SEED = PROJECT_ROOT / "dbt_project" / "seeds" / "cn_working_calendar.csv"


@functools.cache
def _working_calendar() -> dict[date, bool]:
    with WORKING_CALENDAR_SEED.open(encoding="utf-8", newline="") as handle:
        return {date.fromisoformat(row["calendar_date"]): row["is_working_day"] == "true"
                for row in csv.DictReader(handle)}


def is_working_day(day: date) -> bool:
    known = _working_calendar().get(day)
    if known is None:
        log.warning("%s is outside the working-day calendar seed: counted Monday to Friday", day)
        return day.weekday() < 5
    return known


def is_due(feed: Feed, day: date) -> bool:
    """Whether a delivery of ``feed`` is expected for delivery date ``day``."""
    calendar = feed.delivery.calendar
    if calendar == "working_days":
        return is_working_day(day)
    if calendar == "monthly":
        return day.day == month_calendar.monthrange(day.year, day.month)[1]
    return True


def due_feeds(day: date) -> list[str]:
    return [feed.name for feed in load_registry().feeds.values() if is_due(feed, day)]


def deadline(feed: Feed, day: date) -> datetime:
    """The moment the delivery of ``day`` must be there: the due time on the next day, Beijing time."""
    due = time(feed.delivery.due_hour, feed.delivery.due_minute)
    return datetime.combine(day + timedelta(days=1), due, tzinfo=PLATFORM_TZ)
