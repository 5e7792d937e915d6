"""The working-day calendar against the State Council notices."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from credit_warehouse_dev.generator.calendar import (
    FIRST_DATE,
    LAST_DATE,
    calendar_days,
    covered_years,
    is_working_day,
    working_days_back,
    write_calendar_csv,
)

DAYS = {day.calendar_date: day for day in calendar_days()}


def _range(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def test_every_date_once_in_range():
    assert min(DAYS) == FIRST_DATE == date(2014, 1, 1)
    assert max(DAYS) == LAST_DATE == date(2027, 12, 31)
    assert len(DAYS) == (LAST_DATE - FIRST_DATE).days + 1


@pytest.mark.parametrize(
    ("off", "worked"),
    [
        (("2024-02-10", "2024-02-17"), ("2024-02-04", "2024-02-18")),  # Spring Festival 2024
        (("2025-01-28", "2025-02-04"), ("2025-01-26", "2025-02-08")),  # Spring Festival 2025
        (("2026-02-15", "2026-02-23"), ("2026-02-14", "2026-02-28")),  # Spring Festival 2026
        (("2024-10-01", "2024-10-07"), ("2024-09-29", "2024-10-12")),  # National Day 2024
        (("2025-10-01", "2025-10-08"), ("2025-09-28", "2025-10-11")),  # National Day + Mid-Autumn 2025
        (("2023-09-29", "2023-10-06"), ("2023-10-07", "2023-10-08")),  # Mid-Autumn + National Day 2023
        (("2020-01-24", "2020-02-02"), ("2020-01-19",)),  # Spring Festival 2020, extended by 国办发明电〔2020〕1号
    ],
)
def test_holiday_breaks_and_adjusted_workdays(off, worked):
    for day in _range(*off):
        assert DAYS[day].day_kind == "holiday" and not DAYS[day].is_working_day, day
    for text in worked:
        day = date.fromisoformat(text)
        assert day.weekday() >= 5, "an adjusted workday is a weekend day"
        assert DAYS[day].day_kind == "adjusted_workday" and DAYS[day].is_working_day, day


def test_2020_february_first_is_no_longer_worked():
    assert not is_working_day(date(2020, 2, 1))


def test_adjusted_workdays_are_weekends_and_named():
    adjusted = [d for d in DAYS.values() if d.day_kind == "adjusted_workday"]
    assert adjusted and all(d.calendar_date.weekday() >= 5 and d.holiday_name for d in adjusted)


@pytest.mark.parametrize(
    ("year", "working_days"),
    # days - weekend days - statutory days (11 until 2024, 13 from 2025), plus the 2015 victory day and the
    # 2020 extension: the counts the notices imply
    [(2014, 250), (2015, 249), (2016, 250), (2017, 249), (2018, 250), (2019, 250), (2020, 249), (2021, 250),
     (2022, 249), (2023, 249), (2024, 251), (2025, 248), (2026, 248), (2027, 248)],
)
def test_working_days_per_year(year, working_days):
    assert sum(1 for d in DAYS.values() if d.calendar_date.year == year and d.is_working_day) == working_days


def test_working_days_back_skips_holidays_and_counts_adjusted_workdays():
    # 2024-02-19 (Mon): back over Sun 18 Feb (worked), then the whole Spring Festival break to Fri 9 Feb
    assert working_days_back(date(2024, 2, 19), 1) == date(2024, 2, 18)
    assert working_days_back(date(2024, 2, 19), 2) == date(2024, 2, 9)
    # back from Mon 13 May 2024: Sat 11 May worked, 1-5 May off, Sun 28 April worked
    assert working_days_back(date(2024, 5, 13), 7) == date(2024, 4, 30)
    assert working_days_back(date(2024, 5, 13), 9) == date(2024, 4, 28)


def test_the_official_years_agree_with_the_chinese_calendar_package_and_later_years_are_provisional():
    import chinese_calendar

    official = covered_years()
    for day in DAYS.values():
        if day.calendar_date.year in official:
            assert day.is_working_day is chinese_calendar.is_workday(day.calendar_date), day
            assert not day.is_provisional, day
        else:
            assert day.is_provisional, day
    assert any(d.is_provisional for d in DAYS.values()), "2027 has no notice in the package yet"


def test_the_committed_seed_is_what_generate_seeds_writes(tmp_path):
    from credit_warehouse.feeds.delivery_calendar import WORKING_CALENDAR_SEED

    write_calendar_csv(tmp_path / "calendar.csv")
    assert (tmp_path / "calendar.csv").read_text() == WORKING_CALENDAR_SEED.read_text(), \
        "the seed is stale: run ./cw generate-seeds"
