"""China's official working-day calendar (全国年节放假安排) as data, written out as the dbt seed.

Each year's entries follow the State Council General Office notice (国务院办公厅关于××年部分节假日
安排的通知). A holiday break lists every day off, weekend days inside the break included, so the
seed can name them; an adjusted workday (调休上班) is a Saturday or Sunday that is worked.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

FIRST_DATE = date(2014, 1, 1)
LAST_DATE = date(2027, 12, 31)

NEW_YEAR = "元旦"
SPRING = "春节"
QINGMING = "清明节"
LABOUR = "劳动节"
DRAGON_BOAT = "端午节"
MID_AUTUMN = "中秋节"
NATIONAL = "国庆节"
MID_AUTUMN_NATIONAL = "中秋节、国庆节"
VICTORY_DAY = "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日"

# (holiday name, first day off, last day off, adjusted workdays) per notice; dates as ISO strings
_NOTICES: dict[int, list[tuple[str, str, str, tuple[str, ...]]]] = {
    2014: [  # 国办发明电〔2013〕28号
        (NEW_YEAR, "2014-01-01", "2014-01-01", ()),
        (SPRING, "2014-01-31", "2014-02-06", ("2014-01-26", "2014-02-08")),
        (QINGMING, "2014-04-05", "2014-04-07", ()),
        (LABOUR, "2014-05-01", "2014-05-03", ("2014-05-04",)),
        (DRAGON_BOAT, "2014-05-31", "2014-06-02", ()),
        (MID_AUTUMN, "2014-09-06", "2014-09-08", ()),
        (NATIONAL, "2014-10-01", "2014-10-07", ("2014-09-28", "2014-10-11")),
    ],
    2015: [  # 国办发明电〔2014〕28号, and 国发〔2015〕41号 for 3 September
        (NEW_YEAR, "2015-01-01", "2015-01-03", ("2015-01-04",)),
        (SPRING, "2015-02-18", "2015-02-24", ("2015-02-15", "2015-02-28")),
        (QINGMING, "2015-04-04", "2015-04-06", ()),
        (LABOUR, "2015-05-01", "2015-05-03", ()),
        (DRAGON_BOAT, "2015-06-20", "2015-06-22", ()),
        (VICTORY_DAY, "2015-09-03", "2015-09-05", ("2015-09-06",)),
        (MID_AUTUMN, "2015-09-26", "2015-09-27", ()),
        (NATIONAL, "2015-10-01", "2015-10-07", ("2015-10-10",)),
    ],
    2016: [  # 国办发明电〔2015〕18号
        (NEW_YEAR, "2016-01-01", "2016-01-03", ()),
        (SPRING, "2016-02-07", "2016-02-13", ("2016-02-06", "2016-02-14")),
        (QINGMING, "2016-04-02", "2016-04-04", ()),
        (LABOUR, "2016-04-30", "2016-05-02", ()),
        (DRAGON_BOAT, "2016-06-09", "2016-06-11", ("2016-06-12",)),
        (MID_AUTUMN, "2016-09-15", "2016-09-17", ("2016-09-18",)),
        (NATIONAL, "2016-10-01", "2016-10-07", ("2016-10-08", "2016-10-09")),
        (NEW_YEAR, "2016-12-31", "2016-12-31", ()),  # first day of the 2017 New Year break
    ],
    2017: [  # 国办发明电〔2016〕17号
        (NEW_YEAR, "2017-01-01", "2017-01-02", ()),
        (SPRING, "2017-01-27", "2017-02-02", ("2017-01-22", "2017-02-04")),
        (QINGMING, "2017-04-02", "2017-04-04", ("2017-04-01",)),
        (LABOUR, "2017-04-29", "2017-05-01", ()),
        (DRAGON_BOAT, "2017-05-28", "2017-05-30", ("2017-05-27",)),
        (MID_AUTUMN_NATIONAL, "2017-10-01", "2017-10-08", ("2017-09-30",)),
        (NEW_YEAR, "2017-12-30", "2017-12-31", ()),  # the 2018 New Year break
    ],
    2018: [  # 国办发明电〔2017〕12号; New Year 2019 from 国办发明电〔2018〕15号
        (NEW_YEAR, "2018-01-01", "2018-01-01", ()),
        (SPRING, "2018-02-15", "2018-02-21", ("2018-02-11", "2018-02-24")),
        (QINGMING, "2018-04-05", "2018-04-07", ("2018-04-08",)),
        (LABOUR, "2018-04-29", "2018-05-01", ("2018-04-28",)),
        (DRAGON_BOAT, "2018-06-16", "2018-06-18", ()),
        (MID_AUTUMN, "2018-09-22", "2018-09-24", ()),
        (NATIONAL, "2018-10-01", "2018-10-07", ("2018-09-29", "2018-09-30")),
        (NEW_YEAR, "2018-12-30", "2018-12-31", ("2018-12-29",)),
    ],
    2019: [  # 国办发明电〔2018〕15号; Labour Day changed by 国办发明电〔2019〕2号
        (NEW_YEAR, "2019-01-01", "2019-01-01", ()),
        (SPRING, "2019-02-04", "2019-02-10", ("2019-02-02", "2019-02-03")),
        (QINGMING, "2019-04-05", "2019-04-07", ()),
        (LABOUR, "2019-05-01", "2019-05-04", ("2019-04-28", "2019-05-05")),
        (DRAGON_BOAT, "2019-06-07", "2019-06-09", ()),
        (MID_AUTUMN, "2019-09-13", "2019-09-15", ()),
        (NATIONAL, "2019-10-01", "2019-10-07", ("2019-09-29", "2019-10-12")),
    ],
    2020: [  # 国办发明电〔2019〕16号; Spring Festival extended to 2 February by 国办发明电〔2020〕1号
        (NEW_YEAR, "2020-01-01", "2020-01-01", ()),
        (SPRING, "2020-01-24", "2020-02-02", ("2020-01-19",)),
        (QINGMING, "2020-04-04", "2020-04-06", ()),
        (LABOUR, "2020-05-01", "2020-05-05", ("2020-04-26", "2020-05-09")),
        (DRAGON_BOAT, "2020-06-25", "2020-06-27", ("2020-06-28",)),
        (MID_AUTUMN_NATIONAL, "2020-10-01", "2020-10-08", ("2020-09-27", "2020-10-10")),
    ],
    2021: [  # 国办发明电〔2020〕27号
        (NEW_YEAR, "2021-01-01", "2021-01-03", ()),
        (SPRING, "2021-02-11", "2021-02-17", ("2021-02-07", "2021-02-20")),
        (QINGMING, "2021-04-03", "2021-04-05", ()),
        (LABOUR, "2021-05-01", "2021-05-05", ("2021-04-25", "2021-05-08")),
        (DRAGON_BOAT, "2021-06-12", "2021-06-14", ()),
        (MID_AUTUMN, "2021-09-19", "2021-09-21", ("2021-09-18",)),
        (NATIONAL, "2021-10-01", "2021-10-07", ("2021-09-26", "2021-10-09")),
    ],
    2022: [  # 国办发明电〔2021〕11号
        (NEW_YEAR, "2022-01-01", "2022-01-03", ()),
        (SPRING, "2022-01-31", "2022-02-06", ("2022-01-29", "2022-01-30")),
        (QINGMING, "2022-04-03", "2022-04-05", ("2022-04-02",)),
        (LABOUR, "2022-04-30", "2022-05-04", ("2022-04-24", "2022-05-07")),
        (DRAGON_BOAT, "2022-06-03", "2022-06-05", ()),
        (MID_AUTUMN, "2022-09-10", "2022-09-12", ()),
        (NATIONAL, "2022-10-01", "2022-10-07", ("2022-10-08", "2022-10-09")),
        (NEW_YEAR, "2022-12-31", "2022-12-31", ()),  # the 2023 New Year break
    ],
    2023: [  # 国办发明电〔2022〕16号; New Year 2024 from 国办发明电〔2023〕7号
        (NEW_YEAR, "2023-01-01", "2023-01-02", ()),
        (SPRING, "2023-01-21", "2023-01-27", ("2023-01-28", "2023-01-29")),
        (QINGMING, "2023-04-05", "2023-04-05", ()),
        (LABOUR, "2023-04-29", "2023-05-03", ("2023-04-23", "2023-05-06")),
        (DRAGON_BOAT, "2023-06-22", "2023-06-24", ("2023-06-25",)),
        (MID_AUTUMN_NATIONAL, "2023-09-29", "2023-10-06", ("2023-10-07", "2023-10-08")),
        (NEW_YEAR, "2023-12-30", "2023-12-31", ()),
    ],
    2024: [  # 国办发明电〔2023〕7号
        (NEW_YEAR, "2024-01-01", "2024-01-01", ()),
        (SPRING, "2024-02-10", "2024-02-17", ("2024-02-04", "2024-02-18")),
        (QINGMING, "2024-04-04", "2024-04-06", ("2024-04-07",)),
        (LABOUR, "2024-05-01", "2024-05-05", ("2024-04-28", "2024-05-11")),
        (DRAGON_BOAT, "2024-06-08", "2024-06-10", ()),
        (MID_AUTUMN, "2024-09-15", "2024-09-17", ("2024-09-14",)),
        (NATIONAL, "2024-10-01", "2024-10-07", ("2024-09-29", "2024-10-12")),
    ],
    2025: [  # 国办发明电〔2024〕12号 (first year of the amended 全国年节及纪念日放假办法)
        (NEW_YEAR, "2025-01-01", "2025-01-01", ()),
        (SPRING, "2025-01-28", "2025-02-04", ("2025-01-26", "2025-02-08")),
        (QINGMING, "2025-04-04", "2025-04-06", ()),
        (LABOUR, "2025-05-01", "2025-05-05", ("2025-04-27",)),
        (DRAGON_BOAT, "2025-05-31", "2025-06-02", ()),
        (MID_AUTUMN_NATIONAL, "2025-10-01", "2025-10-08", ("2025-09-28", "2025-10-11")),
    ],
    2026: [  # 国办发明电〔2025〕7号 (published November 2025)
        (NEW_YEAR, "2026-01-01", "2026-01-03", ("2026-01-04",)),
        (SPRING, "2026-02-15", "2026-02-23", ("2026-02-14", "2026-02-28")),
        (QINGMING, "2026-04-04", "2026-04-06", ()),
        (LABOUR, "2026-05-01", "2026-05-05", ("2026-05-09",)),
        (DRAGON_BOAT, "2026-06-19", "2026-06-21", ()),
        (MID_AUTUMN, "2026-09-25", "2026-09-27", ()),
        (NATIONAL, "2026-10-01", "2026-10-07", ("2026-09-20", "2026-10-10")),
    ],
}

# 2027: no notice known when this table was written. The statutory days of the 全国年节及纪念日放假办法
# (2024 amendment) on their 2027 lunar dates, with a weekday off in lieu (补假) for a statutory day
# that falls on a weekend, and no adjusted workdays. Replace with the notice once it is published.
_STATUTORY_2027: list[tuple[str, tuple[str, ...]]] = [
    (NEW_YEAR, ("2027-01-01",)),
    (SPRING, ("2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08")),  # 除夕 to 初三
    (QINGMING, ("2027-04-05",)),
    (LABOUR, ("2027-05-01", "2027-05-02")),
    (DRAGON_BOAT, ("2027-06-09",)),
    (MID_AUTUMN, ("2027-09-15",)),
    (NATIONAL, ("2027-10-01", "2027-10-02", "2027-10-03")),
]


@dataclass(frozen=True)
class CalendarDay:
    calendar_date: date
    is_working_day: bool
    day_kind: str  # workday | weekend | holiday | adjusted_workday
    holiday_name: str | None


def _statutory_breaks() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """2027 breaks by rule: statutory days plus the next free weekdays for those on a weekend."""
    breaks = []
    taken: set[date] = set()
    for name, days in _STATUTORY_2027:
        off = [date.fromisoformat(d) for d in days]
        taken.update(off)
        in_lieu = sum(1 for d in off if d.weekday() >= 5)
        cursor = off[-1]
        while in_lieu:
            cursor += timedelta(days=1)
            if cursor.weekday() < 5 and cursor not in taken:
                off.append(cursor)
                taken.add(cursor)
                in_lieu -= 1
        breaks.append((name, off[0].isoformat(), max(off).isoformat(), ()))
    return breaks


@cache
def _holidays_and_workdays() -> tuple[dict[date, str], dict[date, str]]:
    holidays: dict[date, str] = {}
    workdays: dict[date, str] = {}
    all_breaks = [b for year in sorted(_NOTICES) for b in _NOTICES[year]] + _statutory_breaks()
    for name, first, last, adjusted in all_breaks:
        day = date.fromisoformat(first)
        while day <= date.fromisoformat(last):
            holidays[day] = name
            day += timedelta(days=1)
        for worked in adjusted:
            workdays[date.fromisoformat(worked)] = name
    return holidays, workdays


def calendar_days(first: date = FIRST_DATE, last: date = LAST_DATE) -> Iterator[CalendarDay]:
    holidays, workdays = _holidays_and_workdays()
    day = first
    while day <= last:
        if day in holidays:
            yield CalendarDay(day, False, "holiday", holidays[day])
        elif day in workdays:
            yield CalendarDay(day, True, "adjusted_workday", workdays[day])
        elif day.weekday() >= 5:
            yield CalendarDay(day, False, "weekend", None)
        else:
            yield CalendarDay(day, True, "workday", None)
        day += timedelta(days=1)


def is_working_day(day: date) -> bool:
    return next(calendar_days(day, day)).is_working_day


def working_days_back(day: date, count: int) -> date:
    """The date ``count`` official working days before ``day`` (as util.working_days_between counts)."""
    holidays, workdays = _holidays_and_workdays()
    cursor = day
    while count > 0:
        cursor -= timedelta(days=1)
        if cursor in workdays or (cursor.weekday() < 5 and cursor not in holidays):
            count -= 1
    return cursor


def write_calendar_csv(path: Path) -> int:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["calendar_date", "is_working_day", "day_kind", "holiday_name"])
        count = 0
        for day in calendar_days():
            writer.writerow([day.calendar_date.isoformat(), str(day.is_working_day).lower(), day.day_kind,
                             day.holiday_name or ""])
            count += 1
    return count
