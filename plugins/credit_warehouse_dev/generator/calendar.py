"""China's official working-day calendar (全国年节放假安排), written out as the dbt seed.

The years the ``chinese-calendar`` package covers come from it: it follows each year's State Council
General Office notice (国务院办公厅关于××年部分节假日安排的通知), holiday breaks and adjusted working
weekends (调休上班) included. A later year has no notice yet: it gets the statutory days of the 全国年节及
纪念日放假办法 (2024 amendment) on their lunar dates, a weekday off in lieu (补假) for a statutory day on a
weekend and no adjusted workdays, and every one of its days is marked provisional so that a figure
depending on it can say so. ``./cw generate-seeds`` rewrites the seed when the package learns a year.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from chinese_calendar import constants

FIRST_DATE = date(2014, 1, 1)
LAST_DATE = date(2027, 12, 31)

# the package names holidays in English; the seed in Chinese, as the notices do
CHINESE_NAMES = {
    constants.Holiday.new_years_day.value: "元旦",
    constants.Holiday.spring_festival.value: "春节",
    constants.Holiday.tomb_sweeping_day.value: "清明节",
    constants.Holiday.labour_day.value: "劳动节",
    constants.Holiday.dragon_boat_festival.value: "端午节",
    constants.Holiday.mid_autumn_festival.value: "中秋节",
    constants.Holiday.national_day.value: "国庆节",
    constants.Holiday.anti_fascist_70th_day.value: "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}

# statutory days off on their lunar dates, for years the package does not know yet (除夕 to 初三 for 春节)
_STATUTORY: dict[int, list[tuple[str, tuple[str, ...]]]] = {
    2027: [
        ("元旦", ("2027-01-01",)),
        ("春节", ("2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08")),
        ("清明节", ("2027-04-05",)),
        ("劳动节", ("2027-05-01", "2027-05-02")),
        ("端午节", ("2027-06-09",)),
        ("中秋节", ("2027-09-15",)),
        ("国庆节", ("2027-10-01", "2027-10-02", "2027-10-03")),
    ],
}


@dataclass(frozen=True)
class CalendarDay:
    calendar_date: date
    is_working_day: bool
    day_kind: str  # workday | weekend | holiday | adjusted_workday
    holiday_name: str | None
    is_provisional: bool = False  # no official notice for its year yet: the statutory rule's guess


def covered_years() -> range:
    """The years the chinese-calendar package has the official notices of."""
    years = {d.year for d in constants.holidays}
    return range(min(years), max(years) + 1)


def _statutory_breaks(year: int) -> dict[date, str]:
    """A provisional year's days off: statutory days plus the next free weekdays for those on a weekend."""
    holidays: dict[date, str] = {}
    for name, days in _STATUTORY[year]:
        off = [date.fromisoformat(d) for d in days]
        holidays.update(dict.fromkeys(off, name))
        cursor, in_lieu = off[-1], sum(1 for d in off if d.weekday() >= 5)
        while in_lieu:
            cursor += timedelta(days=1)
            if cursor.weekday() < 5 and cursor not in holidays:
                holidays[cursor] = name
                in_lieu -= 1
    return holidays


@cache
def _holidays_and_workdays() -> tuple[dict[date, str], dict[date, str], frozenset[int]]:
    official = covered_years()
    holidays = {day: CHINESE_NAMES[name] for day, name in constants.holidays.items()}
    workdays = {day: CHINESE_NAMES[name] for day, name in constants.workdays.items()}
    provisional = frozenset(range(official.stop, LAST_DATE.year + 1))
    for year in provisional:
        if year not in _STATUTORY:
            raise ValueError(f"no statutory holiday dates for {year}: add them to _STATUTORY or narrow LAST_DATE")
        holidays.update(_statutory_breaks(year))
    return holidays, workdays, provisional


def _days(first: date, last: date) -> list[CalendarDay]:
    holidays, workdays, provisional = _holidays_and_workdays()
    days, day = [], first
    while day <= last:
        guessed = day.year in provisional
        if day in holidays:
            days.append(CalendarDay(day, False, "holiday", holidays[day], guessed))
        elif day in workdays:
            days.append(CalendarDay(day, True, "adjusted_workday", workdays[day], guessed))
        elif day.weekday() >= 5:
            days.append(CalendarDay(day, False, "weekend", None, guessed))
        else:
            days.append(CalendarDay(day, True, "workday", None, guessed))
        day += timedelta(days=1)
    return days


def _name_weekends_inside_breaks(days: list[CalendarDay]) -> list[CalendarDay]:
    """The package lists a break's weekdays only; a notice's break (放假调休) names its weekend days too:
    a weekend day in one unbroken run of days off with a holiday takes that holiday's name."""
    named, run = list(days), []
    for index, day in enumerate([*days, None]):
        if day is not None and not day.is_working_day:
            run.append(index)
            continue
        names = [days[i].holiday_name for i in run if days[i].day_kind == "holiday"]
        for i in run:
            if names and days[i].day_kind == "weekend":
                named[i] = CalendarDay(days[i].calendar_date, False, "holiday", names[0], days[i].is_provisional)
        run = []
    return named


def calendar_days(first: date = FIRST_DATE, last: date = LAST_DATE) -> Iterator[CalendarDay]:
    # a week either side, so a break crossing ``first`` or ``last`` is seen whole
    for day in _name_weekends_inside_breaks(_days(first - timedelta(days=7), last + timedelta(days=7))):
        if first <= day.calendar_date <= last:
            yield day


def is_working_day(day: date) -> bool:
    return next(calendar_days(day, day)).is_working_day


def working_days_back(day: date, count: int) -> date:
    """The date ``count`` official working days before ``day`` (as util.working_days_between counts)."""
    holidays, workdays, _ = _holidays_and_workdays()
    cursor = day
    while count > 0:
        cursor -= timedelta(days=1)
        if cursor in workdays or (cursor.weekday() < 5 and cursor not in holidays):
            count -= 1
    return cursor


def write_calendar_csv(path: Path) -> int:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["calendar_date", "is_working_day", "day_kind", "holiday_name", "is_provisional"])
        count = 0
        for day in calendar_days():
            writer.writerow([day.calendar_date.isoformat(), str(day.is_working_day).lower(), day.day_kind,
                             day.holiday_name or "", str(day.is_provisional).lower()])
            count += 1
    return count
