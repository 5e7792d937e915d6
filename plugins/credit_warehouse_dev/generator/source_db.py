"""The utilities' billing tables in the stand-in source database (settings.SOURCE_DB).

Tables ``water_bill``, ``power_bill`` and ``gas_bill`` carry the feed's columns typed as a billing
system keeps them plus ``updated_at`` (the SQL extractor's watermark). A night's rows all have
``updated_at`` inside the logical date (China time); writing a night replaces that day's rows in
one transaction, so regenerating a date leaves the same rows, never twice.
"""

from __future__ import annotations

import re
from contextlib import ExitStack
from datetime import date, datetime, timedelta, timezone

import psycopg
from psycopg import sql

from credit_warehouse.settings import SOURCE_DB, ConfigurationError, database_url
from credit_warehouse_dev.generator.sinks import Sink

CHINA_TIME = timezone(timedelta(hours=8))
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_NUMERIC = ("arrears_amount_yuan", "late_fee_yuan", "theft_amount_yuan", "theft_kwh")
_INTEGER = ("arrears_periods", "arrears_months")


def _identifier(name: str) -> sql.Identifier:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a safe SQL identifier: {name!r}")
    return sql.Identifier(name)


def column_type(column: str) -> sql.SQL:
    if column in _NUMERIC:
        return sql.SQL("numeric(16, 2)")
    if column in _INTEGER:
        return sql.SQL("integer")
    return sql.SQL("text")


def connect(database: str | None = None) -> psycopg.Connection:
    """The source database as its owner, the loader role."""
    name = database or SOURCE_DB
    try:
        return psycopg.connect(database_url(name, role="loader"))
    except psycopg.OperationalError as error:
        raise ConfigurationError(
            f"the utility source database {name} is not reachable ({str(error).strip().splitlines()[0]}); "
            "start and bootstrap the warehouse first (credit-warehouse bootstrap), or generate with --no-source-db."
        ) from None


def ensure_table(conn: psycopg.Connection, table: str, columns: tuple[str, ...]) -> None:
    definitions = [sql.SQL("{} {}").format(_identifier(c), column_type(c)) for c in columns]
    definitions.append(sql.SQL("updated_at timestamptz not null"))
    conn.execute(sql.SQL("create table if not exists {} ({})").format(_identifier(table),
                                                                   sql.SQL(", ").join(definitions)))
    conn.execute(sql.SQL("create index if not exists {} on {} (updated_at)").format(
        _identifier(f"{table}_updated_at_idx"), _identifier(table)))


def day_bounds(logical_date: date) -> tuple[datetime, datetime]:
    start = datetime(logical_date.year, logical_date.month, logical_date.day, tzinfo=CHINA_TIME)
    return start, start + timedelta(days=1)


class TableSink(Sink):
    """Replaces one logical date's rows of a billing table, streaming them in with COPY."""

    def __init__(self, conn: psycopg.Connection, table: str, columns: tuple[str, ...], logical_date: date,
                 expected_rows: int):
        self.path = None
        self.table = table
        self._conn = conn
        self._start, end = day_bounds(logical_date)
        self._step_us = 86_400_000_000 // (expected_rows + 1)
        ensure_table(conn, table, columns)
        conn.execute(sql.SQL("delete from {} where updated_at >= %s and updated_at < %s").format(_identifier(table)),
                     (self._start, end))
        self._stack = ExitStack()
        cursor = self._stack.enter_context(conn.cursor())
        statement = sql.SQL("copy {} ({}, updated_at) from stdin").format(
            _identifier(table), sql.SQL(", ").join(_identifier(c) for c in columns))
        self._copy = self._stack.enter_context(cursor.copy(statement))
        self.last_updated_at: datetime | None = None

    def write(self, values: list[str]) -> int:
        self.rows += 1
        # spread over the day in order, as a billing system writes through its business day
        self.last_updated_at = self._start + timedelta(microseconds=self.rows * self._step_us)
        self._copy.write_row([value or None for value in values] + [self.last_updated_at])
        return self.rows

    def close(self) -> None:
        self._stack.close()
        self._conn.commit()
