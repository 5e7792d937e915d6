"""Utility feeds: water, power and gas arrears from the billing database, monthly logistics ratings."""

from __future__ import annotations

import random
from datetime import date, timedelta

from credit_warehouse_dev.generator.base import Built, FeedBuilder, Unit
from credit_warehouse_dev.generator.subjects import Subject

_UTILITY_KINDS = ("full_width_code", "lower_case_code", "bad_uscc_checksum", "duplicate", "missing_required")


def billing_month(logical_date: date) -> str:
    """Arrears published on a night are those of the previous month (统计年月, YYYYMM)."""
    previous = logical_date.replace(day=1) - timedelta(days=1)
    return f"{previous:%Y%m}"


def _row_number(logical_date: date, index: int) -> str:
    return f"{logical_date.timetuple().tm_yday:03d}{index + 1:07d}"


def _arrears(rng: random.Random, subject: Subject, periods: int, low: float, high: float) -> float:
    scale = 0.3 if subject.kind == "individual_business" else 1.0
    return round(periods * 10 ** rng.uniform(low, high) * scale, 2)


class _UtilityBuilder(FeedBuilder):
    dirt_kinds = _UTILITY_KINDS
    table: str

    def units(self) -> list[Unit]:
        return [Unit(self.table, "table", self.table, "sql")]

    def subject(self, rng: random.Random) -> Subject:
        # billing records are linked to market subjects only: organisations and individual businesses
        return self.night.pool.draw_organisation(rng)


class WaterBuilder(_UtilityBuilder):
    feed_name = "utility_water"
    table = "water_bill"

    def build(self, index: int, rng: random.Random) -> Built:
        subject = self.subject(rng)
        periods = min(12, 1 + int(rng.expovariate(0.6)))
        amount = _arrears(rng, subject, periods, 2, 4)
        row = self.empty_row()
        row.update(
            billing_month=billing_month(self.night.logical_date),
            uscc=subject.uscc,
            account_no=f"{subject.division_code[2:6]}{_row_number(self.night.logical_date, index)}",
            account_type=rng.choices(("非居民用水", "特种用水"), (93, 7))[0],
            account_name=subject.name,
            address=subject.address,
            bill_no=f"SW{self.night.logical_date:%Y%m%d}{index + 1:08d}",
            arrears_periods=str(periods),
            arrears_amount_yuan=f"{amount:.2f}",
            late_fee_yuan=f"{amount * 0.003 * 30 * periods / 2:.2f}",
            division_code=subject.division_code,
        )
        return Built(row, self.table)


class PowerBuilder(_UtilityBuilder):
    feed_name = "utility_power"
    table = "power_bill"

    def build(self, index: int, rng: random.Random) -> Built:
        subject = self.subject(rng)
        event = rng.choices(("欠费", "窃电", "违约用电"), (85, 10, 5))[0]
        row = self.empty_row()
        row.update(
            billing_month=billing_month(self.night.logical_date),
            uscc=subject.uscc,
            account_no=f"0{subject.division_code[:4]}{_row_number(self.night.logical_date, index)}",
            account_name=subject.name,
            address=subject.address,
            adverse_event=event,
            division_code=subject.division_code,
        )
        if event == "窃电":
            kwh = rng.randrange(500, 200_000)
            row.update(theft_kwh=str(kwh), theft_amount_yuan=f"{kwh * 0.65 * 3:.2f}")  # 3x the tariff
        else:
            months = min(12, 1 + int(rng.expovariate(0.5)))
            row.update(arrears_months=str(months), arrears_amount_yuan=f"{_arrears(rng, subject, months, 2.5, 5):.2f}")
        return Built(row, self.table)


class GasBuilder(_UtilityBuilder):
    feed_name = "utility_gas"
    table = "gas_bill"

    def build(self, index: int, rng: random.Random) -> Built:
        subject = self.subject(rng)
        periods = min(12, 1 + int(rng.expovariate(0.6)))
        amount = _arrears(rng, subject, periods, 2, 4.3)
        serial = _row_number(self.night.logical_date, index)
        row = self.empty_row()
        row.update(
            billing_month=billing_month(self.night.logical_date),
            uscc=subject.uscc,
            gas_cert_no=f"RQ{subject.division_code[2:6]}{serial}",
            meter_no=f"M{rng.randrange(10**9, 10**10)}",
            account_name=subject.name,
            arrears_amount_yuan=f"{amount:.2f}",
            arrears_periods=str(periods),
            late_fee_yuan=f"{amount * 0.001 * 30 * periods:.2f}",
        )
        return Built(row, self.table)


class LogisticsBuilder(FeedBuilder):
    """One rating per organisation and year: row i rates the pool's i-th organisation (the most active first)."""

    feed_name = "logistics"
    dirt_kinds = ("full_width_code", "lower_case_code", "spaced_code", "bad_uscc_checksum", "duplicate",
                  "missing_required", "placeholder_optional")

    def units(self) -> list[Unit]:
        return [Unit("jtys", "file", f"logistics_{self.night.logical_date:%Y%m}_{self.night.logical_date:%d}.csv",
                     "csv", "utf-8", "label")]

    def row_count(self) -> int:
        # every fifth pool index is a person: a night never rates more companies than the pool holds
        pool = self.night.pool
        return min(self.night.rows, pool.size - (pool.size + 4) // 5)

    def _company(self, index: int) -> Subject:
        return self.night.pool.get(index + index // 4 + 1)  # the index-th pool index that is not a multiple of 5

    def build(self, index: int, rng: random.Random) -> Built:
        subject = self._company(index)
        row = self.empty_row()
        row.update(
            uscc=subject.uscc,
            company_name=subject.name,
            transport_license_no=f"鲁交运管许可济字{subject.division_code}{rng.randrange(10**6):06d}号"
            if rng.random() < 0.8 else "",
            warehouse_cert_no=f"CC{subject.division_code}{rng.randrange(10**5):05d}" if rng.random() < 0.4 else "",
            rating_year=str(self.night.logical_date.year - 1),
            credit_rating=rng.choices(("AAA", "AA", "A", "B", "C"), (10, 35, 40, 10, 5))[0],
            violations=str(min(9, int(rng.expovariate(1.2)))),
            overload_events=str(min(9, int(rng.expovariate(1.5)))),
        )
        return Built(row, "jtys")
