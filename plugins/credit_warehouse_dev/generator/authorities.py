"""Which department decides, lists and reports a record, and the document numbers it writes (the
departments themselves are reference data: reference.py)."""

from __future__ import annotations

import random
from datetime import date

from credit_warehouse_dev.generator.reference import (
    DIVISION_BY_CODE,
    HOME_CITIES,
    Authority,
    authority,
)
from credit_warehouse_dev.generator.subjects import Subject


def deciding_authority(department_key: str, subject: Subject, rng: random.Random) -> Authority:
    """A county-level department where the subject sits in a home city, else the Jinan city level."""
    county = DIVISION_BY_CODE[subject.division_code]
    if county.city_code in HOME_CITIES and rng.random() < 0.6:
        return authority(department_key, county.code)
    city = county.city_code if county.city_code in HOME_CITIES else HOME_CITIES[0]
    return authority(department_key, city)


def reporting_unit(department_key: str, decided_by: Authority) -> Authority:
    """Data are reported by the city-level department of the deciding authority's city."""
    city = decided_by.uscc[2:6] + "00"
    return authority(department_key, city)


def serial(logical_date: date, index: int) -> str:
    """A document serial unique per night and row: day of year (3 digits) then the row (5+ digits)."""
    return f"{logical_date.timetuple().tm_yday:03d}{index + 1:05d}"


def doc_no(prefix: str, word: str, logical_date: date, index: int) -> str:
    """A document number such as 济历市监罚字〔2024〕13100001号."""
    return f"{prefix}{word}〔{logical_date.year}〕{serial(logical_date, index)}号"
